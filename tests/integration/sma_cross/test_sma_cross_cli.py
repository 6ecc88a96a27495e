"""Issue 14 acceptance from the terminal: `trading backtest run` on the fast/slow SMA crossover request
file (GOOG daily, fast < slow) prints the kept-pair count and the aliased rank-1 row, and the rank-1
report it prints (and the JSON it writes) equals backtesting.py's SmaCross with those windows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from apps.cli.main import app
from tests.unit.contexts.backtest.parity.goog_sma_cross import (
    import_goog,
    rank_one_windows,
    search_body,
    sma_cross_oracle,
)


def _printed_report(output: str) -> dict[str, str]:
    """The `--report` table's metric -> value cells."""
    cells = [line.split("│")[1:3] for line in output.splitlines() if line.count("│") == 3]
    return {metric.strip(): value.strip() for metric, value in cells}


def test_cli_search_prints_the_pair_count_and_its_rank_one_equals_sma_cross(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    import_goog(data_dir)
    request = tmp_path / "sma_cross.yaml"
    request.write_text(yaml.safe_dump(search_body(top_k=3)))
    out_json = tmp_path / "out.json"
    result = CliRunner().invoke(
        app,
        ["backtest", "run", str(request), "--data-dir", str(data_dir), "--json", str(out_json), "--report", "1"],
        env={"COLUMNS": "200", "TRADING_ENV": "test"},
    )
    assert result.exit_code == 0, result.output
    assert "7,830 of 8,326 fast/slow pairs kept (fast.window < slow.window)" in result.output
    assert "7,830 Stage A + " in result.output
    best = json.loads(out_json.read_text())["variants"][0]
    fast, slow = rank_one_windows(best["payload"])
    assert f"fast=sma({fast}) slow=sma({slow}) fast x slow" in result.output
    stats = sma_cross_oracle(fast, slow)
    assert best["total_return_pct"] == pytest.approx(float(stats["Return [%]"]), rel=1e-9)
    printed = _printed_report(result.output)
    assert int(printed["Num. Trades"]) == int(stats["# Trades"]) > 20
    assert float(printed["Total Return [%]"].replace(",", "")) == pytest.approx(float(stats["Return [%]"]), abs=0.01)
