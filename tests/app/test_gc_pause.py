"""Start-up runs without the cyclic collector's passes; the window then runs with it (#14).

`gc_pause` is the entry point's business only: a real start turns collection back on once the
window is shown (start-up's objects frozen), and leaves it on when the app returns.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from moniqo_desktop import gc_pause


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone."""
    was_on = gc.isenabled()
    yield
    gc_pause.resume()
    gc.unfreeze()
    (gc.enable if was_on else gc.disable)()


def test_pause_then_resume_freezes_start_up_and_turns_collection_back_on(collector):
    gc.enable()
    gc_pause.pause()
    assert not gc.isenabled() and gc_pause.paused()
    built = [[i] for i in range(1000)]  # what start-up builds and keeps
    gc_pause.resume()
    assert gc.isenabled() and not gc_pause.paused()
    assert gc.get_freeze_count() >= len(built)
    frozen = gc.get_freeze_count()
    gc_pause.resume()  # a second call changes nothing
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_collector_someone_else_turned_off_stays_off(collector):
    gc.disable()
    gc_pause.pause()
    assert not gc_pause.paused()
    gc_pause.resume()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


WATCH_THE_WINDOW = """
import gc, sys
from moniqo_desktop.ui import main_window
seen = []
save_state = main_window.MainWindow.save_state
def watched(self):
    seen.append(gc.isenabled())
    return save_state(self)
main_window.MainWindow.save_state = watched
from moniqo_desktop.__main__ import main
code = main(sys.argv[1:])
print("window", bool(seen) and all(seen), "after", gc.isenabled(), "frozen", gc.get_freeze_count() > 0)
sys.exit(code)
"""


def test_a_real_start_runs_the_window_with_the_collector_on(tmp_path: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", WATCH_THE_WINDOW, "--data-dir", str(tmp_path),
         "--quit-after", "0.5"],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    # the window closed (save_state) with collection on, start-up's objects frozen
    assert "window True after True frozen True" in result.stdout, result.stdout
    log = (tmp_path / "logs" / "moniqo.log").read_text()
    assert "garbage collection resumed" in log
