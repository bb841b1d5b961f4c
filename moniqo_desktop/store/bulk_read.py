"""Many rows at once: values read as the driver gives them, then converted column by column.

A start rebuilds every working order and position from its row: some 40 000 typed values on a
store of 1 000 positions. Read through the columns' own types, each value took two Python calls
inside SQLAlchemy's row processing (its wrapper around our `TypeDecorator`, then
`process_result_value`): most of the read's time. Here the typed columns are selected as their
implementation type (what the database keeps: text, the dialect's datetime), so SQLAlchemy's
rows carry no per-value processing of ours, and each column is then converted in one go by its
type's `convert_column` (`store.types`) - the same conversion as `process_result_value`, which
stays the one definition: a value that does not convert is handed to it, and it raises as
before. The column types remain the one source of truth; nothing here knows a column by name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Select, select, type_coerce
from sqlalchemy.types import TypeDecorator

Converter = Callable[[Sequence[Any]], Sequence[Any]]


@lru_cache(maxsize=32)
def _select_raw(columns: tuple[Column[Any], ...]) -> Select[Any]:
    return select(*(type_coerce(c, c.type.impl_instance).label(c.name)
                    if isinstance(c.type, TypeDecorator) else c for c in columns))


def select_raw(columns: Sequence[Column[Any]]) -> Select[Any]:
    """A SELECT of `columns` under their own names, our types' result processing left out
    (built once per list of columns: a statement costs more to build than to run)."""
    return _select_raw(tuple(columns))


def _converter(type_: Any, dialect: Dialect) -> Converter | None:
    if not isinstance(type_, TypeDecorator):
        return None  # SQLAlchemy converted it already (or nothing needs converting)
    convert = getattr(type_, "convert_column", None)
    if convert is not None:
        return convert  # type: ignore[no-any-return]
    process = type_.process_result_value
    return lambda values: [process(v, dialect) for v in values]


Shape = Callable[[Select[Any]], Select[Any]]
"""Adds the WHERE and ORDER BY (and whatever else) to `select_raw(columns)`."""


def read_tuples(conn: Connection, columns: Sequence[Column[Any]], shape: Shape
                ) -> list[tuple[Any, ...]]:
    """The rows `shape(select_raw(columns))` selects, as tuples of converted values in the
    order of `columns`, in the query's order."""
    rows = conn.execute(shape(select_raw(columns))).all()
    if not rows:
        return []
    values: list[Sequence[Any]] = list(zip(*rows))
    for i, column in enumerate(columns):
        convert = _converter(column.type, conn.dialect)
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
