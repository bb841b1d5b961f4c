"""The quit path writes what the next start needs, once (#14, start-up: the teardown).

A quit used to save the window's state twice: `app.run_gui` saved it, then closed the window,
whose `closeEvent` saved it again (and a window the trader closed first was saved a third time
on the way out). Each save writes the layout, the selection and the last 500 log lines to the
settings file and syncs it. These starts run the real app in a child process and count the
saves; what must still be written (the state, the log file's last lines, the store closed with
its lock released) is checked on disk.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QSettings

COUNT_THE_SAVES = """
import sys
from moniqo_desktop.ui import main_window
saves = []
save_state = main_window.MainWindow.save_state
def counted(self):
    saves.append(1)
    return save_state(self)
main_window.MainWindow.save_state = counted
if sys.argv[1] == "trader-closes":  # the trader closes the window; the app then quits
    from PySide6.QtCore import QTimer
    show = main_window.MainWindow.show
    def show_then_close(self):
        show(self)
        QTimer.singleShot(200, self.close)
    main_window.MainWindow.show = show_then_close
from moniqo_desktop.__main__ import main
code = main(sys.argv[2:])
print("saves", len(saves))
sys.exit(code)
"""


def quit_once(data_dir: Path, how: str, quit_after: str) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", COUNT_THE_SAVES, how, "--data-dir", str(data_dir),
         "--quit-after", quit_after],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def assert_written(data_dir: Path) -> None:
    state = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat)
    assert state.value("window/geometry") is not None
    assert state.value("log/lines"), "the log panel's last lines are kept for the next start"
    log = (data_dir / "logs" / "moniqo.log").read_text(encoding="utf-8")
    assert "window painted" in log
    # the store was closed: SQLite folded its write-ahead log back into the file
    wal = data_dir / "moniqo.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_quit_saves_the_window_state_once(tmp_path: Path):
    assert "saves 1" in quit_once(tmp_path, "quit", "0.1")
    assert_written(tmp_path)


def test_a_window_the_trader_closed_is_saved_once_on_the_way_out(tmp_path: Path):
    assert "saves 1" in quit_once(tmp_path, "trader-closes", "30")
    assert_written(tmp_path)


# -- a quit starts no job pass (#14, start-up: the teardown) ---------------------------------


async def test_a_quit_right_after_the_jobs_start_runs_none_of_them(tmp_path: Path):
    """`Composition.close` let the price feed finish its tick before the engine's jobs were
    stopped; that wait yields to the loop, and each job scheduled but not yet run took its first
    step then (a quit at the first paint ran part of the engine's first pass, ~20 ms, only to
    cancel it). The jobs are stopped before anything is waited on; the store still closes."""
    from moniqo_desktop.compose import compose
    from moniqo_desktop.config import DB_FILENAME, Settings

    parts = await compose(tmp_path / DB_FILENAME, "demo", sandbox=False, settings=Settings())
    parts.start()
    jobs = list(parts.engine.scheduler.jobs)
    assert jobs
    await parts.close()
    assert [(job.name, job.runs) for job in jobs] == [(job.name, 0) for job in jobs]
    wal = tmp_path / (DB_FILENAME + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
