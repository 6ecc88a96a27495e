"""`trading demo`: the README's first command. Makes sure sample candles exist, then runs the example
search on the embedded defaults and prints the top table and the report of the best variant."""

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
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

EXAMPLE_REQUEST = Path(__file__).resolve().parents[2] / "examples" / "sma_rsi_btc_1h.yaml"
SAMPLE_INSTRUMENT = "1:BTCUSDT"
SAMPLE_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
SAMPLE_MINUTES = 366 * 24 * 60  # all of 2024 at 1m
SAMPLE_SEED = 2024


def ensure_sample_data(store: CandleStore) -> bool:
    """Writes seeded synthetic 1m candles for the sample instrument unless some are stored already."""
    if store.has_instrument(SAMPLE_INSTRUMENT):
        return False
    write_synthetic_candles(store, load_markets(), SAMPLE_INSTRUMENT, SAMPLE_START_MS, SAMPLE_MINUTES, SAMPLE_SEED)
    return True


def demo(
    data_dir: Annotated[Path | None, typer.Option(help="Candle data directory.")] = None,
    request_file: Annotated[Path, typer.Option("--request", help="Search to run.")] = EXAMPLE_REQUEST,
) -> None:
    """Generate sample data if needed, run the example search, print the top and the best report."""
    guarded(lambda: _demo(data_dir, request_file))


def _demo(data_dir: Path | None, request_file: Path) -> None:
    directory = data_dir or default_data_dir()
    store = CandleStore(directory)
    if ensure_sample_data(store):
        console.print(f"wrote {SAMPLE_MINUTES:,} synthetic 1m bars for {SAMPLE_INSTRUMENT} to {directory}")
    ctx = BacktestContext(str(directory), default_backtest_config())
    request = load_request(request_file)
    response = run_with_progress(request, ctx)
    summarize(response, 15)
    print_report(report_for_rank(request, response, 1, ctx), trades_limit=5)
    console.print(
        "\nNext: [bold]uv run trading serve[/bold] and open http://127.0.0.1:8000/backtests "
        "(add --with-worker for async jobs)."
    )
