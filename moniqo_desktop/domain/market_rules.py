"""A market's grid and ceilings: which prices and amounts a venue takes exactly as typed.

Counting decimals is not enough: a tick of 0.5 (or 0.25, 5, 0.0005 - Kraken, OKX and Bitget
list such ticks, and ccxt's TICK_SIZE mode hands them over as they are) takes 100 and 100.5 but
not 100.3, which has no more decimals than 100.5. ccxt's `price_to_precision` would round 100.3
before sending, changing the trader's price behind their back; so a price or amount off the
grid is refused here, naming the nearest values the venue takes. Prices the app computes itself
(a trailing or break-even stop) are not the trader's to retype: `protective_stop_on_tick`
rounds them onto the grid in the direction that protects the trader.

Pure Decimal arithmetic in `MONEY_CONTEXT`, so the figures do not depend on whoever changed the
thread's decimal context (ccxt does).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .errors import DomainError
from .money import in_money_context


def _plain(value: Decimal) -> str:
    """A figure as a trader writes it: 100, 100.5, 0.0005 (never 1E+2 or 5E-4)."""
    return f"{value.normalize():f}"


@in_money_context
def neighbours(value: Decimal, step: Decimal) -> tuple[Decimal, Decimal]:
    """The multiples of `step` at or below and at or above `value` (equal when on the grid)."""
    units = value / step
    return (units.to_integral_value(rounding=ROUND_FLOOR) * step,
            units.to_integral_value(rounding=ROUND_CEILING) * step)


def off_grid(value: Decimal, step: Decimal | None, field: str, unit: str) -> str | None:
    """Why `value` is not one the market takes (None: it is, or the market has no step).

    `unit` names the step as the trader knows it: "tick" for prices, "step" for amounts. The
    message names the nearest valid values: "price 100.3 is not a multiple of the tick 0.5: use
    100 or 100.5" (only the one above when the one below is zero)."""
    if step is None or step <= 0:
        return None
    below, above = neighbours(value, step)
    if below == above:
        return None
    use = _plain(above) if below <= 0 else f"{_plain(below)} or {_plain(above)}"
    return (f"{field} {_plain(value)} is not a multiple of the {unit} {_plain(step)}: "
            f"use {use}")


def check_on_grid(value: Decimal | None, step: Decimal | None, field: str, unit: str) -> None:
    """`off_grid` as a refusal (DomainError); None values are not given, so not checked."""
    if value is None:
        return
    why = off_grid(value, step, field, unit)
    if why is not None:
        raise DomainError(why)


def above_maximum(value: Decimal, maximum: Decimal | None, what: str, unit: str,
                  where: str) -> str | None:
    """Why `value` is more than the market's `maximum` takes (None: it is not, or there is
    none): "amount 200 is above the maximum 128.52621715 BTC for a market order on BTC/USDT"."""
    if maximum is None or value <= maximum:
        return None
    return f"{what} {_plain(value)} is above the maximum {_plain(maximum)} {unit} {where}"


@in_money_context
def protective_stop_on_tick(stop: Decimal, step: Decimal | None, direction: int,
                            current: Decimal | None = None) -> Decimal:
    """A stop the app computed (trailing, break-even, or the trader's own) on the market's grid,
    rounded towards the price for a long (+1) and down for a short (-1): never further from
    the price than the rule asked, so a break-even stop still covers the fees and a trail
    gives back no more than its percentage. When that would put the stop at or past the
    current price (the venue would fire it at once, or refuse it), it goes to the other side
    of the tick instead: the app still watches the exact level itself."""
    if step is None or step <= 0:
        return stop
    below, above = neighbours(stop, step)
    safe, other = (above, below) if direction > 0 else (below, above)
    if current is not None and (safe >= current if direction > 0 else safe <= current):
        safe = other
    return safe.normalize()
