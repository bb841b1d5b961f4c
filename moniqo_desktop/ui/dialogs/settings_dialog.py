"""Settings: exchange, API keys, polling, risk thresholds, retention, theme.

The dialog edits a copy of `config.Settings` and hands it back; API keys go straight to the OS
keyring through the app's `credentials` API and never into the settings object, the file or a
log line. It asks for exactly the fields the chosen venue needs (a passphrase for OKX, KuCoin,
Bitget), says which key set (live or sandbox) is being edited, and reads and writes the keyring
on a worker thread: a locked keyring must not freeze the window.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...config import Settings
from ... import credentials as keystore
from ...domain import DomainError
from ...domain.money import parse_amount, parse_number

LABELS = {  # a setting's name as this dialog shows it
    "demo_fee_rate": "Paper fee rate", "order_poll_seconds": "Order poll",
    "position_poll_seconds": "Position poll", "update_log_min_seconds": "Chart sample every",
    "update_log_min_move_percent": "…or on a move of (%)",
    "update_log_retention_days": "Keep chart history", "risk_stop_share": "Stop distance used",
    "risk_loss_percent": "Loss % (no stop)",
}
EXCHANGES = ("demo", "binance", "bybit", "okx", "kraken", "coinbase", "kucoin", "bitget")


def parse_thresholds(text: str, field: str) -> list[str]:
    """'0.25, 0.5, 0.75' -> three increasing positive numbers, kept as text (exact)."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if len(parts) != 3:
        raise ValueError(f"{field}: give three numbers (medium, high, critical)")
    try:  # the one strict parser for numbers people type (no exponents, NaN, signs...)
        values = [parse_number(p, field) for p in parts]
    except DomainError:
        raise ValueError(f"{field}: {text!r} has something that is not a number") from None
    if not all(v > 0 for v in values) or not values[0] < values[1] < values[2]:
        raise ValueError(f"{field}: the numbers must be positive and increasing")
    return parts


class _Result(QObject):
    """Carries a worker thread's answer back to the GUI thread (a queued signal)."""

    done = Signal(object)


def _in_background(work, deliver) -> None:
    """Run `work()` on the thread pool; `deliver(result_or_exception)` on the GUI thread."""
    bridge = _Result()
    bridge.done.connect(deliver)

    def run() -> None:
        try:
            result = work()
        except Exception as exc:  # handed to the GUI thread as the answer
            result = exc
        try:
            bridge.done.emit(result)
        except RuntimeError:  # the dialog is gone: nobody to tell
            pass

    _in_background.pending.add(bridge)  # type: ignore[attr-defined]
    bridge.done.connect(lambda _r: _in_background.pending.discard(bridge))  # type: ignore[attr-defined]
    QThreadPool.globalInstance().start(run)


