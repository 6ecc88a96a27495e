"""A job with `executor=ray` on PostgreSQL: its driver (a `trading worker --executor ray` process) is
killed with SIGKILL mid-Stage B (right after its third merged shard was checkpointed: a fixed point, so
no poll of the test can miss it and the driver cannot finish first); another driver resumes from the
checkpoint, submits only the shards that were not merged yet, and stores exactly the single-process top."""

import json
import signal
from pathlib import Path

import psycopg
import pytest

from tests.conftest_pg import pg_schema_url  # noqa: F401  (fixture)
from tests.integration.distributed.test_ray_search import eth_sma_request
from tests.integration.jobs.support import OWNER, start_worker, stored_top, sync_top, wait_until, write_config_tree
from trading.contexts.backtest.adapters.outbound.executors.local_ray_cluster import LocalClusterSpec
from trading.contexts.backtest.adapters.outbound.executors.ray_executor import RayExecutor, RaySession
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.application.ports.staged_runner import ShardTask
from trading.contexts.backtest.application.services.staged_runner_v1 import SearchPlan
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome, run_backtest_job
from trading.contexts.backtest.domain.entities.backtest_job import JobState

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(360)]
KILLED_AFTER_SHARDS = 3


def driver_request() -> dict:
    """Stage B of 296 x 25 variants on 28 days of 1m bars, cut into >= 32 shards."""
    return eth_sma_request(300, [None, 0.5, 1.0, 2.0, 4.0], top_k=40, preselect=296).model_dump(mode="json")


class CountingExecutor(RayExecutor):
    """The Ray executor, counting the shards it is asked to run."""

    submitted: list[ShardTask]

    def open(self, plan: SearchPlan, search_id: str) -> RaySession:
        session = super().open(plan, search_id)
        self.submitted = []
        submit = session.submit

        def counted(task: ShardTask) -> None:
            self.submitted.append(task)
            submit(task)

        session.submit = counted  # type: ignore[method-assign]
        return session


def _checkpoint(url: str, job_id: str) -> dict | None:
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT checkpoint_json FROM backtest_job_checkpoints WHERE job_id = %s", (job_id,)
        ).fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def test_a_killed_driver_is_resumed_by_another_without_recomputing_merged_shards(
    cluster_spec: LocalClusterSpec,
    ray_ctx: BacktestContext,
    pg_schema_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = ray_ctx.config
    config = config.model_copy(
        update={
            "jobs": config.jobs.model_copy(
                update={"lease_seconds": 4.0, "heartbeat_seconds": 1.0, "snapshot_seconds": 0.0}
            ),
            "distributed": config.distributed.model_copy(update={"enabled": True, "min_tasks_per_slot": 16}),
        }
    )
    repo = open_jobs_repository(pg_schema_url)
    repo.migrate()
    try:
        body = driver_request()
        job = repo.create_job(OWNER, body, max_active_jobs=10, executor="ray")
        assert repo.claim_next("local-worker", 4.0, 3) is None  # a local worker never takes a ray job
        config_dir = write_config_tree(tmp_path / "configs", config)
        log = tmp_path / "driver1.log"
        first = start_worker(
            pg_schema_url,
            config_dir,
            Path(ray_ctx.data_dir),
            log,
            "--executor",
            "ray",
            "--cluster",
            cluster_spec.address,
            hooks={"JOBS_TEST_KILL_AFTER_SHARDS": str(KILLED_AFTER_SHARDS)},
        )
        try:
            assert first.wait(240) == -signal.SIGKILL, log.read_text()[-2000:]
        finally:
            if first.poll() is None:
                first.kill()
        state = _checkpoint(pg_schema_url, str(job.id))
        assert state is not None
        merged = set(state["stage_b_shards"]["merged"])
        total = len(state["stage_b_shards"]["ranges"])
        assert len(merged) == KILLED_AFTER_SHARDS and total >= 32  # mid-Stage B

        executor = CountingExecutor(cluster_spec.address)
        ctx = BacktestContext(ray_ctx.data_dir, config)
        claimed = []

        def reclaimed() -> bool:
            again = repo.claim_next("driver-2", 4.0, 3, "ray")
            if again is not None:
                claimed.append(again)
            return bool(claimed)

        wait_until(reclaimed, 30, "the lease of the killed driver to expire", 0.2)
        outcome = run_backtest_job(claimed[0], repo, ctx, "driver-2", executor=executor)
        assert outcome is JobOutcome.SUCCEEDED
        stages = [task.stage for task in executor.submitted]
        assert stages.count("stage_a") == 0
        assert sorted(t.shard_id for t in executor.submitted) == sorted(set(range(total)) - merged)
        finished = repo.get_job(job.id, OWNER)
        assert finished is not None and finished.state is JobState.SUCCEEDED
        assert stored_top(repo, job) == sync_top(body, ctx, 40)
    finally:
        repo.close()
