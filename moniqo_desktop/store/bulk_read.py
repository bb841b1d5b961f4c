"""Many rows at once: values read as the driver gives them, then converted column by column.

A start rebuilds every working order and position from its row: some 40 000 typed values on a
store of 1 000 positions. Read through the columns' own types, each value took two Python calls
inside SQLAlchemy's row processing (its wrapper around our `TypeDecorator`, then
`process_result_value`): most of the read's time. Here the typed columns are selected as their
implementation type (what the database keeps: text, the dialect's datetime), so SQLAlchemy's
rows carry no per-value processing of ours, and each column is then converted in one go by its
type's `convert_column` (`store.types`) - the same conversion as `process_result_value`, which
stays the one definition: a value that does not convert is handed to it, and it raises as
before. A type may read itself differently on a dialect (`bulk_reader`: SQLite's datetimes as
their text). The column types remain the one source of truth; nothing here knows a column by
name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Select, select, type_coerce
from sqlalchemy.types import TypeDecorator

Converter = Callable[[Sequence[Any]], Sequence[Any]]


def _reader(column: Column[Any], dialect: Dialect) -> tuple[Any, Converter | None]:
    """(What to select `column` as, how to convert that column of values) on `dialect`."""
    type_ = column.type
    if not isinstance(type_, TypeDecorator):
        return None, None  # SQLAlchemy converts it (or nothing needs converting)
    custom = getattr(type_, "bulk_reader", None)
    reader = custom(dialect) if custom is not None else None
    if reader is not None:
        return reader  # type: ignore[no-any-return]
    convert = getattr(type_, "convert_column", None)
    if convert is None:
        process = type_.process_result_value
        convert = lambda values: [process(v, dialect) for v in values]  # noqa: E731
    return type_.impl_instance, convert


@lru_cache(maxsize=32)
def _plan(columns: tuple[Column[Any], ...], dialect: Dialect
          ) -> tuple[Select[Any], list[Converter | None]]:
    readers = [_reader(c, dialect) for c in columns]
    query = select(*(c if as_type is None else type_coerce(c, as_type).label(c.name)
                     for c, (as_type, _) in zip(columns, readers)))
    return query, [convert for _, convert in readers]


def select_raw(columns: Sequence[Column[Any]], dialect: Dialect) -> Select[Any]:
    """A SELECT of `columns` under their own names, as `read_tuples` reads them on
    `dialect` (built once per list of columns: a statement costs more to build than to run)."""
    return _plan(tuple(columns), dialect)[0]


Shape = Callable[[Select[Any]], Select[Any]]
"""Adds the WHERE and ORDER BY (and whatever else) to `select_raw(columns)`."""


def read_tuples(conn: Connection, columns: Sequence[Column[Any]], shape: Shape
                ) -> list[tuple[Any, ...]]:
    """The rows `shape(select_raw(columns, dialect))` selects, as tuples of converted values
    in the order of `columns`, in the query's order."""
    query, converters = _plan(tuple(columns), conn.dialect)
    rows = conn.execute(shape(query)).all()
    if not rows:
        return []
    values: list[Sequence[Any]] = list(zip(*rows))
    for i, convert in enumerate(converters):
        if convert is not None:
            values[i] = convert(values[i])
    return list(zip(*values))


def read(conn: Connection, columns: Sequence[Column[Any]], shape: Shape
         ) -> list[dict[str, Any]]:
    """The same rows as `read_tuples`, as dicts by column name (`name_of`)."""
    names = [name_of(c) for c in columns]
    return [dict(zip(names, row)) for row in read_tuples(conn, columns, shape)]


def name_of(column: Column[Any]) -> str:
    """The column's name as a plain interned `str`. SQLAlchemy keeps names as `quoted_name`,
    a str subclass that Python cannot match to a parameter name by identity: building a
    dataclass from a dict keyed by them (`Position(**row)`) compared each keyword with every
    parameter as text, about half the cost of building a position."""
    return sys.intern(str(column.name))


__all__ = ["Shape", "name_of", "read", "read_tuples", "select_raw"]
