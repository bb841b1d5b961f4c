"""A market's grid: prices and amounts the venue takes as typed, with worked numbers.

A tick of 0.5 takes 100 and 100.5, not 100.3 - although 100.3 has no more decimals than 100.5,
which is all the app counted before; ccxt's price_to_precision then rounded it on the way out.
"""

from __future__ import annotations

from decimal import Decimal, localcontext, ROUND_UP

import pytest

from moniqo_desktop.domain import DomainError
from moniqo_desktop.domain.market_rules import (
    above_maximum,
    check_on_grid,
    neighbours,
    off_grid,
    protective_stop_on_tick,
)

D = Decimal

# (value, step, field, unit, message or None when the venue takes it as typed)
GRID = [
    ("100.3", "0.5", "price", "tick", "price 100.3 is not a multiple of the tick 0.5: use 100 or 100.5"),
    ("100.5", "0.5", "price", "tick", None),
    ("100", "0.5", "price", "tick", None),
    ("100.50", "0.5", "price", "tick", None),  # trailing zeros typed: still on the grid
    ("100.1", "0.25", "price", "tick", "price 100.1 is not a multiple of the tick 0.25: use 100 or 100.25"),
    ("100.75", "0.25", "price", "tick", None),
    ("1003", "5", "price", "tick", "price 1003 is not a multiple of the tick 5: use 1000 or 1005"),
    ("1005", "5", "price", "tick", None),
    ("0.1234", "0.0005", "stop price", "tick",
     "stop price 0.1234 is not a multiple of the tick 0.0005: use 0.123 or 0.1235"),
    ("0.1235", "0.0005", "stop price", "tick", None),
    ("68123.4", "0.1", "price", "tick", None),  # a decimal tick: the same as counting decimals
    # amounts: a contract step of 0.5; below the first step only the one above is offered
    ("1.3", "0.5", "amount", "step", "amount 1.3 is not a multiple of the step 0.5: use 1 or 1.5"),
    ("0.3", "0.5", "amount", "step", "amount 0.3 is not a multiple of the step 0.5: use 0.5"),
    ("2", "0.5", "amount", "step", None),
    ("0.00012", "0.00001", "amount", "step", None),
    ("7", "10", "amount", "step", "amount 7 is not a multiple of the step 10: use 10"),
]


@pytest.mark.parametrize(("value", "step", "field", "unit", "message"), GRID)
def test_off_grid_names_the_nearest_valid_values(value, step, field, unit, message):
    assert off_grid(D(value), D(step), field, unit) == message
    if message is None:
        check_on_grid(D(value), D(step), field, unit)
    else:
        with pytest.raises(DomainError, match="is not a multiple of the"):
            check_on_grid(D(value), D(step), field, unit)


def test_no_step_or_no_value_is_not_checked():
    assert off_grid(D("100.3"), None, "price", "tick") is None
    check_on_grid(None, D("0.5"), "price", "tick")


def test_neighbours_are_exact_in_the_apps_own_context():
    """ccxt sets ROUND_UP-like contexts on the thread: the grid does not move with them."""
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 3, ROUND_UP
        assert neighbours(D("100.3"), D("0.5")) == (D("100"), D("100.5"))
        assert neighbours(D("68123.45"), D("0.05")) == (D("68123.45"), D("68123.45"))


# (value, maximum, what, unit, where, message)
MAXIMUMS = [
    ("200", "128.52621715", "amount", "BTC", "for a market order on BTC/USDT",
     "amount 200 is above the maximum 128.52621715 BTC for a market order on BTC/USDT"),
    ("128.52621715", "128.52621715", "amount", "BTC", "for BTC/USDT", None),
    ("9000000.01", "9000000", "order value", "USDT", "for BTC/USDT",
     "order value 9000000.01 is above the maximum 9000000 USDT for BTC/USDT"),
    ("1", None, "amount", "BTC", "for BTC/USDT", None),
]


@pytest.mark.parametrize(("value", "maximum", "what", "unit", "where", "message"), MAXIMUMS)
def test_above_maximum_names_the_figure(value, maximum, what, unit, where, message):
    assert above_maximum(D(value), None if maximum is None else D(maximum), what, unit,
                         where) == message


# (computed stop, tick, direction, current price, stop sent): a long's stop rounds up towards
# the price (a break-even stop still covers the fees, a trail gives back no more than its %),
# a short's down; never onto or past the current price (the venue would fire or refuse it).
STOPS = [
    ("100.2", "0.5", +1, "103", "100.5"),   # long break-even at entry 100 + 0.2 fees: not 100
    ("100.7", "0.5", +1, "103", "101"),
    ("100.5", "0.5", +1, "103", "100.5"),   # on the grid: unchanged
    ("102.8", "0.5", +1, "103", "102.5"),   # 103 would be the price itself: the tick below
    ("99.8", "0.5", -1, "95", "99.5"),      # short: rounds down, towards the price
    ("95.2", "0.5", -1, "95.3", "95.5"),    # 95 would be below the price: the tick above
    ("49019.6", "5", +1, "51000", "49020"),  # a 2 % trail under 50 020 on a tick of 5
    ("0.12341", "0.0005", +1, None, "0.1235"),  # no price known: towards the trader's side
    ("100.3", None, +1, "103", "100.3"),    # no tick known: as computed
]


@pytest.mark.parametrize(("stop", "tick", "direction", "current", "sent"), STOPS)
def test_a_computed_stop_is_rounded_to_the_tick_on_the_protective_side(
        stop, tick, direction, current, sent):
    placed = protective_stop_on_tick(D(stop), None if tick is None else D(tick), direction,
                                     None if current is None else D(current))
    assert placed == D(sent)
    assert off_grid(placed, None if tick is None else D(tick), "stop", "tick") is None
