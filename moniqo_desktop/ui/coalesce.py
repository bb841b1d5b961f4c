"""Run an aggregate refresh once per event-loop turn, however many events asked for it.

A cycle over 1 000 positions publishes 1 000 updates; recomputing the account total or the row
counts on each would be O(n²) on the Qt thread. Each event only marks the figure stale; one
zero-delay timer recomputes it after the burst. An aggregate that is itself a pass over every
row can ask for `interval_ms`: then it runs at most that often however long the stream lasts.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

_throttled: "weakref.WeakSet[Coalesced]" = weakref.WeakSet()


def flush_throttled() -> None:
    """Run every pending throttled refresh now (tests and screenshots want what the window
    knows now, not what it will show within `interval_ms`)."""
    for refresh in list(_throttled):
        try:
            refresh.flush()
        except RuntimeError:  # its widget is gone
            _throttled.discard(refresh)


class Coalesced(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject | None = None,
                 interval_ms: int = 0) -> None:
        super().__init__(parent)
        self._callback = callback
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(callback)
        if interval_ms > 0:
            _throttled.add(self)

    def request(self, *_: object) -> None:
        """Schedule the refresh (signal-compatible: extra arguments are ignored)."""
        if not self._timer.isActive():
            self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def cancel(self) -> None:
        """Forget a pending refresh (what it would show is gone)."""
        self._timer.stop()

    def flush(self) -> None:
        """Run now if pending (e.g. before a screenshot or a test assertion)."""
        if self._timer.isActive():
            self._timer.stop()
            self._callback()
