"""The store remembers: orders, positions, price samples and app state, in SQLite (or any
SQLAlchemy database), with the schema kept current by Alembic migrations on every open.

Only whole domain objects go in and come out; rows, sessions and SQL stay inside this package.
"""

from .database import default_db_path
from .errors import StoreError
from .repository import Store
from .updates import UPDATE_PAGE_ROWS, PositionUpdate, UpdateColumns

__all__ = ["UPDATE_PAGE_ROWS", "PositionUpdate", "Store", "StoreError", "UpdateColumns",
           "default_db_path"]
