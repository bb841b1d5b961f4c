"""What must hold after every restart, crash or fault: each check returns the violations found.

Read from the store file and the paper venue's journal (the venue's own books), never from the
engine's memory alone, because the point is what survives a crash.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from moniqo_desktop.domain import OrderIntent, OrderStatus, PositionStatus
from moniqo_desktop.store import Store
from moniqo_desktop.store.paper_journal import PaperJournal

ZERO = Decimal(0)
COST_TOLERANCE = Decimal("1e-8")  # a fill priced from the venue's average may differ in the 28th digit


def integrity(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        result = [r[0] for r in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()
    return [] if result == ["ok"] else [f"integrity_check: {result[:3]}"]


def venue_and_store_agree(store: Store, synced: bool = True) -> list[str]:
    """Every order the venue knows is ours and stored; every order we sent is on the venue; no
    client id on the venue twice; (after a sync) the same fills and terminal statuses."""
    out: list[str] = []
    journal = PaperJournal(store, "demo")
    venue_orders = journal.all_orders()
    by_cid = {o.client_order_id: o for o in store.load_orders()}
    counts = Counter(v["client_order_id"] for v in venue_orders)
    out += [f"client id {c} on the venue {n} times" for c, n in counts.items() if n > 1]
    venue_by_cid = {v["client_order_id"]: v for v in venue_orders}
    venue_fills = defaultdict(dict)
    for f in journal.all_fills():
        venue_fills[f["order_id"]][f["fill_id"]] = f
    for v in venue_orders:
        if v["client_order_id"] not in by_cid:
            out.append(f"venue order {v['id']} ({v['client_order_id']}) is not in the store")
    eids = Counter(o.exchange_order_id for o in by_cid.values() if o.exchange_order_id)
    out += [f"exchange order id {e} stored {n} times" for e, n in eids.items() if n > 1]
    for cid, order in by_cid.items():
        v = venue_by_cid.get(cid)
        if v is None:
            if order.exchange_order_id or order.fills:
                out.append(f"stored order {cid} ({order.status.value}) is not on the venue")
            continue
        if order.exchange_order_id not in (None, v["id"]):
            out.append(f"order {cid}: stored exchange id {order.exchange_order_id}, venue {v['id']}")
        theirs = venue_fills.get(v["id"], {})
        ours_amount = sum((f.amount for f in order.fills), ZERO)
        ours_cost = sum((f.amount * f.price for f in order.fills), ZERO)
        their_amount = sum((Decimal(t["amount"]) for t in theirs.values()), ZERO)
        their_cost = sum((Decimal(t["amount"]) * Decimal(t["price"]) for t in theirs.values()),
                         ZERO)
        if ours_amount > their_amount:
            out.append(f"order {cid}: {ours_amount} filled in the store, the venue filled "
                       f"{their_amount} (a fill booked twice?)")
        if synced and (ours_amount != their_amount or abs(ours_cost - their_cost) > COST_TOLERANCE):
            out.append(f"order {cid}: store fills {ours_amount} for {ours_cost}, venue "
                       f"{their_amount} for {their_cost}")
        if synced:
            vs = OrderStatus(v["status"])
            if order.status is OrderStatus.FILLED and vs is not OrderStatus.FILLED:
                out.append(f"order {cid}: FILLED in the store, {vs.value} on the venue")
            if vs in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED) and order.is_complete():
                out.append(f"order {cid}: {order.status.value} in the store, open on the venue")
    return out


def fill_ids_are_trade_ids(store: Store) -> list[str]:
    """Every stored fill carries the venue's trade id (issue #12 item 3, engineer #11's part):
    reported separately, see tests/RELIABILITY.md "Findings"."""
    journal = PaperJournal(store, "demo")
    venue_ids = {f["fill_id"] for f in journal.all_fills()}
    return [f"order {o.client_order_id}: fill {f.fill_id} is not a venue trade id"
            for o in store.load_orders() for f in o.fills if f.fill_id not in venue_ids]


def account_explained_by_fills(store: Store) -> list[str]:
    """Venue balance = deposit + effect of every venue fill (the books add up)."""
    journal = PaperJournal(store, "demo")
    state = journal.load(None)
    expected: dict[str, Decimal] = {c: Decimal(v) for c, v in
                                    (state.meta.get("deposits") or {}).items()}
    for f in journal.all_fills():
        base, quote = f["symbol"].split("/")
        sign = 1 if f["side"] == "buy" else -1
        amount, price, fee = Decimal(f["amount"]), Decimal(f["price"]), Decimal(f["fee"])
        expected[base] = expected.get(base, ZERO) + sign * amount
        expected[quote] = expected.get(quote, ZERO) - sign * amount * price
        cur = f["fee_currency"] or quote
        expected[cur] = expected.get(cur, ZERO) - fee
    out = []
    for cur in set(expected) | set(state.balances):
        have, want = state.balances.get(cur, ZERO), expected.get(cur, ZERO)
        if have != want:
            out.append(f"venue {cur} balance {have} but deposits+fills give {want}")
    return out


def positions_match_fills(store: Store, protected: bool = True) -> list[str]:
    """Positions are netted per symbol, so an open position holds what the fills on its symbol
    left in the account: per base currency, the open positions (long +, short -) equal the
    venue's balance less what was deposited (and that balance is itself deposits + fills, see
    `account_explained_by_fills`). Also: at most one open position per symbol, never two exit
    orders live for one position, and protection kept across restarts."""
    out: list[str] = []
    orders = store.load_orders()
    positions = store.load_positions()
    journal = PaperJournal(store, "demo")
    state = journal.load(None)
    deposits = {c: Decimal(v) for c, v in (state.meta.get("deposits") or {}).items()}
    held: dict[str, Decimal] = defaultdict(lambda: ZERO)
    open_per_symbol = Counter(p.symbol for p in positions if p.is_open)
    out += [f"{sym}: {n} open positions" for sym, n in open_per_symbol.items() if n > 1]
    for p in positions:
        if p.is_open:
            base = p.symbol.split("/")[0]
            held[base] += p.amount if p.side.value == "long" else -p.amount
        linked = [o for o in orders if o.position_id == p.id or o.id == p.entry_order_id]
        live_exits = [o for o in linked if o.intent is OrderIntent.EXIT and o.is_open()]
        if len(live_exits) > 1:
            out.append(f"position {p.id}: {len(live_exits)} exit orders live at once")
        entry = next((o for o in linked if o.id == p.entry_order_id), None)
        wanted = entry is not None and entry.protection is not None and \
            entry.protection.stop_loss is not None
        if protected and wanted and p.status is PositionStatus.OPEN and p.stop_loss is None:
            out.append(f"position {p.id}: open without the stop loss its entry asked for")
    traded = {o.symbol.split("/")[0] for o in orders if o.fills}
    for base in traded | set(held):
        account = state.balances.get(base, ZERO) - deposits.get(base, ZERO)
        if held[base] != account:
            out.append(f"{base}: open positions hold {held[base]} but the fills left {account} "
                       "in the account")
    return out


def check_all(store: Store, venue: Any = None, engine: Any = None, *,
              synced: bool = True, protected: bool = True) -> list[str]:
    out: list[str] = []
    if store.path is not None:
        out += integrity(store.path)
    out += venue_and_store_agree(store, synced)
    out += account_explained_by_fills(store)
    out += positions_match_fills(store, protected)
    return out
