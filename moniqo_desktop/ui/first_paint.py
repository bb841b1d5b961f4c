"""Waiting for a window's first paint: what the engine's first pass waits for at start-up.

The engine's first pass (order sync, prices for every open position, exit evaluation, marks
written) used to start in the same turn of the event loop as `window.show()`, so with 1 000 open
positions the trader looked at an empty frame while it ran. Start-up has already reconciled
orders with the venue by then; the pass only has to come right after the first paint, not
before it. A window that never paints (minimised at start, no screen) must not hold the engine
back, so the wait ends after `timeout` seconds in any case.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

FIRST_PAINT_TIMEOUT = 1.0


class _PaintWatch(QObject):
    def __init__(self, widget: QWidget, painted: asyncio.Future[bool]) -> None:
        super().__init__(widget)
        self._painted = painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and not self._painted.done():
            self._painted.set_result(True)
        return False


async def first_paint(widget: QWidget, timeout: float = FIRST_PAINT_TIMEOUT) -> bool:
    """Return once `widget` has painted (True), or after `timeout` seconds (False)."""
    painted: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    watch = _PaintWatch(widget, painted)
    widget.installEventFilter(watch)
    widget.update()
    try:
        return await asyncio.wait_for(painted, timeout)
    except asyncio.TimeoutError:
        return False
    finally:
        widget.removeEventFilter(watch)
        watch.deleteLater()
