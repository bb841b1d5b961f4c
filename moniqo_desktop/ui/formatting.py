"""Text for numbers, times and durations, made from `Decimal` (never float).

A float has already lost digits before it is formatted, so every figure the trader reads is
rendered from the exact value; charts are the only place floats are allowed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any


SIGNIFICANT = 5  # digits a price without market rules shows (a tick of 1/10 000 of the price)


def auto_places(value: Decimal) -> int:
    """Decimals worth showing for a price of this magnitude: five significant digits, 2..8.

    50 000 -> 2, 143.73 -> 2, 25.125 -> 3, 1.2345 -> 4, 0.45678 -> 5, 0.000012345 -> 8. This is
    the tick most venues (and the paper exchange) use, so a price without known market rules
    still looks like the exchange's own figures.
    """
    magnitude = abs(Decimal(value))
    if magnitude == 0 or not magnitude.is_finite():
        return 2
    return min(8, max(2, SIGNIFICANT - 1 - magnitude.adjusted()))


# symbol -> decimals of its price tick, from the markets the exchange reported
_price_places: dict[str, int] = {}


def set_markets(markets: Any) -> None:
    """Remember each market's price precision (`{symbol: MarketInfo}`) for `fmt_price`."""
    for symbol, market in dict(markets).items():
        places = getattr(market, "price_decimals", None)
        if isinstance(places, int):
            _price_places[symbol] = min(8, max(0, places))


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
    return fmt_decimal(value, price_places(symbol, Decimal(value)), sign=sign)


def fmt_decimal(value: Decimal | None, places: int | None = None, *, sign: bool = False) -> str:
    """`1234.5` -> `1,234.50`; `places=None` picks them from the magnitude."""
    if value is None:
        return ""
    value = Decimal(value)
    if not value.is_finite():
        return str(value)
    n = auto_places(value) if places is None else places
    try:  # half-up, as a trader rounds money (format() alone would round half-even)
        value = value.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        pass
    text = format(value, f"{'+' if sign else ''},.{n}f")
    if text.lstrip("+-").strip("0.,") == "":  # -0.00 / +0.00 -> 0.00
        text = text.lstrip("+-")
    return text


def fmt_amount(value: Decimal | None) -> str:
    """Quantities: as many decimals as the value carries (up to 8), never scientific."""
    if value is None:
        return ""
    value = Decimal(value)
    normal = value.normalize()
    exp = normal.as_tuple().exponent
    places = min(8, max(0, -exp)) if isinstance(exp, int) else 0
    return format(value, f",.{places}f")


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
