"""The paper venue's books in our store: what changed, written before the venue answers.

A real exchange is durable on its own; the paper exchange lives in our process, so its account has
to be kept somewhere that survives a crash in the same way. It used to be one JSON document
rewritten whenever anything in it changed (prices included, ~0.55 MB per write) and saved up to
a cycle *after* the orders and fills it produced: a crash in between left a venue that had
forgotten fills, reused exchange order ids, or had an order back open that the store had as filled.

Now the venue journals each change — the orders that changed, their new fills, the balances that
moved, the id counters — in one transaction of this store before it answers the call that caused
it. So the venue is never behind what it told the engine (exactly like a real venue: a crash can
only lose the *answer*, which reconciliation recovers by client order id), nothing unchanged is
rewritten, prices are not part of the books (the venue saves them only now and then), and ids
never repeat because the counters move in the same transaction as the orders that use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, or_, select

from ..domain import TERMINAL_STATUSES, OrderStatus
from . import bulk_read, state_codec
from .models import app_state, paper_balances, paper_fills, paper_meta, paper_orders
from .repository import Store

LEGACY_STATE_KEY = "exchange:{id}"  # the old whole-account JSON document in app_state


@dataclass
class JournalEntry:
    """One batch of venue changes, written in one transaction."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    """Changed orders in `PaperOrder.to_dict()` form (fills included; only new ones are added)."""
    balances: dict[str, Decimal] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.orders or self.balances or self.meta)


@dataclass
class JournalState:
    """What a venue needs to resume: recent orders, balances, meta values."""

    orders: list[dict[str, Any]]
    balances: dict[str, Decimal]
    meta: dict[str, Any]
    max_order_id: int


class PaperJournal:
    """The books of one paper venue (`venue` = its exchange id) in `store`."""

    def __init__(self, store: Store, venue: str) -> None:
        self.store = store
        self.venue = venue
        self.writes = 0  # transactions written (benchmarks and tests read it)
        self._exists = False  # once it exists it stays (nothing deletes a venue's meta)

    # -- writing ---------------------------------------------------------------------------------
    def write(self, entry: JournalEntry) -> None:
        """Write one batch in one transaction (nothing when empty). Raises StoreError."""
        if entry.empty:
            return
        v = self.venue
        with self.store._transaction("save the paper account", write=True) as conn:
            if entry.orders:
                rows = [_order_row(v, o) for o in entry.orders]
                _upsert_composite(conn, paper_orders, rows, ("venue", "id"))
                ids = [o["id"] for o in entry.orders]
                known = set(conn.scalars(select(paper_fills.c.fill_id).where(
                    paper_fills.c.venue == v, paper_fills.c.order_id.in_(ids))))
                fresh = [_fill_row(v, o["id"], seq, f) for o in entry.orders
                         for seq, f in enumerate(o.get("fills", ()))
                         if f["fill_id"] not in known]
                if fresh:
                    conn.execute(insert(paper_fills), fresh)
            if entry.balances:
                _upsert_composite(conn, paper_balances, [
                    {"venue": v, "currency": c, "total": t} for c, t in entry.balances.items()
                ], ("venue", "currency"))
            if entry.meta:
                _upsert_composite(conn, paper_meta, [
                    {"venue": v, "key": k, "value": state_codec.dumps(val)}
                    for k, val in entry.meta.items()
                ], ("venue", "key"))
        self.writes += 1

    def record(self, *, orders: list[dict[str, Any]], balances: dict[str, Decimal],
               meta: dict[str, Any]) -> None:
        """The paper venue's call (`exchanges.demo_books.Journal`)."""
        self.write(JournalEntry(orders, balances, meta))

    # -- reading ---------------------------------------------------------------------------------
    def exists(self) -> bool:
        if not self._exists:
            with self.store._transaction("read the paper account", write=False) as conn:
                self._exists = conn.execute(select(func.count()).select_from(paper_meta).where(
                    paper_meta.c.venue == self.venue)).scalar_one() > 0
        return self._exists

    def load(self, closed_since: datetime | None, *, open_only: bool = False) -> JournalState:
        """Open orders, and those closed at or after `closed_since` (all when None); with
        `open_only` the open ones alone (the venue then `recall`s a closed one when asked)."""
        v = self.venue
        t = paper_orders
        where = [t.c.venue == v]
        still_open = or_(t.c.status.not_in(list(TERMINAL_STATUSES)), t.c.closed_at.is_(None))
        if open_only:
            where.append(still_open)
        elif closed_since is not None:
            where.append(or_(still_open, t.c.closed_at >= closed_since))
        b, m = paper_balances, paper_meta
        with self.store._transaction("read the paper account", write=False) as conn:
            orders = _orders_with_fills(conn, v, where)
            # whole results at once, values converted a column at a time (`bulk_read`): a
            # paper account of 1 000 coins and markets is a few thousand rows
            balances = dict(bulk_read.read_tuples(conn, (b.c.currency, b.c.total),
                                                  lambda query: query.where(b.c.venue == v)))
            rows = conn.execute(select(m.c.key, m.c.value).where(m.c.venue == v)).all()
            meta = dict(zip([r[0] for r in rows], state_codec.loads_many([r[1] for r in rows])))
            numeric = [int(i) for i in conn.scalars(select(t.c.id).where(t.c.venue == v)).all()
                       if str(i).isdigit()]
        return JournalState(orders, balances, meta, max(numeric, default=0))

    def recall(self, closed_since: datetime | None, *, order_id: str | None = None,
               client_order_id: str | None = None, symbol: str | None = None,
               ) -> list[dict[str, Any]]:
        """Orders closed at or after `closed_since` (any time when None) that match every
        criterion given, with their fills, oldest first: what the venue reads on demand."""
        t = paper_orders
        where = [t.c.venue == self.venue, t.c.status.in_(list(TERMINAL_STATUSES))]
        if closed_since is not None:
            where.append(or_(t.c.closed_at.is_(None), t.c.closed_at >= closed_since))
        for column, value in ((t.c.id, order_id), (t.c.client_order_id, client_order_id),
                              (t.c.symbol, symbol)):
            if value is not None:
                where.append(column == value)
        with self.store._transaction("read the paper account", write=False) as conn:
            return _orders_with_fills(conn, self.venue, where)

    def order_id_for_client(self, client_order_id: str) -> str | None:
        """The venue order that used `client_order_id`, however long ago."""
        t = paper_orders
        with self.store._transaction("read the paper account", write=False) as conn:
            return conn.execute(select(t.c.id).where(
                t.c.venue == self.venue, t.c.client_order_id == client_order_id)).scalar()

    def all_fills(self) -> list[dict[str, Any]]:
        """Every trade of the venue with its order's side and symbol (for audits and tests)."""
        f, o = paper_fills, paper_orders
        with self.store._transaction("read the paper account", write=False) as conn:
            rows = conn.execute(select(f, o.c.symbol, o.c.body).join(
                o, (o.c.venue == f.c.venue) & (o.c.id == f.c.order_id)).where(
                f.c.venue == self.venue).order_by(f.c.order_id, f.c.seq)).mappings().all()
        out = []
        for r in rows:
            d = _fill_dict(r)
            d.update(order_id=r["order_id"], symbol=r["symbol"],
                     side=state_codec.loads(r["body"])["side"])
            out.append(d)
        return out

    def all_orders(self) -> list[dict[str, Any]]:
        """Every order the venue ever accepted (id, client id, status), oldest first."""
        t = paper_orders
        with self.store._transaction("read the paper account", write=False) as conn:
            return [dict(r) for r in conn.execute(select(
                t.c.id, t.c.client_order_id, t.c.symbol, t.c.status).where(
                t.c.venue == self.venue).order_by(t.c.seq)).mappings()]

    # -- the old JSON document -------------------------------------------------------------------
    def legacy_snapshot(self) -> dict[str, Any] | None:
        value = self.store.get_state(LEGACY_STATE_KEY.format(id=self.venue))
        return value if isinstance(value, dict) else None

    def drop_legacy(self) -> None:
        """Forget the old document once its account is in the tables."""
        with self.store._transaction("save the paper account", write=True) as conn:
            conn.execute(delete(app_state).where(
                app_state.c.key == LEGACY_STATE_KEY.format(id=self.venue)))