_in_background.pending = set()  # type: ignore[attr-defined]


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(460)
        self.original = settings
        self.result_settings: Settings | None = None
        layout = QVBoxLayout(self)

        exchange_box = QGroupBox("Exchange")
        form = QFormLayout(exchange_box)
        self.exchange = QComboBox()
        self.exchange.setObjectName("settingsExchange")
        self.exchange.setEditable(True)  # any ccxt id
        self.exchange.addItems(EXCHANGES)
        self.exchange.setCurrentText(settings.exchange)
        self.exchange.setToolTip("'demo' trades on paper; anything else is a ccxt exchange id")
        form.addRow("Exchange", self.exchange)
        self.sandbox = QCheckBox("Use the exchange's testnet / sandbox")
        self.sandbox.setChecked(settings.sandbox)
        form.addRow("", self.sandbox)
        self.api_key = QLineEdit()
        self.api_key.setObjectName("settingsApiKey")
        self.api_secret = QLineEdit()
        self.api_secret.setObjectName("settingsApiSecret")
        self.api_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_password = QLineEdit()
        self.api_password.setObjectName("settingsApiPassword")
        self.api_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_uid = QLineEdit()
        self.api_uid.setObjectName("settingsApiUid")
        # ccxt credential name -> its field; only the venue's own fields are shown
        self.credential_edits: dict[str, QLineEdit] = {
            "apiKey": self.api_key, "secret": self.api_secret,
            "password": self.api_password, "uid": self.api_uid,
        }
        self._credential_form = form
        self._credential_labels: dict[str, QLabel] = {}
        for name, edit in self.credential_edits.items():
            label = QLabel(name)
            self._credential_labels[name] = label
            form.addRow(label, edit)
        self.venue_note = QLabel("")
        self.venue_note.setObjectName("muted")
        self.venue_note.setWordWrap(True)
        form.addRow(self.venue_note)
        self.keys_status = QLabel("")
        self.keys_status.setObjectName("muted")
        self.keys_status.setWordWrap(True)
        form.addRow(self.keys_status)  # the whole row: keyring messages can be long
        self.demo_fee = QLineEdit(settings.demo_fee_rate)
        form.addRow("Paper fee rate", self.demo_fee)
        self.demo_allow_short = QCheckBox("Paper margin practice: allow short positions")
        self.demo_allow_short.setObjectName("demoAllowShort")
        self.demo_allow_short.setToolTip(
            "A spot account cannot sell what it does not hold. Turn this on to practise "
            "shorts on paper (takes effect after a restart).")
        self.demo_allow_short.setChecked(settings.demo_allow_short)
        form.addRow("", self.demo_allow_short)
        layout.addWidget(exchange_box)

        timing_box = QGroupBox("Polling and history")
        form = QFormLayout(timing_box)
        self.order_poll = self._seconds(settings.order_poll_seconds)
        self.position_poll = self._seconds(settings.position_poll_seconds)
        self.update_min_seconds = self._seconds(settings.update_log_min_seconds)
        self.update_min_move = QLineEdit(settings.update_log_min_move_percent)
        self.retention = QSpinBox()
        self.retention.setRange(1, 3650)
        self.retention.setSuffix(" days")
        self.retention.setValue(settings.update_log_retention_days)
        form.addRow("Order poll", self.order_poll)
        form.addRow("Position poll", self.position_poll)
        form.addRow("Chart sample every", self.update_min_seconds)
        form.addRow("…or on a move of (%)", self.update_min_move)
        form.addRow("Keep chart history", self.retention)
        layout.addWidget(timing_box)

        risk_box = QGroupBox("Risk levels (medium, high, critical)")
        form = QFormLayout(risk_box)
        self.risk_stop = QLineEdit(", ".join(settings.risk_stop_share))
        self.risk_stop.setToolTip("Share of the entry→stop distance already used")
        self.risk_loss = QLineEdit(", ".join(settings.risk_loss_percent))
        self.risk_loss.setToolTip("Loss % for positions without a stop")
        form.addRow("Stop distance used", self.risk_stop)
        form.addRow("Loss % (no stop)", self.risk_loss)
        layout.addWidget(risk_box)

        look_box = QGroupBox("Appearance")
        form = QFormLayout(look_box)
        self.theme = QComboBox()
        self.theme.setObjectName("settingsTheme")
        self.theme.addItems(["dark", "light"])
        self.theme.setCurrentText(settings.theme)
        form.addRow("Theme", self.theme)
        self.chart_confirm = QCheckBox("Ask Enter / Esc before a level dragged on the chart "
                                       "is applied")
        self.chart_confirm.setObjectName("settingsChartConfirm")
        self.chart_confirm.setChecked(settings.chart_confirm_changes)
        form.addRow("", self.chart_confirm)
        self.confirm_orders = QCheckBox("Ask for confirmation before placing an order")
        self.confirm_orders.setObjectName("settingsConfirmOrders")
        self.confirm_orders.setChecked(settings.confirm_orders)
        form.addRow("", self.confirm_orders)
        layout.addWidget(look_box)

        self.error = QLabel("")
        self.error.setObjectName("orderError")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._buttons = buttons
        self._status_generation = 0
        self.keys_loaded = False  # the latest keyring read has answered
        self.exchange.currentTextChanged.connect(self._refresh_keys)
        self.sandbox.toggled.connect(self._refresh_keys)
        self._refresh_keys()

    @staticmethod
    def _seconds(value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0.2, 3600)
        box.setDecimals(1)
        box.setSuffix(" s")
        box.setValue(value)
        return box

    def _refresh_keys(self, *_: object) -> None:
        exchange = self.exchange.currentText().strip().lower()
        paper = exchange == "demo"
        self.sandbox.setEnabled(not paper)
        self.demo_fee.setEnabled(paper)
        self.demo_allow_short.setEnabled(paper)
        self._status_generation += 1
        if paper or not exchange or not exchange.replace("_", "").isalnum():
            for edit in self.credential_edits.values():
                self._show_field(edit, False)
            self.venue_note.setText("")
            self.keys_status.setText("Paper trading needs no keys." if paper else "")
            self.keys_loaded = True
            return
        wanted = dict(keystore.fields_for(exchange))
        for name, edit in self.credential_edits.items():
            self._show_field(edit, name in wanted, wanted.get(name, ""))
            if name in wanted:
                self._credential_labels[name].setText(wanted[name])
        self.venue_note.setText(keystore.venue_note(exchange))
        sandbox = self.sandbox.isChecked()
        self.keys_status.setText(f"Editing {keystore.describe(exchange, sandbox)}: reading the "
                                 "system keyring…")
        self.keys_loaded = False
        generation = self._status_generation

        def shown(status: object) -> None:
            if generation != self._status_generation:
                return  # the venue or mode changed meanwhile: a newer read is coming
            self.keys_status.setText(status.text if isinstance(status, keystore.KeyStatus)
                                     else str(status))
            self.keys_loaded = True
            self._fit()

        _in_background(lambda: keystore.key_status(exchange, sandbox), shown)

    def _show_field(self, edit: QLineEdit, visible: bool, label: str = "") -> None:
        form = self._credential_form
        edit.setEnabled(visible)
        form.setRowVisible(edit, visible)
        if not visible:
            edit.clear()

    def _fit(self) -> None:
        """Grow to show a longer (wrapped) message in full instead of clipping it."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
            if self.height() < self.sizeHint().height():
                self.resize(self.width(), self.sizeHint().height())

    def build_settings(self) -> Settings:
        """The edited copy; raises ValueError with a message for the first bad value."""
        exchange = self.exchange.currentText().strip().lower()
        if not exchange or not exchange.replace("_", "").isalnum():
            raise ValueError("Exchange: give 'demo' or a ccxt exchange id such as binance")
        for text, field in ((self.demo_fee.text(), "Paper fee rate"),
                            (self.update_min_move.text(), "Chart sample move %")):
            parse_amount(text, field, allow_zero=True)  # a DomainError is a ValueError
        edited = dataclasses.replace(
            self.original,
            exchange=exchange,
            sandbox=self.sandbox.isChecked() and exchange != "demo",
            order_poll_seconds=self.order_poll.value(),
            position_poll_seconds=self.position_poll.value(),
            update_log_min_seconds=self.update_min_seconds.value(),
            update_log_min_move_percent=self.update_min_move.text().strip(),
            update_log_retention_days=self.retention.value(),
            risk_stop_share=parse_thresholds(self.risk_stop.text(), "Stop distance used"),
            risk_loss_percent=parse_thresholds(self.risk_loss.text(), "Loss %"),
            demo_fee_rate=self.demo_fee.text().strip(),
            demo_allow_short=self.demo_allow_short.isChecked(),
            theme=self.theme.currentText(),
            chart_confirm_changes=self.chart_confirm.isChecked(),
            confirm_orders=self.confirm_orders.isChecked(),
        )
        for name, why in edited.out_of_range():  # the rules the start applies to the file
            raise ValueError(f"{LABELS.get(name, name)}: {why}")
        return edited

    def typed_credentials(self, exchange: str) -> dict[str, str]:
        """The credential fields the venue needs, as typed (by ccxt name)."""
        if exchange == "demo":
            return {}
        wanted = dict(keystore.fields_for(exchange))
        return {name: edit.text() for name, edit in self.credential_edits.items() if name in wanted}

    def accept(self) -> None:
        try:
            settings = self.build_settings()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        typed = self.typed_credentials(settings.exchange)
        if not any(v.strip() for v in typed.values()):
            self._finish(settings)  # nothing typed: the stored keys stay as they are
            return
        self.error.setText(f"Saving {keystore.describe(settings.exchange, settings.sandbox)}…")
        self._buttons.setEnabled(False)

        def saved(outcome: object) -> None:
            self._buttons.setEnabled(True)
            if isinstance(outcome, Exception):
                self.error.setText(str(outcome))
                return
            self._finish(settings)

        _in_background(
            lambda: keystore.save_fields(settings.exchange, settings.sandbox, typed), saved)

    def _finish(self, settings: Settings) -> None:
        for edit in self.credential_edits.values():
            if edit is not self.api_key:
                edit.clear()  # secrets do not linger in the widgets
        self.error.setText("")
        self.result_settings = settings
        super().accept()
