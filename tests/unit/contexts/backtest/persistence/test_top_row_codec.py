from __future__ import annotations

import json
import math

from trading.contexts.backtest.adapters.outbound.persistence.top_row_codec import decode_metrics, encode_metrics


def test_non_finite_metrics_survive_strict_json() -> None:
    metrics = {"total_return_pct": -12.5, "profit_factor": math.inf, "return_over_max_drawdown": -math.inf}
    text = json.dumps(encode_metrics(metrics), allow_nan=False)
    assert text == '{"total_return_pct": -12.5, "profit_factor": "inf", "return_over_max_drawdown": "-inf"}'
    assert decode_metrics(json.loads(text)) == metrics


def test_nan_comes_back_as_nan_and_ints_as_floats() -> None:
    decoded = decode_metrics(json.loads(json.dumps(encode_metrics({"a": math.nan, "b": 3.0}))) | {"c": 2})
    assert math.isnan(decoded["a"])
    assert (decoded["b"], decoded["c"], type(decoded["c"])) == (3.0, 2.0, float)
