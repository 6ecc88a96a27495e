"""A job's stored top rows from ranked variants: the frontier's exact metric floats (inf and NaN kept,
where the sync response shows null) plus the validation figures the rows carry."""

from __future__ import annotations

from collections.abc import Sequence

from trading.contexts.backtest.application.dto.run_backtest import RankedVariant
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow
from trading.contexts.backtest.domain.value_objects.execution import RANKING_METRICS


def top_rows_of(variants: Sequence[RankedVariant], frontier: Frontier, prepared: PreparedSearch) -> list[JobTopRow]:
    """`variants` are `ranked_variants(prepared, shortlist, frontier)`, in the frontier's order."""
    computed = prepared.core.computed_metrics
    total_return = RANKING_METRICS.index("total_return_pct")
    return [
        JobTopRow(
            rank=variant.rank,
            variant_key=variant.variant_key,
            indicator_variant_key=variant.indicator_variant_key,
            variant_index=variant.variant_index,
            total_return_pct=float(metrics[total_return]),
            ranking_metrics={name: float(metrics[i]) for i, name in enumerate(RANKING_METRICS) if name in computed},
            payload=variant.payload.model_dump(mode="json"),
            stability=None if variant.stability is None else variant.stability.model_dump(mode="json"),
            oos_metrics=variant.oos_metrics,
            same_outcome=None if variant.same_outcome is None else variant.same_outcome.model_dump(mode="json"),
        )
        for variant, metrics in zip(variants, frontier.metrics, strict=True)
    ]
