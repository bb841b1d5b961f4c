"""Store fixtures: a real SQLite file in tmp_path, opened through the public `Store.open`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from decimal import Decimal

import pytest

from moniqo_desktop.store import Store

from store_helpers import minimal_position


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "moniqo.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(db_path)
    yield s
    s.close()


@pytest.fixture
def healthy_db(tmp_path: Path) -> Path:
    """A closed database of ours holding a few hundred rows (several pages)."""
    path = tmp_path / "moniqo.sqlite3"
    with Store.open(path) as s:
        s.save(*[minimal_position(amount=Decimal(i + 1)) for i in range(400)])
    return path
