"""The one dialog that says why the app cannot start, and that a SIGTERM still closes.

A modal dialog runs Qt's own event loop, where Python's signal handlers never get a turn, so
`kill <pid>` used to leave the dialog (and the process) hanging. A short timer hands control
back to Python every 100 ms, and the handler rejects the dialog.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def show_fatal(title: str, text: str, announce: Callable[[], None] | None = None) -> None:
    """Show `text` in a critical message box until OK, SIGTERM or SIGINT.

    `announce` runs once the signals are ours (e.g. printing the error line), so a SIGTERM
    sent by whoever read that line always finds the dialog's handler."""
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - must exist
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    box.setObjectName("fatalDialog")
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    closed = []

    def close(*_: object) -> None:
        closed.append(True)
        box.reject()

    for sig in previous:
        signal.signal(sig, close)
    wake = QTimer()
    wake.timeout.connect(lambda: None)  # Python runs pending signal handlers between calls
    wake.start(100)
    try:
        if announce is not None:
            announce()
        if not closed:
            box.exec()
    finally:
        wake.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
