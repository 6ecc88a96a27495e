"""Real daily stock bars that ship with a dependency: `bokeh_sampledata.stocks` (package BSD-3; the
prices are Quandl WIKI end-of-day data, declared public domain by the publisher).

AAPL, GOOG, IBM and MSFT, 2000-03 (GOOG from its 2004 listing) to 2013-03-01, unadjusted
open/high/low/close/volume. Used by `trading demo` so a first run shows real market behaviour.
"""

from __future__ import annotations

import numpy as np
from bokeh_sampledata import stocks

from trading.contexts.market_data.domain.ohlcv import Ohlcv, make_ohlcv

SAMPLE_TICKERS = ("AAPL", "GOOG", "IBM", "MSFT")


def sample_stock_bars(ticker: str) -> Ohlcv:
    """One ticker's daily bars, keyed by date (00:00 UTC)."""
    if ticker not in SAMPLE_TICKERS:
        raise ValueError(f"no sample data for {ticker!r}; use one of {', '.join(SAMPLE_TICKERS)}")
    series = getattr(stocks, ticker)
    ts = np.array(series["date"], dtype="datetime64[D]").astype("datetime64[ms]").astype(np.int64)
    return make_ohlcv(ts, series["open"], series["high"], series["low"], series["close"], series["volume"])
