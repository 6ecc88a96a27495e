"""`trading demo`: the README's first command. Makes sure the sample stocks are stored (real daily bars
that ship with the bokeh-sampledata package), then runs the example search on the embedded defaults and
prints the top table, the holdout check and the report of the best variant next to buy and hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from apps.cli.backtest import console, print_report, report_for_rank, run_with_progress, summarize
from apps.cli.errors import guarded
from apps.cli.request_file import load_request
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import (
    CandleStore,
    default_data_dir,
)
from trading.contexts.market_data.adapters.outbound.sample_data.bokeh_stocks import SAMPLE_TICKERS, sample_stock_bars
from trading.contexts.market_data.domain.instrument_id import resolve_instrument

EXAMPLE_REQUEST = Path(__file__).resolve().parents[2] / "examples" / "trend_rsi_stocks_1d.yaml"
SAMPLE_MARKET_ID = 4  # nasdaq in markets.yaml: sessions calendar, 252 days a year


def ensure_sample_data(store: CandleStore) -> list[str]:
    """Stores the daily sample stocks that are not stored yet; returns the instruments written."""
    markets = load_markets()
    written = []
    for ticker in SAMPLE_TICKERS:
        instrument_id = f"{SAMPLE_MARKET_ID}:{ticker}"
        resolve_instrument(instrument_id, markets)
        if not store.has_instrument(instrument_id):
            store.write_bars(instrument_id, "1d", sample_stock_bars(ticker))
            written.append(instrument_id)
    return written


def demo(
    data_dir: Annotated[Path | None, typer.Option(help="Candle data directory.")] = None,
    request_file: Annotated[Path, typer.Option("--request", help="Search to run.")] = EXAMPLE_REQUEST,
) -> None:
    """Store the sample stocks if needed, run the example search, print the top and the best report."""
    guarded(lambda: _demo(data_dir, request_file))


def _demo(data_dir: Path | None, request_file: Path) -> None:
    directory = data_dir or default_data_dir()
    store = CandleStore(directory)
    written = ensure_sample_data(store)
    if written:
        console.print(
            f"stored daily bars 2000-2013 of {', '.join(written)} in {directory} "
            "(Quandl WIKI prices shipped by bokeh-sampledata, public domain)"
        )
    ctx = BacktestContext(str(directory), default_backtest_config())
    request = load_request(request_file)
    response = run_with_progress(request, ctx)
    summarize(response, 10)
    print_report(report_for_rank(request, response, 1, ctx), trades_limit=5)
    console.print(
        "\nCompare Total Return with Benchmark Return (buy and hold) above, and the holdout line: the "
        "ranking was made on the bars before the holdout start only."
        "\nNext: [bold]uv run trading serve[/bold] and open http://127.0.0.1:8000/backtests "
        "(add --with-worker for async jobs); `trading candles synth` makes synthetic 1m data for benchmarks."
    )
