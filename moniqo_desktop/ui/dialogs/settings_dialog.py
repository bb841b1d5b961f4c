"""Settings: exchange, API keys, polling, risk thresholds, retention, theme.

The dialog edits a copy of `config.Settings` and hands it back; API keys go straight to the OS
keyring through `exchanges.keys` and never into the settings object, the file or a log line.
"""

from __future__ import annotations

import dataclasses

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
from ...domain import DomainError
from ...domain.money import parse_amount, parse_number
from ...exchanges import keys as keystore

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
        self.api_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_password.setPlaceholderText("only some exchanges (OKX, KuCoin)")
        form.addRow("API key", self.api_key)
        form.addRow("API secret", self.api_secret)
        form.addRow("Passphrase", self.api_password)
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
        for edit in (self.api_key, self.api_secret, self.api_password):
            edit.setEnabled(not paper)
        self.sandbox.setEnabled(not paper)
        self.demo_fee.setEnabled(paper)
        self.demo_allow_short.setEnabled(paper)
        if paper:
            self.keys_status.setText("Paper trading needs no keys.")
            return
        try:
            stored = keystore.load_keys(exchange, sandbox=self.sandbox.isChecked())
        except (keystore.KeyStoreError, ValueError) as exc:
            self.keys_status.setText(str(exc))
            self._fit()
            return
        self.keys_status.setText(
            f"Keys stored in the system keyring ({stored!r}); leave empty to keep them."
            if stored else "No keys stored yet. Use keys with trading rights but no withdrawal.")
        self._fit()

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
        return dataclasses.replace(
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
        )

    def save_keys(self, exchange: str, sandbox: bool) -> None:
        key, secret = self.api_key.text().strip(), self.api_secret.text().strip()
        if exchange == "demo" or (not key and not secret):
            return
        if not key or not secret:
            raise ValueError("Give both the API key and its secret (or neither to keep the stored ones)")
        keystore.save_keys(exchange, keystore.ApiKeys(key, secret,
                                                      self.api_password.text() or None),
                           sandbox=sandbox)

    def accept(self) -> None:
        try:
            settings = self.build_settings()
            self.save_keys(settings.exchange, settings.sandbox)
        except (ValueError, keystore.KeyStoreError) as exc:
            self.error.setText(str(exc))
            return
        self.api_secret.clear()
        self.api_password.clear()
        self.result_settings = settings
        super().accept()
