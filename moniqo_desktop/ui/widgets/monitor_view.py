"""The table view every monitor uses: sorting proxy, compact rows, action buttons, saved widths."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ..models.monitor import CellKind, IdRole, MonitorModel, MonitorProxy
from .action_delegate import ActionDelegate


class KeepColourDelegate(QStyledItemDelegate):
    """Paints a selected cell in its own colour (green/red P&L, risk, side, status).

    Qt paints selected text in the palette's HighlightedText, so the row a trader has selected
    (often the only one) would lose exactly the colours that matter most.
    """

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        if isinstance(foreground, QColor):
            foreground = QBrush(foreground)
        if isinstance(foreground, QBrush):
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
                option.palette.setBrush(group, QPalette.ColorRole.HighlightedText, foreground)


class MonitorView(QTableView):
    """A `QTableView` over a `MonitorProxy`; `actionTriggered(column_key, id)` for buttons."""

    actionTriggered = Signal(str, str)
    currentIdChanged = Signal(object)  # id of the selected row, or None

    def __init__(self, model: MonitorModel, object_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.source_model = model
        self.proxy = MonitorProxy(self)
        self.proxy.setSourceModel(model)
        # connected before setModel, so these run before the selection model's own handler
        # (which would move the current row to a neighbour when the current one leaves)
        self._leaving = False
        self.proxy.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        self.proxy.rowsRemoved.connect(self._on_rows_removed)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 10)
        hh = self.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setStretchLastSection(False)
        hh.setSectionsMovable(True)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._colour_delegate = KeepColourDelegate(self)
        self.setItemDelegate(self._colour_delegate)
        self._delegates: list[ActionDelegate] = []
        for col, column in enumerate(model.columns):
            if column.kind is CellKind.ACTION:
                delegate = ActionDelegate(self)
                delegate.triggered.connect(
                    lambda obj_id, key=column.key: self.actionTriggered.emit(key, obj_id))
                self.setItemDelegateForColumn(col, delegate)
                self._delegates.append(delegate)
        self.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.size_columns()

    def size_columns(self) -> None:
        """Widths from the header text and a sample figure, so numbers never clip."""
        fm = self.fontMetrics()
        for col, column in enumerate(self.source_model.columns):
            if column.width is not None:
                width = column.width
            else:
                sample = {
                    CellKind.DECIMAL: "00,000.0000", CellKind.PRICE: "00,000.0000",
                    CellKind.PNL: "+0,000.00",
                    CellKind.AMOUNT: "0.000000", CellKind.TIME: "00:00:00",
                    CellKind.DURATION: "0d 00:00:00", CellKind.PERCENT: "00.00 %",
                    CellKind.SIGNED_PERCENT: "+00.00 %", CellKind.ENUM: "Medium",
                }.get(column.kind, "BTC/USDT")
                width = max(fm.horizontalAdvance(sample),
                            fm.horizontalAdvance(column.header) + 14) + 12
            self.setColumnWidth(col, width)

    def _on_current_changed(self, current, _previous) -> None:
        if self._leaving:  # Qt moving the current row to a neighbour: not the trader's choice
            return
        self.currentIdChanged.emit(current.data(IdRole) if current.isValid() else None)

    def _on_rows_about_to_be_removed(self, parent, first: int, last: int) -> None:
        current = self.currentIndex()
        if current.isValid() and not parent.isValid() and first <= current.row() <= last:
            self._leaving = True

    def _on_rows_removed(self, *_: object) -> None:
        """The current row left the view (closed under "Open", filtered out): select nothing.

        Qt would make a neighbour current, so a Del / Ctrl+W meant for the row that just left
        would act on another one; no current row is the only safe answer.
        """
        if not self._leaving:
            return
        self._leaving = False
        self.clearSelection()
        self.selectionModel().clearCurrentIndex()  # emits currentIdChanged(None)

    def current_id(self) -> str | None:
        index = self.currentIndex()
        return index.data(IdRole) if index.isValid() else None

    def select_id(self, obj_id: str) -> bool:
        row = self.source_model.row_of(obj_id)
        if row is None:
            return False
        proxy_index = self.proxy.mapFromSource(self.source_model.index(row, 0))
        if not proxy_index.isValid():
            return False
        self.selectRow(proxy_index.row())
        self.setCurrentIndex(proxy_index)
        return True

    def current_object(self) -> Any | None:
        obj_id = self.current_id()
        return None if obj_id is None else self.source_model.get(obj_id)

    def action_rect(self, column_key: str, obj_id: str):
        """Where the action button of a row is drawn (viewport coordinates), for tests."""
        row = self.source_model.row_of(obj_id)
        col = self.source_model.column_index(column_key)
        proxy_index = self.proxy.mapFromSource(self.source_model.index(row, col))
        return ActionDelegate.button_rect(self.visualRect(proxy_index))

    # -- persistence ------------------------------------------------------------------------
    def save_state(self, settings: QSettings, key: str) -> None:
        settings.setValue(f"{key}/header", self.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings, key: str) -> None:
        state = settings.value(f"{key}/header")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.horizontalHeader().restoreState(state)
