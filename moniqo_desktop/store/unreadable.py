"""Naming the stored value that cannot be read: table, row and column, instead of a raw
`decimal.InvalidOperation` from deep inside a result row.

A value that does not parse (text in a money column, an unknown status, a broken timestamp) only
shows itself while rows are being converted, where nothing knows which row it was. So when a read
fails that way, the store looks the culprit up: it reads each of our tables with the *raw* column
values and converts them one by one with the same column types, until one fails. That scan runs
only after a failure, so its cost never touches a healthy start.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, String, Table, select, type_coerce
from sqlalchemy.types import TypeDecorator

from .errors import StoreError
from .models import metadata


class UnreadableValue(StoreError):
    """A stored value our column types cannot turn back into a domain value."""

    def __init__(self, message: str, table: str | None = None, row: str | None = None,
                 column: str | None = None) -> None:
        super().__init__(message)
        self.table, self.row, self.column = table, row, column


def locate(engine: Engine, label: str, cause: BaseException) -> UnreadableValue:
    """Find the first unreadable value in our tables; the error names it (or the cause)."""
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                found = _scan(conn, table)
                if found is not None:
                    row, column, raw, why = found
                    return UnreadableValue(
                        f"the database {label} holds a value that cannot be read: table "
                        f"{table.name}, row {row}, column {column} = {raw!r} ({why}); restore a "
                        "backup or correct that row", table.name, row, column)
    except Exception as exc:  # the diagnosis must not hide the original problem
        return UnreadableValue(f"the database {label} holds a value that cannot be read "
                               f"({cause}); locating it failed too ({exc})")
    return UnreadableValue(f"the database {label} holds a value that cannot be read ({cause})")


def _scan(conn: Connection, table: Table) -> tuple[str, str, Any, str] | None:
    typed = [c for c in table.columns if isinstance(c.type, TypeDecorator)]
    if not typed:
        return None
    keys = list(table.primary_key.columns)
    raw_cols = [type_coerce(c, String()).label(c.name) for c in typed]
    dialect = conn.dialect
    query = select(*keys, *raw_cols)
    for record in conn.execute(query):
        ident = ", ".join(f"{k.name}={v}" for k, v in zip(keys, record[: len(keys)]))
        for column, value in zip(typed, record[len(keys):]):
            try:
                column.type.process_result_value(_impl_result(column, value, dialect), dialect)
            except Exception as exc:  # noqa: BLE001 - any failure is the answer we look for
                return ident, column.name, value, str(exc) or type(exc).__name__
    return None


def _impl_result(column: Any, value: Any, dialect: Any) -> Any:
    """Apply the implementation type's own result processing (e.g. SQLite's text -> datetime)."""
    processor = column.type.impl_instance.dialect_impl(dialect).result_processor(dialect, None)
    return processor(value) if processor is not None and value is not None else value
