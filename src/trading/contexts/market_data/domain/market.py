"""Markets an instrument can belong to: the default fee a backtest uses when none is given, the calendar
that decides whether missing bars are gaps to fill or simply closed hours, and the days per year that
Sharpe / Sortino / Calmar annualise with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MarketKind = Literal["spot", "futures", "stock", "fx"]
# continuous: trades around the clock, a missing bar is a quiet bucket (flat bar, `filled`);
# sessions: trades in sessions, only the bars that exist form the timeline (nights, weekends, holidays are no bars).
Calendar = Literal["continuous", "sessions"]


class Market(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: int = Field(gt=0)
    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    kind: MarketKind
    default_fee_pct: float = Field(ge=0, lt=100)
    calendar: Calendar = "continuous"
    annualization_days: int = Field(default=365, ge=1, le=366)


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
