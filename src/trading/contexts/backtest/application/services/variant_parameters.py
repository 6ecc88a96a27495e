"""A variant payload as flat named parameters (`ma.sma.window`, `momentum.rsi.long_threshold`, `sl_pct`,
`tp_pct`): one CSV column each, and the words that tell the members of a same-outcome group apart."""

from __future__ import annotations

from collections.abc import Sequence

from trading.contexts.backtest.application.dto.run_backtest import VariantPayload

ParameterValue = float | int | str | None


def parameter_columns(payload: VariantPayload) -> dict[str, ParameterValue]:
    """Per indicator its inputs, params and signal params as `<indicator_id>.<name>`, then the stops
    (None = that stop disabled). Execution settings are the same for every row and are left out."""
    columns: dict[str, ParameterValue] = {}
    for selection in payload.indicator_selections:
        prefix = selection.entry_name
        named = {**selection.inputs, **selection.params, **payload.signal_params.get(prefix, {})}
        columns.update({f"{prefix}.{name}": value for name, value in named.items()})
    columns["sl_pct"] = payload.risk_params.sl_pct
    columns["tp_pct"] = payload.risk_params.tp_pct
    return columns


def differing_parameters(payloads: Sequence[VariantPayload]) -> list[dict[str, ParameterValue]]:
    """Each payload's parameters that are not the same in all of them (the names in column order)."""
    columns = [parameter_columns(payload) for payload in payloads]
    names = list(dict.fromkeys(name for row in columns for name in row))
    differing = [name for name in names if len({repr(row.get(name)) for row in columns}) > 1]
    return [{name: row.get(name) for name in differing} for row in columns]
