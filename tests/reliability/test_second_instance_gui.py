"""The GUI half of a refused second start: the running window is asked to come to the front."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtWidgets import QWidget

from rel_support import child_env

from moniqo_desktop.ui.single_instance import RaiseOnRequest

ASK = ("import sys; from pathlib import Path; from PySide6.QtCore import QCoreApplication; "
       "app = QCoreApplication([]); "
       "from moniqo_desktop.ui.single_instance import ask_running_window_to_show as ask; "
       "sys.exit(0 if ask(Path(sys.argv[1])) else 3)")


def test_a_refused_second_start_raises_the_running_window(qtbot, tmp_path):
    window = QWidget()
    qtbot.addWidget(window)
    window.showMinimized()
    beacon = RaiseOnRequest(tmp_path, window)
    proc = subprocess.Popen([sys.executable, "-c", ASK, str(tmp_path)], env=child_env())
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=20_000)
    assert proc.returncode == 0
    assert beacon.requests == 1
    assert not window.isMinimized()


def test_nobody_listening_means_no_raise(tmp_path):
    result = subprocess.run([sys.executable, "-c", ASK, str(tmp_path / "other")], env=child_env(),
                            timeout=30)
    assert result.returncode == 3
