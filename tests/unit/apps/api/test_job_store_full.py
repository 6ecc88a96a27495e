"""Submit on a full disk: 503 `job_store_full` with Retry-After (the probe saw a 500), and the same
store takes jobs again once space is freed."""

from __future__ import annotations

from pathlib import Path

from tests.faults.small_disk import fill_disk, free_disk, small_tmpfs
from tests.unit.apps.api.api_support import grid_request
from tests.unit.apps.api.conftest import ClientFactory


def test_submit_on_a_full_disk_is_a_503_with_a_clear_code_then_works_once_space_is_freed(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    with small_tmpfs(tmp_path / "small_disk") as disk:
        client = make_client(database_url=f"sqlite:///{disk}/jobs.sqlite3")  # migrated at start-up
        fill_disk(disk)
        refused = client.post("/api/backtests/jobs", json=grid_request())
        assert refused.status_code == 503, refused.text
        error = refused.json()["error"]
        assert (error["code"], error["retry_after_seconds"]) == ("job_store_full", 5)
        assert "no space left" in error["message"]
        assert refused.headers["Retry-After"] == "5"
        free_disk(disk)
        accepted = client.post("/api/backtests/jobs", json=grid_request())
        assert accepted.status_code == 201, accepted.text
        listed = client.get("/api/backtests/jobs").json()["items"]
        assert [job["job_id"] for job in listed] == [accepted.json()["job_id"]]
