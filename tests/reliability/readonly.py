"""A directory that is really read-only, for root and non-root alike.

chmod is enough for an ordinary user; root ignores permissions, so as root the directory becomes
a small tmpfs mounted read-only (EROFS stops root too). Where neither is possible the test skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class ReadOnlyDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.mounted = False

    def _mount(self, options: str) -> None:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(self.path)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot make a read-only directory as root here: {result.stderr}")

    def setup(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            if shutil.which("mount") is None:
                pytest.skip("running as root without mount: no way to make a read-only dir")
            self._mount("size=16m,mode=755")
            self.mounted = True

    def read_only(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)
        else:
            for p in [self.path, *self.path.rglob("*")]:
                p.chmod(0o555 if p.is_dir() else 0o444)

    def writable(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,rw", str(self.path)], check=True)
        else:
            for p in [self.path, *self.path.rglob("*")]:
                p.chmod(0o755 if p.is_dir() else 0o644)

    def teardown(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)
        else:
            self.writable()


@contextmanager
def read_only_dir(path: Path) -> Iterator[ReadOnlyDir]:
    ro = ReadOnlyDir(path)
    ro.setup()
    try:
        yield ro
    finally:
        ro.teardown()
