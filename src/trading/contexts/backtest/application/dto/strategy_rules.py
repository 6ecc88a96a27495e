"""Request parts that relate indicator instances: `cross` rules and parameter constraints.

Both name instances by their alias (or indicator id); what they may name is checked against the
request's indicators when the search is planned (`signal_units`), where every error gets its path.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from trading.contexts.backtest.application.dto.wire_types import Alias, ParamRef
from trading.contexts.backtest.domain.value_objects.metric_constraints import ConstraintOp


class CrossRule(BaseModel):
    """LONG while `first`'s primary output is above `second`'s, SHORT while below, from their first
    crossing on (NEUTRAL before it, on equality and where either is NaN)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["cross"]
    first: Alias
    second: Alias


class ParamConstraint(BaseModel):
    """`left op right`, each side `alias.param` of a numeric parameter, e.g. `fast.window < slow.window`;
    pairs of the two instances breaking it are never scored."""

    model_config = ConfigDict(extra="forbid")

    left: ParamRef
    op: ConstraintOp
    right: ParamRef

    def text(self) -> str:
        return f"{self.left} {self.op} {self.right}"
