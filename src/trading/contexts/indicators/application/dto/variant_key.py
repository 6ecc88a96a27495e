"""`indicator_variant_key`: SHA-256 of the canonical JSON of the indicator selections of one variant.

Format (schema_version 1), pinned by unit tests:
`{"indicators":[{"id":..,"inputs":[[name,value],..],"params":[[name,value],..]},..],
"instrument_id":..,"schema_version":1,"timeframe":..}` with indicators sorted by id (then by
fragment text), pairs sorted by name, and whole-number floats written as integers, so a value that
reached us as 20 or 20.0 gives the same key. An aliased instance's object also holds `"alias":name`
(first in its sorted keys); objects of instances without an alias are exactly as before.

Fragments are plain strings: callers build each indicator variant's fragment once and join many
combinations cheaply with `indicator_variant_key_from_fragments`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from trading.shared.canonical_json import canonical_dumps, sha256_hex

SCHEMA_VERSION = 1


class IndicatorSelectionLike(Protocol):
    @property
    def indicator_id(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


def indicator_fragment(selection: IndicatorSelectionLike, alias: str | None = None) -> str:
    """Canonical JSON of one indicator variant: the building block of every key that contains it."""
    document: dict[str, Any] = {
        "id": selection.indicator_id,
        "inputs": _pairs(selection.inputs),
        "params": _pairs(selection.params),
    }
    if alias is not None:
        document["alias"] = alias
    return canonical_dumps(document)


def indicator_variant_key_from_fragments(
    fragments: Iterable[tuple[str, str]], instrument_id: str, timeframe: str
) -> str:
    """`fragments` = (indicator_id, fragment) pairs; equal to hashing the full canonical object."""
    ordered = sorted(fragments)
    text = (
        '{"indicators":['
        + ",".join(fragment for _, fragment in ordered)
        + '],"instrument_id":'
        + canonical_dumps(instrument_id)
        + ',"schema_version":'
        + str(SCHEMA_VERSION)
        + ',"timeframe":'
        + canonical_dumps(timeframe)
        + "}"
    )
    return sha256_hex(text)


def indicator_variant_key(selections: Sequence[IndicatorSelectionLike], instrument_id: str, timeframe: str) -> str:
    return indicator_variant_key_from_fragments(
        ((s.indicator_id, indicator_fragment(s, getattr(s, "alias", None))) for s in selections),
        instrument_id,
        timeframe,
    )


def _pairs(values: Mapping[str, Any]) -> list[list[Any]]:
    return [[name, _canonical_value(values[name])] for name in sorted(values)]


def _canonical_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        raise ValueError("boolean indicator values are not allowed in a variant key")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
