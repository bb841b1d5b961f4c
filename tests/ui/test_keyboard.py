"""Keyboard-first: the real window driven by keys only (pytest-qt), on the paper exchange."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from moniqo_desktop.domain import OrderStatus, PositionStatus

from window_harness import until, until_idle

D = Decimal


async def focus(widget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    await until(widget.hasFocus)


async def open_position(qtbot, window, amount="0.1", symbol="BTC/USDT", **protection):
    entry = window.entry
    entry.symbol.setCurrentText(symbol)
    entry.amount.setText(amount)
    for name, value in protection.items():
        getattr(entry, name).setText(value)
    qtbot.keyClick(entry.amount, Qt.Key.Key_Return)
    await until(lambda: any(p.symbol == symbol for p in window.engine.positions(open_only=True)))


def test_tab_and_shift_tab_leave_each_table(run, qtbot):
    async def scenario(window, engine, exchange):
        await open_position(qtbot, window)
        await engine.place_order(symbol="ETH/USDT", side="buy", type="limit", amount="1",
                                 price="2000")
        await until_idle()
        for view in (window.positions.view, window.orders.view):
            assert view.model().rowCount() >= 1
            await focus(view)
            view.setCurrentIndex(view.model().index(0, 1))
            qtbot.keyClick(view, Qt.Key.Key_Tab)
            assert not view.hasFocus()  # one press, not one per cell
            await focus(view)
            qtbot.keyClick(view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
            assert not view.hasFocus()

    run(scenario)


def test_escape_clears_the_form(run, qtbot):
    async def scenario(window, engine, exchange):
        entry = window.entry
        entry.amount.setText("0.5")
        entry.stop_loss.setText("40000")
        entry.take_profit.setText("abc")
        entry.submit()  # an error message is showing
        assert entry.error.isVisible()
        await focus(entry.take_profit)
        qtbot.keyClick(entry.take_profit, Qt.Key.Key_Escape)
        assert entry.texts() == {k: "" for k in entry.texts()}
        assert not entry.error.isVisible()
        assert entry.symbol.currentText() == "BTC/USDT"

    run(scenario)


def test_arrow_keys_never_flip_buy_and_sell(run, qtbot):
    async def scenario(window, engine, exchange):
        entry = window.entry
        await focus(entry.buy_button)
        for key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Up):
            qtbot.keyClick(entry.buy_button, key)
            assert entry.buy_button.isChecked() and entry.side.value == "buy"
        await focus(entry.sell_button)
        qtbot.keyClick(entry.sell_button, Qt.Key.Key_Space)  # the deliberate way still works
        assert entry.side.value == "sell"
        qtbot.keyClick(entry.sell_button, Qt.Key.Key_Left)
        assert entry.side.value == "sell"

    run(scenario)


def test_enter_after_a_fill_does_not_send_a_second_order(run, qtbot):
    async def scenario(window, engine, exchange):
        await open_position(qtbot, window, stop_loss="45000")
        entry = window.entry
        assert entry.amount.text() == "" and entry.stop_loss.text() == ""
        sent = exchange.calls["create_order"]
        qtbot.keyClick(entry.amount, Qt.Key.Key_Return)  # the trader presses Enter again
        await until_idle()
        assert exchange.calls["create_order"] == sent
        assert len([o for o in engine.orders() if o.status is OrderStatus.FILLED]) == 1
        assert entry.error.isVisible()  # "amount is required", not a twin order

    run(scenario)


def test_keep_protection_keeps_it_for_the_next_order_on_the_same_symbol(run, qtbot):
    async def scenario(window, engine, exchange):
        entry = window.entry
        entry.keep_protection.setChecked(True)
        await open_position(qtbot, window, stop_loss="45000", trailing="2")
        assert entry.amount.text() == ""
        assert entry.stop_loss.text() == "45000" and entry.trailing.text() == "2"

    run(scenario)


def test_switching_symbol_clears_protection(run, qtbot):
    async def scenario(window, engine, exchange):
        entry = window.entry
        entry.keep_protection.setChecked(True)  # even when kept: a price of another market
        entry.stop_loss.setText("45000")
        entry.take_profit.setText("60000")
        entry.trailing.setText("2")
        entry.symbol.setCurrentText("ETH/USDT")
        assert [entry.stop_loss.text(), entry.take_profit.text(), entry.trailing.text()] == \
            ["", "", ""]

    run(scenario)


def test_del_and_ctrl_w_close_and_cancel_from_the_keyboard(run, qtbot, asked):

    async def scenario(window, engine, exchange):
        await open_position(qtbot, window)
        order = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                         amount="1", price="2000")
        await until_idle()
        await focus(window.orders.view)
        window.orders.view.select_id(order.id)
        qtbot.keyClick(window.orders.view, Qt.Key.Key_Delete)
        await until(lambda: order.status is OrderStatus.CANCELLED)
        [position] = engine.positions(open_only=True)
        await focus(window.positions.view)
        window.positions.view.select_id(position.id)
        qtbot.keyClick(window.positions.view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: position.status is PositionStatus.CLOSED)

    run(scenario)



def test_ctrl_w_outside_the_tables_closes_nothing_and_says_where_it_works(run, qtbot, asked):
    """Ctrl+W typed while the order form had focus opened "Close position" for whichever row
    the positions table had selected - a position the trader was not looking at, one Enter
    away from closing. Ctrl+W / Del act on the table that has focus; elsewhere they close
    nothing, and the status bar says how to close or cancel."""

    async def scenario(window, engine, exchange):
        await open_position(qtbot, window)
        [position] = engine.positions(open_only=True)
        window.positions.view.select_id(position.id)
        for widget in (window.entry.amount, window.entry.stop_loss, window.log_panel):
            await focus(widget)
            qtbot.keyClick(widget, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
            await until_idle()
            assert asked == [] and position.is_open, widget.objectName()
            hint = window.statusBar().currentMessage()
            assert "Ctrl+W" in hint and "positions or orders table" in hint, hint
        await focus(window.positions.view)  # where it does work: the row in view is closed
        qtbot.keyClick(window.positions.view, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: position.status is PositionStatus.CLOSED)
        assert len(asked) == 1 and position.symbol in asked[0]

    run(scenario)


@pytest.mark.parametrize("keys", [(Qt.Key.Key_Menu, Qt.KeyboardModifier.NoModifier),
                                  (Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)],
                         ids=["menu key", "shift+f10"])
def test_menu_key_opens_the_row_menu_of_the_current_row(run, qtbot, keys):
    async def scenario(window, engine, exchange):
        await open_position(qtbot, window)
        order = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                         amount="1", price="2000")
        await until_idle()
        for panel, obj_id, label in ((window.positions, engine.positions()[0].id,
                                      "Close position…"),
                                     (window.orders, order.id, "Cancel order")):
            await focus(panel.view)
            panel.view.select_id(obj_id)
            qtbot.keyClick(panel.view, *keys)  # the README promises both
            await until(lambda p=panel: p.row_menu is not None and p.row_menu.isVisible())
            actions = {a.text(): a for a in panel.row_menu.actions()}
            assert actions[label].isEnabled()
            panel.row_menu.close()
            panel.row_menu = None

    run(scenario)


def test_optional_order_confirmation(run, qtbot, asked):
    asked.replies = [QMessageBox.StandardButton.No]  # the first declined, then Yes

    async def scenario(window, engine, exchange):
        entry = window.entry
        entry.amount.setText("0.01")
        qtbot.keyClick(entry.amount, Qt.Key.Key_Return)  # setting off: no question
        await until(lambda: len(engine.orders()) == 1)
        assert asked == []
        window.settings.confirm_orders = True
        entry.amount.setText("0.01")
        qtbot.keyClick(entry.amount, Qt.Key.Key_Return)  # declined
        await until_idle()
        assert len(engine.orders()) == 1 and entry.amount.text() == "0.01"
        assert asked[0].startswith("BUY 0.01 BTC/USDT market") and "(PAPER)" in asked[0]
        qtbot.keyClick(entry.amount, Qt.Key.Key_Return)  # confirmed
        await until(lambda: len(engine.orders()) == 2)

    run(scenario)


async def tab_chain(qtbot, start, presses: int = 30, back: bool = False) -> list:
    """The widgets focus visits from `start` pressing Tab (or Shift+Tab) `presses` times."""
    from PySide6.QtWidgets import QApplication

    await focus(start)
    seen = []
    for _ in range(presses):
        widget = QApplication.focusWidget()
        seen.append(widget)
        if back:
            qtbot.keyClick(widget, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        else:
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
    return seen


def test_tab_reaches_sell_and_every_stop_does_something(run, qtbot):
    """Found driving the real window by Tab alone (issue #14 item 7 re-check): with the arrows
    kept from flipping Buy/Sell, Sell could not be reached at all - Qt's exclusive button
    group lets Tab stop only on the checked button and moves between them by arrows. And Tab
    spent presses on stops where keys do nothing: the order form's scroll area and the
    chart's inner graphics view (the chart itself keeps its stop: Enter/Esc confirm a move)."""
    from PySide6.QtWidgets import QGraphicsView, QScrollArea

    async def scenario(window, engine, exchange):
        entry = window.entry
        for back in (False, True):
            chain = await tab_chain(qtbot, entry.amount, back=back)
            assert entry.sell_button in chain and entry.buy_button in chain
            assert not [w for w in chain if isinstance(w, (QScrollArea, QGraphicsView))]
            assert window.positions.view in chain and window.orders.view in chain
        # keyboard only: Tab to Sell, Space picks it; the arrows still never flip it back
        await focus(entry.buy_button)
        qtbot.keyClick(entry.buy_button, Qt.Key.Key_Tab)
        assert entry.sell_button.hasFocus()
        qtbot.keyClick(entry.sell_button, Qt.Key.Key_Space)
        assert entry.side.value == "sell" and not entry.buy_button.isChecked()
        qtbot.keyClick(entry.sell_button, Qt.Key.Key_Right)
        assert entry.side.value == "sell"
        qtbot.keyClick(entry.sell_button, Qt.Key.Key_Space)  # a second Space keeps Sell
        assert entry.side.value == "sell" and entry.sell_button.isChecked()
        qtbot.keyClick(entry.sell_button, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(entry.buy_button, Qt.Key.Key_Space)
        assert entry.side.value == "buy" and not entry.sell_button.isChecked()

    run(scenario)


def test_esc_clears_the_form_from_any_of_its_stops(run, qtbot):
    """Esc was checked from a text field only; the form's other Tab stops (symbol and type
    pickers, the side buttons, Keep protection, the submit button) must clear it as well."""
    async def scenario(window, engine, exchange):
        entry = window.entry
        for stop in (entry.symbol, entry.buy_button, entry.sell_button, entry.order_type,
                     entry.keep_protection, entry.submit_button):
            entry.amount.setText("0.5")
            entry.stop_loss.setText("40000")
            await focus(stop)
            qtbot.keyClick(stop, Qt.Key.Key_Escape)
            assert (entry.amount.text(), entry.stop_loss.text()) == ("", ""), stop.objectName()

    run(scenario)
