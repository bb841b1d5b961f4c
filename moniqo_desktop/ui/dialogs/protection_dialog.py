"""Edit a position's protection: stop, target, trailing %, activation %, break-even %.

Empty means "none". The dialog parses and checks what it can (numbers, sides of the market);
the engine applies the same domain rule again and has the final word.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain import DomainError, Position
from ...domain.money import parse_amount
from ...domain.positions import check_protection
from ..formatting import fmt_price

FIELDS = (
    ("stop_loss", "Stop loss", "price"),
    ("take_profit", "Take profit", "price"),
    ("trailing_stop_percent", "Trailing stop %", "% behind the best price"),
    ("trailing_activation_percent", "Trailing activation %", "profit % before it trails"),
    ("break_even_percent", "Break-even %", "profit % to move the stop to entry + fees"),
)


class ProtectionDialog(QDialog):
    def __init__(self, position: Position, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protectionDialog")
        self.position = position
        self.setWindowTitle(f"Protection — {position.symbol} {position.side.value}")
        self.setMinimumWidth(440)  # room for the placeholders that explain each field
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            f"{position.symbol} {position.side.value}, "
            f"entry {fmt_price(position.entry_price, position.symbol)}, "
            f"now {fmt_price(position.current_price, position.symbol)}"))
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for name, label, placeholder in FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"protection_{name}")
            edit.setPlaceholderText(placeholder)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            value = getattr(position, name)
            if value is not None:
                edit.setText(str(value))
            form.addRow(label, edit)
            self.edits[name] = edit
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("orderError")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._values: dict[str, Decimal | None] | None = None

    def parse(self) -> dict[str, Decimal | None]:
        """The typed values (None for empty); raises DomainError naming the bad field."""
        values: dict[str, Decimal | None] = {}
        for name, label, _ in FIELDS:
            text = self.edits[name].text().strip()
            values[name] = parse_amount(text, label) if text else None
        reference = self.position.current_price or self.position.entry_price
        check_protection(self.position.side, reference, values["stop_loss"],
                         values["take_profit"], values["trailing_stop_percent"])
        return values

    def accept(self) -> None:
        try:
            self._values = self.parse()
        except DomainError as exc:
            self.error.setText(str(exc))
            return
        super().accept()

    def values(self) -> dict[str, Decimal | None]:
        assert self._values is not None, "values() is only meaningful after accept"
        return self._values
