"""Value labels in the chart's right-hand column: never on top of each other.

Every level (price, stop, trailing, entry, target, break-even, water marks) gets a label at its
value on the right edge of the plot, like a trading chart's price scale. Close values would
print on top of each other exactly when it matters (price sitting on the stop), so the labels
are spread apart in pixels; a level outside the view becomes an edge marker pinned to the top or
bottom with an arrow, and a click on it brings that level into view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt

UP, DOWN = "↑", "↓"


def spread(desired: Sequence[float], height: float, top: float, bottom: float) -> list[float]:
    """Centres as close to `desired` (pixels, growing downwards) as possible, `height` apart.

    One sweep down pushes each label below the previous one, a sweep up pulls the pile back
    inside `bottom`; order is kept, so a label never jumps over its neighbour.
    """
    order = sorted(range(len(desired)), key=lambda i: desired[i])
    ys = [min(max(desired[i], top + height / 2), bottom - height / 2) for i in order]
    for k in range(1, len(ys)):
        ys[k] = max(ys[k], ys[k - 1] + height)
    if ys and ys[-1] > bottom - height / 2:
        ys[-1] = bottom - height / 2
        for k in range(len(ys) - 2, -1, -1):
            ys[k] = min(ys[k], ys[k + 1] - height)
    out = [0.0] * len(desired)
    for k, i in enumerate(order):
        out[i] = ys[k]
    return out


class ValueLabel(pg.TextItem):
    """A level's text on the right edge; clickable when it is an edge marker.

    Every setter leaves the label alone when nothing changes: a live tick sets all of them,
    and a label that is not touched keeps its cached picture.
    """

    def __init__(self, name: str) -> None:
        super().__init__(anchor=(1, 0.5))
        self.name = name
        self.value: float | None = None  # the level it labels (None: hidden)
        self.base_text = ""
        self.edge: str | None = None  # UP or DOWN while the level is outside the view
        self.on_click: Callable[[str], None] | None = None

    def set_level(self, value: float | None, text: str) -> None:
        if value == self.value and text == self.base_text:
            return  # shown or hidden by the layout, which knows about the other labels
        self.value = value
        self.base_text = text
        if value is None:
            self.setText("")
            self.hide()
        else:
            self.show()
            self._render()

    def set_edge(self, edge: str | None) -> None:
        tip = f"{self.base_text} is outside the view: click to show it" if edge else ""
        if edge != self.edge:
            self.edge = edge
            self._render()
            self.setCursor(Qt.CursorShape.PointingHandCursor if edge
                           else Qt.CursorShape.ArrowCursor)
        if tip != self.toolTip():
            self.setToolTip(tip)

    def set_colour(self, colour: Any) -> None:
        """`setColor`, unless it is the colour already shown."""
        if colour != self.color:
            self.setColor(colour)

    def _render(self) -> None:
        text = f"{self.base_text} {self.edge}" if self.edge else self.base_text
        if text != self.toPlainText():
            self.setText(text)

    def mouseClickEvent(self, ev: Any) -> None:  # noqa: N802 (pyqtgraph name)
        if self.edge and self.on_click is not None and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.on_click(self.name)
        else:
            ev.ignore()
