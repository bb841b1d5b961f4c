"""Positions: the table, its open/closed/all and symbol filters, Close buttons, context menu.

The panel only asks (signals with the position id); the main window confirms and calls the
engine. That keeps the panel free of async code and easy to drive in tests.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLineEdit, QMenu, QWidget

from ..models.positions import make_positions_model
from .monitor_panel import MonitorPanel

FILTERS = ("Open", "Closed", "All")
PARTS = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))


class PositionsPanel(MonitorPanel):
    closeRequested = Signal(str)
    partialCloseRequested = Signal(str, object)  # position id, fraction (None: exact amount)
    editProtectionRequested = Signal(str)
    selected = Signal(object)  # position id or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("POSITIONS", make_positions_model, "positionsTable", "positions",
                         lambda p: p.is_open, parent)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("positionsFilter")
        self.status_filter.addItems(FILTERS)
        self.symbol_filter = QLineEdit()
        self.symbol_filter.setObjectName("positionsSymbolFilter")
        self.symbol_filter.setPlaceholderText("Filter symbol")
        self.symbol_filter.setClearButtonEnabled(True)
        self.symbol_filter.setMaximumWidth(160)
        self.bar.addWidget(self.symbol_filter)
        self.bar.addWidget(self.status_filter)
        self.view.sortByColumn(self.model.column_index("held"), Qt.SortOrder.AscendingOrder)

        self.status_filter.currentTextChanged.connect(self._apply_filter)
        self.symbol_filter.textChanged.connect(self._apply_filter)
        self.view.actionTriggered.connect(self._on_action)
        self.view.currentIdChanged.connect(self.selected)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.row_menu: QMenu | None = None
        self._apply_filter()

    def _apply_filter(self, *_: object) -> None:
        """A position that closes while shown under "Open" stays (dimmed) until the trader
        changes a filter: a row never vanishes under the mouse without a trace."""
        mode = self.status_filter.currentText()
        text = self.symbol_filter.text().strip().upper()
        shown_open: set[str] = set()

        def accept(position) -> bool:
            if mode == "Open" and position.is_open:
                shown_open.add(position.id)
            if mode == "Open" and not position.is_open and position.id not in shown_open:
                return False
            if mode == "Closed" and position.is_open:
                return False
            return not text or text in position.symbol.upper()

        self.view.proxy.set_predicate(accept)
        self._update_count()

    def set_filter(self, mode: str) -> None:
        self.status_filter.setCurrentText(mode)

    def _on_action(self, key: str, position_id: str) -> None:
        if key == "close":
            self.closeRequested.emit(position_id)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():  # the menu key: the row that has the keyboard's focus
            index = self.view.currentIndex()
            if not index.isValid():
                return
            pos = self.view.visualRect(index).center()
        self.view.setCurrentIndex(index)
        position = self.view.current_object()
        if position is None:
            return
        menu = QMenu(self)
        edit = QAction("Edit stop / target / trailing / break-even…", menu)
        edit.setEnabled(position.is_open)
        edit.triggered.connect(lambda: self.editProtectionRequested.emit(position.id))
        close = QAction("Close position…", menu)
        close.setEnabled(position.is_open)
        close.triggered.connect(lambda: self.closeRequested.emit(position.id))
        menu.addAction(edit)
        menu.addAction(close)
        menu.addSeparator()
        for part in PARTS:
            action = QAction(f"Close {int(part * 100)} %…", menu)
            action.setObjectName(f"closePart{int(part * 100)}")
            action.setEnabled(position.is_open)
            action.triggered.connect(
                lambda _c=False, f=part: self.partialCloseRequested.emit(position.id, f))
            menu.addAction(action)
        exact = QAction("Close an exact amount…", menu)
        exact.setObjectName("closeExact")
        exact.setEnabled(position.is_open)
        exact.triggered.connect(lambda: self.partialCloseRequested.emit(position.id, None))
        menu.addAction(exact)
        self.last_menu = menu  # tests look at what was offered
        menu.setObjectName("positionMenu")
        self.row_menu = menu  # the one open, for tests
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def save_state(self, settings: QSettings) -> None:
        super().save_state(settings)
        settings.setValue("positions/filter", self.status_filter.currentText())
        settings.setValue("positions/symbolFilter", self.symbol_filter.text())

    def restore_state(self, settings: QSettings) -> None:
        super().restore_state(settings)
        mode = settings.value("positions/filter")
        if mode in FILTERS:
            self.status_filter.setCurrentText(mode)
        text = settings.value("positions/symbolFilter")
        if isinstance(text, str):
            self.symbol_filter.setText(text)
