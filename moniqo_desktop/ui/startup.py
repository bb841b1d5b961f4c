"""Start-up progress: loading markets and reconciling can take seconds on a real exchange.

The main window needs an open engine, so until then a small progress dialog tells the trader
what is happening instead of showing nothing. A fast start never shows it, and does not build
it either: the dialog (a dozen Qt objects, and the first use of their classes: ~10 ms of every
start, #14) is made only once start-up has taken `delay_ms` - when the timer fires, or at the
next progress event after that time if the loop is busy in between.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from ..engine.events import Progress

SHOW_AFTER_MS = 400
"""Starts shorter than this never flash a dialog."""


class StartupProgress:
    def __init__(self, exchange_id: str, delay_ms: int = SHOW_AFTER_MS) -> None:
        name = "the paper exchange" if exchange_id in ("demo", "paper") else exchange_id
        self.text = f"Connecting to {name}…"
        self.dialog = None
        """The QProgressDialog, once start-up has taken `delay_ms` (None before, and after
        `close`)."""
        self._due = time.monotonic() + delay_ms / 1000
        self._last: Progress | None = None
        self._closed = False
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show)
        self._timer.start(delay_ms)

    def on_event(self, event: Progress) -> None:
        self._last = event
        if self.dialog is None and time.monotonic() >= self._due:
            self._show()  # the loop had no turn to run the timer: a long step just ended
        elif self.dialog is not None:
            self._follow(event)

    def _show(self) -> None:
        if self._closed or self.dialog is not None:
            return
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QProgressDialog

        dialog = QProgressDialog(self.text, "", 0, 0)
        dialog.setObjectName("startupProgress")
        dialog.setWindowTitle("Moniqo Desktop")
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setMinimumDuration(0)  # its time has come already
        dialog.setMinimumWidth(360)
        self.dialog = dialog
        if self._last is not None:
            self._follow(self._last)
        else:
            dialog.setValue(0)
        dialog.show()

    def _follow(self, event: Progress) -> None:
        assert self.dialog is not None
        self.dialog.setMaximum(max(event.total, 1))
        self.dialog.setValue(min(event.done, event.total))
        self.dialog.setLabelText(f"{event.task}…")

    def close(self) -> None:
        self._closed = True
        self._timer.stop()
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
