"""Request files: an exported variant re-runs to the same report; bad YAML/JSON names line and column
and prints no traceback; trade tables keep years across years and the data's price decimals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from apps.cli.backtest import trades_table
from apps.cli.main import app
from apps.cli.request_file import load_request, write_request
from tests.unit.apps.cli.conftest import request_file
from tests.unit.apps.cli.test_backtest_cli import REQUEST
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.shared.errors import DomainError

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def _metric_rows(output: str) -> list[str]:
    """The report's metric table lines (`│ Total Return [%] │ 12.34 │`)."""
    return [line for line in output.splitlines() if re.match(r"^│ [A-Z][\w .%\[\]/]+ +│ +\S", line)]


def test_an_exported_variant_reports_the_same_metrics(tmp_path: Path, data_dir: Path) -> None:
    exported = tmp_path / "variant.yaml"
    search = runner.invoke(
        app,
        ["backtest", "run", str(request_file(tmp_path, REQUEST)), "--data-dir", str(data_dir), "--report", "2",
         "--export-variant", str(exported), "--export-rank", "2"],
        env=WIDE,
    )  # fmt: skip
    assert search.exit_code == 0, search.output
    assert yaml.safe_load(exported.read_text())["variant"]["indicator_selections"][0]["indicator_id"] == "ma.ema"
    again = runner.invoke(app, ["backtest", "report", str(exported), "--data-dir", str(data_dir)], env=WIDE)
    assert again.exit_code == 0, again.output
    original = _metric_rows(search.output)
    assert len(original) >= 20 and _metric_rows(again.output) == original


def test_a_grid_file_is_not_a_variant(tmp_path: Path, data_dir: Path) -> None:
    result = runner.invoke(app, ["backtest", "report", str(request_file(tmp_path, REQUEST))], env=WIDE)
    assert result.exit_code == 1 and "names a grid, not one variant" in result.stderr


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_written_files_read_back_to_the_identical_request(tmp_path: Path, suffix: str) -> None:
    request = RunBacktestRequest.model_validate(REQUEST)
    path = tmp_path / f"copy{suffix}"
    write_request(path, request)
    assert load_request(path) == request


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.yaml", "instrument_id: 1:BTCUSDT\ntimeframe: [1h\n", ":3:1: "),
        ("bad.yaml", "instrument_id: x\n  timeframe: 1h\n", ":2:12: "),
        ("bad.json", '{"instrument_id": "1:BTCUSDT",\n "timeframe": }', ":2:15: Expecting value"),
    ],
)
def test_syntax_errors_name_line_and_column(tmp_path: Path, name: str, text: str, where: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = runner.invoke(app, ["backtest", "run", str(path)], env=WIDE)
    assert result.exit_code == 1 and "Traceback" not in result.output + result.stderr
    assert f"{path}{where}" in result.stderr.replace("\n", "")


def test_validation_errors_point_at_the_line_of_the_field(tmp_path: Path) -> None:
    body = {**REQUEST, "indicators": [{"indicator_id": "ma.ema", "params": {"window": {"mode": "range", "start": 2}}}]}
    path = request_file(tmp_path, body)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1) if "mode: range" in text)
    with pytest.raises(DomainError) as info:
        load_request(path)
    field = r"indicators\[0\]\.params\.window\.range\.stop_incl"
    assert re.search(rf"\n  {line}:\d+: {field}: Field required", info.value.message)


def _trade(entry: str, exit_: str, price: float) -> dict[str, object]:
    prices = {"entry_price": price, "exit_price": price + 0.00012}
    return {"entry_time": entry, "exit_time": exit_, "side": "long", **prices, "net_pnl": 1.5, "return_pct": 0.01,
            "exit_reason": "signal"}  # fmt: skip


def _rendered(table: Table) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_trade_times_show_years_in_the_rows_across_years_else_in_the_title() -> None:
    same_year = _rendered(trades_table([_trade("2024-03-01T10:00:00Z", "2024-03-02T11:00:00Z", 1.07345)], 1))
    assert "03-01 10:00" in same_year and "2024-03-01" not in same_year
    assert "First 1 of 1 trades (2024)" in same_year
    assert "1.07345" in same_year and "1.07357" in same_year
    across = _rendered(trades_table([_trade("2023-12-31T22:00:00Z", "2024-01-01T02:00:00Z", 1.07345)], 1))
    assert "2023-12-31 22:00" in across and "2024-01-01 02:00" in across
    assert "First 1 of 1 trades " in across and "(20" not in across
