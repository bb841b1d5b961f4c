"""CSV export of orders, fills and positions: what a trader's spreadsheet or accountant needs.

Plain data out of the engine's objects, no Qt, one file per kind:
- amounts, prices and fees as exact decimal text (never floats), as the venue gave them;
- `realized_pnl` to `PNL_PLACES` (8) decimals, half-up: the part's entry fees are shared by
  division (fees·part/amount), which leaves 28 digits of noise no venue can pay out; 8 places
  is the finest unit venues settle in (a satoshi), so the sum of the rows still adds up;
- times as ISO 8601 UTC to the second, one form: `2026-03-01T09:30:15Z`;
- every order's `position_id`: the position its fills went into (stores written before orders
  carried the link name it through the position's entry and exit orders).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from .domain import Order, Position

ORDER_FIELDS = ("id", "client_order_id", "exchange_order_id", "symbol", "side", "type",
                "intent", "amount", "price", "stop_price", "status", "filled_amount",
                "average_fill_price", "fees", "created_at", "position_id", "last_reason")
FILL_FIELDS = ("order_id", "client_order_id", "symbol", "side", "fill_id", "amount", "price",
               "fee", "fee_currency", "at")
PNL_PLACES = 8
POSITION_FIELDS = ("id", "symbol", "side", "amount", "entry_price", "entry_fees", "exit_price",
                   "exit_fees", "realized_pnl", "status", "close_reason", "opened_at",
                   "closed_at", "held_seconds")


PNL_STEP = Decimal(1).scaleb(-PNL_PLACES)


def iso_utc(value: datetime) -> str:
    """`2026-03-01T09:30:15Z`: UTC, whole seconds (naive times are the store's UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    if isinstance(value, datetime):
        return iso_utc(value)
    return str(getattr(value, "value", value))


def pnl_cell(value: Decimal) -> str:
    """Realized P&L to `PNL_PLACES` decimals: exact text, the noise of fee shares cut off."""
    return f"{value.quantize(PNL_STEP, rounding=ROUND_HALF_UP):f}"


def order_rows(orders: Iterable[Order],
               positions: Iterable[Position] = ()) -> list[dict[str, str]]:
    """`positions` name the position of orders stored before orders carried the link."""
    owner = {oid: p.id for p in positions for oid in (p.entry_order_id, p.exit_order_id) if oid}
    rows = []
    for o in orders:
        fees = "; ".join(f"{_cell(v)} {c}" for c, v in sorted(o.fees.items()))
        rows.append({k: _cell(v) for k, v in {
            "id": o.id, "client_order_id": o.client_order_id,
            "exchange_order_id": o.exchange_order_id, "symbol": o.symbol, "side": o.side,
            "type": o.type, "intent": o.intent, "amount": o.amount, "price": o.price,
            "stop_price": o.stop_price, "status": o.status, "filled_amount": o.filled_amount,
            "average_fill_price": o.average_fill_price, "fees": fees,
            "created_at": o.created_at, "position_id": o.position_id or owner.get(o.id),
            "last_reason": o.history[-1].reason if o.history else "",
        }.items()})
    return rows


def fill_rows(orders: Iterable[Order]) -> list[dict[str, str]]:
    return [{k: _cell(v) for k, v in {
        "order_id": o.id, "client_order_id": o.client_order_id, "symbol": o.symbol,
        "side": o.side, "fill_id": f.fill_id, "amount": f.amount, "price": f.price,
        "fee": f.fee, "fee_currency": f.fee_currency, "at": f.at,
    }.items()} for o in orders for f in o.fills]


def position_rows(positions: Iterable[Position]) -> list[dict[str, str]]:
    return [{k: _cell(v) for k, v in {
        "id": p.id, "symbol": p.symbol, "side": p.side, "amount": p.amount,
        "entry_price": p.entry_price, "entry_fees": p.entry_fees, "exit_price": p.exit_price,
        "exit_fees": p.exit_fees, "realized_pnl": pnl_cell(p.realized_pnl), "status": p.status,
        "close_reason": p.close_reason, "opened_at": p.opened_at, "closed_at": p.closed_at,
        "held_seconds": int(p.time_held(p.closed_at).total_seconds()) if p.closed_at else "",
    }.items()} for p in positions]


def _write(path: Path, fields: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)  # a reader never sees half a file
    return path


def export_csv(directory: Path, orders: list[Order], positions: list[Position],
               stamp: str = "") -> list[Path]:
    """Write orders.csv, fills.csv and positions.csv (with `stamp` in the names) to
    `directory`; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = f"-{stamp}" if stamp else ""
    return [
        _write(directory / f"moniqo-orders{suffix}.csv", ORDER_FIELDS,
               order_rows(orders, positions)),
        _write(directory / f"moniqo-fills{suffix}.csv", FILL_FIELDS, fill_rows(orders)),
        _write(directory / f"moniqo-positions{suffix}.csv", POSITION_FIELDS,
               position_rows(positions)),
    ]
