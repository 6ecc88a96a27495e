"""`trading candles ...` end to end: the Typer sub-app against a temp data directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from apps.cli.candles import app
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.load_timeline import load_timeline

T0 = 1_704_067_200_000  # 2024-01-01T00:00Z
runner = CliRunner()


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"TRADING_DATA_DIR": str(data_dir), "TRADING_ENV": "test"})
    return result.exit_code, result.stdout, result.stderr


def test_synth_then_list_then_timeline(tmp_path: Path) -> None:
    code, out, _ = _run(
        tmp_path,
        "synth",
        "--instrument",
        "1:BTCUSDT",
        "--start",
        "2024-01-01",
        "--bars",
        "5000",
        "--seed",
        "42",
        "--gap-fraction",
        "0.1",
    )
    assert code == 0
    expected = "wrote 4500 bars for 1:BTCUSDT [2024-01-01T00:00:00Z .. 2024-01-04T11:19:00Z] from synth:seed=42"
    assert out.strip() == expected

    code, out, _ = _run(tmp_path, "list")
    summary = CandleStore(tmp_path).list_instruments()[0]
    assert code == 0 and summary.count == 4500
    row = next(line for line in out.splitlines() if "1:BTCUSDT" in line)
    assert "4500" in row and str(summary.missing_bars) in row and "2024-01-01T00:00:00Z" in row

    store = CandleStore(tmp_path)
    timeline = load_timeline(store, "1:BTCUSDT", "1h", T0 + 24 * 3_600_000, T0 + 72 * 3_600_000, 24)
    bars = store.read_bars("1:BTCUSDT", 0, 2**62)
    frame = pd.DataFrame(
        {"close": bars["close"], "volume": bars["volume"]}, index=pd.to_datetime(bars["ts"], unit="ms", utc=True)
    )
    hourly = frame.resample("1h").agg({"close": "last", "volume": "sum"}).iloc[:72]
    assert timeline.n_bars == 72 and timeline.target_start == 24 and timeline.warmup_unavailable == 0
    assert np.array_equal(timeline.close, hourly["close"].to_numpy())
    np.testing.assert_allclose(timeline.volume, hourly["volume"].to_numpy(), rtol=1e-12)


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        _run(tmp_path / name, "synth", "-i", "1:BTCUSDT", "--start", "2024-01-31T23:00", "--bars", "120", "--seed", "7")
    files_a = sorted((tmp_path / "a").rglob("*.parquet"))
    files_b = sorted((tmp_path / "b").rglob("*.parquet"))
    assert [f.name for f in files_a] == ["2024-01.parquet", "2024-02.parquet"]
    assert [f.read_bytes() for f in files_a] == [f.read_bytes() for f in files_b]


def test_import_and_bad_input_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,3\n")
    code, out, _ = _run(tmp_path, "import", str(good), "--instrument", "2:ETHUSDT")
    assert code == 0 and "wrote 1 bars for 2:ETHUSDT" in out and "csv:generic" in out

    bad = tmp_path / "bad.csv"
    bad.write_text("ts,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,3\n1704067260000,1,2,0.5,1.5,-3\n")
    code, _, err = _run(tmp_path, "import", str(bad), "--instrument", "2:ETHUSDT", "--format", "generic")
    assert code == 1
    assert err.strip().splitlines() == ["error: bad.csv line 3: volume is negative"]
    assert CandleStore(tmp_path).read_bars("2:ETHUSDT", 0, 2**62)["close"].tolist() == [1.5]


def test_synth_that_drops_every_bar_writes_nothing(tmp_path: Path) -> None:
    code, out, _ = _run(
        tmp_path, "synth", "-i", "1:BTCUSDT", "--start", "2024-01-01", "--bars", "1", "--gap-fraction", "0.6"
    )
    assert code == 0 and out.strip() == "wrote 0 bars for 1:BTCUSDT from synth:seed=42"
    assert CandleStore(tmp_path).list_instruments() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "missing.csv", "-i", "1:BTCUSDT"], "No such file"),
        (["import", "missing.csv", "-i", "1:BTCUSDT", "--format", "excel"], "--format must be one of"),
        (["synth", "-i", "1:btcusdt", "--start", "2024-01-01", "--bars", "10"], "must look like"),
        (["synth", "-i", "42:BTCUSDT", "--start", "2024-01-01", "--bars", "10"], "market 42 is not configured"),
        (["synth", "-i", "1:BTCUSDT", "--start", "yesterday", "--bars", "10"], "Invalid isoformat"),
        (["synth", "-i", "1:BTCUSDT", "--start", "2024-01-01T00:00:30", "--bars", "10"], "whole UTC minute"),
        (["synth", "-i", "1:BTCUSDT", "--start", "2024-01-01", "--bars", "10", "--gap-fraction", "1"], "gap_fraction"),
    ],
)
def test_bad_input_is_one_line_error_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = _run(tmp_path, *args)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not (tmp_path / "candles_1m").exists()


def test_import_says_interval_and_zone_and_list_shows_the_base(tmp_path: Path) -> None:
    daily = tmp_path / "daily.csv"
    daily.write_text(",Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,3\n2024-01-03,1,2,0.5,1.5,3\n")
    code, out, _ = _run(tmp_path, "import", str(daily), "-i", "4:BRK.B")
    assert code == 0 and out.splitlines()[1:] == [
        "  interval: 1d (detected)",
        "  daily bars are keyed by the date written in the file",
    ]
    hourly = tmp_path / "hourly.csv"
    hourly.write_text(
        "Date;Open;High;Low;Close;Volume\n2024-01-02 09:00;1;2;0.5;1.5;3\n2024-01-02 10:00;1;2;0.5;1.5;3\n"
    )
    code, out, _ = _run(tmp_path, "import", str(hourly), "-i", "5:EURUSD", "--tz", "Europe/Berlin")
    assert code == 0 and "wrote 2 bars for 5:EURUSD [2024-01-02T08:00:00Z .. 2024-01-02T09:00:00Z]" in out
    assert "timestamps without an offset read as Europe/Berlin time" in out
    code, _, err = _run(tmp_path, "import", str(hourly), "-i", "5:EURUSD", "--tz", "Mars/Olympus")
    assert code == 1 and "not a known time zone" in err

    code, out, _ = _run(tmp_path, "list")
    assert code == 0
    rows = {line.split()[1]: line.split()[3] for line in out.splitlines() if ":" in line and "│" in line}
    assert rows == {"4:BRK.B": "1d", "5:EURUSD": "1h"}


def test_list_never_crashes_on_what_it_finds_on_disk(tmp_path: Path) -> None:
    bars = pd.DataFrame({"ts": [T0], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1.0]})
    good = tmp_path / "good.csv"
    bars.to_csv(good, index=False)
    assert _run(tmp_path, "import", str(good), "-i", "1:BTCUSDT")[0] == 0
    assert _run(tmp_path, "import", str(good), "-i", "1:ETHUSDT")[0] == 0
    broken = tmp_path / "candles_1m" / "1" / "ETHUSDT" / "2024-01.parquet"
    broken.write_bytes(b"not parquet at all")
    (tmp_path / "candles_1m" / "1" / "lowercase").mkdir()
    (tmp_path / "candles_1m" / "1" / "lowercase" / "2024-01.parquet").write_bytes(b"x")
    (tmp_path / "candles_1m" / "1" / "BTCUSDT" / "9999-99.parquet").write_bytes(b"x")
    (tmp_path / "candles_1m" / "junk.txt").write_text("x")

    code, out, err = _run(tmp_path, "list")
    assert code == 0, err
    assert "1:BTCUSDT" in out and "2024-01-01T00:00:00Z" in out
    assert "1:ETHUSDT" in out and "unreadable" in out and "lowercase" not in out
