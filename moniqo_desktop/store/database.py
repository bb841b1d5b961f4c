"""Where the data lives, and getting a healthy SQLAlchemy engine onto it.

A trader's history is the one thing the app cannot rebuild, so opening is cautious:
- a SQLite file that exists is first inspected *read-only* (`sqlite_file.check_sqlite_file`:
  header, `PRAGMA quick_check`, "is this ours?") before any connection that could write
  touches it; a refused file raises `StoreError` naming it and keeps its bytes exactly as they
  were;
- then each connection gets WAL (readers never block the writer, a crash mid-write loses nothing
  committed), foreign keys, a busy timeout, and explicit `BEGIN`s so a transaction really is one
  (pysqlite's legacy mode would otherwise commit DDL and run SELECTs outside any transaction).

Any other SQLAlchemy URL (e.g. ``postgresql+psycopg://…``) is accepted as is.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError

from .. import config
from .errors import StoreError
from .sqlite_file import DEFAULT_BUSY_TIMEOUT

log = logging.getLogger(__name__)

Target = str | os.PathLike[str] | URL

BEGIN_OPTION = "moniqo_begin"  # execution option: the BEGIN statement a SQLite transaction uses

# "scheme://": at least two letters, so a Windows drive ("C:\\...") is never taken for a URL.
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+://")


def default_db_path() -> Path:
    """The database file used when the user names none: <user data dir>/moniqo.sqlite3."""
    return config.default_data_dir() / config.DB_FILENAME


@dataclass(frozen=True)
class Location:
    """A resolved target: the URL to connect to, and the SQLite file behind it, if any."""

    url: URL
    path: Path | None

    @property
    def label(self) -> str:
        """How messages name the database: the file, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"


def resolve(target: Target | None) -> Location:
    """Path-like or plain path text -> SQLite file; 'dialect+driver://...' text -> that URL."""
    if target is None:
        target = default_db_path()
    if isinstance(target, URL):
        return _from_url(target)
    if isinstance(target, str) and _URL_RE.match(target):
        try:
            return _from_url(make_url(target))
        except ArgumentError as exc:
            raise StoreError(f"not a valid database URL: {target!r} ({exc})") from None
    path = Path(os.fspath(target)).expanduser().absolute()
    return Location(URL.create("sqlite+pysqlite", database=str(path)), path)


def _from_url(url: URL) -> Location:
    if url.get_backend_name() != "sqlite":
        return Location(url, None)
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return Location(url, None)  # in-memory or URI form: nothing on disk to inspect
    path = Path(database).expanduser().absolute()
    return Location(url.set(database=str(path)), path)


# -- engines -------------------------------------------------------------------------------------


def create_store_engine(location: Location, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """An Engine for `location`, with the SQLite connection setup described in the module doc."""
    if not location.is_sqlite:
        try:
            return create_engine(location.url, pool_pre_ping=True)
        except ImportError as exc:
            raise StoreError(
                f"cannot open {location.label}: its database driver is not installed ({exc})"
            ) from exc
    if location.path is not None:
        try:
            location.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the data directory {location.path.parent}: {exc.strerror or exc}"
            ) from exc
    engine = create_engine(location.url, connect_args={"timeout": busy_timeout})
    _install_sqlite_hooks(engine, busy_timeout)
    return engine


def _install_sqlite_hooks(engine: Engine, busy_timeout: float) -> None:
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # We issue BEGIN ourselves (below); the driver must not open or commit on its own.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cur.execute("PRAGMA foreign_keys = ON")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() not in ("wal", "memory"):
                log.warning("SQLite refused WAL mode (kept %s); continuing without it", mode)
            # With WAL, NORMAL never corrupts; it may only lose the very last commits on power loss.
            cur.execute("PRAGMA synchronous = NORMAL")
            # No commit checkpoints on its own: `wal_checkpoints.WalCheckpointer` does, on a
            # thread of its own (a checkpoint syncs the disk: 30-40 ms inside a GUI-thread commit)
            cur.execute("PRAGMA wal_autocheckpoint = 0")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers use BEGIN IMMEDIATE: taking the write lock up front means a busy database waits
        # (busy_timeout) instead of failing when a read transaction later tries to write.
        conn.exec_driver_sql(conn.get_execution_options().get(BEGIN_OPTION, "BEGIN"))
