"""Domain objects <-> row dicts, field by field.

Column names equal the domain's attribute names (an order's `protection` is flattened into
`protection_*` columns), so most of the mapping is driven by the tables' column lists instead of
being written out twice. `UNPERSISTED_*` names the dataclass fields that
are deliberately not columns; a test checks that every other field (of Order, Position, Fill,
StatusChange, Protection) has a column, so a field added to the domain without a migration fails
the tests instead of being silently forgotten on restart.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import fields
from operator import itemgetter
from typing import Any

from ..domain import ExitRecord, Fill, Order, Position, Protection, RiskThresholds, StatusChange
from .bulk_read import name_of
from .models import order_fills, order_status_history, orders, position_updates, positions
from .updates import PositionUpdate

# Lists with their own tables, a value flattened into prefixed columns, and settings that are
# not state.
UNPERSISTED_ORDER_FIELDS = frozenset({"fills", "history", "protection"})
UNPERSISTED_POSITION_FIELDS = frozenset({"risk_thresholds"})

PROTECTION_PREFIX = "protection_"
PROTECTION_FIELDS = tuple(f.name for f in fields(Protection))
PROTECTION_COLUMNS = ("has_protection", *(PROTECTION_PREFIX + name for name in PROTECTION_FIELDS))
# plain `str` names (`name_of`): dicts keyed by them build dataclasses at full speed
ORDER_COLUMNS = tuple(name_of(c) for c in orders.columns if c.name not in PROTECTION_COLUMNS)
POSITION_COLUMNS = tuple(name_of(c) for c in positions.columns)
FILL_FIELDS = tuple(f.name for f in fields(Fill))
STATUS_FIELDS = tuple(f.name for f in fields(StatusChange))
# What a read of the child tables selects: the order's id, then the dataclass's fields in its
# own order, so each row is rebuilt positionally (`group_fills`, `group_history`).
FILL_READ = (order_fills.c.order_id, *(order_fills.c[name] for name in FILL_FIELDS))
STATUS_READ = (order_status_history.c.order_id,
               *(order_status_history.c[name] for name in STATUS_FIELDS))
_protection_values = itemgetter(*PROTECTION_COLUMNS[1:])  # in Protection's field order
UPDATE_FIELDS = tuple(name_of(c) for c in position_updates.columns if c.name != "id")

Row = dict[str, Any]
RowLike = Mapping[Any, Any]  # a dict or SQLAlchemy's RowMapping


def _exit_decision_text(record: ExitRecord | None) -> str | None:
    return None if record is None else json.dumps(record.to_dict(), sort_keys=True)


def _exit_decision(text: str | None) -> ExitRecord | None:
    return None if not text else ExitRecord.from_dict(json.loads(text))


def order_row(order: Order) -> Row:
    row = {name: getattr(order, name) for name in ORDER_COLUMNS}
    row["exit_decision"] = _exit_decision_text(order.exit_decision)
    protection = order.protection
    row["has_protection"] = protection is not None
    for name in PROTECTION_FIELDS:
        row[PROTECTION_PREFIX + name] = None if protection is None else getattr(protection, name)
    return row


def _protection(row: RowLike) -> Protection | None:
    if not row["has_protection"]:
        return None
    return Protection(*_protection_values(row))


def fill_row(order_id: str, seq: int, fill: Fill) -> Row:
    row = {name: getattr(fill, name) for name in FILL_FIELDS}
    row.update(order_id=order_id, seq=seq)
    return row


def status_row(order_id: str, sequence: int, change: StatusChange) -> Row:
    row = {name: getattr(change, name) for name in STATUS_FIELDS}
    row.update(order_id=order_id, sequence=sequence)
    return row


def position_row(position: Position) -> Row:
    return {name: getattr(position, name) for name in POSITION_COLUMNS}


def update_row(update: PositionUpdate) -> Row:
    return {name: getattr(update, name) for name in UPDATE_FIELDS}


def group_fills(rows: Iterable[tuple[Any, ...]]) -> dict[str, list[Fill]]:
    """Rows of `FILL_READ` (in list order) as each order's fills."""
    out: dict[str, list[Fill]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(Fill(*row[1:]))
    return out


def group_history(rows: Iterable[tuple[Any, ...]]) -> dict[str, list[StatusChange]]:
    """Rows of `STATUS_READ` (in list order) as each order's history."""
    out: dict[str, list[StatusChange]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(StatusChange(*row[1:]))
    return out


def build_order(row: RowLike, fills: list[Fill], history: list[StatusChange]) -> Order:
    """Rebuild an Order from its row, its fills and its history (`group_fills`,
    `group_history`). The store calls this inside `money_context()`, so the domain's checks
    do not each switch the decimal context."""
    columns = {name: row[name] for name in ORDER_COLUMNS}
    columns["exit_decision"] = _exit_decision(columns["exit_decision"])
    return Order(**columns, protection=_protection(row), fills=fills, history=history)


def build_position(
    row: RowLike, risk_thresholds: RiskThresholds | None = None
) -> Position:
    """Rebuild a Position from a row of every `positions` column (`bulk_read`'s dicts are
    passed on as they are)."""
    kwargs = row if type(row) is dict and len(row) == len(POSITION_COLUMNS) else {
        name: row[name] for name in POSITION_COLUMNS}
    if risk_thresholds is not None:
        return Position(**kwargs, risk_thresholds=risk_thresholds)
    return Position(**kwargs)


def build_update(row: RowLike) -> PositionUpdate:
    return PositionUpdate(**{name: row[name] for name in UPDATE_FIELDS})


__all__ = [
    "FILL_FIELDS",
    "ORDER_COLUMNS",
    "POSITION_COLUMNS",
    "PROTECTION_COLUMNS",
    "PROTECTION_FIELDS",
    "STATUS_FIELDS",
    "UNPERSISTED_ORDER_FIELDS",
    "UNPERSISTED_POSITION_FIELDS",
    "UPDATE_FIELDS",
    "build_order",
    "build_position",
    "build_update",
    "FILL_READ",
    "STATUS_READ",
    "group_fills",
    "group_history",
    "fill_row",
    "order_row",
    "position_row",
    "status_row",
    "update_row",
]
