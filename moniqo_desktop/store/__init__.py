"""The store remembers: orders, positions, price samples and app state, in SQLite (or any
SQLAlchemy database), with the schema kept current by Alembic migrations on every open.

Only whole domain objects go in and come out; rows, sessions and SQL stay inside this package.

The names below load on first use (PEP 562): importing a light module of this package
(`store.sqlite_file`, `store.errors`) must not import SQLAlchemy, so that a start can begin its
file check before that import (see `sqlite_file`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import StoreError

if TYPE_CHECKING:
    from .database import default_db_path
    from .repository import Store
    from .updates import UPDATE_PAGE_ROWS, PositionUpdate, UpdateColumns

_LAZY = {
    "default_db_path": ".database",
    "Store": ".repository",
    "UPDATE_PAGE_ROWS": ".updates",
    "PositionUpdate": ".updates",
    "UpdateColumns": ".updates",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = ["UPDATE_PAGE_ROWS", "PositionUpdate", "Store", "StoreError", "UpdateColumns",
           "default_db_path"]
