"""Run `python -m moniqo_desktop serve` as a child process and read its stdout line by line.

(A helper module, not a test.) Waiting is by events the server prints ("serving account",
"paused after claim ...") or rows it writes, each with a generous deadline, never by sleeping
a fixed time.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"
DEADLINE = 60.0  # seconds: generous for a loaded CI machine; a pass takes far less


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONIQO_TEST_PAUSE")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), str(SUPPORT)]),
               PYTHON_KEYRING_BACKEND="file_keyring.FileKeyring",
               MONIQO_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
               PYTHONUNBUFFERED="1", **extra)
    return env


class ServeProcess:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moniqo_desktop", "serve", *args], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(ROOT))
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_for(self, text: str, timeout: float = DEADLINE) -> str:
        """The first line (from now on, or already read) containing `text`."""
        for line in self.lines:
            if text in line:
                return line
        end = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout} s; output:\n"
                                     + "\n".join(self.lines)) from None
            if line is None:
                raise AssertionError(f"server exited ({self.proc.wait()}) before {text!r}; "
                                     "output:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if text in line:
                return line

    def output(self) -> str:
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return "\n".join(self.lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = DEADLINE) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        time.sleep(0)  # let the reader thread finish
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=DEADLINE)


def eventually(check: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """Poll `check()` (a database read) until it returns something truthy."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)
