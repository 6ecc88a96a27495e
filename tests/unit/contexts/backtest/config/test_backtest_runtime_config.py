from pathlib import Path

import pytest
import yaml

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import load_backtest_config
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT, ConfigError


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_every_shipped_config_loads(env: str) -> None:
    config = load_backtest_config(DEFAULT_CONFIG_ROOT / env / "backtest.yaml")
    assert config.ranking.primary_metric_default == "total_return_pct"
    assert config.ranking.secondary_metric_default is None
    assert config.ranking.collapse_same_outcome_default is True
    assert config.reporting.eager_top_reports_enabled is False
    assert config.execution.fee_pct_default_by_market_id[1] == 0.075


def _write_variant(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load((DEFAULT_CONFIG_ROOT / "dev" / "backtest.yaml").read_text())
    edit(raw["backtest"])
    path = tmp_path / "backtest.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda b: b.update(unknown_key=1), "backtest.unknown_key: Extra inputs are not permitted"),
        (lambda b: b["jobs"].update(lease_seconds=-1), "backtest.jobs.lease_seconds"),
        (lambda b: b["jobs"].update(heartbeat_seconds=60), "heartbeat_seconds must be smaller than lease_seconds"),
        (lambda b: b["ranking"].update(primary_metric_default="sharpe"), "backtest.ranking.primary_metric_default"),
        (lambda b: b["ranking"].update(secondary_metric_default="total_return_pct"), "must differ"),
        (lambda b: b["ranking"].update(collapse_same_outcome_default="yes"), "ranking.collapse_same_outcome_default"),
        (lambda b: b.update(top_k_default=10**9), "top_k_default exceeds guards.max_top_k"),
        (lambda b: b["execution"]["fee_pct_default_by_market_id"].update({9: 150}), "must be in [0, 100)"),
    ],
)
def test_bad_values_fail_fast_naming_the_key(tmp_path: Path, edit, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_backtest_config(_write_variant(tmp_path, edit))
    assert expected in str(info.value)
    assert str(tmp_path / "backtest.yaml") in str(info.value)
