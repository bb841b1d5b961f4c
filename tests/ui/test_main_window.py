"""The real main window on the real engine and the paper exchange, driven like a trader would."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox

from moniqo_desktop.ui import theme
from moniqo_desktop.domain import ExitReason, OrderStatus, PositionStatus

from window_harness import until, until_idle

D = Decimal
DISPLAY = Qt.ItemDataRole.DisplayRole


def cell(model, row: int, key: str) -> str:
    return model.index(row, model.column_index(key)).data(DISPLAY)


def click_action(qtbot, view, key: str, obj_id: str) -> None:
    rect = view.action_rect(key, obj_id)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


async def buy_market(qtbot, window, amount: str, symbol: str = "BTC/USDT") -> None:
    entry = window.entry
    entry.symbol.setCurrentText(symbol)
    entry.amount.clear()
    qtbot.keyClicks(entry.amount, amount)
    qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)


def test_typed_order_becomes_order_and_position_rows(run, qtbot):
    async def scenario(window, engine, exchange):
        positions, orders = window.positions.model, window.orders.model
        await buy_market(qtbot, window, "0.1")
        await until(lambda: positions.rowCount() == 1 and orders.rowCount() == 1)
        assert cell(orders, 0, "status") == "Filled"
        assert cell(orders, 0, "amount") == "0.1"
        assert cell(orders, 0, "avg_price") == "50,000.00"
        assert cell(positions, 0, "symbol") == "BTC/USDT"
        assert cell(positions, 0, "side") == "Long"
        assert cell(positions, 0, "status") == "Open"
        assert window.positions.view.proxy.rowCount() == 1  # the "Open" filter shows it
        assert window.chart.position is not None  # first position is selected and charted
        assert "filled" in " ".join(window.log_panel.texts()).lower()

    run(scenario)


def test_close_button_confirms_then_closes_with_reason_manual(run, qtbot, asked):

    async def scenario(window, engine, exchange):
        positions = window.positions.model
        await buy_market(qtbot, window, "0.1")
        await until(lambda: positions.rowCount() == 1)
        position = engine.position(positions.object_at(0).id)  # live, not the row's snapshot
        click_action(qtbot, window.positions.view, "close", position.id)
        await until(lambda: not position.is_open)
        assert asked and "BTC/USDT" in asked[0]
        assert position.status is PositionStatus.CLOSED
        assert position.close_reason is ExitReason.MANUAL
        assert cell(positions, 0, "status") == "Closed · manual"
        assert cell(positions, 0, "unrealized_pnl") == ""
        assert cell(positions, 0, "realized_pnl").startswith("-")  # fees, no price move
        # it stays in the "Open" view, dimmed, until the next filter change ...
        assert window.positions.view.proxy.rowCount() == 1
        assert positions.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) == \
            theme.current().color("muted")
        window.positions.set_filter("Closed")
        assert window.positions.view.proxy.rowCount() == 1
        window.positions.set_filter("Open")  # ... and is gone after it
        assert window.positions.view.proxy.rowCount() == 0

    run(scenario)


def test_declining_the_confirmation_keeps_the_position(run, qtbot, asked):
    asked.default = QMessageBox.StandardButton.No

    async def scenario(window, engine, exchange):
        await buy_market(qtbot, window, "0.1")
        await until(lambda: window.positions.model.rowCount() == 1)
        position = engine.position(window.positions.model.object_at(0).id)  # live object
        window.positions.view.select_id(position.id)
        window.positions.view.setFocus()
        qtbot.keyClick(window.positions.view, Qt.Key.Key_Delete)
        await until_idle()
        assert position.is_open

    run(scenario)


def test_price_move_repaints_only_the_position_rows(run, qtbot):
    async def scenario(window, engine, exchange):
        positions = window.positions.model
        await buy_market(qtbot, window, "0.1")
        await until(lambda: positions.rowCount() == 1)
        await buy_market(qtbot, window, "1", symbol="ETH/USDT")
        await until(lambda: positions.rowCount() == 2)
        btc_row = next(r for r in range(2) if positions.object_at(r).symbol == "BTC/USDT")
        before = cell(positions, btc_row, "unrealized_pnl")
        changed: list[tuple[int, int, int, int]] = []
        positions.dataChanged.connect(lambda tl, br, roles=(): changed.append(
            (tl.row(), br.row(), tl.column(), br.column())))
        resets: list[bool] = []
        positions.modelAboutToBeReset.connect(lambda: resets.append(True))

        exchange.set_price("BTC/USDT", D("51000"))
        await engine.run_cycle()
        await until_idle()  # engine events reach the widgets on a later turn of the loop

        # 0.1 * (51000 - 50000) - 5 entry fee
        assert cell(positions, btc_row, "unrealized_pnl") == "+95.00" != before
        assert changed, "no dataChanged at all"
        assert all(top == bottom for top, bottom, _l, _r in changed), changed
        # one signal per position update, and only the moved position is updated (ETH's
        # price did not move: the cycle has nothing to announce about it)
        assert {top for top, *_ in changed} == {btc_row}
        assert resets == []
        # the account strip (recomputed once after the burst of updates) and chart follow
        await until(lambda: window.account.open_pnl.value.text().startswith("+"))
        assert window.chart.price_curve.getData()[1][-1] == 51000.0

    run(scenario)


def test_limit_order_cancel_button(run, qtbot):
    async def scenario(window, engine, exchange):
        entry, orders = window.entry, window.orders.model
        entry.set_order_type("limit")
        qtbot.keyClicks(entry.amount, "0.1")
        qtbot.keyClicks(entry.price, "45000")
        qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)
        await until(lambda: orders.rowCount() == 1)
        order = engine.order(orders.object_at(0).id)  # live object
        assert order.status is OrderStatus.OPEN
        click_action(qtbot, window.orders.view, "cancel", order.id)
        await until(lambda: order.status is OrderStatus.CANCELLED)
        assert cell(orders, 0, "status") == "Cancelled"
        assert window.positions.model.rowCount() == 0

    run(scenario)


def test_exchange_rejection_is_shown_in_the_form(run, qtbot):
    async def scenario(window, engine, exchange):
        await buy_market(qtbot, window, "5")  # 250 000 USDT > 10 000 in the paper account
        await until(lambda: window.orders.model.rowCount() == 1 or window.entry.error.text())
        assert window.entry.error.text()
        assert window.positions.model.rowCount() == 0

    run(scenario)


def test_invalid_amount_sends_nothing_to_the_engine(run, qtbot):
    async def scenario(window, engine, exchange):
        await buy_market(qtbot, window, "-1")
        await until_idle()
        assert engine.orders() == []
        assert window.entry.amount.property("invalid") is True

    run(scenario)


def action_for(window, keys: str):
    wanted = QKeySequence(keys)
    return next(a for a in window.actions() if a.shortcut() == wanted)


def test_ctrl_n_focuses_the_amount(run, qtbot):
    async def scenario(window, engine, exchange):
        window.positions.view.setFocus()
        action_for(window, "Ctrl+N").trigger()
        await asyncio.sleep(0.01)
        assert window.focusWidget() is window.entry.amount

    run(scenario)


def test_ctrl_w_closes_the_selected_position(run, qtbot, asked):

    async def scenario(window, engine, exchange):
        await buy_market(qtbot, window, "0.1")
        await until(lambda: window.positions.model.rowCount() == 1)
        position = engine.position(window.positions.model.object_at(0).id)  # live object
        window.positions.view.select_id(position.id)
        window.positions.view.setFocus()  # Ctrl+W acts on the table that has focus
        action_for(window, "Ctrl+W").trigger()
        await until(lambda: not position.is_open)
        assert position.close_reason is ExitReason.MANUAL

    run(scenario)


def test_window_state_round_trips_through_qsettings(run, qtbot, tmp_path):
    async def scenario(window, engine, exchange):
        window.right_splitter.setSizes([300, 300, 200])
        window.positions.view.setColumnWidth(2, 123)
        window.save_state()
        saved = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
        assert saved.value("splitters/rightSplitter") is not None
        assert saved.value("positions/header") is not None

    run(scenario)


def test_context_menu_edit_protection_calls_the_engine(run, qtbot, monkeypatch):
    from moniqo_desktop.ui.dialogs.protection_dialog import ProtectionDialog

    def fill_and_accept(dialog):
        dialog.edits["stop_loss"].setText("48000")
        dialog.edits["take_profit"].setText("55000")
        dialog.accept()
        return ProtectionDialog.DialogCode.Accepted

    monkeypatch.setattr(ProtectionDialog, "exec", fill_and_accept)

    async def scenario(window, engine, exchange):
        positions = window.positions.model
        await buy_market(qtbot, window, "0.1")
        await until(lambda: positions.rowCount() == 1)
        position = engine.position(positions.object_at(0).id)  # live, not the row's snapshot
        window.positions.editProtectionRequested.emit(position.id)
        await until(lambda: position.stop_loss == D("48000"))
        assert position.take_profit == D("55000")
        assert cell(positions, 0, "stop_loss") == "48,000.00"
        assert window.chart.target_line.value() == 55000.0

    run(scenario)


def test_selected_position_closing_under_open_keeps_its_chart_and_selects_nothing(
        run, qtbot, asked):
    """The closed position stays charted (final state) until the trader picks another one,
    and no neighbour becomes current: a Del meant for the closed row must not close it."""

    async def scenario(window, engine, exchange):
        positions, view = window.positions.model, window.positions.view
        assert window.chart.is_empty()  # start-up: the hint, not empty axes
        await buy_market(qtbot, window, "0.1")
        await until(lambda: positions.rowCount() == 1)
        await buy_market(qtbot, window, "1", symbol="ETH/USDT")
        await until(lambda: positions.rowCount() == 2)
        btc = next(p for p in positions.objects() if p.symbol == "BTC/USDT")
        eth = next(p for p in positions.objects() if p.symbol == "ETH/USDT")
        view.select_id(eth.id)
        assert window.chart.position.id == eth.id
        window.request_close_position(eth.id)
        await until(lambda: not engine.position(eth.id).is_open)
        await until_idle()
        assert view.proxy.rowCount() == 2  # stays, dimmed, until the next filter change
        window.positions.symbol_filter.setText("/")  # a filter change: now it leaves
        assert view.proxy.rowCount() == 1
        assert view.current_id() is None  # not the BTC neighbour
        assert window.chart.position.id == eth.id and not window.chart.is_empty()
        assert "closed" in window.chart.title.text()
        asked.clear()
        asked.default = QMessageBox.StandardButton.No
        view.setFocus()
        window.close_or_cancel_selected()  # Ctrl+W / Del with nothing selected
        assert asked == [] and engine.position(btc.id).is_open
        view.select_id(btc.id)  # the trader picks another position
        assert window.chart.position.id == btc.id

    run(scenario)


def test_prices_use_the_market_precision_everywhere(run, qtbot):
    async def scenario(window, engine, exchange):
        await buy_market(qtbot, window, "1", symbol="SOL/USDT")
        positions = window.positions.model
        await until(lambda: positions.rowCount() == 1)
        assert cell(positions, 0, "entry_price") == "143.73"
        assert cell(window.orders.model, 0, "avg_price") == "143.73"
        title = window.chart.title.text()
        assert "143.73" in title and "143.7300" not in title
        assert not any("143.7300" in text for text in window.log_panel.texts())

    run(scenario, prices={"BTC/USDT": D("50000"), "SOL/USDT": D("143.73")})


def test_order_form_says_where_stops_live(run, qtbot):
    async def scenario(window, engine, exchange):
        note = window.findChild(QLabel, "orderStopNote")
        assert note is not None and note.isVisible()
        assert note.text() == engine.stop_note(window.entry.symbol.currentText())
        assert "Paper trading" in note.text()

    run(scenario)


def test_store_failure_shows_a_banner_not_an_order_failure(run, qtbot, tmp_path):
    """Issue #11: a database that refuses writes is reported loudly as such (banner + log),
    not as "order failed"; the buy the venue filled is booked once the store works again."""
    import sqlite3

    async def scenario(window, engine, exchange):
        db = tmp_path / "moniqo.sqlite3"
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TRIGGER broken_disk BEFORE INSERT ON order_fills BEGIN "
                         "SELECT RAISE(ABORT, 'database or disk is full'); END")
        assert window.store_banner.isHidden()
        await buy_market(qtbot, window, "0.1")
        await until(lambda: window.store_banner.isVisible())
        assert "disk is full" in window.store_banner.text()
        assert "Order not placed" not in " ".join(window.log_panel.texts())
        assert window.grab().save(str(tmp_path / "store_banner.png"))
        await engine.run_cycle()  # still refused: the banner stays
        assert window.store_banner.isVisible()
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TRIGGER broken_disk")
        await engine.run_cycle()
        await until(lambda: window.positions.model.rowCount() == 1)
        assert [p.amount for p in engine.positions()] == [D("0.1")]
        # The store writes again: the banner comes down and the log says why.
        await until(lambda: window.store_banner.isHidden())
        assert any("The database accepts writes again" in t for t in window.log_panel.texts())
        assert window.grab().save(str(tmp_path / "store_banner_cleared.png"))

    run(scenario)


def test_the_form_follows_its_order_to_filled_after_a_store_failure(run, qtbot, tmp_path):
    """Issue #14 (seen in the store-banner screenshot): the store refused the order's fill, so
    place_order answered with the order still pending; the venue had filled it, and once the
    store wrote again the orders table said Filled while the form kept "... — pending"."""
    import sqlite3

    async def scenario(window, engine, exchange):
        db = tmp_path / "moniqo.sqlite3"
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TRIGGER broken_disk BEFORE INSERT ON order_fills BEGIN "
                         "SELECT RAISE(ABORT, 'database or disk is full'); END")
        await buy_market(qtbot, window, "0.1")
        await until(lambda: window.store_banner.isVisible())
        await until(lambda: window.entry.message.isVisible())
        said = window.entry.message.text()
        assert said.startswith("BUY 0.1 BTC/USDT market — ") and not said.endswith("filled")
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TRIGGER broken_disk")
        await engine.run_cycle()
        await until(lambda: window.store_banner.isHidden())
        assert cell(window.orders.model, 0, "status") == "Filled"
        assert window.entry.message.text() == "BUY 0.1 BTC/USDT market — filled"

    run(scenario)


def test_the_form_keeps_what_the_trader_typed_since(run, qtbot):
    """The form follows its last order only while it still shows that order's line: a message
    the trader has moved on from (a new error, Esc) is never overwritten by a late status."""
    async def scenario(window, engine, exchange):
        window.entry.symbol.setCurrentText("BTC/USDT")
        qtbot.keyClicks(window.entry.amount, "0.1")
        window.entry.order_type.setCurrentIndex(1)  # limit
        qtbot.keyClicks(window.entry.price, "40000")
        qtbot.mouseClick(window.entry.submit_button, Qt.MouseButton.LeftButton)
        await until(lambda: window.orders.model.rowCount() == 1)
        assert window.entry.message.text().endswith("— open")
        window.activateWindow()
        window.entry.amount.setFocus()
        await until(window.entry.amount.hasFocus)
        qtbot.keyClick(window.entry.amount, Qt.Key.Key_Escape)
        assert not window.entry.message.isVisible()
        order = engine.orders()[0]
        await engine.cancel_order(order.id)
        await until_idle()
        assert not window.entry.message.isVisible()

    run(scenario)


def test_a_window_built_before_its_stylesheet_still_wears_it(run):
    """The window is built under its theme's palette and given the stylesheet once it is whole
    (`theme.apply_palette`, then `apply_stylesheet`: under a sheet, each move of a panel into
    its parent re-polished the panel's widgets); the finished window wears the sheet."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    app.setStyleSheet("")  # as at a real start: no window has set one yet

    async def scenario(window, engine, exchange):
        assert app.styleSheet() == theme.stylesheet(theme.current())
        assert theme.current() is theme.get(window.settings.theme)

    run(scenario)


def test_a_window_at_start_gets_no_late_palette_change(run):
    """The theme's palette is set before the window exists. Set after (as it was), Qt posts
    the application palette change to the window, which arrives after its first paint: every
    widget then takes the palette again, is re-polished under the stylesheet, laid out and
    painted a second and third time before the start is idle (#14: ~40 ms of a start)."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from moniqo_desktop.ui.first_paint import first_paint
    from moniqo_desktop.ui.main_window import MainWindow

    app = QApplication.instance()
    app.setStyleSheet("")
    app.setPalette(QPalette())  # as at a real start: the platform's palette, not the theme's
    seen: list[str] = []

    class Watch(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.ApplicationPaletteChange and \
                    isinstance(watched, MainWindow):
                seen.append(type(watched).__name__)
            return False

    watch = Watch()
    app.installEventFilter(watch)

    async def scenario(window, engine, exchange):
        assert await first_paint(window, timeout=30)
        for _ in range(5):  # posted events are delivered within a few turns of the loop
            await asyncio.sleep(0.02)
        assert seen == []
        assert app.palette().color(QPalette.ColorRole.Window) == theme.current().color("window")

    try:
        run(scenario)
    finally:
        app.removeEventFilter(watch)


def test_the_tables_counts_are_in_the_window_it_first_shows(run):
    """The rows a start loads are counted at once: a count due 250 ms later (the throttle
    for streaming prices) arrived after the first paint, widened its label and laid the whole
    window out and painted it again (#14 start-up)."""
    async def scenario(window, engine, exchange):
        # no turn of the loop has run since the window was built and shown
        assert window.positions.count.text() == "0 open · 0 total"
        assert window.orders.count.text() == "0 open · 0 total"

    run(scenario)
