"""Every catalogue-B kernel as a `Case`: a batch of per-variant params and its reference (TA-Lib
where TA-Lib has the indicator, else the oracles in references.py)."""

from __future__ import annotations

import numpy as np
import talib

from tests.unit.contexts.indicators.catalogue_b import references as ref
from tests.unit.contexts.indicators.kernels.kernel_checks import Bars, Case, floats, ints
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import (
    channels,
    directional,
    structure,
    volume_flow,
)

HL = ("high", "low")
HLC = ("high", "low", "close")
HLCV = (*HLC, "volume")
EVENT_OFFSET = 2.0  # pivot events -1/0/+1 compared as 1/2/3, so the relative parity check applies


def close_rows(bars: Bars, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Source rows (close, hl2) and an index that points every variant at close."""
    return bars.source_rows(), np.zeros(windows.shape[0], dtype=np.int64)


def on_close(kernel):
    def run(bars: Bars, window: np.ndarray) -> np.ndarray:
        return kernel(*close_rows(bars, window), window)

    return run


CASES = [
    Case(
        "donchian",
        lambda b, w: channels.donchian(b.high, b.low, w),
        (ints(2, 3, 20, 55, 300),),
        lambda b, w: talib.MIDPRICE(b.high, b.low, w),
        HL,
    ),
    Case(
        "ichimoku",
        lambda b, t, k: channels.ichimoku(b.high, b.low, t, k),
        (ints(9, 7, 30, 2), ints(26, 22, 10, 60)),
        lambda b, t, k: (talib.MIDPRICE(b.high, b.low, t) + talib.MIDPRICE(b.high, b.low, k)) / 2.0,
        HL,
    ),
    Case(
        "chandelier_exit",
        lambda b, w, m: channels.chandelier_exit(b.high, b.low, b.close, w, m),
        (ints(2, 22, 22, 100), floats(3.0, 3.0, 1.5, 2.0)),
        lambda b, w, m: talib.MAX(b.high, w) - m * talib.ATR(b.high, b.low, b.close, w),
        HLC,
    ),
    Case(
        "aroon",
        lambda b, w: directional.aroon(b.high, b.low, w),
        (ints(2, 3, 14, 25, 200),),
        lambda b, w: talib.AROONOSC(b.high, b.low, w),
        HL,
    ),
    Case(
        "psar",
        lambda b, a, m: directional.psar(b.high, b.low, a, m),
        (floats(0.02, 0.01, 0.05, 0.3), floats(0.2, 0.1, 0.5, 0.2)),
        lambda b, a, m: talib.SAR(b.high, b.low, acceleration=a, maximum=m),
        HL,
    ),
    Case(
        "vortex",
        lambda b, w: directional.vortex(b.high, b.low, b.close, w),
        (ints(1, 2, 14, 50),),
        ref.vortex,
        HLC,
    ),
    Case(
        "linreg_slope",
        on_close(directional.linreg_slope),
        (ints(2, 3, 14, 50, 250),),
        lambda b, w: talib.LINEARREG_SLOPE(b.close, w),
        ("close",),
    ),
    Case(
        "ad_line", lambda b: volume_flow.ad_line(b.high, b.low, b.close, b.volume), (), lambda b: talib.AD(*b[1:]), HLCV
    ),
    Case(
        "cmf",
        lambda b, w: volume_flow.cmf(b.high, b.low, b.close, b.volume, w),
        (ints(1, 2, 20, 100),),
        ref.cmf,
        HLCV,
    ),
    Case(
        "volume_sma",
        lambda b, w: volume_flow.volume_sma(b.volume, w),
        (ints(2, 3, 20, 200),),
        lambda b, w: talib.SMA(b.volume, w),
        ("volume",),
    ),
    Case(
        "vwap",
        lambda b, w: volume_flow.vwap(b.high, b.low, b.close, b.volume, w),
        (ints(1, 2, 20, 100),),
        ref.vwap,
        HLCV,
    ),
    Case(
        "vwap_deviation",
        lambda b, w: volume_flow.vwap_deviation(b.high, b.low, b.close, b.volume, w),
        (ints(1, 20, 100),),
        ref.vwap_deviation,
        HLCV,
    ),
    Case(
        "candle_body",
        lambda b: structure.candle_body(b.open, b.high, b.low, b.close),
        (),
        ref.candle_body,
        ("open", *HLC),
    ),
    Case(
        "pivots",
        lambda b, left, right: structure.pivots(b.high, b.low, left, right) + EVENT_OFFSET,
        (ints(1, 2, 5, 3), ints(1, 2, 5, 8)),
        lambda b, left, right: ref.pivots(b, left, right) + EVENT_OFFSET,
        HL,
    ),
    Case("zscore", on_close(structure.zscore), (ints(2, 20, 100),), ref.zscore, ("close",)),
    Case("percent_rank", on_close(structure.percent_rank), (ints(1, 20, 100),), ref.percent_rank, ("close",)),
    Case(
        "distance_to_ma_norm",
        lambda b, w: structure.distance_to_ma_norm(b.high, b.low, b.close, w),
        (ints(2, 14, 50),),
        ref.distance_to_ma_norm,
        HLC,
    ),
]
IDS = [case.name for case in CASES]
