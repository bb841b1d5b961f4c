"""What a trader's day in the real window found (stop 13's audit): each test failed first.
The real window on the paper exchange, driven by keys (pytest-qt)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from moniqo_desktop.domain import OrderStatus

from window_harness import until, until_idle

D = Decimal


def test_a_stop_order_is_described_with_its_trigger_everywhere(run, qtbot, monkeypatch):
    """"BUY 2 SOL/USDT stop — open" in the form and the log, and the optional confirmation
    "BUY 2 SOL/USDT stop on Paper exchange (PAPER)?": the trigger, the one figure to check
    before and after sending a stop, was in none of them (a limit showed "@ 3,059.00")."""
    asked: list[str] = []

    def answer(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))

    async def scenario(window, engine, exchange):
        window.settings.confirm_orders = True
        entry = window.entry
        entry.symbol.setCurrentText("ETH/USDT")
        entry.order_type.setCurrentIndex(entry.order_type.findText("Stop"))
        entry.amount.setText("2")
        entry.stop_price.setText("3300")
        qtbot.keyClick(entry.stop_price, Qt.Key.Key_Return)
        await until(lambda: any(o.is_open() for o in engine.orders()))
        assert asked == ["BUY 2 ETH/USDT stop, trigger 3300 on Paper exchange (PAPER)?"]
        assert entry.message.text() == "BUY 2 ETH/USDT stop, trigger 3,300.00 — open"
        assert "BUY 2 ETH/USDT stop, trigger 3,300.00: open" in " ".join(window.log_panel.texts())
        entry.order_type.setCurrentIndex(entry.order_type.findText("Stop limit"))
        entry.amount.setText("1")
        entry.stop_price.setText("3300")
        entry.price.setText("3310")
        qtbot.keyClick(entry.price, Qt.Key.Key_Return)
        await until(lambda: len([o for o in engine.orders() if o.is_open()]) == 2)
        assert asked[1] == ("BUY 1 ETH/USDT stop limit @ 3310, trigger 3300 on Paper exchange "
                            "(PAPER)?")
        assert entry.message.text() == "BUY 1 ETH/USDT stop limit @ 3,310.00, trigger 3,300.00 — open"

    run(scenario)
