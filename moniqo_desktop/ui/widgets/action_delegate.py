"""A push button painted inside a table cell (Close / Cancel), without index widgets.

Index widgets are real child widgets per row: slow with many rows and they do not follow
sorting. A delegate paints the button from the model's `ActionRole` and reports clicks with the
row object's id, so the action always hits the row the trader saw.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QWidget,
)

from ..models.monitor import ActionRole, IdRole


class ActionDelegate(QStyledItemDelegate):
    triggered = Signal(str)  # row object id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pressed: str | None = None

    @staticmethod
    def button_rect(cell: QRect) -> QRect:
        return cell.adjusted(4, 2, -4, -2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        label = index.data(ActionRole)
        # background (selection/alternate) without text
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.text = ""
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, option.widget)
        if not label:
            return
        button = QStyleOptionButton()
        button.rect = self.button_rect(option.rect)
        button.text = label
        button.state = QStyle.StateFlag.State_Enabled
        if self._pressed == index.data(IdRole):
            button.state |= QStyle.StateFlag.State_Sunken
        else:
            button.state |= QStyle.StateFlag.State_Raised
        if option.state & QStyle.StateFlag.State_MouseOver:
            button.state |= QStyle.StateFlag.State_MouseOver
        button.palette = option.palette
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, option.widget)

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
