"""Desktop notifications through the system tray, when there is one.

Headless sessions and some desktops have no tray; then notifications are silently skipped (the
log panel still has every message), rather than failing or popping modal boxes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon, QWidget


def app_icon(size: int = 64) -> QIcon:
    """A drawn icon (an "M" on the accent colour), so the app needs no image files to run."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#3d8bfd"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 0, size, size, size * 0.2, size * 0.2)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.62))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "M")
    painter.end()
    return QIcon(pixmap)


class Notifier(QObject):
    LEVELS = {
        "info": QSystemTrayIcon.MessageIcon.Information,
        "warning": QSystemTrayIcon.MessageIcon.Warning,
        "error": QSystemTrayIcon.MessageIcon.Critical,
    }

    def __init__(self, parent: QWidget | None = None, enabled: bool = True) -> None:
        super().__init__(parent)
        self.tray: QSystemTrayIcon | None = None
        self.sent: list[tuple[str, str, str]] = []  # what was (or would have been) shown
        if enabled and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("Moniqo Desktop")
            self.tray.show()

    @property
    def available(self) -> bool:
        return self.tray is not None

    def notify(self, title: str, text: str, level: str = "info") -> None:
        self.sent.append((title, text, level))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, self.LEVELS.get(level, self.LEVELS["info"]), 5000)

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()
