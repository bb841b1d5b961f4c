"""The order state machine, cell by cell, against the table written in DESIGN.md.

The expected table is typed out here again on purpose (not imported from the code): if someone
edits `TRANSITIONS`, these 100 cases say which cell of the contract moved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from moniqo_desktop.domain import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    DomainError,
    InvalidTransition,
    Order,
    OrderStatus,
)

from domain_helpers import T0

S = OrderStatus
ALL = list(OrderStatus)

# DESIGN.md "Order statuses and the only allowed transitions".
DESIGN_TABLE: dict[OrderStatus, set[OrderStatus]] = {
    S.PENDING: {S.SUBMITTED, S.REJECTED, S.FAILED, S.CANCELLED},
    S.SUBMITTED: {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.REJECTED, S.CANCELLING, S.CANCELLED,
                  S.EXPIRED, S.FAILED},
    S.OPEN: {S.PARTIALLY_FILLED, S.FILLED, S.CANCELLING, S.CANCELLED, S.EXPIRED},
    S.PARTIALLY_FILLED: {S.PARTIALLY_FILLED, S.FILLED, S.CANCELLING, S.CANCELLED, S.EXPIRED},
    # CANCELLING -> CANCELLING: a lost cancel is sent again ("What venues really do").
    S.CANCELLING: {S.CANCELLED, S.PARTIALLY_FILLED, S.FILLED, S.OPEN, S.CANCELLING},
    S.FILLED: set(),
    S.CANCELLED: set(),
    S.REJECTED: set(),
    S.EXPIRED: set(),
    # FAILED -> OPEN / PARTIALLY_FILLED / FILLED: only on the venue's evidence.
    S.FAILED: {S.OPEN, S.PARTIALLY_FILLED, S.FILLED},
}
TERMINAL = {S.FILLED, S.CANCELLED, S.REJECTED, S.EXPIRED, S.FAILED}

# A legal route from PENDING to every status, so each row starts from a real order.
ROUTE: dict[OrderStatus, list[OrderStatus]] = {
    S.PENDING: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.OPEN: [S.SUBMITTED, S.OPEN],
    S.PARTIALLY_FILLED: [S.SUBMITTED, S.OPEN, S.PARTIALLY_FILLED],
    S.FILLED: [S.SUBMITTED, S.FILLED],
    S.CANCELLING: [S.SUBMITTED, S.OPEN, S.CANCELLING],
    S.CANCELLED: [S.SUBMITTED, S.CANCELLED],
    S.REJECTED: [S.REJECTED],
    S.EXPIRED: [S.SUBMITTED, S.EXPIRED],
    S.FAILED: [S.FAILED],
}


def order_in(status: OrderStatus) -> Order:
    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="1", price="50000",
                  created_at=T0)
    for i, step in enumerate(ROUTE[status], start=1):
        order.update_status(step, f"step {i}", T0 + timedelta(seconds=i))
    assert order.status is status
    return order


CELLS = [
    pytest.param(src, dst, dst in DESIGN_TABLE[src], id=f"{src.value}->{dst.value}")
    for src in ALL
    for dst in ALL
]


def test_table_has_100_cells() -> None:
    assert len(CELLS) == 100
    assert sum(1 for c in CELLS if c.values[2]) == 30  # 26 before issue #11, + 4 new cells


@pytest.mark.parametrize(("src", "dst"), [
    (S.CANCELLING, S.CANCELLING), (S.FAILED, S.OPEN), (S.FAILED, S.PARTIALLY_FILLED),
    (S.FAILED, S.FILLED)], ids=lambda s: s.value)
def test_issue_11_rows_are_allowed(src: OrderStatus, dst: OrderStatus) -> None:
    """The four cells issue #11 opened, named so a revert says which one it undid."""
    order = order_in(src)
    order.update_status(dst, "venue evidence")
    assert order.status is dst


def test_failed_is_complete_although_the_venue_can_revive_it() -> None:
    assert S.FAILED in TERMINAL_STATUSES and TRANSITIONS[S.FAILED]


@pytest.mark.parametrize(("src", "dst", "allowed"), CELLS)
def test_transition_cell(src: OrderStatus, dst: OrderStatus, allowed: bool) -> None:
    """Allowed: status moves and (status, reason, at) is appended. Forbidden: raise, no change."""
    order = order_in(src)
    before = list(order.history)
    at = datetime(2024, 6, 1, 9, 30)
    if allowed:
        order.update_status(dst, "exchange said so", at)
        assert order.status is dst
        assert order.history[:-1] == before
        last = order.history[-1]
        assert (last.status, last.reason, last.at) == (dst, "exchange said so", at)
    else:
        with pytest.raises(InvalidTransition) as caught:
            order.update_status(dst, "exchange said so", at)
        assert order.status is src
        assert order.history == before
        message = str(caught.value)
        assert src.value in message and dst.value in message


def test_code_table_is_the_design_table() -> None:
    assert {k: set(v) for k, v in TRANSITIONS.items()} == DESIGN_TABLE
    assert set(TERMINAL_STATUSES) == TERMINAL


@pytest.mark.parametrize("status", ALL, ids=lambda s: s.value)
def test_is_complete_and_is_open(status: OrderStatus) -> None:
    order = order_in(status)
    assert order.is_complete() is (status in TERMINAL)
    assert order.is_open() is (status not in TERMINAL)


def test_transition_accepts_status_names_as_text() -> None:
    order = order_in(S.PENDING)
    order.update_status("submitted")
    assert order.status is S.SUBMITTED


def test_unknown_status_name_is_a_readable_domain_error() -> None:
    order = order_in(S.OPEN)
    with pytest.raises(DomainError, match="unknown order status 'halfway'"):
        order.update_status("halfway")
    assert order.status is S.OPEN and len(order.history) == 3


def test_history_starts_with_creation_and_defaults_time() -> None:
    order = Order(symbol="BTC/USDT", side="buy", type="market", amount="1", created_at=T0)
    assert [(h.status, h.reason, h.at) for h in order.history] == [(S.PENDING, "created", T0)]
    order.update_status(S.SUBMITTED)
    assert order.history[-1].reason == ""
    assert order.history[-1].at is not None


def test_error_hierarchy() -> None:
    assert issubclass(DomainError, ValueError)
    assert issubclass(InvalidTransition, DomainError)
