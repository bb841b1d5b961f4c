"""Start-up progress: loading markets and reconciling can take seconds on a real exchange.

The main window needs an open engine, so until then a small progress dialog tells the trader
what is happening instead of showing nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog

from ..engine.events import Progress


class StartupProgress:
    def __init__(self, exchange_id: str) -> None:
        name = "the paper exchange" if exchange_id in ("demo", "paper") else exchange_id
        self.dialog = QProgressDialog(f"Connecting to {name}…", "", 0, 0)
        self.dialog.setObjectName("startupProgress")
        self.dialog.setWindowTitle("Moniqo Desktop")
        self.dialog.setCancelButton(None)
        self.dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.dialog.setMinimumDuration(400)  # fast starts never flash a dialog
        self.dialog.setMinimumWidth(360)
        self.dialog.setValue(0)

    def on_event(self, event: Progress) -> None:
        self.dialog.setMaximum(max(event.total, 1))
        self.dialog.setValue(min(event.done, event.total))
        self.dialog.setLabelText(f"{event.task}…")

    def close(self) -> None:
        self.dialog.reset()
        self.dialog.close()
        self.dialog.deleteLater()
