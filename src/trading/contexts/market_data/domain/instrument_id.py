"""`"<market_id>:<SYMBOL>"`: the one spelling of an instrument used in keys, paths and requests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from trading.contexts.market_data.domain.market import Market, MarketCatalog
from trading.shared.errors import DomainError

# Symbols as real tickers are written (BTCUSDT, BRK.B, EURUSD, BTC-PERP); `.`, `_` and `-` only between
# letters/digits, so a symbol is always one safe path component.
_INSTRUMENT_ID = re.compile(r"([1-9][0-9]{0,8}):([A-Z0-9](?:[A-Z0-9._-]{0,30}[A-Z0-9])?)")


@dataclass(frozen=True, order=True)
class InstrumentId:
    market_id: int
    symbol: str

    @classmethod
    def parse(cls, text: str) -> InstrumentId:
        """Syntax only; the canonical form is strict (no leading zeros, upper-case) so keys never alias."""
        match = _INSTRUMENT_ID.fullmatch(text)
        if match is None:
            raise DomainError(
                "invalid_instrument_id",
                f"instrument id {text!r} must look like '<market_id>:<SYMBOL>' "
                "(e.g. '1:BTCUSDT', '4:BRK.B'; symbol upper-case A-Z0-9, '.', '_' or '-' inside)",
            )
        return cls(int(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.market_id}:{self.symbol}"


def unknown_instrument(text: str, reason: str) -> DomainError:
    return DomainError("unknown_instrument", f"unknown instrument {text!r}: {reason}", status=404)


def resolve_instrument(text: str, markets: MarketCatalog) -> tuple[InstrumentId, Market]:
    """Parse an instrument id and require its market to be configured."""
    instrument = InstrumentId.parse(text)
    market = markets.get(instrument.market_id)
    if market is None:
        known = ", ".join(str(m.id) for m in markets.markets)
        raise unknown_instrument(text, f"market {instrument.market_id} is not configured (known: {known})")
    return instrument, market
