"""Regressions found by running the real window as a trader (acceptance, Nov 2026)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QFormLayout, QStyleOptionViewItem

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import OrderSide
from moniqo_desktop.ui import theme
from moniqo_desktop.ui.dialogs import settings_dialog
from moniqo_desktop.ui.dialogs.settings_dialog import SettingsDialog
from moniqo_desktop.ui.models.positions import make_positions_model
from moniqo_desktop.ui.widgets.log_panel import LogPanel
from moniqo_desktop.ui.widgets.monitor_view import KeepColourDelegate, MonitorView
from moniqo_desktop.ui.widgets.order_entry import OrderEntry
from moniqo_desktop.ui.widgets.position_chart import PositionChart

from ui_factories import MARKETS, make_position
from window_harness import until

D = Decimal


def test_the_forms_first_symbol_is_watched_from_the_start(run):
    """It was set with signals blocked, so it had no price (no estimate) until re-picked."""
    async def scenario(window, engine, exchange):
        symbol = window.entry.symbol.currentText()
        assert symbol and symbol in engine.tracker.watched
        await until(lambda: window.entry.last_price.text().startswith("Last"))

    run(scenario)


def test_a_long_chart_title_or_readout_never_widens_the_window(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    narrow = chart.minimumSizeHint().width()
    chart.title.setText("ETH/USDT  LONG  0.05 @ 3,405.87   ·   closed · manual @ 3,410.54   ·"
                        "   realized -0.11 USDT" * 2)
    chart.readout.setText("2026-11-25 17:04:00   price 3,408.84   stop 3,391.80   DD 0.00 %"
                          "   P&L -0.02")
    chart.readout.show()
    assert chart.minimumSizeHint().width() <= max(narrow, 200)
    chart.resize(400, 300)
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.title.is_elided() and chart.title.toolTip().startswith("ETH/USDT")


def test_the_readout_takes_no_room_while_the_mouse_is_away(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    chart.show()
    chart.set_position(make_position())
    chart._crosshair(False)
    assert not chart.readout.isVisible() and chart.readout.text() == ""


def test_a_selected_row_keeps_its_profit_and_loss_colour(qtbot):
    model = make_positions_model()
    position = make_position(entry="50000", fees="0")
    position.update_price(D("49000"))  # a loss: red
    model.upsert(position)
    view = MonitorView(model, "positionsTable")
    qtbot.addWidget(view)
    view.select_id(position.id)
    assert isinstance(view.itemDelegate(), KeepColourDelegate)
    index = view.proxy.index(0, model.column_index("unrealized_pnl"))
    option = QStyleOptionViewItem()
    view.itemDelegate().initStyleOption(option, index)
    highlighted = option.palette.color(QPalette.ColorGroup.Active,
                                       QPalette.ColorRole.HighlightedText)
    assert highlighted.name() == theme.current().down
    assert "selection-color" not in theme.stylesheet(theme.current())


def test_log_lines_are_recoloured_when_the_theme_changes(qtbot, qapp):
    panel = LogPanel()
    qtbot.addWidget(panel)
    panel.add("Connected to Paper exchange", "info")
    panel.add("Order filled", "success")
    theme.apply_theme(qapp, "light")
    try:
        panel.apply_theme()
        html = panel.document().toHtml().lower()
        assert theme.LIGHT.text in html and theme.DARK.text not in html
        assert panel.texts() == ["Connected to Paper exchange", "Order filled"]
        assert panel.blockCount() == 2
    finally:
        theme.apply_theme(qapp, "dark")


def test_sending_keeps_the_keyboard_in_the_order_form(qtbot):
    """A disabled (busy) button handed focus to the positions filter: typing filtered it."""
    entry = OrderEntry()
    qtbot.addWidget(entry)
    entry.show()
    entry.activateWindow()
    qtbot.waitExposed(entry)
    entry.submit_button.setFocus()
    qtbot.waitUntil(entry.submit_button.hasFocus)
    entry.set_busy(True)
    assert QApplication.focusWidget() is entry.amount
    entry.set_busy(False)


def test_fee_estimate_names_its_currency(qtbot):
    entry = OrderEntry()
    qtbot.addWidget(entry)
    entry.set_markets(MARKETS)
    entry.symbol.setCurrentText("BTC/USDT")
    entry.set_prices({"BTC/USDT": D("50000")})
    entry.set_side(OrderSide.BUY)
    entry.amount.setText("0.1")
    assert entry.estimate.text().endswith("Fee ≈ 5.00 USDT")


def test_settings_keyring_message_spans_the_dialog(qtbot, monkeypatch):
    def broken(*_a, **_k):
        raise settings_dialog.keystore.KeyStoreError(
            "cannot read API keys from the system keyring: No recommended backend was "
            "available. Install a keyring backend such as SecretStorage or KWallet.")

    monkeypatch.setattr(settings_dialog.keystore, "load_keys", broken)
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.exchange.setCurrentText("binance")
    qtbot.waitUntil(lambda: "KWallet" in dialog.keys_status.text())  # read on a worker thread
    form = dialog.keys_status.parentWidget().layout()
    assert isinstance(form, QFormLayout)
    _row, role = form.getWidgetPosition(dialog.keys_status)
    assert role == QFormLayout.ItemRole.SpanningRole
    assert "KWallet" in dialog.keys_status.text()


def test_spin_boxes_keep_their_arrows(qapp):
    """A stylesheet rule on QSpinBox makes Fusion drop the up/down arrows."""
    sheet = theme.stylesheet(theme.current())
    assert "QSpinBox" not in sheet and "QDoubleSpinBox" not in sheet


def _accept_with(monkeypatch, new: Settings) -> None:
    def exec_(dialog):
        dialog.result_settings = new
        return SettingsDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", exec_)
    monkeypatch.setattr(settings_dialog.keystore, "load_keys", lambda *a, **k: None)


def test_saved_settings_reach_the_running_engine(run, monkeypatch):
    async def scenario(window, engine, exchange):
        new = Settings(order_poll_seconds=7.0, theme=window.settings.theme)
        _accept_with(monkeypatch, new)
        window.open_settings()
        assert window.settings.order_poll_seconds == 7.0
        assert engine.ctx.settings is new
        assert window.log_panel.texts()[-1] == "Settings saved"
        await asyncio.sleep(0)

    run(scenario)


def test_settings_the_engine_cannot_take_say_what_waits_for_a_restart(run, monkeypatch):
    async def scenario(window, engine, exchange):
        def refuse(settings):
            raise RuntimeError("busy")

        monkeypatch.setattr(engine, "apply_settings", refuse)
        new = Settings(order_poll_seconds=7.0, theme=window.settings.theme)
        _accept_with(monkeypatch, new)
        window.open_settings()
        assert "next start" in window.log_panel.texts()[-1]

    run(scenario)


def test_the_crosshair_readout_goes_when_the_mouse_leaves_the_chart(qtbot):
    from PySide6.QtCore import QEvent
    chart = PositionChart()
    qtbot.addWidget(chart)
    chart.show()
    chart.set_position(make_position())
    chart._crosshair(True)
    chart.readout.setText("price 50,000.00")
    QApplication.sendEvent(chart.graphics, QEvent(QEvent.Type.Leave))
    assert chart.readout.text() == "" and not chart.v_line.isVisible()
