"""Is this SQLite file one we may open read-write? Asked read-only, and early, on a thread.

A trader's history is the one thing the app cannot rebuild, so a SQLite file that exists is
inspected *read-only* (header bytes, `PRAGMA quick_check`, "is this ours?") before any
connection that could write touches it; a file that is not SQLite, is corrupt, is someone
else's database or is locked raises `StoreError` naming the file and leaves its bytes exactly as
they were.

`quick_check` reads the whole file: 0.07-0.19 s on a store with a week of updates for 1 000
positions (#14, start-up time). SQLite runs it without Python's GIL, so the app starts it
(`FileCheck.start`) as soon as it knows the path, on a thread of its own, and imports Qt,
SQLAlchemy and the window meanwhile. `Store.open` then waits for that answer before it creates
a single connection of its own: nothing is written, migrated or sent before the check has
passed, and a refused file is refused with the same message as before. The answer is used only
for the file it was given: if the file appeared, vanished or changed on disk since (another
program wrote it between), the check runs again, inline.

This module needs only `sqlite3`: importing it must not import SQLAlchemy, or the check could
not start before that import.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

from .errors import StoreError

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a statement waits for another connection's lock


def check_sqlite_file(path: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
    """Refuse (with StoreError) a file we must not open read-write; never writes to it.

    A missing or empty file is fine: SQLite treats both as a new, empty database.
    """
    if not path.exists():
        return
    if not path.is_file():
        raise StoreError(f"database path {path} is not a file")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read the database file {path}: {exc.strerror or exc}") from exc
    if not header:
        return
    if header != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a SQLite database (it starts with other data); it was left "
            "untouched — move it away or choose another data directory"
        )
    # Note: on a WAL database even a read-only connection creates (and cannot remove) the -wal
    # and -shm side files; they are harmless and deliberately not deleted here, because another
    # process may be starting to use them.
    _inspect_read_only(path, busy_timeout)


def _inspect_read_only(path: Path, busy_timeout: float) -> None:
    """quick_check and "is it ours?" through a read-only connection (mode=ro cannot write)."""
    try:
        con = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True, timeout=busy_timeout)
    except sqlite3.Error as exc:
        raise _sqlite_error(path, exc) from exc
    try:
        problems = [row[0] for row in con.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            shown = "; ".join(str(p) for p in problems[:3])
            raise StoreError(
                f"the database {path} is corrupt ({shown}); it was left untouched — restore a "
                "backup or move it away to start afresh"
            )
        tables = {
            row[0]
            for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
    except sqlite3.Error as exc:
        raise _sqlite_error(path, exc) from exc
    finally:
        con.close()
    if tables and "alembic_version" not in tables:
        raise StoreError(
            f"{path} is a SQLite database of another program (tables: "
            f"{', '.join(sorted(tables)[:5])}); it was left untouched — choose another data "
            "directory"
        )


def _sqlite_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """Turn a sqlite3 error into a message a trader can act on."""
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return StoreError(
            f"the database {path} is locked by another program (is Moniqo Desktop already "
            "running?); close it and try again"
        )
    if name.startswith("SQLITE_NOTADB") or "not a database" in text:
        return StoreError(f"{path} is not a SQLite database; it was left untouched")
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"the database {path} is corrupt ({text}); it was left untouched — restore a backup "
            "or move it away to start afresh"
        )
    return StoreError(f"cannot open the database {path}: {text}")


FileIdentity = tuple[int, int, int, int] | None
"""(device, inode, size, mtime in ns) of a file, or None when there is none."""


def identity(path: Path) -> FileIdentity:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


class FileCheck:
    """`check_sqlite_file(path)` started on a thread of its own; `wait` gives its answer.

    Started early (`FileCheck.start`), it runs while the caller does other work; `Store.open`
    consumes it through `answer_for`."""

    def __init__(self, path: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(os.path.abspath(path))
        self.busy_timeout = busy_timeout
        self.checked: FileIdentity = None
        """The file as it was when the check began (None: there was none)."""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="moniqo-store-check",
                                        daemon=True)

    @classmethod
    def start(cls, path: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> "FileCheck":
        check = cls(path, busy_timeout)
        check._thread.start()
        return check

    def _run(self) -> None:
        self.checked = identity(self.path)
        try:
            check_sqlite_file(self.path, self.busy_timeout)
        except BaseException as exc:  # handed to the waiting thread, raised there
            self._error = exc

    def wait(self) -> None:
        """Block until the check has answered; raise what it raised (StoreError: refused)."""
        self._thread.join()
        if self._error is not None:
            raise self._error

    def answers_for(self, path: Path, busy_timeout: float) -> bool:
        """Whether this check is the one `path` needs now: the same file, asked with the same
        patience, and not changed on disk since the check began. (The identity is taken again
        after waiting, so a change while it ran is seen too.)"""
        if Path(os.path.abspath(path)) != self.path or busy_timeout != self.busy_timeout:
            return False
        self._thread.join()
        return self.checked is not None and identity(self.path) == self.checked


def check_before_opening(path: Path, busy_timeout: float, early: FileCheck | None) -> None:
    """`check_sqlite_file(path)`, or the answer of `early` when it checked this very file."""
    if early is not None and early.answers_for(path, busy_timeout):
        early.wait()
        return
    check_sqlite_file(path, busy_timeout)
