"""The staged core on id ranges: per-range tops merged in any order equal the one-range run, bit for bit."""

from itertools import pairwise

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext


class _Quiet:
    def on_progress(self, stage: str, processed: int, total: int) -> None: ...

    def should_stop(self) -> bool:
        return False

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None: ...


def _request() -> RunBacktestRequest:
    return RunBacktestRequest.model_validate(
        {
            "instrument_id": "1:BTCUSDT",
            "timeframe": "15m",
            "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
            "warmup_bars": 30,
            "indicators": [
                {
                    "indicator_id": "ma.sma",
                    "params": {"window": {"mode": "range", "start": 2, "stop_incl": 24, "step": 1}},
                }
            ],
            "risk": {
                "sl_pct": {"mode": "explicit", "values": [None, 0.4]},
                "tp_pct": {"mode": "explicit", "values": [None, 1.0]},
            },
            "top_k": 9,
            "preselect": 6,
        }
    )


def test_ranges_merged_in_reverse_order_equal_the_whole_range(backtest_ctx: BacktestContext) -> None:
    plan = plan_search(_request(), backtest_ctx.store(), backtest_ctx.config)
    core = prepare_search(plan).core
    whole_a = core.stage_a_range(0, core.space.size, 6, _Quiet())
    cuts = [0, 5, 6, 17, core.space.size]
    merged_a = Frontier(6, plan.spec)
    for start, stop in reversed(list(pairwise(cuts))):
        shard = core.stage_a_range(start, stop, 6, _Quiet())
        merged_a.offer(shard.ids, shard.metrics, core.base_key_of)
    assert merged_a.ids.tolist() == whole_a.ids.tolist()
    assert merged_a.metrics.tobytes() == whole_a.metrics.tobytes()

    shortlist = whole_a.ids.copy()
    whole_b = core.stage_b(shortlist, 9, _Quiet())
    merged_b = Frontier(9, plan.spec)
    for start, stop in ((4, 6), (0, 1), (1, 4)):
        shard = core.stage_b_range(shortlist, start, stop, 9, _Quiet())
        shard_keys = dict(zip(shard.ids.tolist(), shard.keys.tolist(), strict=True))
        merged_b.offer(shard.ids, shard.metrics, lambda ids, keys=shard_keys: [keys[int(i)] for i in ids])
    assert merged_b.ids.tolist() == whole_b.ids.tolist()
    assert list(merged_b.keys) == list(whole_b.keys)
    assert merged_b.metrics.tobytes() == whole_b.metrics.tobytes()
