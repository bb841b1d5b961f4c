"""A push button painted inside a table cell (Close / Cancel), without index widgets.

Index widgets are real child widgets per row: slow with many rows and they do not follow
sorting. A delegate paints the button from the model's cached cell (`MonitorView.cell_at`:
the label, or "" where the row has no such action) and reports clicks with the row object's
id, so the action always hits the row the trader saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
)

from ..models.monitor import ActionRole, IdRole

if TYPE_CHECKING:
    from .monitor_view import MonitorView

_ITEM = QStyle.ControlElement.CE_ItemViewItem
_BUTTON = QStyle.ControlElement.CE_PushButton
_RAISED = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
_SUNKEN = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Sunken
_HOVER = QStyle.StateFlag.State_MouseOver


class ActionDelegate(QStyledItemDelegate):
    triggered = Signal(str)  # row object id

    def __init__(self, view: "MonitorView") -> None:
        super().__init__(view)
        self._view = view
        self._pressed: str | None = None

    @staticmethod
    def button_rect(cell: QRect) -> QRect:
        return cell.adjusted(4, 2, -4, -2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        """The cell's background (selection, alternate row) as Qt draws it, then the button;
        no `data()` calls: the label comes from the row's cached cell."""
        view = self._view
        label = view.cell_at(index.row(), index.column())[0]
        style = view.style()
        style.drawControl(_ITEM, option, painter, view)  # no HasDisplay: background only
        if not label:
            return
        button = QStyleOptionButton()
        button.rect = self.button_rect(option.rect)
        button.text = label
        pressed = self._pressed is not None and self._pressed == view.object_id_at(index.row())
        state = _SUNKEN if pressed else _RAISED
        if option.state & _HOVER:
            state |= _HOVER
        button.state = state
        button.palette = option.palette
        style.drawControl(_BUTTON, button, painter, view)

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem,
                    index: QModelIndex) -> bool:
        if not index.data(ActionRole):
            return False
        if event.type() not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            return False
        assert isinstance(event, QMouseEvent)
        inside = self.button_rect(option.rect).contains(event.position().toPoint())
        row_id = index.data(IdRole)
        if event.type() == QEvent.Type.MouseButtonPress:
            self._pressed = row_id if inside else None
            return inside
        was_pressed = self._pressed == row_id
        self._pressed = None
        if inside and was_pressed and event.button() == Qt.MouseButton.LeftButton:
            self.triggered.emit(row_id)
            return True
        return False
