"""Shared builders for the domain tests: small, explicit, and with numbers a trader can check."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from moniqo_desktop.domain import Order, OrderStatus, Position

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)


def D(text: str | int) -> Decimal:
    """Shorthand so tables of worked numbers stay readable."""
    return Decimal(str(text))


def make_order(
    side: str = "buy",
    amount: str = "1",
    status: OrderStatus = OrderStatus.OPEN,
    symbol: str = "BTC/USDT",
) -> Order:
    """A market order already moved (legally) into `status`, so fills can land on it."""
    order = Order(symbol=symbol, side=side, type="market", amount=D(amount))
    path = {
        OrderStatus.PENDING: [],
        OrderStatus.SUBMITTED: [OrderStatus.SUBMITTED],
        OrderStatus.OPEN: [OrderStatus.SUBMITTED, OrderStatus.OPEN],
        OrderStatus.CANCELLING: [OrderStatus.SUBMITTED, OrderStatus.OPEN, OrderStatus.CANCELLING],
        OrderStatus.CANCELLED: [OrderStatus.SUBMITTED, OrderStatus.CANCELLED],
        OrderStatus.REJECTED: [OrderStatus.REJECTED],
        OrderStatus.EXPIRED: [OrderStatus.SUBMITTED, OrderStatus.EXPIRED],
        OrderStatus.FAILED: [OrderStatus.FAILED],
    }[status]
    for step in path:
        order.update_status(step, "setup", T0)
    return order


def make_position(side: str = "long", amount: str = "1", entry: str = "100", fees: str = "0",
                  **protection: object) -> Position:
    """A position opened at T0; extra keyword arguments set protection fields directly."""
    pos = Position(symbol="BTC/USDT", side=side, amount=D(amount), entry_price=D(entry),
                   entry_fees=D(fees), opened_at=T0)
    for name, value in protection.items():
        setattr(pos, name, D(value) if isinstance(value, (str, int)) else value)
    return pos
