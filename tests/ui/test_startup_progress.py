"""The start-up progress dialog follows the engine's Progress events."""

from moniqo_desktop.engine.events import Progress
from moniqo_desktop.ui.startup import StartupProgress


def test_progress_dialog_follows_events(qtbot):
    progress = StartupProgress("binance")
    assert "binance" in progress.dialog.labelText()
    progress.on_event(Progress("Loading markets", 0, 2))
    assert progress.dialog.maximum() == 2 and progress.dialog.labelText() == "Loading markets…"
    progress.on_event(Progress("Reconciling with the exchange", 1, 2))
    assert progress.dialog.value() == 1
    progress.close()
