"""`trading candles ...`: import CSV, write synthetic data, list what the store holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.table import Table

from apps.cli.errors import guarded
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.csv.candle_csv_reader import CSV_FORMATS, CsvFormat
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import (
    CandleStore,
    default_data_dir,
)
from trading.contexts.market_data.application.candle_ingest import (
    IngestResult,
    import_candle_csv,
    write_synthetic_candles,
)
from trading.shared.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="Manage stored candles.")

InstrumentOption = Annotated[str, typer.Option("--instrument", "-i", help="Instrument id, e.g. 1:BTCUSDT.")]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Candle data directory (default: $TRADING_DATA_DIR or ./data).")
]


def _store(data_dir: Path | None) -> CandleStore:
    return CandleStore(data_dir or default_data_dir())


def _iso(ts_ms: int) -> str:
    try:
        return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{ts_ms} (epoch ms, out of range)"


def _report(result: IngestResult) -> None:
    span = ""
    if result.first_ts_ms is not None and result.last_ts_ms is not None:
        span = f" [{_iso(result.first_ts_ms)} .. {_iso(result.last_ts_ms)}]"
    typer.echo(f"wrote {result.rows} bars for {result.instrument_id}{span} from {result.source}")
    for note in result.notes:
        typer.echo(f"  {note}")


def _parse_start(text: str) -> int:
    """ISO date or date-time; without an offset it is taken as UTC."""
    moment = datetime.fromisoformat(text)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"--tz {name!r} is not a known time zone (e.g. UTC, America/New_York)"
        raise DomainError("invalid_tz", message) from None


def _csv_format(text: str) -> CsvFormat:
    for fmt in CSV_FORMATS:
        if fmt == text:
            return fmt
    raise ValueError(f"--format must be one of {', '.join(CSV_FORMATS)}, got {text!r}")


@app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(help="CSV file to import.")],
    instrument: InstrumentOption,
    format: Annotated[str, typer.Option("--format", help="auto | generic (a header row) | binance")] = "auto",
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", help="Bar interval of the file (default: detected).")
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="Zone of timestamps written without an offset.")] = "UTC",
    data_dir: DataDirOption = None,
) -> None:
    """Import a CSV of bars (header layout incl. pandas to_csv, or Binance klines; ',' or ';').

    The interval is detected (or --timeframe) and becomes the instrument's base timeframe; a single
    bad row rejects the whole file and nothing is written.
    """

    def run() -> IngestResult:
        return import_candle_csv(
            _store(data_dir), load_markets(), instrument, file, _csv_format(format), timeframe=timeframe, tz=_zone(tz)
        )

    _report(guarded(run))


@app.command()
def synth(
    instrument: InstrumentOption,
    start: Annotated[str, typer.Option("--start", help="First bar, ISO date/time (UTC if no offset).")],
    bars: Annotated[int, typer.Option("--bars", min=1, help="Number of 1m bars.")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed; same seed, same bars.")] = 42,
    gap_fraction: Annotated[float, typer.Option("--gap-fraction", help="Share of minutes dropped.")] = 0.0,
    data_dir: DataDirOption = None,
) -> None:
    """Write deterministic synthetic (GBM) 1m bars."""
    _report(
        guarded(
            lambda: write_synthetic_candles(
                _store(data_dir), load_markets(), instrument, _parse_start(start), bars, seed, gap_fraction
            )
        )
    )


@app.command("list")
def list_instruments(data_dir: DataDirOption = None) -> None:
    """Show stored instruments: base timeframe, first/last bar, bar count and empty base slots."""
    summaries = guarded(lambda: _store(data_dir).list_instruments())
    table = Table("instrument", "base", "first bar (UTC)", "last bar (UTC)", "bars", "empty slots")
    for s in summaries:
        if s.problem is not None:
            table.add_row(s.instrument_id, s.timeframe, s.problem, "", "", "")
            continue
        table.add_row(
            s.instrument_id, s.timeframe, _iso(s.first_ts_ms), _iso(s.last_ts_ms), str(s.count), str(s.missing_bars)
        )
    Console(width=140).print(table)
