"""The `asked` fixture: the window's questions (`QMessageBox.question`) answered by the test.

A modal question would block the loop a GUI test runs on; every test that needs one answered
used to patch `QMessageBox.question` with its own little function. Import the fixture into a
conftest or test module (`from qt_questions import asked`).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


class Questions(list):
    """The text of every question the window asked (`QMessageBox.question`), in order.

    Each is answered with the next of `replies`, then with `default` (Yes): a test says what the
    trader answers and reads what they were asked, without a modal dialog blocking the loop.
    """

    def __init__(self) -> None:
        super().__init__()
        self.replies: list[QMessageBox.StandardButton] = []
        self.default = QMessageBox.StandardButton.Yes

    def __call__(self, parent, title, text, *args, **kwargs) -> QMessageBox.StandardButton:
        self.append(text)
        return self.replies.pop(0) if self.replies else self.default


@pytest.fixture
def asked(monkeypatch) -> Questions:
    """Every question the window asks, answered Yes unless the test sets `replies`/`default`."""
    questions = Questions()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(questions))
    return questions
