"""Text for numbers, times and durations, made from `Decimal` (never float).

The figures themselves (prices, amounts, money) are spelled by `domain/figures.py`, which the
engine's messages use too; this module adds what the window learned (each market's precision)
and the window's own texts (local times, durations, enum labels).

A float has already lost digits before it is formatted, so every figure the trader reads is
rendered from the exact value; charts are the only place floats are allowed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from ..domain.figures import auto_places, clamp_places, fmt_amount, fmt_decimal, fmt_market_price

__all__ = ["auto_places", "fmt_amount", "fmt_decimal", "fmt_duration", "fmt_enum", "fmt_percent",
           "fmt_price", "fmt_time", "price_places", "set_markets"]


# symbol -> decimals of its price tick, from the markets the exchange reported
_price_places: dict[str, int] = {}


def set_markets(markets: Any) -> None:
    """Remember each market's price precision (`{symbol: MarketInfo}`) for `fmt_price`."""
    for symbol, market in dict(markets).items():
        places = getattr(market, "price_decimals", None)
        if isinstance(places, int):
            _price_places[symbol] = clamp_places(places)


def price_places(symbol: str | None, value: Decimal | None = None) -> int:
    """Decimals for a price of `symbol`: its market's tick, else five significant digits.

    One symbol always gets the same decimals, so a column of its prices lines up.
    """
    if symbol is not None and symbol in _price_places:
        return _price_places[symbol]
    return auto_places(value) if value is not None else 2


def fmt_price(value: Decimal | None, symbol: str | None = None, *, sign: bool = False) -> str:
    """A price of `symbol` with its market's precision: `143.73`, `50,272.15`, `0.45678`."""
    if value is None:
        return ""
    return fmt_market_price(value, _price_places.get(symbol) if symbol is not None else None,
                            sign=sign)


def fmt_percent(value: Decimal | None, places: int = 2, *, sign: bool = True) -> str:
    if value is None:
        return ""
    return fmt_decimal(value, places, sign=sign) + " %"


def fmt_time(value: datetime | None, *, with_date: bool = False) -> str:
    """Local wall-clock time; the date only where rows may span days."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def fmt_duration(value: timedelta | None) -> str:
    """`3d 04:05:06` / `04:05:06`: compact and sortable by eye."""
    if value is None:
        return ""
    total = max(0, int(value.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{days}d {clock}" if days else clock


def fmt_enum(value: Any) -> str:
    """`OrderStatus.PARTIALLY_FILLED` -> `Partially filled`."""
    if value is None:
        return ""
    raw = value.value if isinstance(value, Enum) else str(value)
    return str(raw).replace("_", " ").capitalize()
