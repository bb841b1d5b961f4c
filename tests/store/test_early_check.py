"""The store file's check started early, on a thread (`store.sqlite_file.FileCheck`, #14 start-up).

The app starts `PRAGMA quick_check` while it imports Qt and SQLAlchemy; `Store.open` must still
create no connection of its own (so write nothing, migrate nothing) before that check has
answered, refuse a bad file with the same words as before, and use the answer only for the file
it was given, unchanged.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from moniqo_desktop.store import Store, StoreError, repository, sqlite_file
from moniqo_desktop.store.sqlite_file import FileCheck

from store_helpers import corrupt_page


def _corrupt(path: Path) -> bytes:
    path.write_bytes(corrupt_page(path.read_bytes()))
    return path.read_bytes()


def _refusal(path: Path) -> str:
    with pytest.raises(StoreError) as caught:
        Store.open(path, busy_timeout=0.2)
    return str(caught.value)


def test_the_store_creates_no_connection_before_the_early_check_answers(healthy_db, monkeypatch):
    """The check answers only once `Store.open` is asking for it; by then the store must not
    have created its engine (the connection that sets WAL, migrates and writes)."""
    happened: list[str] = []
    asking = threading.Event()
    real_check = sqlite_file.check_sqlite_file

    def check_when_asked(path: Path, busy_timeout: float) -> None:
        asking.wait(10)  # a store that never asks would make the order below fail, not hang
        real_check(path, busy_timeout)
        happened.append("check answered")

    class Watched(FileCheck):
        def answers_for(self, path: Path, busy_timeout: float) -> bool:
            asking.set()
            return super().answers_for(path, busy_timeout)

    real_engine = repository.create_store_engine

    def engine(*args, **kwargs):
        happened.append("store connects")
        return real_engine(*args, **kwargs)

    monkeypatch.setattr(sqlite_file, "check_sqlite_file", check_when_asked)
    monkeypatch.setattr(repository, "create_store_engine", engine)
    check = Watched.start(healthy_db)
    with Store.open(healthy_db, early_check=check) as store:
        assert len(store.load_positions()) == 400
    assert happened == ["check answered", "store connects"]


def test_a_corrupt_file_found_early_is_refused_with_the_same_words_and_left_untouched(
        healthy_db):
    content = _corrupt(healthy_db)
    inline = _refusal(healthy_db)
    check = FileCheck.start(healthy_db, busy_timeout=0.2)
    with pytest.raises(StoreError) as caught:
        Store.open(healthy_db, busy_timeout=0.2, early_check=check)
    assert str(caught.value) == inline
    assert "corrupt" in inline and "untouched" in inline
    assert healthy_db.read_bytes() == content


def test_an_answer_is_not_used_for_a_file_that_changed_since(healthy_db):
    check = FileCheck.start(healthy_db)
    check.wait()  # "ok" for the healthy file
    content = _corrupt(healthy_db)  # then someone else's program damages it
    with pytest.raises(StoreError, match="corrupt"):
        Store.open(healthy_db, early_check=check)
    assert healthy_db.read_bytes() == content


def test_an_answer_is_not_used_for_another_file_or_a_file_that_appeared(tmp_path, healthy_db):
    other = tmp_path / "other.sqlite3"
    other.write_bytes(b"not a database, just text\n" * 200)
    check = FileCheck.start(healthy_db)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store.open(other, early_check=check)
    missing = tmp_path / "later.sqlite3"
    early = FileCheck.start(missing)  # nothing there yet: fine, a new store
    early.wait()
    missing.write_bytes(b"written by someone else meanwhile\n" * 200)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store.open(missing, early_check=early)
