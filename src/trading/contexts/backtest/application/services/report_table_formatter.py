"""Text for the report table: one display string per metric (raw number beside it) and the Markdown
rendering. Non-finite numbers have no raw value and print as `inf`, `-inf` or `n/a`."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from trading.contexts.backtest.domain.services.report_metrics import MetricKind, ReportMetric

ReportRow = dict[str, str | float | int | None]


def iso_utc(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_duration(ms: float) -> str:
    """`3d 04:05:00`; durations are whole bars, so seconds are kept and milliseconds dropped."""
    total_seconds = round(ms / 1000)
    days, rest = divmod(total_seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    return f"{days}d {hours:02d}:{minutes:02d}:{seconds:02d}"


def format_value(value: float, kind: MetricKind) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if kind == "time":
        return iso_utc(int(value))
    if kind == "duration":
        return format_duration(value)
    if kind == "count":
        return str(int(value))
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "percent":
        return f"{value:.2f}"
    return f"{value:.3f}"


def raw_value(value: float, kind: MetricKind) -> float | int | None:
    if not math.isfinite(value):
        return None
    if kind in ("time", "duration", "count"):
        return int(value)
    return value


def metric_rows(metrics: list[ReportMetric]) -> list[ReportRow]:
    return [
        {
            "metric": metric.name,
            "value": format_value(metric.value, metric.kind),
            "raw": raw_value(metric.value, metric.kind),
        }
        for metric in metrics
    ]


def markdown_table(rows: list[ReportRow]) -> str:
    lines = ["| Metric | Value |", "|---|---:|"]
    lines.extend(f"| {row['metric']} | {row['value']} |" for row in rows)
    return "\n".join(lines)