def _orders_with_fills(conn: Any, venue: str, where: list[Any]) -> list[dict[str, Any]]:
    """The venue's order records matching `where` (`PaperOrder.to_dict()` form), fills
    included, oldest first."""
    t = paper_orders
    rows = conn.execute(select(t.c.id, t.c.body).where(*where).order_by(t.c.seq)).all()
    ids = [r.id for r in rows]
    fills: dict[str, list[dict[str, Any]]] = {}
    f = paper_fills
    for start in range(0, len(ids), 500):
        for fr in conn.execute(select(f).where(f.c.venue == venue, f.c.order_id.in_(
                ids[start:start + 500])).order_by(f.c.order_id, f.c.seq)).mappings():
            fills.setdefault(fr["order_id"], []).append(_fill_dict(fr))
    orders = []
    for r in rows:
        body = state_codec.loads(r.body)
        body["fills"] = fills.get(r.id, [])
        orders.append(body)
    return orders


def _order_row(venue: str, order: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in order.items() if k != "fills"}
    closed = order.get("closed_at")
    return {
        "venue": venue,
        "id": order["id"],
        "client_order_id": order.get("client_order_id"),
        "symbol": order["symbol"],
        "status": OrderStatus(order["status"]),
        "seq": int(order["seq"]),
        "created_at": datetime.fromisoformat(order["created_at"]),
        "closed_at": None if closed is None else datetime.fromisoformat(closed),
        "body": state_codec.dumps(body),
    }


