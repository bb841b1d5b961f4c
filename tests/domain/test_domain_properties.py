"""Property tests: invariants that must hold for any fills and any price path, not just ours."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moniqo_desktop.domain import (
    DomainError,
    Fill,
    OrderStatus,
    PositionStatus,
    check_exits,
)

from domain_helpers import D, make_order, make_position

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

amounts = st.decimals(min_value=D("0.001"), max_value=D("5"), places=3)
prices = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
percents = st.decimals(min_value=D("0.1"), max_value=D("30"), places=1)


@FAST
@given(
    order_amount=amounts,
    fills=st.lists(st.tuples(st.sampled_from("abcdefgh"), amounts, prices), max_size=12),
)
def test_fills_never_overfill_and_average_is_bounded(
    order_amount: Decimal, fills: list[tuple[str, Decimal, Decimal]]
) -> None:
    """Whatever an exchange sends (repeats, too much), the order stays coherent."""
    order = make_order(amount=str(order_amount))
    for fill_id, amount, price in fills:
        before = (order.status, len(order.history), order.filled_amount)
        try:
            added = order.add_fill(Fill(fill_id=fill_id, amount=amount, price=price))
        except DomainError:
            assert (order.status, len(order.history), order.filled_amount) == before
            continue
        if not added:
            assert (order.status, len(order.history), order.filled_amount) == before
        assert order.filled_amount <= order.amount
        assert order.filled_amount + order.remaining_amount == order.amount
    accepted = order.fills
    assert len({f.fill_id for f in accepted}) == len(accepted)
    if not accepted:
        assert order.average_fill_price is None and order.status is OrderStatus.OPEN
        return
    avg = order.average_fill_price
    assert avg is not None
    assert min(f.price for f in accepted) <= avg <= max(f.price for f in accepted)
    expected = OrderStatus.FILLED if order.remaining_amount == 0 else OrderStatus.PARTIALLY_FILLED
    assert order.status is expected


@pytest.mark.parametrize("side", ["long", "short"])
@FAST
@given(
    path=st.lists(st.decimals(min_value=D("50"), max_value=D("150"), places=2), min_size=1,
                  max_size=30),
    trail=percents,
    activation=st.none() | percents,
    break_even=st.none() | percents,
)
def test_stop_only_moves_in_the_traders_favour(
    side: str, path: list[Decimal], trail: Decimal, activation: Decimal | None,
    break_even: Decimal | None,
) -> None:
    """Trailing and break-even only ever tighten the stop: up for a long, down for a short."""
    pos = make_position(side, "1", "100", "0.1", trailing_stop_percent=trail,
                        trailing_activation_percent=activation, break_even_percent=break_even)
    d = pos.direction
    previous = pos.stop_loss
    for price in path:
        decision = check_exits(pos, price)
        stop = pos.stop_loss
        if previous is not None:
            assert stop is not None and d * (stop - previous) >= 0
        # an exit is decided exactly when the price is at or through the stop
        crossed = stop is not None and d * (price - stop) <= 0
        assert (decision is not None) == crossed
        if decision is not None:
            assert decision.level == stop
        previous = stop
        # water marks bracket the path; drawdown bounded by the worst seen
        assert pos.low_water_mark <= price <= pos.high_water_mark
        assert D(0) <= pos.drawdown <= pos.max_drawdown
        if d > 0:  # a long cannot lose more than everything; a short's retreat is unbounded
            assert pos.max_drawdown < 100


money = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
fees = st.decimals(min_value=D("0"), max_value=D("100"), places=2)


@FAST
@given(amount=amounts, entry=money, exit_=money, entry_fee=fees, exit_fee=fees)
def test_realized_pnl_long_short_mirror(amount: Decimal, entry: Decimal, exit_: Decimal,
                                        entry_fee: Decimal, exit_fee: Decimal) -> None:
    """Long and short over the same move are mirror images; each pays the same fees."""
    long_ = make_position("long", str(amount), str(entry), str(entry_fee))
    short = make_position("short", str(amount), str(entry), str(entry_fee))
    # before closing, unrealized at the exit price is realized plus the exit fee
    long_.update_price(exit_)
    short.update_price(exit_)
    assert long_.unrealized_pnl + short.unrealized_pnl == -2 * entry_fee
    r_long = long_.close(order_id="l", price=exit_, fees=exit_fee)
    r_short = short.close(order_id="s", price=exit_, fees=exit_fee)
    gross = (exit_ - entry) * amount
    assert r_long == gross - entry_fee - exit_fee
    assert r_short == -gross - entry_fee - exit_fee
    assert r_long + r_short == -2 * (entry_fee + exit_fee)
    assert long_.status is short.status is PositionStatus.CLOSED
