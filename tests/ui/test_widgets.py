"""Smaller pieces: dialogs, account strip, log panel, tray fallback, theme, PySide guard."""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest
from PySide6.QtCore import QObject, Signal

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import DomainError
from moniqo_desktop.engine.events import ConnectionState
from moniqo_desktop.ui import theme
from moniqo_desktop.ui.dialogs import settings_dialog
from moniqo_desktop.ui.dialogs.protection_dialog import ProtectionDialog
from moniqo_desktop.ui.dialogs.settings_dialog import SettingsDialog, parse_thresholds
from moniqo_desktop.ui.formatting import fmt_amount, fmt_decimal, fmt_duration, fmt_percent
from moniqo_desktop.ui.notifier import Notifier
from moniqo_desktop.ui.widgets.account_strip import AccountStrip, equity
from moniqo_desktop.ui.widgets.log_panel import LogPanel

from ui_factories import make_position

D = Decimal


def test_money_is_formatted_from_decimals_half_up():
    assert fmt_decimal(D("1234.565"), 2) == "1,234.57"
    assert fmt_decimal(D("-0.001"), 2, sign=True) == "0.00"
    assert fmt_decimal(D("0.0000123456")) == "0.000012346"  # five significant digits
    assert fmt_amount(D("0.50000000")) == "0.5"
    assert fmt_percent(D("1.9")) == "+1.90 %"
    from datetime import timedelta
    assert fmt_duration(timedelta(days=2, hours=3, minutes=4, seconds=5)) == "2d 03:04:05"


def test_signal_emits_do_not_use_up_true():
    """PySide6 6.12 steals a reference to True per emit; the guard must keep the app alive."""

    class Emitter(QObject):
        ping = Signal()

    emitter = Emitter()
    for _ in range(20000):
        emitter.ping.emit()
    assert sys.getrefcount(True) > 1000


def test_protection_dialog_parses_and_refuses_wrong_side(qtbot):
    position = make_position()
    dialog = ProtectionDialog(position)
    qtbot.addWidget(dialog)
    dialog.edits["stop_loss"].setText("49000")
    dialog.edits["trailing_stop_percent"].setText("1.5")
    values = dialog.parse()
    assert values["stop_loss"] == D("49000") and values["take_profit"] is None
    assert values["trailing_stop_percent"] == D("1.5")
    dialog.edits["stop_loss"].setText("51000")  # above the market for a long
    with pytest.raises(DomainError):
        dialog.parse()
    dialog.accept()
    assert "below" in dialog.error.text() and dialog.result() == 0


def test_settings_dialog_edits_a_copy_and_validates(qtbot, monkeypatch):
    saved: list[tuple] = []
    monkeypatch.setattr(settings_dialog.keystore, "load_keys", lambda *a, **k: None)
    monkeypatch.setattr(settings_dialog.keystore, "save_keys",
                        lambda exchange, keys, sandbox=False: saved.append((exchange, keys,
                                                                            sandbox)))
    original = Settings()
    dialog = SettingsDialog(original)
    qtbot.addWidget(dialog)
    dialog.exchange.setCurrentText("binance")
    dialog.sandbox.setChecked(True)
    dialog.api_key.setText("key123")
    dialog.api_secret.setText("s3cret")
    dialog.theme.setCurrentText("light")
    dialog.risk_loss.setText("1, 3, 8")
    dialog.order_poll.setValue(5)
    dialog.accept()  # the keyring is written on a worker thread
    qtbot.waitUntil(lambda: dialog.result_settings is not None)
    new = dialog.result_settings
    assert new is not None and new is not original
    assert (new.exchange, new.sandbox, new.theme) == ("binance", True, "light")
    assert new.risk_loss_percent == ["1", "3", "8"] and new.order_poll_seconds == 5
    assert original.exchange == "demo"  # untouched
    assert saved and saved[0][0] == "binance" and saved[0][2] is True
    assert saved[0][1].secret == "s3cret" and "s3cret" not in repr(saved[0][1])
    assert dialog.api_secret.text() == ""  # the secret does not linger in the widget


