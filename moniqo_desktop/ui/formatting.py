"""Text for numbers, times and durations, made from `Decimal` (never float).

A float has already lost digits before it is formatted, so every figure the trader reads is
rendered from the exact value; charts are the only place floats are allowed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any


def auto_places(value: Decimal) -> int:
    """Decimals worth showing for a price or amount of this magnitude.

    Columns hold several symbols at once (BTC at 50 000, a meme coin at 0.0000123), so a fixed
    number of places would either clip the small ones or clutter the large ones.
    """
    magnitude = abs(value)
    if magnitude == 0:
        return 2
    if magnitude >= 1000:
        return 2
    if magnitude >= 1:
        return 4
    if magnitude >= Decimal("0.01"):
        return 6
    return 8


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
