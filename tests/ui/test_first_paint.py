"""The engine's first pass waits for the window's first paint, never for longer (#14 start-up)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from moniqo_desktop.ui.first_paint import first_paint


def test_a_shown_window_is_waited_for_until_it_has_painted(qloop, qtbot):
    label = QLabel("painted")
    qtbot.addWidget(label)
    label.show()
    assert qloop.run_until_complete(first_paint(label, timeout=30)) is True


def test_a_window_that_never_paints_holds_nothing_back(qloop, qtbot):
    hidden = QLabel("never shown")
    qtbot.addWidget(hidden)
    assert qloop.run_until_complete(first_paint(hidden, timeout=0.2)) is False
