"""The start-up progress dialog: shown when start-up is slow, following the engine's Progress
events; a fast start neither shows nor builds it (#14, start-up)."""

import time

from moniqo_desktop.engine.events import Progress
from moniqo_desktop.ui.startup import StartupProgress


def test_a_slow_start_shows_the_dialog_and_it_follows_events(qtbot):
    progress = StartupProgress("binance", delay_ms=50)
    qtbot.waitUntil(lambda: progress.dialog is not None and progress.dialog.isVisible())
    assert "binance" in progress.dialog.labelText()
    progress.on_event(Progress("Loading markets", 0, 2))
    assert progress.dialog.maximum() == 2 and progress.dialog.labelText() == "Loading markets…"
    progress.on_event(Progress("Reconciling with the exchange", 1, 2))
    assert progress.dialog.value() == 1
    progress.close()
    assert progress.dialog is None


def test_a_fast_start_never_builds_the_dialog(qtbot):
    progress = StartupProgress("demo")
    progress.on_event(Progress("Loading markets", 0, 2))
    progress.on_event(Progress("Ready", 2, 2))
    progress.close()
    qtbot.wait(600)  # past the delay: the timer was stopped with the start
    assert progress.dialog is None


def test_a_long_step_that_held_the_loop_shows_it_at_the_next_event(qtbot):
    """No turn of the loop, no timer: the next event after the delay shows it, as it is."""
    progress = StartupProgress("binance", delay_ms=30)
    time.sleep(0.06)  # a step that never hands the loop back
    progress.on_event(Progress("Reconciling with the exchange", 1, 2))
    assert progress.dialog is not None and progress.dialog.isVisible()
    assert progress.dialog.labelText() == "Reconciling with the exchange…"
    progress.close()
