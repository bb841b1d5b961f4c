"""Domain objects for the GUI tests (a helper module, not a test)."""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.domain import Fill, Order, Position
from moniqo_desktop.exchanges.base import MarketInfo

D = Decimal


def make_position(symbol: str = "BTC/USDT", side: str = "long", amount: str = "0.5",
                  entry: str = "50000", fees: str = "25", **kw) -> Position:
    return Position(symbol=symbol, side=side, amount=D(amount), entry_price=D(entry),
                    entry_fees=D(fees), **kw)


def make_order(symbol: str = "BTC/USDT", side: str = "buy", type: str = "limit",
               amount: str = "0.5", price: str | None = "49000", **kw) -> Order:
    return Order(symbol=symbol, side=side, type=type, amount=D(amount),
                 price=None if price is None else D(price), **kw)


def filled(order: Order, price: str, fee: str = "0") -> Order:
    order.update_status("submitted")
    order.add_fill(Fill(fill_id=f"f-{order.id[:6]}", amount=order.amount, price=D(price),
                        fee=D(fee), fee_currency=order.quote))
    return order


MARKETS = {
    "BTC/USDT": MarketInfo("BTC/USDT", "BTC", "USDT", amount_step=D("0.0001"),
                           price_step=D("0.01"), min_amount=D("0.0001"), min_cost=D("5")),
    "ETH/USDT": MarketInfo("ETH/USDT", "ETH", "USDT", amount_step=D("0.001"),
                           price_step=D("0.01"), min_amount=D("0.001"), min_cost=D("5")),
}


def show_sized(qtbot, widget, width: int, height: int):
    """`widget` owned by the test, at `width` x `height`, shown and exposed (painted sizes in
    pixel tests depend on it)."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
