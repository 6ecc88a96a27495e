"""Wire shapes of the API (request and response models)."""
