"""Fixtures of the reliability suite (helpers live in rel_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rel_support import Holder


@pytest.fixture
def holder_factory() -> Iterator[type[Holder]]:
    started: list[Holder] = []

    class _Holder(Holder):
        def __init__(self, db_path: Path) -> None:
            super().__init__(db_path)
            started.append(self)

    yield _Holder
    for h in started:
        if h.proc.poll() is None:
            h.kill()
