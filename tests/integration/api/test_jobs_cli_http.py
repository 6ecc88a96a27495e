"""`trading jobs --server URL`: the same commands against a live server over HTTP, errors included."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from apps.cli.main import app
from tests.integration.api.conftest import LiveServer
from tests.unit.apps.api.api_support import grid_request

runner = CliRunner()
ENV = {"TRADING_ENV": "test", "COLUMNS": "200"}


def test_submit_list_show_cancel_over_http(real_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(grid_request()))
    submitted = runner.invoke(app, ["jobs", "submit", str(path), "--server", real_server.base_url], env=ENV)
    assert submitted.exit_code == 0, submitted.output + submitted.stderr
    job_id = re.findall(r"[0-9a-f-]{36}", submitted.output)[0]

    listed = runner.invoke(app, ["jobs", "list", "--server", real_server.base_url], env=ENV)
    assert listed.exit_code == 0 and job_id[:8] in listed.output and "ma.sma" in listed.output
    shown = runner.invoke(app, ["jobs", "show", job_id, "--server", real_server.base_url], env=ENV)
    assert "timeframe: 1h" in shown.output
    cancelled = runner.invoke(app, ["jobs", "cancel", job_id, "--server", real_server.base_url], env=ENV)
    assert f"job {job_id} cancelled" in cancelled.output

    missing = runner.invoke(app, ["jobs", "show", "not-a-job", "--server", real_server.base_url], env=ENV)
    assert missing.exit_code == 1 and "no job 'not-a-job'" in missing.stderr
