"""A tooltip written when it is about to show, not on every change of what it describes.

A stale price's note names ages ("price 12 s old") that keep growing while the label's text
stays put, and the equity's note names the holdings without a price, which change with every
tick at first. Setting a widget's tooltip on each tick is work per tick for a text read only on
hover; `FreshTooltip` asks `text()` on hover instead ("" shows nothing).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class FreshTooltip(QObject):
    """Install on a widget: its tooltip is `text()` as of the moment Qt would show it."""

    def __init__(self, widget: QWidget, text: Callable[[], str]) -> None:
        super().__init__(widget)
        self.text = text
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip and isinstance(obj, QWidget):
            text = self.text()
            if text != obj.toolTip():
                obj.setToolTip(text)
            return not text  # nothing to say: no empty tooltip either
        return False
