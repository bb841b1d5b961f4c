"""Order entry: invalid input is shown inline and nothing is submitted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from moniqo_desktop.domain import OrderSide, OrderType
from moniqo_desktop.ui.order_ticket import OrderTicket
from moniqo_desktop.ui.widgets.order_entry import OrderEntry

from ui_factories import MARKETS

D = Decimal


@pytest.fixture
def entry(qtbot):
    widget = OrderEntry()
    qtbot.addWidget(widget)
    widget.set_markets(MARKETS)
    widget.set_prices({"BTC/USDT": D("50000"), "ETH/USDT": D("3000")})
    widget.set_balances({"USDT": (D("10000"), D("10000")), "BTC": (D("0.2"), D("0.2"))})
    widget.show()
    return widget


def submissions(entry: OrderEntry) -> list[OrderTicket]:
    seen: list[OrderTicket] = []
    entry.submitted.connect(seen.append)
    return seen


@pytest.mark.parametrize("text, reason", [
    ("abc", "not a number"),
    ("nan", "not a number"),
    ("inf", "not a number"),
    ("0_1", "not a number"),
    ("1e309", "not a number"),
    ("\uff11", "not a number"),
    ("-1", "negative"),
    ("0", "greater than zero"),
    ("0.123456", "more decimals"),
    ("", "Enter an amount"),
    ("0.00001", "decimals"),
])
def test_bad_amount_is_red_with_reason_and_nothing_submitted(qtbot, entry, text, reason):
    sent = submissions(entry)
    entry.amount.setText(text)
    qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)
    assert sent == []
    assert entry.amount.property("invalid") is True
    error = entry.findChild(type(entry.error), "orderError")
    assert reason.lower() in error.text().lower()


def test_fixing_the_field_clears_the_red(entry):
    entry.amount.setText("x")
    entry.submit()
    assert entry.amount.property("invalid") is True
    entry.amount.setText("0.01")
    assert not entry.amount.property("invalid")
    assert entry.error.text() == ""


def test_valid_market_order_is_submitted_with_decimals(qtbot, entry):
    sent = submissions(entry)
    entry.amount.setText("0.01")
    entry.stop_loss.setText("49000")
    entry.take_profit.setText("52000")
    entry.trailing.setText("1.5")
    with qtbot.waitSignal(entry.submitted):
        qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)
    (ticket,) = sent
    assert ticket.symbol == "BTC/USDT" and ticket.side is OrderSide.BUY
    assert ticket.type is OrderType.MARKET
    assert ticket.amount == D("0.01") and isinstance(ticket.amount, Decimal)
    assert ticket.stop_loss == D("49000") and ticket.trailing_stop_percent == D("1.5")
    assert ticket.kwargs()["price"] is None


def test_price_fields_appear_only_when_they_apply(entry):
    assert entry.price.isHidden() and entry.stop_price.isHidden()
    entry.set_order_type(OrderType.LIMIT)
    assert entry.price.isVisible() and entry.stop_price.isHidden()
    entry.set_order_type(OrderType.STOP)
    assert entry.price.isHidden() and entry.stop_price.isVisible()
    entry.set_order_type(OrderType.STOP_LIMIT)
    assert entry.price.isVisible() and entry.stop_price.isVisible()


def test_limit_without_price_is_refused(entry):
    sent = submissions(entry)
    entry.set_order_type(OrderType.LIMIT)
    entry.amount.setText("0.01")
    entry.submit()
    assert sent == [] and entry.price.property("invalid") is True
    assert "limit price" in entry.error.text()


def test_stop_loss_on_wrong_side_is_refused(entry):
    sent = submissions(entry)
    entry.amount.setText("0.01")
    entry.stop_loss.setText("51000")  # above the market for a long
    entry.submit()
    assert sent == [] and entry.stop_loss.property("invalid") is True
    assert "below" in entry.error.text()


def test_below_minimum_cost_is_refused(entry):
    sent = submissions(entry)
    entry.symbol.setCurrentText("ETH/USDT")
    entry.amount.setText("0.001")  # 3 USDT < min cost 5
    entry.submit()
    assert sent == [] and "minimum" in entry.error.text()


def test_fraction_buttons_size_from_free_balance(entry):
    entry.fill_fraction(D("0.5"))  # 5000 USDT / (50000 * 1.001) -> 0.0999 (step 0.0001)
    assert entry.amount.text() == "0.0999"
    entry.set_side(OrderSide.SELL)
    entry.fill_fraction(D("1"))
    assert entry.amount.text() == "0.2"


def test_live_estimate_of_cost_and_fee(entry):
    entry.amount.setText("0.1")
    assert "5,000.00 USDT" in entry.estimate.text()
    assert "Fee ≈ 5.00" in entry.estimate.text()
    entry.set_order_type(OrderType.LIMIT)
    entry.price.setText("40000")
    assert "4,000.00 USDT" in entry.estimate.text()


def test_rejection_is_shown_as_message(entry):
    entry.show_error("Insufficient balance")
    assert entry.error.text() == "Insufficient balance"


def test_the_form_repaints_only_what_a_tick_changed(qtbot, entry):
    """The form heard every price tick, balance read and position move, and repainted (its
    Buy button re-polished, so re-laid out) even when what it shows did not change or the
    symbol that moved is not the one shown (#14: update only on change)."""
    from PySide6.QtWidgets import QApplication, QWidget

    from test_paint_cost import paints_of
    from ui_factories import make_position

    held = make_position("BTC/USDT")
    other = make_position("ETH/USDT", entry="3000")
    entry.set_positions([held, other])
    entry.amount.setText("0.01")  # a cost estimate is shown, and moves with BTC's price
    qtbot.waitExposed(entry)
    qtbot.wait(50)
    QApplication.processEvents()
    painted = {w: paints_of(w) for w in (entry, *entry.findChildren(QWidget))}
    balances = {"USDT": (D("10000"), D("10000")), "BTC": (D("0.2"), D("0.2"))}
    for price in ("3001", "3002", "2999"):  # ETH moves; BTC, the symbol shown, does not
        entry.set_prices({"ETH/USDT": D(price), "BTC/USDT": D("50000")})
        other.update_price(D(price))
        entry.position_changed(other)
        held.update_price(D("50000"))
        entry.position_changed(held)  # the engine's update of the held one: nothing new
        entry.set_balances(dict(balances))
        QApplication.processEvents()
    assert {w.objectName() or type(w).__name__: len(p) for w, p in painted.items() if p} == {}
    entry.set_prices({"BTC/USDT": D("50100")})  # the symbol shown moves: its figures only
    held.update_price(D("50100"))
    entry.position_changed(held)
    QApplication.processEvents()
    assert entry.last_price.text() == "Last 50,100.00"
    assert "501.00" in entry.estimate.text()
    assert painted[entry.last_price] and painted[entry.estimate]
    assert not painted[entry.submit_button]
