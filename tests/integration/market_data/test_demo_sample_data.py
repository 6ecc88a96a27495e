"""The demo's sample stocks: real daily bars from bokeh-sampledata, stored once at the 1d base in the
NASDAQ sessions market."""

from __future__ import annotations

from pathlib import Path

from apps.cli.demo import EXAMPLE_REQUEST, ensure_sample_data
from apps.cli.request_file import load_request
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore


def test_sample_stocks_are_stored_once_at_1d(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    assert ensure_sample_data(store) == ["4:AAPL", "4:GOOG", "4:IBM", "4:MSFT"]
    assert ensure_sample_data(store) == []
    listed = {s.instrument_id: s for s in store.list_instruments()}
    assert {s.timeframe for s in listed.values()} == {"1d"}
    assert (listed["4:IBM"].count, listed["4:GOOG"].count) == (3270, 2148)
    ibm = store.read_bars("4:IBM", 0, 2**62)
    assert ibm["close"][-1] == 202.91  # 2013-03-01, unadjusted
    assert load_request(EXAMPLE_REQUEST).instrument_id == "4:IBM"
