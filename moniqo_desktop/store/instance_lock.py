"""One writer per store: the lock a running app holds on its data, and the refusal a second one gets.

Two processes writing one store would both manage the same positions and both send their exits
(two sells for one position on a real venue). So the engine takes this lock *before* it opens the
store, and keeps it until the store is closed:

- a SQLite file gets an OS file lock on ``<file>.lock`` (``flock`` on POSIX, ``LockFileEx``
  through the ``filelock`` library on Windows). The OS drops it when the process dies, however
  it dies, so it is never stale. The holder writes its pid to ``<file>.pid`` for the second
  process's message (the lock file is opened by every contender, so it does not hold the pid);
- a server database (PostgreSQL) gets a session advisory lock keyed by the account, held on a
  connection of its own for as long as the store is open. The holder's pid is found through the
  ``application_name`` it connected with.

A held lock raises `StoreInUse` at once (no waiting), naming the holder's pid.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from .database import Location
from .errors import StoreError

log = logging.getLogger(__name__)

APP_TAG = "moniqo-desktop"
_HOLDER = re.compile(rf"^{APP_TAG} pid (?P<pid>\d+)(?: host (?P<host>\S+))?")


class StoreInUse(StoreError):
    """Another live process holds this store; `pid` is that process (None if unknown), `host`
    its machine when known (a server database)."""

    def __init__(self, message: str, pid: int | None, host: str | None = None) -> None:
        super().__init__(message)
        self.pid = pid
        self.host = host


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def pid_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".pid")


def read_holder_pid(db_path: Path) -> int | None:
    """The pid the current holder wrote beside the lock (None when absent or unreadable)."""
    try:
        return int(pid_path(db_path).read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _not_writable(directory: Path, exc: OSError) -> StoreError:
    return StoreError(f"the data directory {directory} is not writable ({exc.strerror or exc}); "
                      "choose another data directory or fix its permissions")


def advisory_key(account: str) -> int:
    """A stable signed 64-bit key for `pg_try_advisory_lock`, from the account's name."""
    digest = hashlib.sha256(f"{APP_TAG}:{account}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class OsFileLock:
    """An exclusive OS lock on one file, taken without waiting.

    POSIX: one ``flock`` on a descriptor of our own, not inherited by child processes; the
    kernel drops it with the process, and any other descriptor (another process's, or a second
    one in this process) is refused while it is held. Windows: ``LockFileEx`` through the
    ``filelock`` library, imported there only: on POSIX its 21 modules (soft, read-write and
    async locks, lease settings) cost ~10 ms of every start for this one call (#14, start-up).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._library_lock: Any = None

    def acquire(self) -> bool:
        """True once held, False while another holder has it; `OSError` if the file is unusable."""
        if os.name != "posix":
            import filelock  # Windows only (see the class's docstring)

            lock = filelock.FileLock(str(self.path))
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                return False
            self._library_lock = lock
            return True
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # EWOULDBLOCK: someone holds it
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (closing the descriptor drops the ``flock``)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        if self._library_lock is not None:
            lock, self._library_lock = self._library_lock, None
            lock.release()


class InstanceLock:
    """Held from `acquire` until `release` (or the process's death)."""

    def __init__(self, location: Location, account: str) -> None:
        self.location = location
        self.account = account
        self._file_lock: OsFileLock | None = None
        self._pg: Connection | None = None

    @classmethod
    def acquire(cls, location: Location, account: str = "default") -> "InstanceLock":
        """Take the lock now or raise `StoreInUse` (or `StoreError` if the place is unusable)."""
        lock = cls(location, account)
        if location.path is not None:
            lock._lock_file(location.path)
        elif not location.is_sqlite and location.url.get_backend_name() == "postgresql":
            lock._lock_postgres()
        # An in-memory SQLite database belongs to this process alone: nothing to lock.
        return lock

    @property
    def held(self) -> bool:
        return self._file_lock is not None or self._pg is not None

    def release(self) -> None:
        if self._file_lock is not None:
            path = self.location.path
            try:
                if path is not None and read_holder_pid(path) == os.getpid():
                    pid_path(path).unlink(missing_ok=True)
            except OSError:
                pass
            self._file_lock.release()
            self._file_lock = None
        if self._pg is not None:
            pg, self._pg = self._pg, None
            try:
                pg.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(self.account)})
                pg.commit()
            except SQLAlchemyError as exc:  # the session ending releases it anyway
                log.info("advisory unlock failed (%s); the session's end releases it", exc)
            finally:
                engine = pg.engine
                pg.close()
                engine.dispose()

    # -- SQLite file ---------------------------------------------------------------------------
    def _lock_file(self, db_path: Path) -> None:
        directory = db_path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the data directory {directory}: {exc.strerror or exc}"
            ) from None
        lock = OsFileLock(lock_path(db_path))
        try:
            held_elsewhere = not lock.acquire()
        except OSError as exc:
            raise _not_writable(directory, exc) from None
        if held_elsewhere:
            pid = read_holder_pid(db_path)
            who = f"process {pid}" if pid is not None else "another process"
            raise StoreInUse(
                f"{db_path} is in use by another Moniqo Desktop ({who}); close that one first "
                "or choose another data directory", pid)
        try:
            tmp = pid_path(db_path).with_suffix(".pid.tmp")
            tmp.write_text(f"{os.getpid()}\n", encoding="ascii")
            tmp.replace(pid_path(db_path))
        except OSError as exc:
            lock.release()
            raise _not_writable(directory, exc) from None
        self._file_lock = lock

    # -- PostgreSQL ----------------------------------------------------------------------------
    def _lock_postgres(self) -> None:
        url = self.location.url
        # PostgreSQL keeps 63 bytes of it; the pid comes first so it always fits.
        name = f"{APP_TAG} pid {os.getpid()} host {socket.gethostname()}"[:63]
        try:
            engine = create_engine(url, connect_args={"application_name": name})
            conn = engine.connect()
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"cannot open {self.location.label}: {exc}") from None
        key = advisory_key(self.account)
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if not got:
                pid, host = self._postgres_holder(conn, key)
                who = f"process {pid}" if pid is not None else "another process"
                if host:
                    who += f" on host {host}"
                raise StoreInUse(
                    f"the account {self.account!r} in {self.location.label} is in use by "
                    f"another Moniqo Desktop ({who}); close that one first", pid, host)
        except BaseException:
            conn.close()
            engine.dispose()
            raise
        self._pg = conn

    @staticmethod
    def _postgres_holder(conn: Connection, key: int) -> tuple[int | None, str | None]:
        """The client pid and host from the holder session's application_name, when ours (in
        this database: the same key held in another database of the server is another store)."""
        classid, objid = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
        try:
            names = conn.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = :c AND l.objid = :o "  # advisory locks are per database
                "AND l.database = (SELECT oid FROM pg_database "
                "WHERE datname = current_database())"), {"c": classid, "o": objid}).scalars()
            for app_name in names:
                found = _HOLDER.match(app_name or "")
                if found:
                    return int(found["pid"]), found["host"]
        except SQLAlchemyError:
            return None, None
        return None, None
