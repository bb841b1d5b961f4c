"""Shared helpers of the reliability suite (a module of its own: several test folders have a
`conftest`, so importing helpers from one by that name is ambiguous).

The suite: crash harness, fault soak, store faults, secrets.

Each long test has a short form (the default, run by `tests/run.sh` and CI) and a full form
selected with ``MONIQO_RELIABILITY=full`` (see README, "Reliability suite"); both check the same
invariants (`invariants.py`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FULL = os.environ.get("MONIQO_RELIABILITY", "").lower() == "full"


def child_env() -> dict[str, str]:
    """The environment for child processes: our tree first on the path, no network, offscreen."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "QT_QPA_PLATFORM": "offscreen"}


class Holder:
    """A child process holding an engine open on a store (see hold_store.py)."""

    def __init__(self, db_path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "hold_store.py"), str(db_path)], env=child_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            self.proc.kill()
            raise AssertionError(f"holder did not start: {line!r} {self.proc.stderr.read()}")
        self.pid = int(line.split()[1])

    def stop(self) -> int:
        """End cleanly (stdin closed): the holder closes its engine and exits."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
