"""`trading backtest heatmap`: the grid printed and the CSV written are the API's matrix."""

import csv
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from apps.cli.heatmap import PALETTE, cell_styles
from apps.cli.main import app
from tests.unit.apps.cli.test_backtest_cli import REQUEST
from trading.contexts.backtest.application.dto.heatmap import HeatmapResponse
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

runner = CliRunner()
SEARCH = {
    **REQUEST,
    "risk": {
        "sl_pct": {"mode": "explicit", "values": [None, 1.0]},
        "tp_pct": {"mode": "explicit", "values": [2.0, None, 4.0]},
    },
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli_heatmap")
    write_synthetic_candles(CandleStore(directory), load_markets(), "1:BTCUSDT", 1_704_067_200_000, 4 * 1440, 3)
    return directory


def test_heatmap_prints_the_grid_and_writes_csv(tmp_path: Path, data_dir: Path) -> None:
    request = tmp_path / "request.yaml"
    request.write_text(yaml.safe_dump(SEARCH))
    out_csv = tmp_path / "heatmap.csv"
    args = ["backtest", "heatmap", str(request), "--variant", "2", "--x", "ma.ema.window", "--y", "tp_pct"]
    result = runner.invoke(
        app, [*args, "--metric", "max_drawdown_pct", "--csv", str(out_csv), "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    assert "max_drawdown_pct: ma.ema.window across, tp_pct down" in result.output
    assert result.output.count("*") >= 1
    rows = list(csv.reader(out_csv.open()))
    assert rows[0] == ["tp_pct\\ma.ema.window", "4", "8", "16"]
    assert [row[0] for row in rows[1:]] == ["2", "off", "4"]
    assert all(float(cell) >= 0 for row in rows[1:] for cell in row[1:])


def test_unknown_metric_or_rank_is_a_one_line_error(tmp_path: Path, data_dir: Path) -> None:
    request = tmp_path / "request.yaml"
    request.write_text(yaml.safe_dump(SEARCH))
    result = runner.invoke(app, ["backtest", "heatmap", str(request), "--variant", "99", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "--variant 99: the result has ranks 1..5" in result.output


def test_colours_follow_the_metric_direction() -> None:
    base = {"x_axis": "sl_pct", "y_axis": "tp_pct", "x_values": [1.0, 2.0, 3.0], "y_values": [1.0]}
    extra = {"variant_x": 0, "variant_y": 0, "cells": 3, "timings": {}, "bars": {}}
    returns = HeatmapResponse.model_validate(
        {**base, **extra, "metric": "total_return_pct", "values": [[1.0, None, 3.0]]}
    )
    drawdowns = returns.model_copy(update={"metric": "max_drawdown_pct"})
    assert cell_styles(returns).tolist() == [[0, -1, len(PALETTE) // 2]]
    assert cell_styles(drawdowns).tolist() == [[len(PALETTE) // 2, -1, 0]]
