"""Opening: fresh files are created and migrated; bad, foreign, newer or locked files are refused
with a StoreError that names them, and their bytes are never changed."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import URL

from moniqo_desktop import config
from moniqo_desktop.domain import DomainError
from moniqo_desktop.store import PositionUpdate, Store, StoreError, default_db_path
from moniqo_desktop.store.database import resolve
from moniqo_desktop.store.migrate import head_revision

from store_helpers import T0, corrupt_page, minimal_position

D = Decimal
TABLES = {
    "alembic_version",
    "app_state",
    "commands",
    "engine_heartbeats",
    "order_fills",
    "order_status_history",
    "orders",
    "position_updates",
    "paper_balances",
    "paper_fills",
    "paper_meta",
    "paper_orders",
    "positions",
}


def tables_of(path: Path) -> set[str]:
    with sqlite3.connect(path) as con:
        return {
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        }


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]


# -- creating and reopening ---------------------------------------------------------------


def test_fresh_file_gets_every_table_at_head(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "moniqo.sqlite3"  # parents are created
    with Store.open(path) as s:
        assert s.path == path
    assert tables_of(path) == TABLES
    assert revision_of(path) == head_revision()


def test_opening_twice_and_side_by_side_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "moniqo.sqlite3"
    Store.open(path).close()
    first = Store.open(str(path))  # a str path works too
    second = Store.open(path)  # WAL: a second connection pool on the same file
    position = minimal_position()
    first.save(position)
    assert second.get_position(position.id) is not None
    first.close()
    second.close()
    assert revision_of(path) == head_revision()


def test_wal_mode_is_on(store: Store, db_path: Path) -> None:
    with sqlite3.connect(db_path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_keys_are_enforced(store: Store) -> None:
    orphan = PositionUpdate(
        position_id="never-saved", at=T0, price=D(1), unrealized_pnl=D(0), drawdown=D(0),
        stop_loss=None, high_water_mark=D(1), low_water_mark=D(1),
    )
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.add_position_updates([orphan])


def test_an_empty_existing_file_is_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "moniqo.sqlite3"
    path.touch()
    with Store.open(path):
        pass
    assert tables_of(path) == TABLES


def test_migrations_do_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with Store.open("relative.sqlite3") as s:
        assert s.path == elsewhere / "relative.sqlite3"
    assert tables_of(elsewhere / "relative.sqlite3") == TABLES


def test_closed_store_refuses_work_and_close_is_idempotent(db_path: Path) -> None:
    s = Store.open(db_path)
    s.close()
    s.close()
    assert s.closed
    with pytest.raises(StoreError, match="closed"):
        s.load_positions()


# -- refusing files -------------------------------------------------------------------------


def _corrupt_schema(data: bytes) -> bytes:
    i = data.find(b"CREATE TABLE orders")
    assert i > 0
    return data[:i] + b"CREATE TABXE" + data[i + 12 :]


BAD_CONTENT: dict[str, Callable[[bytes], bytes]] = {
    "text file": lambda _: b"hello, I am a shopping list, not a database\n" * 20,
    "random bytes": lambda _: os.urandom(8192),
    "corrupt page": corrupt_page,
    "corrupt schema": _corrupt_schema,
    "truncated": lambda data: data[: len(data) // 2],
    "header only": lambda data: data[:100],
}


@pytest.mark.parametrize("kind", list(BAD_CONTENT))
def test_bad_files_are_refused_and_left_untouched(healthy_db: Path, kind: str) -> None:
    content = BAD_CONTENT[kind](healthy_db.read_bytes())
    healthy_db.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        Store.open(healthy_db, busy_timeout=0.2)
    message = str(caught.value)
    assert str(healthy_db) in message
    assert "not a SQLite database" in message or "corrupt" in message
    assert "untouched" in message
    assert healthy_db.read_bytes() == content


def test_another_programs_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "moniqo.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE recipes (name TEXT)")
        con.execute("INSERT INTO recipes VALUES ('soup')")
    content = path.read_bytes()
    with pytest.raises(StoreError, match="another program") as caught:
        Store.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content


def test_a_database_from_a_newer_app_is_refused(healthy_db: Path) -> None:
    with sqlite3.connect(healthy_db) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    content = healthy_db.read_bytes()
    with pytest.raises(StoreError, match="newer version") as caught:
        Store.open(healthy_db)
    assert str(healthy_db) in str(caught.value)
    assert healthy_db.read_bytes() == content


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a file"):
        Store.open(tmp_path)


@pytest.fixture
def exclusive_lock() -> Iterator[Callable[[Path], sqlite3.Connection]]:
    """Another program holding an exclusive lock on a database file."""
    held: list[sqlite3.Connection] = []

    def lock(path: Path) -> sqlite3.Connection:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA locking_mode = EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        con.execute("CREATE TABLE IF NOT EXISTS other_writer (x)")
        held.append(con)
        return con

    yield lock
    for con in held:
        con.rollback()
        con.close()


def test_a_locked_database_of_ours_is_refused(healthy_db: Path, exclusive_lock) -> None:
    content = healthy_db.read_bytes()
    exclusive_lock(healthy_db)
    with pytest.raises(StoreError, match="locked") as caught:
        Store.open(healthy_db, busy_timeout=0.2)
    assert str(healthy_db) in str(caught.value)
    assert healthy_db.read_bytes() == content


def test_a_locked_rollback_journal_file_is_refused(tmp_path: Path, exclusive_lock) -> None:
    path = tmp_path / "moniqo.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (x)")
    content = path.read_bytes()
    exclusive_lock(path)
    with pytest.raises(StoreError, match="locked") as caught:
        Store.open(path, busy_timeout=0.2)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content


def test_a_write_blocked_by_another_writer_raises_store_error(db_path: Path) -> None:
    with Store.open(db_path, busy_timeout=0.2) as s:
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="locked") as caught:
                s.save(minimal_position())
            assert str(db_path) in str(caught.value)
            assert s.load_positions() == []  # readers are not blocked (WAL)
        finally:
            other.rollback()
            other.close()
        s.save(minimal_position())  # and the store works once the lock is gone
        assert len(s.load_positions()) == 1


# -- targets --------------------------------------------------------------------------------


def test_targets_path_text_and_urls(tmp_path: Path) -> None:
    as_path = resolve(tmp_path / "x.sqlite3")
    assert as_path.path == tmp_path / "x.sqlite3" and as_path.is_sqlite
    assert resolve(str(tmp_path / "x.sqlite3")).path == tmp_path / "x.sqlite3"
    url = resolve(f"sqlite:///{tmp_path}/y.sqlite3")
    assert url.path == tmp_path / "y.sqlite3"
    pg = resolve("postgresql+psycopg://trader:s3cret@db.example:5432/moniqo")
    assert pg.path is None and not pg.is_sqlite
    assert pg.url.drivername == "postgresql+psycopg" and pg.url.database == "moniqo"
    assert "s3cret" not in pg.label and "db.example" in pg.label
    assert resolve(URL.create("postgresql+psycopg", host="h", database="d")).path is None
    memory = resolve("sqlite://")
    assert memory.path is None and memory.is_sqlite


def test_windows_style_paths_are_paths_not_urls() -> None:
    location = resolve(r"C:\Users\trader\moniqo.sqlite3")
    assert location.path is not None and location.is_sqlite


def test_sqlite_url_and_in_memory_targets_work(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path}/via-url.sqlite3") as s:
        s.save(minimal_position())
    assert tables_of(tmp_path / "via-url.sqlite3") == TABLES
    with Store.open("sqlite://") as s:
        s.save(minimal_position())
        assert len(s.load_positions()) == 1


def test_unreachable_server_url_raises_store_error_without_the_password() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql+psycopg://trader:s3cret@127.0.0.1:1/moniqo?connect_timeout=2")
    assert "s3cret" not in str(caught.value) and "127.0.0.1" in str(caught.value)


def test_default_path_is_in_the_user_data_dir() -> None:
    assert default_db_path() == config.default_data_dir() / config.DB_FILENAME


def test_store_error_is_not_a_domain_error() -> None:
    assert issubclass(StoreError, Exception) and not issubclass(StoreError, DomainError)
    assert not issubclass(StoreError, ValueError)


def test_a_missing_database_driver_is_a_store_error() -> None:
    try:
        import pg8000  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pg8000 is installed here")
    with pytest.raises(StoreError, match="driver is not installed"):
        Store.open("postgresql+pg8000://trader:s3cret@localhost/moniqo")
