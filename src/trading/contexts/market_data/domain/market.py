"""Markets an instrument can belong to, with the default fee a backtest uses when none is given."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MarketKind = Literal["spot", "futures"]


class Market(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: int = Field(gt=0)
    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    kind: MarketKind
    default_fee_pct: float = Field(ge=0, lt=100)


class MarketCatalog(BaseModel):
    """The configured markets; ids and names are unique."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    markets: list[Market] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids_and_names(self) -> MarketCatalog:
        for attr in ("id", "name"):
            values = [getattr(m, attr) for m in self.markets]
            duplicates = sorted({v for v in values if values.count(v) > 1}, key=str)
            if duplicates:
                raise ValueError(f"duplicate market {attr}: {', '.join(map(str, duplicates))}")
        return self

    def get(self, market_id: int) -> Market | None:
        return next((m for m in self.markets if m.id == market_id), None)
