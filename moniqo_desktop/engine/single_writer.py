"""Opening the store as its one writer: the instance lock first, then the store.

The lock is taken before the store is touched, so a second app on the same data refuses at once
(`StoreInUse`, naming the holder's pid) without running a migration, a reconciliation or a single
exchange call. The store releases the lock when it is closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..store import Store
from ..store.database import resolve
from ..store.instance_lock import InstanceLock
from ..store.sqlite_file import FileCheck


def account_of(exchange: Any) -> str:
    """What the PostgreSQL advisory lock is keyed by: the venue and its mode."""
    sandbox = getattr(exchange, "sandbox", False)
    return f"{getattr(exchange, 'id', 'unknown')}{':sandbox' if sandbox else ''}"


def open_store_for(db_path: str | Path, exchange: Any, account: str | None = None,
                   early_check: FileCheck | None = None) -> Store:
    """The lock (keyed by `account`, by default the venue and its mode), then the store
    (`early_check`: its file's check, started before; see `Store.open`)."""
    lock = InstanceLock.acquire(resolve(db_path), account or account_of(exchange))
    try:
        store = Store.open(db_path, early_check=early_check)
    except BaseException:
        lock.release()
        raise
    store.instance_lock = lock
    return store
