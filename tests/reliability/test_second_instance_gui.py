"""The GUI half of a refused second start: the running window is asked to come to the front."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from PySide6.QtWidgets import QWidget

from rel_support import child_env

from moniqo_desktop.ui import single_instance
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


def test_a_second_start_raises_the_running_window_without_qtnetwork(tmp_path):
    """The packaged app leaves QtNetwork out (resources/packaging/moniqo-desktop.spec): the raise
    must not need it. Both real app processes run with `PySide6.QtNetwork` unimportable, as in
    the bundle; the second start is refused (exit 2) and says the first window came forward,
    which the first app answers only after raising it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import sys\nsys.modules['PySide6.QtNetwork'] = None  # as in the bundle\n")
    env = child_env()
    env["PYTHONPATH"] = os.pathsep.join([str(site), env["PYTHONPATH"]])
    data = tmp_path / "data"
    app = [sys.executable, "-m", "moniqo_desktop", "--data-dir", str(data)]
    first = subprocess.Popen([*app, "--quit-after", "120"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not single_instance.socket_path(data).exists():  # listening once the window is up
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first app never listened"
            time.sleep(0.2)
        second = subprocess.run([*app, "--quit-after", "5"], env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 2, second.stderr
        assert f"process {first.pid}" in second.stderr
        assert "its window was brought to the front" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert not single_instance.socket_path(data).exists()  # removed on a clean exit
