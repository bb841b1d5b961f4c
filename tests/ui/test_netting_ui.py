"""Positions that match the account, as the trader sees them (issue #10): the real window on
the real engine and the paper exchange, driven with pytest-qt."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog

from moniqo_desktop.domain import OrderIntent

from window_harness import until, until_idle

D = Decimal
DISPLAY = Qt.ItemDataRole.DisplayRole


def cell(model, row: int, key: str) -> str:
    return model.index(row, model.column_index(key)).data(DISPLAY)


async def order(qtbot, window, side: str, amount: str, symbol: str = "BTC/USDT",
                **protection: str) -> None:
    entry = window.entry
    entry.symbol.setCurrentText(symbol)
    qtbot.mouseClick(entry.buy_button if side == "buy" else entry.sell_button,
                     Qt.MouseButton.LeftButton)
    entry.amount.clear()
    qtbot.keyClicks(entry.amount, amount)
    for name, text in protection.items():
        edit = getattr(entry, name)
        edit.clear()
        qtbot.keyClicks(edit, text)
    qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)


def test_sell_on_a_held_symbol_reduces_the_position(run, qtbot):
    async def scenario(window, engine, exchange):
        positions = window.positions.model
        await order(qtbot, window, "buy", "0.1")
        await until(lambda: positions.rowCount() == 1)
        window.entry.set_side("sell")
        assert window.entry.submit_button.text() == "Sell — reduces your long"
        await order(qtbot, window, "sell", "0.04")
        await until(lambda: positions.object_at(0).amount == D("0.06"))
        assert positions.rowCount() == 1  # never a second ("short") row
        assert cell(positions, 0, "side") == "Long"
        assert (await exchange.fetch_balance())["BTC"].total == D("0.06")
        window.entry.symbol.setCurrentText("ETH/USDT")  # nothing held there: a plain sell
        assert window.entry.submit_button.text() == "Sell ETH"

    run(scenario)


def test_selling_more_than_held_is_refused_in_the_form(run, qtbot):
    async def scenario(window, engine, exchange):
        await order(qtbot, window, "buy", "0.01")
        await until(lambda: window.positions.model.rowCount() == 1)
        await order(qtbot, window, "sell", "0.02")
        await until(lambda: window.entry.error.isVisible())
        assert "you hold 0.01 BTC; sell at most 0.01" in window.entry.error.text()
        assert len(engine.orders()) == 1

    run(scenario)


def test_the_form_says_an_adding_order_replaces_protection(run, qtbot):
    async def scenario(window, engine, exchange):
        await order(qtbot, window, "buy", "0.05", stop_loss="45000")
        await until(lambda: window.positions.model.rowCount() == 1)
        entry = window.entry
        entry.set_side("buy")
        entry.stop_loss.clear()
        assert "its protection stays" in entry.protection_note.text()
        qtbot.keyClicks(entry.stop_loss, "47000")
        qtbot.keyClicks(entry.amount, "0.05")  # the amount cleared after the first order
        assert entry.protection_note.isVisible()
        assert "this protection replaces the position's" in entry.protection_note.text()
        qtbot.mouseClick(entry.submit_button, Qt.MouseButton.LeftButton)
        position = engine.position(window.positions.model.object_at(0).id)  # live object
        await until(lambda: position.amount == D("0.1"))
        assert position.stop_loss == D("47000")

    run(scenario)


def test_order_cost_above_the_free_balance_is_stopped_in_the_form(run, qtbot):
    async def scenario(window, engine, exchange):
        await until(lambda: window.entry.last_price.text() != "")  # the form knows the price
        await order(qtbot, window, "buy", "1")  # 50 050 USDT with fees; 10 000 held
        await until_idle()
        assert engine.orders() == []
        assert window.entry.error.text() == "not enough USDT: available 10,000.00 USDT"

    run(scenario)


def test_typing_1e309_keeps_the_panel_width_with_a_short_error(run, qtbot):
    async def scenario(window, engine, exchange):
        entry = window.entry
        width = entry.width()
        await order(qtbot, window, "buy", "1e309")
        await until_idle()
        assert engine.orders() == []
        assert entry.error.isVisible() and len(entry.error.text()) < 80
        assert "1e309" in entry.error.text()
        assert entry.width() == width

    run(scenario)


def test_pasted_display_price_is_a_limit_price(run, qtbot):
    async def scenario(window, engine, exchange):
        entry = window.entry
        entry.set_order_type("limit")
        entry.price.setText("48,500.00")
        await order(qtbot, window, "buy", "0.01")
        await until(lambda: len(engine.orders()) == 1)
        assert engine.orders()[0].price == D("48500")

    run(scenario)


def test_row_menu_offers_partial_closes_and_closes_half(run, qtbot, asked):

    async def scenario(window, engine, exchange):
        panel = window.positions
        await order(qtbot, window, "buy", "0.1")
        await until(lambda: panel.model.rowCount() == 1)
        position = engine.position(panel.model.object_at(0).id)  # live, not the snapshot
        rect = panel.view.visualRect(panel.view.proxy.index(0, 1))
        panel._context_menu(rect.center())
        menu = panel.last_menu
        offered = [a.text() for a in menu.actions() if a.text()]
        assert {"Close 25 %…", "Close 50 %…", "Close 75 %…", "Close an exact amount…"} <= \
            set(offered)
        next(a for a in menu.actions() if a.text() == "Close 50 %…").trigger()
        menu.close()
        await until(lambda: position.amount == D("0.05"))
        assert "0.05 of 0.1 BTC" in asked[0]
        assert position.is_open and position.realized_pnl < 0  # fees only, no move

    run(scenario)


def test_exact_amount_partial_close(run, qtbot, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("0.03", True)))

    async def scenario(window, engine, exchange):
        await order(qtbot, window, "buy", "0.1")
        await until(lambda: window.positions.model.rowCount() == 1)
        position = engine.position(window.positions.model.object_at(0).id)  # live object
        window.positions.partialCloseRequested.emit(position.id, None)
        await until(lambda: position.amount == D("0.07"))

    run(scenario)


def test_balance_strip_changes_within_one_cycle_of_an_automatic_exit(run, qtbot):
    async def scenario(window, engine, exchange):
        await order(qtbot, window, "buy", "0.1", stop_loss="49000")
        await until(lambda: window.positions.model.rowCount() == 1)
        await until(lambda: "0.1 BTC" in window.account.balances.value.text())
        exchange.set_price("BTC/USDT", D("48900"))
        await engine.run_cycle()
        await until_idle()
        text = window.account.balances.value.text()
        assert "BTC" not in text  # sold: the strip no longer shows the coin
        usdt = engine.balances()["USDT"][1]
        assert f"{usdt:,.2f}" in text
        assert window.entry.available.text().startswith("Available  " + f"{usdt:,.2f}")

    run(scenario)


def test_a_failed_balance_refresh_shows_the_figures_as_stale_with_their_time(run, qtbot):
    async def scenario(window, engine, exchange):
        await order(qtbot, window, "buy", "0.1", stop_loss="49000")
        await until(lambda: window.positions.model.rowCount() == 1)
        exchange.set_price("BTC/USDT", D("48900"))
        exchange.fail_next(2, only=["fetch_balance"])
        await engine.run_cycle()  # the exit fills; the balance read after it fails
        await until_idle()
        assert window.account.stale["balances"]
        assert "stale since" in window.account.balances.value.text()
        await engine.run_cycle()  # the next pass reads them again
        await until_idle()
        assert "stale" not in window.account.balances.value.text()
        assert "BTC" not in window.account.balances.value.text()

    run(scenario)


def test_protection_dialog_uses_the_strict_parser(qtbot):
    from moniqo_desktop.domain import Position
    from moniqo_desktop.ui.dialogs.protection_dialog import ProtectionDialog

    position = Position(symbol="BTC/USDT", side="long", amount=D("0.1"), entry_price=D("50000"))
    dialog = ProtectionDialog(position)
    qtbot.addWidget(dialog)
    for text in ("1e309", "4_5000", "\uff14\uff15\uff10\uff10\uff10"):
        dialog.edits["stop_loss"].setText(text)
        dialog.accept()
        assert dialog.result() != ProtectionDialog.DialogCode.Accepted
        assert dialog.error.text().startswith("Stop loss is not a number")
    dialog.edits["stop_loss"].setText("45,000.00")
    dialog.accept()
    assert dialog.values()["stop_loss"] == D("45000")
