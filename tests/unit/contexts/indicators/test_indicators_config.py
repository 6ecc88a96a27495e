"""indicators.yaml: shipped files load; each kind of mistake fails naming its key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT, ConfigError


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_shipped_configs_cover_every_indicator(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_ENV", env)
    defaults = load_indicator_defaults(default_registry())
    assert sorted(defaults.grids) == default_registry().ids()
    assert defaults.axis("momentum.rsi", "signals", "long_threshold") is not None


def write_variant(tmp_path: Path, edit: dict) -> Path:
    raw = yaml.safe_load((DEFAULT_CONFIG_ROOT / "test" / "indicators.yaml").read_text())
    for dotted, value in edit.items():
        *parents, leaf = dotted.split("/")
        node = raw
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(leaf)
        else:
            node[leaf] = value
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"indicators/ma.foo": {}}, "indicators.ma.foo: unknown indicator"),
        ({"indicators/ma.sma": None}, "indicators.ma.sma: missing"),
        ({"indicators/ma.sma/params/length": 5}, "indicators.ma.sma.params.length"),
        ({"indicators/ma.sma/params/window": {"mode": "range", "start": 5}}, "indicators.ma.sma.params.window"),
        ({"indicators/momentum.rsi/signals/long_threshold": 150.0}, "indicators.momentum.rsi.signals.long_threshold"),
        ({"indicators/ma.sma/colour": "red"}, "indicators.ma.sma.colour"),
        (
            {"guards/max_variants_per_indicator": 10},
            "indicators.ma.dema: indicator and signal combinations: requested 40",
        ),
        ({"guards/max_compute_bytes": 1000}, "allowed 1,000"),
        ({"guards/reference_bars": 0}, "guards.reference_bars"),
    ],
)
def test_bad_config_fails_naming_the_key(tmp_path: Path, edit: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_indicator_defaults(default_registry(), write_variant(tmp_path, edit))
    assert expected in str(caught.value)
