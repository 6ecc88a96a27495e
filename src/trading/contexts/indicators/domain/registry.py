"""Lookup of indicator definitions by id; the only place that knows which indicators exist."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from trading.contexts.indicators.domain.definition import IndicatorDefinition


class IndicatorRegistry:
    def __init__(self, definitions: Iterable[IndicatorDefinition]) -> None:
        self._by_id: dict[str, IndicatorDefinition] = {}
        for definition in definitions:
            if definition.indicator_id in self._by_id:
                raise ValueError(f"indicator {definition.indicator_id!r} is defined twice")
            self._by_id[definition.indicator_id] = definition

    def get(self, indicator_id: str) -> IndicatorDefinition | None:
        return self._by_id.get(indicator_id)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def __iter__(self) -> Iterator[IndicatorDefinition]:
        """Definitions sorted by id, so listings never depend on registration order."""
        return iter(sorted(self._by_id.values(), key=lambda d: d.indicator_id))

    def ids(self) -> list[str]:
        return sorted(self._by_id)
