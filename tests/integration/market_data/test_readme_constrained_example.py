"""The README's constrained, Sharpe-ranked example runs as written: its YAML block replaces the demo
request's ranking, `trading backtest run` on the demo's sample stocks prints exactly the rejection
lines the README shows, and the top meets both constraints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from apps.cli.demo import EXAMPLE_REQUEST, ensure_sample_data
from apps.cli.main import app
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore

README = Path(__file__).resolve().parents[3] / "README.md"
SECTION = "### Ranking by any report metric, with constraints"


def _readme_blocks() -> tuple[dict, list[str]]:
    """(the YAML block, the lines of the output block) of the README's constraints section."""
    section = README.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    fields = next(yaml.safe_load(text) for kind, text in blocks if kind == "yaml")
    printed = next(text for kind, text in blocks if kind == "")
    return fields, printed.strip().splitlines()


def test_the_readme_constrained_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    fields, expected_lines = _readme_blocks()
    assert fields["ranking"] == {"primary_metric": "sharpe_ratio"} and len(fields["constraints"]) == 2
    request = yaml.safe_load(EXAMPLE_REQUEST.read_text(encoding="utf-8")) | fields
    request_path = tmp_path / "request.yaml"
    request_path.write_text(yaml.safe_dump(request), encoding="utf-8")
    ensure_sample_data(CandleStore(tmp_path / "data"))
    out_json = tmp_path / "out.json"
    args = ["backtest", "run", str(request_path), "--data-dir", str(tmp_path / "data"), "--json", str(out_json)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    printed = [line.strip() for line in result.output.splitlines()]
    assert all(line in printed for line in expected_lines), result.output
    variants = json.loads(out_json.read_text())["variants"]
    assert variants and all(
        v["ranking_metrics"]["num_trades"] >= 20 and v["ranking_metrics"]["max_drawdown_pct"] <= 25 for v in variants
    )
    top = variants[0]["ranking_metrics"]
    assert (round(top["sharpe_ratio"], 2), top["num_trades"], round(top["max_drawdown_pct"], 1)) == (0.35, 80, 21.1)
