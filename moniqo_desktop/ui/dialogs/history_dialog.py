"""History: every closed position with its realized P&L, fees, reason and time held, and the
CSV export of orders, fills and positions.

A monitor table like the others (declared columns, sorting), over frozen copies of the engine's
*history* (`position_history()`, `order_history()`): the engine keeps only the last
`history_in_memory_days` in memory, the store keeps everything, and a history view that read
`positions()` would silently lose whatever is older than that window. Refresh re-reads; the export
writes three files to a folder the trader picks.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain import Position
from ...domain.figures import fmt_money_by_quote
from ...history_export import export_csv
from ..event_pump import snapshot
from ..formatting import fmt_enum, fmt_time
from ..models.monitor import CellKind, Column, MonitorModel
from ..widgets.monitor_view import MonitorView


def _money_by_quote(positions: list[Position]) -> str:
    """`+136.85 USDT` (one total per quote currency: USDT and BTC do not add up)."""
    return fmt_money_by_quote((p.quote, p.realized_pnl) for p in positions)


def realized_summary(positions: list[Position]) -> str:
    """The footer: every P&L realized, not only that of closed positions. A position reduced
    and still open has booked its sold part's P&L (the account has it), so "realized" leaving
    it out would understate it; the part it adds is named."""
    closed = [p for p in positions if not p.is_open]
    reduced = [p for p in positions if p.is_open and p.realized_pnl != 0]
    if not closed and not reduced:
        return "No closed positions yet"
    text = f"{len(closed)} closed · realized {_money_by_quote(closed + reduced)}"
    if reduced:
        many = "s" if len(reduced) > 1 else ""
        text += (f", incl. {len(reduced)} open position{many} reduced "
                 f"({_money_by_quote(reduced)})")
    return text


def _reason(p: Position) -> str:
    return p.close_reason.value.replace("_", " ") if p.close_reason else fmt_enum(p.status)


HISTORY_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", hideable=False),
    Column("side", "Side", kind=CellKind.ENUM),
    Column("amount", "Amount", kind=CellKind.AMOUNT),
    Column("entry_price", "Entry", kind=CellKind.PRICE),
    Column("exit_price", "Exit", kind=CellKind.PRICE),
    Column("realized_pnl", "Realized P&L", kind=CellKind.PNL,
           header_tip="After entry and exit fees"),
    Column("fees", "Fees", get=lambda p: p.entry_fees + p.exit_fees, kind=CellKind.MONEY,
           header_tip="Entry + exit fees, in the quote currency"),
    Column("close_reason", "Reason", get=_reason),
    # with the date: history spans months (the store's, not just the in-memory window's)
    Column("opened_at", "Opened", kind=CellKind.TIME,
           display=lambda p: fmt_time(p.opened_at, with_date=True)),
    Column("closed_at", "Closed", kind=CellKind.TIME,
           display=lambda p: fmt_time(p.closed_at, with_date=True)),
    Column("held", "Held", get=lambda p: p.time_held(p.closed_at), kind=CellKind.DURATION),
)


class HistoryDialog(QDialog):
    def __init__(self, engine: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setObjectName("historyDialog")
        self.setWindowTitle("History — closed positions")
        self.resize(1100, 520)
        self.model = MonitorModel(HISTORY_COLUMNS, parent=self)
        self.view = MonitorView(self.model, "historyTable", self)
        self.view.sortByColumn(self.model.column_index("closed_at"),
                               Qt.SortOrder.DescendingOrder)
        self.summary = QLabel("")
        self.summary.setObjectName("muted")
        self.message = QLabel("")
        self.message.setObjectName("historyMessage")
        self.message.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setObjectName("historyExport")
        self.export_button.clicked.connect(self.choose_and_export)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (refresh, self.export_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        history = [snapshot(p) for p in self.engine.position_history()
                   if not p.is_open or p.realized_pnl != 0]
        self.model.reset([p for p in history if not p.is_open])
        self.view.size_columns()
        for key in ("opened_at", "closed_at"):  # dated cells are wider than the time sample
            self.view.resizeColumnToContents(self.model.column_index(key))
        self.summary.setText(realized_summary(history))

    def export(self, directory: Path) -> list[Path]:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        paths = export_csv(directory, self.engine.order_history(), self.engine.position_history(),
                           stamp)
        self.message.setText("Exported " + ", ".join(p.name for p in paths) + f" to {directory}")
        return paths

    def choose_and_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export CSV to folder", str(Path.home()))
        if not folder:
            return
        try:
            self.export(Path(folder))
        except OSError as exc:
            self.message.setText(f"Export failed: {exc}")
