import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apps.cli.main import app
from tests.unit.apps.cli.conftest import request_file as _request_file
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.application.dto.run_backtest import (
    RunBacktestRequest,
    VariantPayload,
    VariantReportRequest,
)
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, build_variant_report

runner = CliRunner()
REQUEST = {
    "instrument_id": "1:BTCUSDT",
    "timeframe": "15m",
    "time_range": {"start": "2024-01-01T12:00:00Z", "end": "2024-01-04T00:00:00Z"},
    "warmup_bars": 20,
    "indicators": [{"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [4, 8, 16]}}}],
    "risk": {"sl_pct": {"mode": "explicit", "values": [None, 1.0]}},
    "top_k": 5,
    # One row per variant: these tests count rows and rejections per variant. The 1% stop never triggers,
    # so the default would collapse each window's two variants (test_..._count_the_variants_of_each_outcome).
    "ranking": {"collapse_same_outcome": False},
}


def test_run_prints_top_and_exports(tmp_path: Path, data_dir: Path) -> None:
    out_csv, out_json = tmp_path / "top.csv", tmp_path / "out.json"
    result = runner.invoke(
        app,
        ["backtest", "run", str(_request_file(tmp_path, REQUEST, ".json")), "--data-dir", str(data_dir),
         "--csv", str(out_csv), "--json", str(out_json), "--report", "1"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    assert "Top 5 by total_return_pct" in result.output
    assert "3 Stage A + 6 Stage B variants" in result.output
    assert "Total Return [%]" in result.output and "Sharpe Ratio" in result.output
    assert "Annualisation [days]" in result.output  # printed as text, not read as markup
    response = json.loads(out_json.read_text())
    rows = list(csv.DictReader(out_csv.open()))
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["variant_key"] for r in rows] == [v["variant_key"] for v in response["variants"]]
    assert float(rows[0]["total_return_pct"]) == response["variants"][0]["total_return_pct"]
    stability = response["variants"][0]["stability"]
    assert rows[0]["stability_metric"] == stability["metric"] == "total_return_pct"
    assert float(rows[0]["stability_own"]) == stability["own"] == response["variants"][0]["total_return_pct"]
    assert int(rows[0]["stability_neighbours"]) == stability["neighbours"] >= 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**REQUEST, "timeframe": "7m"}, "unknown timeframe '7m'"),
        ({**REQUEST, "indicators": [{"indicator_id": "ma.nope"}]}, "unknown indicator 'ma.nope'"),
        ({**REQUEST, "top_k": 0}, "top_k: Input should be greater than or equal to 1"),
    ],
)
def test_bad_requests_exit_1_with_a_readable_message(tmp_path: Path, data_dir: Path, body: dict, message: str) -> None:
    result = runner.invoke(app, ["backtest", "run", str(_request_file(tmp_path, body)), "--data-dir", str(data_dir)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert message in result.output + result.stderr
    assert "Traceback" not in result.output


def test_report_rank_outside_the_result_is_an_error(tmp_path: Path, data_dir: Path) -> None:
    result = runner.invoke(
        app, ["backtest", "run", str(_request_file(tmp_path, REQUEST)), "--data-dir", str(data_dir), "--report", "9"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1
    assert "--report 9: the result has ranks 1..5" in result.stderr


def test_holdout_run_prints_the_summary_and_exports_oos_columns(tmp_path: Path, data_dir: Path) -> None:
    out_csv = tmp_path / "top.csv"
    body = {**REQUEST, "validation": {"mode": "holdout", "oos_start": "2024-01-03T00:00:00Z"}}
    result = runner.invoke(
        app,
        ["backtest", "run", str(_request_file(tmp_path, body)), "--data-dir", str(data_dir), "--csv", str(out_csv)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "holdout: ranked on 2024-01-01 12:00 .. 2024-01-03 00:00, out of sample to 2024-01-04 00:00" in result.output
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 5 and all(row["oos_total_return_pct"] for row in rows)


def test_top_table_and_csv_carry_trades_win_rate_the_primary_metric_and_one_column_per_parameter(
    tmp_path: Path, data_dir: Path
) -> None:
    out_csv, out_json = tmp_path / "top.csv", tmp_path / "out.json"
    body = {
        **REQUEST,
        "indicators": [{"indicator_id": "momentum.rsi", "params": {"window": {"mode": "explicit", "values": [7, 14]}},
                        "signals": {"long_threshold": {"mode": "explicit", "values": [30, 40]}}}],
        "risk": {"sl_pct": {"mode": "explicit", "values": [None, 1.0]},
                 "tp_pct": {"mode": "explicit", "values": [2.0]}},
        "ranking": {"primary_metric": "sqn"},
    }  # fmt: skip
    result = runner.invoke(
        app,
        ["backtest", "run", str(_request_file(tmp_path, body)), "--data-dir", str(data_dir),
         "--csv", str(out_csv), "--json", str(out_json)],
        env={"COLUMNS": "220"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "return %" in line)
    assert [h in header for h in ("SQN", "trades", "win %", "max DD %", "PF")] == [True] * 5
    assert header.index("SQN") < header.index("return %")
    response = json.loads(out_json.read_text())
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == len(response["variants"]) >= 2
    ctx = BacktestContext(str(data_dir), default_backtest_config())
    run_context = RunBacktestRequest.model_validate(body).run_context()
    for row, variant in zip(rows, response["variants"], strict=True):
        payload = variant["payload"]
        assert int(row["momentum.rsi.window"]) == payload["indicator_selections"][0]["params"]["window"]
        assert float(row["momentum.rsi.long_threshold"]) == payload["signal_params"]["momentum.rsi"]["long_threshold"]
        assert row["momentum.rsi.source"] == "close"
        assert row["sl_pct"] == ("" if payload["risk_params"]["sl_pct"] is None else "1.0")
        assert float(row["tp_pct"]) == 2.0
        assert json.loads(row["payload"]) == payload
        report = build_variant_report(
            VariantReportRequest(run_context=run_context, variant=VariantPayload.model_validate(payload)), ctx
        )
        for name in ("num_trades", "win_rate_pct", "sqn"):
            expected = report.ranking_metrics[name]
            assert variant["ranking_metrics"][name] == expected
            assert row[name] == ("" if expected is None else repr(expected))
    first = next(line for line in result.output.splitlines() if line.startswith("│ 1 "))
    cells = dict(zip(_cells(header), _cells(first), strict=True))
    top = response["variants"][0]["ranking_metrics"]
    assert cells["trades"] == f"{top['num_trades']:.0f}"
    assert cells["win %"] == f"{top['win_rate_pct']:.2f}" and cells["SQN"] == f"{top['sqn']:.2f}"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("│┃").replace("┃", "│").split("│")]


def test_constraints_come_from_the_request_file(tmp_path: Path, data_dir: Path) -> None:
    def run(body: dict, name: str) -> dict:
        out_json = tmp_path / f"{name}.json"
        path = tmp_path / name
        path.mkdir()
        args = ["backtest", "run", str(_request_file(path, body)), "--data-dir", str(data_dir), "--json", str(out_json)]
        result = runner.invoke(app, args, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
        return json.loads(out_json.read_text())

    outputs: list[str] = []

    plain = run({**REQUEST, "top_k": 6}, "plain")
    trades = sorted(v["ranking_metrics"]["num_trades"] for v in plain["variants"])
    bound = trades[len(trades) // 2]
    assert trades[0] < bound  # the bound rejects some variants
    constraint = {"metric": "num_trades", "op": ">=", "value": bound}
    constrained = run({**REQUEST, "top_k": 6, "constraints": [constraint]}, "constrained")
    expected = [v["variant_key"] for v in plain["variants"] if v["ranking_metrics"]["num_trades"] >= bound]
    assert [v["variant_key"] for v in constrained["variants"]] == expected
    counts = constrained["constraint_rejections"][0]
    assert counts["stage_b"] == len(trades) - len(expected)
    assert f"constraint num_trades >= {bound:g}: rejected {counts['stage_a']} Stage A, {counts['stage_b']} Stage B" in (
        outputs[-1].replace("\n", "")
    )
    assert "constraint " not in outputs[0]


def test_a_bad_constraint_in_the_request_file_names_the_field(tmp_path: Path, data_dir: Path) -> None:
    body = {**REQUEST, "constraints": [{"metric": "sharpe", "op": ">=", "value": 1}]}
    result = runner.invoke(app, ["backtest", "run", str(_request_file(tmp_path, body)), "--data-dir", str(data_dir)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "constraints[0].metric" in result.output + result.stderr


def test_the_top_table_and_csv_count_the_variants_of_each_outcome(tmp_path: Path, data_dir: Path) -> None:
    out_csv, out_json = tmp_path / "top.csv", tmp_path / "out.json"
    body = {key: value for key, value in REQUEST.items() if key != "ranking"}  # the default: collapse
    args = ["backtest", "run", str(_request_file(tmp_path, body)), "--data-dir", str(data_dir)]
    result = runner.invoke(app, [*args, "--csv", str(out_csv), "--json", str(out_json)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    variants = json.loads(out_json.read_text())["variants"]
    assert [v["same_outcome"]["count"] for v in variants] == [2, 2, 2]  # 3 windows; the 1% stop never triggers
    header = next(line for line in result.output.splitlines() if "return %" in line)
    lines = [line for line in result.output.splitlines() if line.startswith("│ ")]
    assert [dict(zip(_cells(header), _cells(line), strict=True))["same"] for line in lines] == ["x 2"] * 3
    rows = list(csv.DictReader(out_csv.open()))
    assert [row["same_outcome_count"] for row in rows] == ["2", "2", "2"]