def test_settings_dialog_refuses_bad_thresholds(qtbot, monkeypatch):
    monkeypatch.setattr(settings_dialog.keystore, "load_keys", lambda *a, **k: None)
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.risk_stop.setText("0.5, 0.25, 0.75")
    dialog.accept()
    assert dialog.result_settings is None and "increasing" in dialog.error.text()
    with pytest.raises(ValueError):
        parse_thresholds("1, nan, 3", "x")


@pytest.mark.parametrize("fee, words", [("1.5", "Paper fee rate"), ("1", "Paper fee rate")])
def test_settings_dialog_refuses_a_value_out_of_range(qtbot, monkeypatch, fee, words):
    """The start refuses a fee rate of 150 % (out of range): the dialog must not write one
    (a paper fee of 1.5 passed its number check), and says why, changing nothing."""
    monkeypatch.setattr(settings_dialog.keystore, "load_keys", lambda *a, **k: None)
    original = Settings()
    dialog = SettingsDialog(original)
    qtbot.addWidget(dialog)
    dialog.demo_fee.setText(fee)
    dialog.order_poll.setValue(9)
    dialog.accept()
    assert dialog.result_settings is None and dialog.result() == 0
    assert words in dialog.error.text() and "less than 1" in dialog.error.text()
    assert original.demo_fee_rate == "0.001" and original.order_poll_seconds == 2.0


def test_account_strip_equity_and_pnl(qtbot):
    strip = AccountStrip()
    qtbot.addWidget(strip)
    balances = {"USDT": (D("7000"), D("7500")), "BTC": (D("0.1"), D("0.1"))}
    assert equity(balances, {}, "USDT") is None  # BTC has no price yet: blank, not a guess
    strip.set_balances(balances)
    strip.set_prices({"BTC/USDT": D("50000")})
    assert strip.equity.value.text() == "12,500.00"
    strip.set_open_pnl(D("-12.5"), 2)
    assert strip.open_pnl.value.text() == "-12.50 USDT"
    assert theme.current().down.lower() in strip.open_pnl.value.styleSheet().lower()
    strip.set_connection(ConnectionState.DEGRADED, "timeout")
    assert "Degraded" in strip.connection.value.text()


def test_log_panel_keeps_levels_and_is_bounded(qtbot):
    panel = LogPanel(max_lines=10)
    qtbot.addWidget(panel)
    for i in range(25):
        panel.add(f"line {i} <b>", "error" if i % 2 else "info")
    assert panel.blockCount() == 10
    assert panel.texts()[-1] == "line 24 <b>"  # escaped, not rendered as HTML
    assert "line 24 <b>" in panel.toPlainText()


def test_notifier_falls_back_silently_without_tray(qtbot):
    notifier = Notifier(enabled=False)
    notifier.notify("Order filled", "buy 0.1 BTC/USDT", "info")
    assert not notifier.available and notifier.sent == [("Order filled", "buy 0.1 BTC/USDT",
                                                         "info")]


def test_light_theme_switches_semantic_colours(qapp):
    dark_up = theme.current().up
    theme.apply_theme(qapp, "light")
    assert theme.current().name == "light" and theme.current().up != dark_up
    assert theme.pnl_colour(D("1")).name() == theme.LIGHT.up
    theme.apply_theme(qapp, "dark")


