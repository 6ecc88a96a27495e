"""`trading indicators check|list`: exit codes and the key named on a bad config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli.indicators import app
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry


def test_check_and_list_on_shipped_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_ENV", "test")
    checked = CliRunner().invoke(app, ["check"])
    assert checked.exit_code == 0
    assert f"ok: default grids for {len(default_registry().ids())} indicators" in checked.output
    listed = CliRunner().invoke(app, ["list", "--json"])
    assert listed.exit_code == 0
    assert [entry["id"] for entry in json.loads(listed.output)][:2] == ["ma.dema", "ma.ema"]


def test_bad_config_exits_1_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "indicators.yaml"
    bad.write_text("guards: {max_variants_per_indicator: 1, max_compute_bytes: 1, reference_bars: 1}\nindicators: {}\n")
    result = CliRunner().invoke(app, ["check", "--config", str(bad)])
    assert result.exit_code == 1
    assert "indicators.ma.sma: missing" in result.output


def test_show_prints_the_rule_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_ENV", "test")
    shown = CliRunner().invoke(app, ["show", "momentum.rsi"], env={"COLUMNS": "400"})
    assert shown.exit_code == 0
    assert "signal rule: threshold_band" in shown.output
    assert "mean reversion: LONG when momentum.rsi.value <= long_threshold" in shown.output
    unknown = CliRunner().invoke(app, ["show", "momentum.nope"])
    assert unknown.exit_code != 0
