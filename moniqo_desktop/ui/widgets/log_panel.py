"""The log panel: what the engine did, newest at the bottom, coloured by level.

A plain text view with a block limit: appending is O(1) and memory stays bounded however long
the app runs. Colours are the theme's, so a theme switch re-renders the kept lines
(`apply_theme`) rather than leaving dark-theme text on a light background.
"""

from __future__ import annotations

import html
import json
from collections import deque
from datetime import datetime

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from .. import theme
from ..formatting import fmt_time

LEVEL_COLOURS = {"info": "text", "success": "up", "warning": "warn", "error": "down",
                 "debug": "muted"}


class LogPanel(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None, max_lines: int = 5000) -> None:
        super().__init__(parent)
        self.setObjectName("logPanel")
        self.setReadOnly(True)
        self.setMaximumBlockCount(max_lines)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.entries: list[tuple[str, str]] = []  # (level, text), for tests and export
        self._stamps: deque[str] = deque(maxlen=max_lines)  # the time shown on each entry

    @staticmethod
    def _html(stamp: str, text: str, level: str) -> str:
        t = theme.current()
        colour = getattr(t, LEVEL_COLOURS.get(level, "text"))
        return (f'<span style="color:{t.muted}">{stamp}</span>&nbsp;&nbsp;'
                f'<span style="color:{colour}">{html.escape(text)}</span>')

    def add(self, text: str, level: str = "info", at: datetime | None = None) -> None:
        stamp = fmt_time(at or datetime.now().astimezone())
        self.entries.append((level, text))
        self._stamps.append(stamp)
        if len(self.entries) > self.maximumBlockCount():
            del self.entries[0]
        at_bottom = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum() - 2
        self.appendHtml(self._html(stamp, text, level))
        if at_bottom:
            self.moveCursor(QTextCursor.MoveOperation.End)
            self.ensureCursorVisible()

    def apply_theme(self) -> None:
        """Re-render every kept line in the current theme's colours."""
        self.clear()
        for stamp, (level, text) in zip(self._stamps, self.entries):
            self.appendHtml(self._html(stamp, text, level))
        self.moveCursor(QTextCursor.MoveOperation.End)
        self.ensureCursorVisible()

    def dump(self, last: int) -> str:
        """The last `last` entries as JSON (stamp, level, text), for the next start."""
        rows = list(zip(self._stamps, self.entries))[-last:]
        return json.dumps([[stamp, level, text] for stamp, (level, text) in rows])

    def restore(self, raw: object) -> int:
        """Put back what `dump` saved, above anything logged since; a bad value is ignored."""
        try:
            rows = json.loads(raw) if isinstance(raw, str) and raw else []
            kept = [(str(s), str(lv), str(t)) for s, lv, t in rows]
        except (ValueError, TypeError):
            return 0
        newer = list(zip(self._stamps, self.entries))
        self.entries = [(lv, t) for _s, lv, t in kept] + [e for _s, e in newer]
        self._stamps = deque([s for s, _lv, _t in kept] + [s for s, _e in newer],
                             maxlen=self._stamps.maxlen)
        del self.entries[:-self.maximumBlockCount()]
        self.apply_theme()  # re-renders every kept line
        return len(kept)

    def texts(self) -> list[str]:
        return [text for _level, text in self.entries]
