"""Endpoint groups, one router per module."""
