"""Net positions: one open position per symbol, and the dust a close may leave.

Until this revision every filled entry order opened a position of its own, so a database can
hold several open positions of one symbol - even a long and a "short" that together are what
the account holds. This revision merges them the way netting would have built them:

- open positions of one symbol and side become one: amount = sum, entry = weighted average,
  entry fees, exit fees and realized P&L summed, water marks widened, the newest position's
  protection; the oldest row survives (its id and opening time), the others' orders and price
  history are moved onto it and the rows removed;
- when both sides are open, the smaller side reduces the larger at its own entry price (that is
  the fill that would have reduced it), booking that part's realized P&L, and is removed too;
  if they cancel out exactly, the survivor is closed;
- closed positions stay exactly as they are.

Plain SQL and Decimal arithmetic only (never the app's models or domain), like 0001, so later
code changes cannot change what this revision does. Money columns are exact decimal text.

Revision ID: 0002
Revises: 0001
Create Date: hand-written
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = ("opening", "open", "closing")
PROTECTION = ("stop_loss", "take_profit", "trailing_stop_percent", "trailing_activation_percent",
              "break_even_percent", "stop_source", "break_even_armed")


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("dust", sa.Text(), nullable=False, server_default="0"))
    if context.is_offline_mode():
        return  # rendering SQL only: there are no rows to merge
    merge_open_positions(op.get_bind())


def downgrade() -> None:
    # Merged positions stay merged (the split is not recorded anywhere); only the column goes.
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("dust")


def _dec(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _text(value: Decimal) -> str:
    return format(value, "f")


def merge_open_positions(conn: sa.Connection) -> None:
    rows = conn.execute(sa.text(
        "SELECT * FROM positions WHERE status IN ('opening', 'open', 'closing') "
        "ORDER BY opened_at, id")).mappings().all()
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["symbol"]].append(dict(row))
    for symbol_rows in groups.values():
        if len(symbol_rows) < 2:
            continue
        by_side: dict[str, list[dict]] = defaultdict(list)
        for row in symbol_rows:
            by_side[row["side"]].append(row)
        merged = {side: _merge_side(conn, side_rows) for side, side_rows in by_side.items()}
        if len(merged) == 2:
            _net_sides(conn, merged["long"], merged["short"])


def _merge_side(conn: sa.Connection, rows: list[dict]) -> dict:
    """Fold same-side open rows into the oldest; returns the surviving row's new values."""
    keep, others = rows[0], rows[1:]
    if not others:
        return keep
    amount = sum((_dec(r["amount"]) for r in rows), Decimal(0))
    cost = sum((_dec(r["amount"]) * _dec(r["entry_price"]) for r in rows), Decimal(0))
    newest = max(rows, key=lambda r: (str(r["opened_at"]), r["id"]))
    values = dict(keep)
    values.update(
        amount=amount,
        entry_price=cost / amount,
        entry_fees=sum((_dec(r["entry_fees"]) for r in rows), Decimal(0)),
        exit_fees=sum((_dec(r["exit_fees"]) for r in rows), Decimal(0)),
        realized_pnl=sum((_dec(r["realized_pnl"]) for r in rows), Decimal(0)),
        high_water_mark=max(_dec(r["high_water_mark"] or r["entry_price"]) for r in rows),
        low_water_mark=min(_dec(r["low_water_mark"] or r["entry_price"]) for r in rows),
        max_drawdown=max(_dec(r["max_drawdown"]) for r in rows),
        **{name: newest[name] for name in PROTECTION},
    )
    closing = next((r for r in rows if r["status"] == "closing"), None)
    if closing is not None:  # an exit on its way keeps the merged position guarded by it
        values.update(status="closing", exit_order_id=closing["exit_order_id"],
                      pending_exit_reason=closing["pending_exit_reason"])
    elif any(r["status"] == "open" for r in rows):
        values["status"] = "open"
    _write(conn, values)
    for row in others:
        _fold_into(conn, row["id"], keep["id"])
    return values


def _net_sides(conn: sa.Connection, long: dict, short: dict) -> None:
    """Both sides open: the smaller one was really a reducing fill of the larger."""
    big, small = (long, short) if _dec(long["amount"]) >= _dec(short["amount"]) else (short, long)
    d = 1 if big["side"] == "long" else -1
    q, x = _dec(small["amount"]), _dec(small["entry_price"])
    amount, entry, fees = _dec(big["amount"]), _dec(big["entry_price"]), _dec(big["entry_fees"])
    share = fees if q == amount else fees * q / amount
    realized = d * (x - entry) * q - share - _dec(small["entry_fees"])
    values = dict(big)
    values.update(
        realized_pnl=_dec(big["realized_pnl"]) + _dec(small["realized_pnl"]) + realized,
        exit_fees=_dec(big["exit_fees"]) + _dec(small["entry_fees"]) + _dec(small["exit_fees"]),
    )
    if q == amount:
        values.update(status="closed", close_reason="manual", exit_price=x,
                      closed_at=datetime.now(timezone.utc), exit_order_id=None,
                      pending_exit_reason=None)
    else:
        values.update(amount=amount - q, entry_fees=fees - share)
    _write(conn, values)
    _fold_into(conn, small["id"], big["id"])


def _write(conn: sa.Connection, values: dict) -> None:
    money = ("amount", "entry_price", "entry_fees", "exit_fees", "realized_pnl",
             "high_water_mark", "low_water_mark", "max_drawdown", "exit_price")
    params = {k: (_text(v) if k in money and isinstance(v, Decimal) else v)
              for k, v in values.items() if k != "id"}
    sets = ", ".join(f"{k} = :{k}" for k in params)
    conn.execute(sa.text(f"UPDATE positions SET {sets} WHERE id = :id"),
                 {**params, "id": values["id"]})


def _fold_into(conn: sa.Connection, gone: str, keep: str) -> None:
    for table in ("orders", "position_updates"):
        conn.execute(sa.text(f"UPDATE {table} SET position_id = :keep WHERE position_id = :gone"),
                     {"keep": keep, "gone": gone})
    conn.execute(sa.text("DELETE FROM positions WHERE id = :gone"), {"gone": gone})
