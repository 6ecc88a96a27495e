#!/usr/bin/env bash
# The project's one test command (README quick start and .ci/run both call it):
# installs what the tests need, starts the services they talk to, then runs every check.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
export PATH="$HOME/.local/bin:$PATH"

# PostgreSQL for the job-store tests: start the local cluster if it is down.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Headless Chromium (Debian package, system binary) for the browser tests.
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped" >&2
  fi
fi

# The `ray` extra too: the distributed tests run on a local 2-worker Ray cluster they start themselves.
# The bench group adds vectorbt, the oracle of the intrabar-stop parity test (51 pure wheels, installs
# in seconds; without it that test skips).
uv sync --frozen --quiet --extra ray --group bench
uv run ruff check .
uv run pyright
uv run python -m tools.docs.generate_docs_index --check
uv run pytest -q "$@"
