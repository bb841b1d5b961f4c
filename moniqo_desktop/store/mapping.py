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
from collections.abc import Iterable, Mapping
from typing import Any

from ..domain import ExitRecord, Fill, Order, Position, Protection, RiskThresholds, StatusChange
from .models import orders, position_updates, positions
from .updates import PositionUpdate

# Lists with their own tables, a value flattened into prefixed columns, and settings that are
# not state.
UNPERSISTED_ORDER_FIELDS = frozenset({"fills", "history", "protection"})
UNPERSISTED_POSITION_FIELDS = frozenset({"risk_thresholds"})

PROTECTION_PREFIX = "protection_"
PROTECTION_FIELDS = (
    "stop_loss",
    "take_profit",
    "trailing_stop_percent",
    "trailing_activation_percent",
    "break_even_percent",
)
PROTECTION_COLUMNS = ("has_protection", *(PROTECTION_PREFIX + name for name in PROTECTION_FIELDS))
ORDER_COLUMNS = tuple(c.name for c in orders.columns if c.name not in PROTECTION_COLUMNS)
POSITION_COLUMNS = tuple(c.name for c in positions.columns)
FILL_FIELDS = ("fill_id", "amount", "price", "fee", "fee_currency", "at", "other_fees")
STATUS_FIELDS = ("status", "reason", "at")
UPDATE_FIELDS = tuple(c.name for c in position_updates.columns if c.name != "id")

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
    return Protection(**{name: row[PROTECTION_PREFIX + name] for name in PROTECTION_FIELDS})


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


def build_order(
    row: RowLike, fills: Iterable[RowLike], history: Iterable[RowLike]
) -> Order:
    """Rebuild an Order; `fills` and `history` must already be in list order."""
    columns = {name: row[name] for name in ORDER_COLUMNS}
    columns["exit_decision"] = _exit_decision(columns["exit_decision"])
    return Order(
        **columns,
        protection=_protection(row),
        fills=[Fill(**{name: f[name] for name in FILL_FIELDS}) for f in fills],
        history=[StatusChange(**{name: h[name] for name in STATUS_FIELDS}) for h in history],
    )


def build_position(
    row: RowLike, risk_thresholds: RiskThresholds | None = None
) -> Position:
    kwargs = {name: row[name] for name in POSITION_COLUMNS}
    if risk_thresholds is not None:
        kwargs["risk_thresholds"] = risk_thresholds
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
    "fill_row",
    "order_row",
    "position_row",
    "status_row",
    "update_row",
]
