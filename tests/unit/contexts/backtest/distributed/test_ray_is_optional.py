"""Ray is an optional extra: nothing but the Ray executor imports it, and without it `--executor ray`
fails with a clear error instead of an ImportError."""

import subprocess
import sys

from tests.integration.jobs.support import REPO_ROOT


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_the_cli_api_worker_and_search_paths_never_import_ray() -> None:
    result = _python(
        "import sys\n"
        "import apps.cli.main, apps.api.app, apps.worker.worker_loop\n"
        "import trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1\n"
        "import trading.contexts.backtest.adapters.outbound.executors.factory\n"
        "import trading.contexts.backtest.application.services.in_process_executor\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_ray_the_ray_executor_fails_with_executor_unavailable() -> None:
    result = _python(
        "import sys\n"
        "sys.modules['ray'] = None  # as if the extra were not installed\n"
        "from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Distributed\n"
        "from trading.contexts.backtest.adapters.outbound.executors.factory import open_executor\n"
        "from trading.shared.errors import DomainError\n"
        "try:\n"
        "    open_executor('ray', '127.0.0.1:1', Distributed(enabled=True))\n"
        "except DomainError as exc:\n"
        "    print(exc.code)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "executor_unavailable"
