"""Positions: the table, its open/closed/all and symbol filters, Close buttons, context menu.

The panel only asks (signals with the position id); the main window confirms and calls the
engine. That keeps the panel free of async code and easy to drive in tests.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from ..models.positions import make_positions_model
from .monitor_view import MonitorView
from ..coalesce import Coalesced

FILTERS = ("Open", "Closed", "All")


class PositionsPanel(QFrame):
    closeRequested = Signal(str)
    editProtectionRequested = Signal(str)
    selected = Signal(object)  # position id or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.model = make_positions_model(self)
        self._count_refresh = Coalesced(self._compute_count, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        title = QLabel("POSITIONS")
        title.setObjectName("panelTitle")
        self.count = QLabel("")
        self.count.setObjectName("muted")
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("positionsFilter")
        self.status_filter.addItems(FILTERS)
        self.symbol_filter = QLineEdit()
        self.symbol_filter.setObjectName("positionsSymbolFilter")
        self.symbol_filter.setPlaceholderText("Filter symbol")
        self.symbol_filter.setClearButtonEnabled(True)
        self.symbol_filter.setMaximumWidth(160)
        bar.addWidget(title)
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.symbol_filter)
        bar.addWidget(self.status_filter)
        layout.addLayout(bar)
        self.view = MonitorView(self.model, "positionsTable", self)
        self.view.sortByColumn(self.model.column_index("held"), Qt.SortOrder.AscendingOrder)
        layout.addWidget(self.view, 1)

        self.status_filter.currentTextChanged.connect(self._apply_filter)
        self.symbol_filter.textChanged.connect(self._apply_filter)
        self.view.actionTriggered.connect(self._on_action)
        self.view.currentIdChanged.connect(self.selected)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.model.rowsInserted.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)
        # the proxy re-filters on dataChanged (dynamic filter): a position that closes leaves
        # the "Open" view by itself; only the count needs a nudge
        self.model.dataChanged.connect(self._update_count)
        self._apply_filter()

    def _apply_filter(self, *_: object) -> None:
        mode = self.status_filter.currentText()
        text = self.symbol_filter.text().strip().upper()

        def accept(position) -> bool:
            if mode == "Open" and not position.is_open:
                return False
            if mode == "Closed" and position.is_open:
                return False
            return not text or text in position.symbol.upper()

        self.view.proxy.set_predicate(accept)
        self._update_count()

    def _update_count(self, *_: object) -> None:
        self._count_refresh.request()

    def _compute_count(self) -> None:
        open_count = sum(1 for p in self.model.objects() if p.is_open)
        self.count.setText(f"{open_count} open · {self.model.rowCount()} total")

    def set_filter(self, mode: str) -> None:
        self.status_filter.setCurrentText(mode)

    def _on_action(self, key: str, position_id: str) -> None:
        if key == "close":
            self.closeRequested.emit(position_id)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
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
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def save_state(self, settings: QSettings) -> None:
        self.view.save_state(settings, "positions")
        settings.setValue("positions/filter", self.status_filter.currentText())

    def restore_state(self, settings: QSettings) -> None:
        self.view.restore_state(settings, "positions")
        mode = settings.value("positions/filter")
        if mode in FILTERS:
            self.status_filter.setCurrentText(mode)