def _fill_row(venue: str, order_id: str, seq: int, fill: Mapping[str, Any]) -> dict[str, Any]:
    at = fill.get("at")
    return {
        "venue": venue, "fill_id": fill["fill_id"], "order_id": order_id, "seq": seq,
        "amount": Decimal(fill["amount"]), "price": Decimal(fill["price"]),
        "fee": Decimal(fill["fee"]), "fee_currency": fill.get("fee_currency"),
        "at": None if at is None else datetime.fromisoformat(at),
    }


def _fill_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "fill_id": row["fill_id"], "amount": str(row["amount"]), "price": str(row["price"]),
        "fee": str(row["fee"]), "fee_currency": row["fee_currency"],
        "at": None if row["at"] is None else row["at"].isoformat(),
    }


def _upsert_composite(conn: Any, table: Any, rows: list[dict[str, Any]],
                      keys: Iterable[str]) -> None:
    """Insert or update rows by a composite key (one SELECT per batch, then bulk writes)."""
    keys = tuple(keys)
    if not rows:
        return
    venue = rows[0][keys[0]]
    second = table.c[keys[1]]
    wanted = [r[keys[1]] for r in rows]
    existing: set[Any] = set()
    for start in range(0, len(wanted), 500):
        existing.update(conn.scalars(select(second).where(
            table.c[keys[0]] == venue, second.in_(wanted[start:start + 500]))))
    fresh = [r for r in rows if r[keys[1]] not in existing]
    known = [r for r in rows if r[keys[1]] in existing]
    if fresh:
        conn.execute(insert(table), fresh)
    for r in known:  # few per batch (the orders and balances one call changed)
        conn.execute(table.update().where(table.c[keys[0]] == venue, second == r[keys[1]])
                     .values({k: v for k, v in r.items() if k not in keys}))


__all__ = ["JournalEntry", "JournalState", "PaperJournal"]
