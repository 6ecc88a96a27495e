"""indicator_variant_key format, pinned by hand-written canonical JSON and its SHA-256."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from trading.contexts.indicators.application.dto.variant_key import (
    indicator_fragment,
    indicator_variant_key,
    indicator_variant_key_from_fragments,
)
from trading.contexts.indicators.domain.grid import IndicatorVariant


@dataclass(frozen=True)
class NumpySelection:
    """A selection whose values come straight out of numpy columns."""

    indicator_id: str
    inputs: dict[str, Any]
    params: dict[str, Any]


SMA_20 = IndicatorVariant("ma.sma", {"source": "close"}, {"window": 20})
EMA_50 = IndicatorVariant("ma.ema", {"source": "hlc3"}, {"window": 50})
RSI_14 = IndicatorVariant("momentum.rsi", {"source": "close"}, {"window": 14})
PCT_B = IndicatorVariant("volatility.bbands_percent_b", {"source": "close"}, {"window": 20, "nbdev": 2.5})
OBV = IndicatorVariant("volume.obv", {}, {})

WORKED = [
    (
        [SMA_20],
        "1:BTCUSDT",
        "1h",
        '{"indicators":[{"id":"ma.sma","inputs":[["source","close"]],"params":[["window",20]]}],'
        '"instrument_id":"1:BTCUSDT","schema_version":1,"timeframe":"1h"}',
        "63fc2f1f9b5ffd12f999188d8494c95b8e0cc311f4c3d6d4060c2eb1baa37610",
    ),
    (
        [RSI_14, EMA_50],
        "2:ETHUSDT",
        "15m",
        '{"indicators":[{"id":"ma.ema","inputs":[["source","hlc3"]],"params":[["window",50]]},'
        '{"id":"momentum.rsi","inputs":[["source","close"]],"params":[["window",14]]}],'
        '"instrument_id":"2:ETHUSDT","schema_version":1,"timeframe":"15m"}',
        "83c2775a8fe872beab746f6760a162a19d42c4af130a179ee34f915f9c17103f",
    ),
    (
        [OBV, PCT_B],
        "1:BTCUSDT",
        "4h",
        '{"indicators":[{"id":"volatility.bbands_percent_b","inputs":[["source","close"]],'
        '"params":[["nbdev",2.5],["window",20]]},{"id":"volume.obv","inputs":[],"params":[]}],'
        '"instrument_id":"1:BTCUSDT","schema_version":1,"timeframe":"4h"}',
        "0a224ed62ec162e157662ceb6e07c9997baacb092aa9cfa88e364a6acb643bf6",
    ),
]


@pytest.mark.parametrize(("selections", "instrument", "timeframe", "canonical", "pinned"), WORKED)
def test_worked_keys(
    selections: list[IndicatorVariant], instrument: str, timeframe: str, canonical: str, pinned: str
) -> None:
    assert hashlib.sha256(canonical.encode()).hexdigest() == pinned
    assert indicator_variant_key(selections, instrument, timeframe) == pinned


def test_request_order_does_not_matter() -> None:
    assert indicator_variant_key([SMA_20, RSI_14], "1:X", "1h") == indicator_variant_key([RSI_14, SMA_20], "1:X", "1h")


def test_precomputed_fragments_give_the_same_key() -> None:
    fragments = [(v.indicator_id, indicator_fragment(v)) for v in (RSI_14, EMA_50)]
    assert indicator_fragment(EMA_50) == '{"id":"ma.ema","inputs":[["source","hlc3"]],"params":[["window",50]]}'
    assert indicator_variant_key_from_fragments(fragments, "2:ETHUSDT", "15m") == WORKED[1][4]


def test_number_representation_does_not_change_the_key() -> None:
    """20, 20.0 and numpy int64(20) are one value; 2.5 stays 2.5."""
    widened = IndicatorVariant("ma.sma", {"source": "close"}, {"window": 20.0})
    numpy_typed = NumpySelection("ma.sma", {"source": "close"}, {"window": np.int64(20)})
    assert indicator_variant_key([widened], "1:BTCUSDT", "1h") == WORKED[0][4]
    assert indicator_variant_key([numpy_typed], "1:BTCUSDT", "1h") == WORKED[0][4]


def test_any_value_change_changes_the_key() -> None:
    base = indicator_variant_key([SMA_20], "1:BTCUSDT", "1h")
    assert (
        indicator_variant_key([IndicatorVariant("ma.sma", {"source": "close"}, {"window": 21})], "1:BTCUSDT", "1h")
        != base
    )
    assert indicator_variant_key([SMA_20], "1:BTCUSDT", "4h") != base
    assert indicator_variant_key([SMA_20], "1:ETHUSDT", "1h") != base


def test_aliased_instances_pin_their_alias_into_the_key() -> None:
    """Two ma.sma instances, `fast` and `slow`: each object carries its alias (first of its sorted keys),
    objects sort by fragment text, and the key is pinned; without aliases the format is the one above."""
    fast = IndicatorVariant("ma.sma", {"source": "close"}, {"window": 10})
    slow = IndicatorVariant("ma.sma", {"source": "close"}, {"window": 34})
    canonical = (
        '{"indicators":[{"alias":"fast","id":"ma.sma","inputs":[["source","close"]],"params":[["window",10]]},'
        '{"alias":"slow","id":"ma.sma","inputs":[["source","close"]],"params":[["window",34]]}],'
        '"instrument_id":"4:GOOG","schema_version":1,"timeframe":"1d"}'
    )
    pinned = "df2790ab28c409007c7c389bcae89b43cf1cc53de279654f0a9f777438b49a47"
    assert hashlib.sha256(canonical.encode()).hexdigest() == pinned
    fragments = [("ma.sma", indicator_fragment(slow, "slow")), ("ma.sma", indicator_fragment(fast, "fast"))]
    assert indicator_variant_key_from_fragments(fragments, "4:GOOG", "1d") == pinned
    assert indicator_fragment(SMA_20, None) == indicator_fragment(SMA_20)