def test_prices_take_the_market_tick_else_five_significant_digits(monkeypatch):
    from moniqo_desktop.exchanges.base import MarketInfo
    from moniqo_desktop.ui import formatting
    from moniqo_desktop.ui.formatting import auto_places, fmt_price

    monkeypatch.setattr(formatting, "_price_places", {})
    assert [auto_places(D(v)) for v in ("50000", "143.73", "25.125", "1.2345", "0.45678",
                                        "0.000012345")] == [2, 2, 3, 4, 5, 9]
    assert fmt_price(D("143.73"), "SOL/USDT") == "143.73"  # no market known: by magnitude
    formatting.set_markets({"XRP/USDT": MarketInfo("XRP/USDT", "XRP", "USDT",
                                                   price_step=D("0.0001"))})
    # one symbol, one number of decimals, whatever the value's own magnitude
    assert fmt_price(D("0.5"), "XRP/USDT") == "0.5000"
    assert fmt_price(D("12.3"), "XRP/USDT") == "12.3000"
    assert fmt_price(None, "XRP/USDT") == ""


def test_price_cells_format_with_their_rows_symbol(monkeypatch):
    from moniqo_desktop.exchanges.base import MarketInfo
    from moniqo_desktop.ui import formatting
    from moniqo_desktop.ui.models.positions import make_positions_model

    monkeypatch.setattr(formatting, "_price_places", {})
    formatting.set_markets({"DOGE/USDT": MarketInfo("DOGE/USDT", "DOGE", "USDT",
                                                    price_step=D("0.00001"))})
    model = make_positions_model()
    model.reset([make_position(), make_position(symbol="DOGE/USDT", entry="0.15", amount="100",
                                                fees="0")])
    col = model.column_index("entry_price")
    assert model.index(0, col).data() == "50,000.00"
    assert model.index(1, col).data() == "0.15000"


def test_protection_dialog_shows_formatted_prices(qtbot):
    position = make_position(entry="50000")
    position.update_price(D("51239.2345"))
    dialog = ProtectionDialog(position)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(type(dialog.error))]
    assert any("entry 50,000.00" in t and "now 51,239.23" in t for t in texts)


def test_ignored_settings_show_as_one_short_line_in_the_strip(qtbot):
    """A settings warning names the setting and its file: a long sentence that, word-wrapped
    in the strip, made it five lines tall (the badge stretched with it). The strip says how
    many settings are ignored; its tooltip (and the log panel) says which."""
    strip = AccountStrip()
    qtbot.addWidget(strip)
    strip.show()
    plain = strip.sizeHint().height()
    said = ['settings: "sandbox": true in /home/trader/.config/moniqo-desktop/settings.json is '
            "ignored: paper trading has no testnet (running PAPER); untick it in Settings",
            'settings: "order_poll_seconds": \'abc\' in /home/trader/.config/moniqo-desktop/'
            "settings.json is not a number; using the default 2.0"]
    strip.set_notice("settings-0", said[0])
    assert strip.notice.text() == "⚠ 1 setting ignored (see the log)"
    strip.set_notice("settings-1", said[1])
    assert strip.notice.text() == "⚠ 2 settings ignored (see the log)"
    assert strip.notice.toolTip() == "\n".join(said)
    assert strip.sizeHint().height() <= plain + 4
    strip.set_notice("keys", "API keys unavailable (no keyring); public data only")
    assert strip.notice.text().splitlines() == ["⚠ No API keys: public data only",
                                                "⚠ 2 settings ignored (see the log)"]


def test_a_theme_applied_again_keeps_the_applications_style(qapp):
    """The style is set once per application, never replaced under a live stylesheet: Qt's
    stylesheet style kept wrapping the deleted one and a later `setStyleSheet` segfaulted (the
    UI suite crashed in MainWindow's theme at about one run in three; every window, and every
    theme switch, set the style again)."""
    theme.apply_theme(qapp, "dark")
    sheet = qapp.styleSheet()
    qapp.setStyleSheet("")  # the bare style, to watch it
    deleted: list[bool] = []
    qapp.style().destroyed.connect(lambda *_: deleted.append(True))
    qapp.setStyleSheet(sheet)
    for name in ("light", "dark", "light", "dark"):
        theme.apply_theme(qapp, name)
    assert deleted == []
    assert qapp.styleSheet() == sheet
