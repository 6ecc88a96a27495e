"""A CSV import killed with SIGKILL at any point leaves every month old or new, never a mix.

The importer runs in a real subprocess that sends itself SIGKILL at a chosen step of the write:
while staging the month files, just before the journal commit, and between the moves of a committed
write. The next open of the store must show all three months with the old data (uncommitted) or all
three with the new data (committed), and no temp or journal file left behind.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.ohlcv import Ohlcv
from trading.contexts.market_data.domain.synthetic import synthesize_1m

INSTRUMENT = "1:BTCUSDT"
JAN_31_22H = 1_706_738_400_000  # 2024-01-31T22:00Z: 31 days of minutes span January, February and March
MINUTES = 31 * 24 * 60

CHILD = """
import os, signal, sys
from pathlib import Path
import pyarrow.parquet as pq
from trading.contexts.market_data.adapters.outbound.persistence import month_commit
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.application.candle_ingest import import_candle_csv

target, kill_at = sys.argv[3], int(sys.argv[4])
calls = {"n": 0}

def dying(original):
    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)
    return wrapper

if target == "write_table":
    pq.write_table = dying(pq.write_table)
else:
    month_commit.os.replace = dying(os.replace)
import_candle_csv(CandleStore(sys.argv[1]), load_markets(), "1:BTCUSDT", Path(sys.argv[2]))
"""


def _bars(seed: int) -> Ohlcv:
    bars = synthesize_1m(JAN_31_22H, MINUTES, seed=seed)
    bars["close"] = bars["close"] * 0 + seed  # every close names the write it came from
    bars["open"] = bars["high"] = bars["low"] = bars["close"]
    return bars


def _csv(path: Path, bars: Ohlcv) -> Path:
    rows = zip(*(bars[c].tolist() for c in ("ts", "open", "high", "low", "close", "volume")), strict=True)
    path.write_text("ts,open,high,low,close,volume\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    ("target", "kill_at", "survivor"),
    [
        ("write_table", 2, 1),  # staging the second of three months
        ("replace", 1, 1),  # about to rename the journal: not committed
        ("replace", 2, 2),  # committed, before the first month is moved
        ("replace", 3, 2),  # committed, one month moved
        ("replace", 4, 2),  # committed, two months moved
    ],
)
def test_killed_import_leaves_old_or_new_data_in_every_month(
    tmp_path: Path, target: str, kill_at: int, survivor: int
) -> None:
    data_dir = tmp_path / "data"
    old = _bars(1)
    old["ts"] = old["ts"] + 2 * 60_000  # overlapping but not identical minutes
    CandleStore(data_dir).write_1m(INSTRUMENT, *(old[c] for c in ("ts", "open", "high", "low", "close", "volume")))
    path = _csv(tmp_path / "new.csv", _bars(2))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), str(path), target, str(kill_at)],
        capture_output=True,
        text=True,
        env={"TRADING_ENV": "test", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    directory = data_dir / "candles_1m" / "1" / "BTCUSDT"
    assert any(p.name.endswith(".tmp") or p.name.startswith(".commit-") for p in directory.iterdir())

    store = CandleStore(data_dir)  # opening recovers
    leftovers = [p.name for p in directory.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".commit-")]
    assert leftovers == []
    bars = store.read_bars(INSTRUMENT, 0, 2**62)
    months = bars["ts"].astype("datetime64[ms]").astype("datetime64[M]")
    per_month = {str(m): set(bars["close"][months == m].tolist()) for m in np.unique(months)}
    assert list(per_month) == ["2024-01", "2024-02", "2024-03"]
    if survivor == 1:
        assert all(closes == {1.0} for closes in per_month.values())
        assert bars["ts"].tolist() == old["ts"].tolist()
    else:  # the upsert: every new minute with close 2, old minutes only where the new file had none
        assert bars["ts"][bars["close"] == 2.0].tolist() == _bars(2)["ts"].tolist()
        assert bars["ts"][bars["close"] == 1.0].tolist() == old["ts"][old["ts"] > _bars(2)["ts"][-1]].tolist()
