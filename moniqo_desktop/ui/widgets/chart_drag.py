"""What a dragged level means: its tick-rounded price, whether it may go there, and the
`update_protection` arguments it turns into.

Kept apart from the widget so the rules read (and are tested) as plain functions: a long's stop
must sit below the price and a target above it, by at least one tick; a trailing line sets the
trailing distance measured from the favourable water mark. The stop line is the trader's typed
stop: it may sit under an active trail (the trail then holds, and both are drawn).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ...domain import Position
from ..formatting import fmt_decimal, fmt_percent, fmt_price

HUNDRED = Decimal(100)
PERCENT_STEP = Decimal("0.01")  # a dragged trailing distance is kept to 0.01 %
KINDS = ("stop", "target", "trailing")
NAMES = {"stop": "stop", "target": "target", "trailing": "trailing stop"}


def round_to_tick(value: float | Decimal, tick: Decimal) -> Decimal:
    """The nearest price the venue accepts (half-up, as a trader rounds)."""
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return ((d / tick).to_integral_value(rounding=ROUND_HALF_UP) * tick).normalize()


@dataclass(frozen=True)
class LevelMove:
    """A level the trader is placing: `kind` at `price`, valid unless `reason` says why not."""

    kind: str
    price: Decimal
    reason: str | None
    trailing_percent: Decimal | None = None

    @property
    def valid(self) -> bool:
        return self.reason is None


def trailing_percent_for(position: Position, level: Decimal) -> Decimal:
    """The trailing distance that puts the trailing stop at `level` from today's water mark."""
    mark = position.favourable_water_mark
    pct = position.direction * (mark - level) / mark * HUNDRED
    return pct.quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)


def check_move(position: Position, kind: str, price: Decimal, tick: Decimal) -> LevelMove:
    """Judge `kind` placed at `price` (already on the tick) against the position now."""
    if kind not in KINDS:
        raise ValueError(f"not a draggable level: {kind}")
    d = position.direction
    now = position.current_price or position.entry_price
    side = "long" if d > 0 else "short"
    below, above = ("below", "above") if d > 0 else ("above", "below")
    shown = fmt_price(now, position.symbol)
    if not position.is_open:
        return LevelMove(kind, price, f"the position is {position.status.value}")
    if price <= 0:
        return LevelMove(kind, price, "a price must be above zero")
    if kind == "target":
        if d * (price - now) < tick:
            return LevelMove(kind, price, f"a {side}'s target must be {above} the price "
                                          f"({shown}) by at least one tick ({tick})")
        return LevelMove(kind, price, None)
    if d * (now - price) < tick:
        return LevelMove(kind, price, f"a {side}'s {NAMES[kind]} must be {below} the price "
                                      f"({shown}) by at least one tick ({tick})")
    if kind == "trailing":
        pct = trailing_percent_for(position, price)
        if pct <= 0 or pct >= HUNDRED:
            return LevelMove(kind, price, "the trailing distance must be between 0 and 100 %")
        return LevelMove(kind, price, None, pct)
    return LevelMove(kind, price, None)


def protection_kwargs(position: Position, move: LevelMove) -> dict[str, Any]:
    """All of the position's protection with the one moved level changed.

    `update_protection` replaces every level (None removes one), so the others are passed as
    they are. The stop passed on is the trader's typed stop, never a level a trail or
    break-even moved it to: that one would otherwise become a typed stop, and a looser trail
    could never take effect (the engine moves the stop back to the trail at once).
    """
    kwargs: dict[str, Any] = {
        "stop_loss": position.typed_stop_loss,
        "take_profit": position.take_profit,
        "trailing_stop_percent": position.trailing_stop_percent,
        "trailing_activation_percent": position.trailing_activation_percent,
        "break_even_percent": position.break_even_percent,
    }
    if move.kind == "stop":
        kwargs["stop_loss"] = move.price
    elif move.kind == "target":
        kwargs["take_profit"] = move.price
    else:
        kwargs["trailing_stop_percent"] = move.trailing_percent
    return kwargs


def describe(position: Position, move: LevelMove) -> str:
    """The line's text while it moves: price, distance from the price in %, P&L if hit."""
    now = position.current_price or position.entry_price
    distance = (move.price - now) / now * HUNDRED
    text = (f"{NAMES[move.kind]} {fmt_price(move.price, position.symbol)} · "
            f"{fmt_percent(distance)} · P&L if hit "
            f"{fmt_decimal(position.pnl_at(move.price), 2, sign=True)}")
    if move.trailing_percent is not None:
        text += f" · {fmt_decimal(move.trailing_percent, 2)} % from "
        text += "HWM" if position.direction > 0 else "LWM"
    return text
