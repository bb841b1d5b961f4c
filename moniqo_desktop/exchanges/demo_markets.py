"""Market rules for the paper exchange, derived from a symbol's price magnitude.

A paper account has no exchangeInfo to download, yet the engine must meet the same step and
minimum rules it meets on a venue (or a precision bug would only show with real money). So the
rules are derived from the first price seen, in the shape of Binance's spot filters:

- amount step = 10^-(e+1), capped at 1, where e = floor(log10(price)): one step is always worth
  0.1–1 quote (BTC @ 65 000 → 0.00001, ETH @ 3 400 → 0.0001, SOL @ 150 → 0.001, DOGE @ 0.15 → 1);
- price step = min(0.01, 10^(e-4)): a cent for prices ≥ 100, and at least five significant digits
  below (ADA @ 0.45 → 0.00001, DOT @ 6 → 0.0001, LINK @ 15 → 0.001);
- minimum order value 5 quote (Binance's NOTIONAL filter for USDT pairs).

The rules are fixed when the market is created (and kept in snapshots), so a price drifting
across a power of ten does not change the steps under resting orders.
"""

from __future__ import annotations

from decimal import Decimal

from ..domain.money import split_symbol
from .base import MarketInfo

MIN_COST = Decimal(5)
CENT = Decimal("0.01")
ONE = Decimal(1)


def magnitude(price: Decimal) -> int:
    """floor(log10(price)) for a positive price, exactly (no float)."""
    if price <= 0:
        raise ValueError(f"price must be positive (got {price})")
    return price.adjusted()


def amount_step_for(price: Decimal) -> Decimal:
    return min(ONE, Decimal(1).scaleb(-(magnitude(price) + 1)))


def price_step_for(price: Decimal) -> Decimal:
    return min(CENT, Decimal(1).scaleb(magnitude(price) - 4))


def market_for(symbol: str, price: Decimal, min_cost: Decimal = MIN_COST) -> MarketInfo:
    """The paper market for `symbol`, with steps sized to `price` (see the module docstring)."""
    base, quote = split_symbol(symbol)
    step = amount_step_for(price)
    return MarketInfo(
        symbol=symbol,
        base=base,
        quote=quote,
        amount_step=step,
        price_step=price_step_for(price),
        min_amount=step,
        min_cost=min_cost,
        native_stop_orders=True,
        note="paper market: steps derived from the price magnitude",
    )


def market_to_dict(market: MarketInfo) -> dict[str, str | None]:
    """JSON form for snapshots (Decimals as text)."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "symbol": market.symbol,
        "amount_step": text(market.amount_step),
        "price_step": text(market.price_step),
        "min_amount": text(market.min_amount),
        "min_cost": text(market.min_cost),
    }


def market_from_dict(data: dict[str, str | None]) -> MarketInfo:
    def dec(key: str) -> Decimal | None:
        value = data.get(key)
        return None if value is None else Decimal(value)

    symbol = str(data["symbol"])
    base, quote = split_symbol(symbol)
    return MarketInfo(
        symbol=symbol,
        base=base,
        quote=quote,
        amount_step=dec("amount_step"),
        price_step=dec("price_step"),
        min_amount=dec("min_amount"),
        min_cost=dec("min_cost"),
        native_stop_orders=True,
        note="paper market: steps derived from the price magnitude",
    )
