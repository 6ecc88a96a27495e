"""The indicators this issue adds and the signal rule family engine.md section 3 gives each."""

from __future__ import annotations

SIGNAL_RULES = {
    "ma.zlema": "compare_price_to_output",
    "ma.vwma": "compare_price_to_output",
    "volatility.tr": "delta_sign",
    "volatility.variance": "delta_sign",
    "volatility.hv": "delta_sign",
    "volatility.bbands_bandwidth": "delta_sign",
    "momentum.williams_r": "threshold_band",
    "momentum.stoch_rsi": "threshold_band",
    "momentum.ppo": "sign",
    "momentum.trix": "sign",
    "momentum.fisher": "sign",
}
CATALOGUE_A = tuple(SIGNAL_RULES)
