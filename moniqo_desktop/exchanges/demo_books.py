"""The paper venue's durability: what changed since the last write, and writing it before answering.

The paper exchange marks every change it makes (an order accepted, triggered, filled, cancelled or
expired; a balance credited; a market created; an id counter moved) and, at the end of each call
that made changes, hands them to its journal (`store.paper_journal.PaperJournal`, attached by the
engine) in one batch — before the call returns its answer. Only what changed is written; prices are
not part of the books.

If the journal cannot write (disk full, read-only file), the venue behaves as if the call never
happened: it reloads its last durable state and raises `ExchangeUnavailable`. The engine already
treats that as an unknown outcome and reconciles by client order id, so nothing it recorded can
disagree with what the venue kept.

Without a journal (unit tests, benchmarks) the marks are simply dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from .demo_markets import market_from_dict, market_to_dict
from .demo_orders import PaperOrder
from .errors import ExchangeUnavailable

if TYPE_CHECKING:
    from .demo import DemoExchange


class Journal(Protocol):
    """What the paper venue needs from its store (see store/paper_journal.py)."""

    def record(self, *, orders: list[dict[str, Any]], balances: dict[str, Decimal],
               meta: dict[str, Any]) -> None: ...

    def exists(self) -> bool: ...

    def load(self, closed_since: datetime | None, *, open_only: bool = False) -> Any: ...

    def recall(self, closed_since: datetime | None, *, order_id: str | None = None,
               client_order_id: str | None = None, symbol: str | None = None,
               ) -> list[dict[str, Any]]: ...

    def order_id_for_client(self, client_order_id: str) -> str | None: ...


@dataclass
class Books:
    journal: Journal | None = None
    orders: set[str] = field(default_factory=set)
    balances: set[str] = field(default_factory=set)
    meta: set[str] = field(default_factory=set)

    def order(self, order_id: str) -> None:
        self.orders.add(order_id)

    def balance(self, currency: str) -> None:
        self.balances.add(currency)

    def market(self, symbol: str) -> None:
        self.meta.add("market:" + symbol)

    def counters(self) -> None:
        self.meta.add("counters")

    @property
    def dirty(self) -> bool:
        return bool(self.orders or self.balances or self.meta)

    def clear(self) -> None:
        self.orders.clear()
        self.balances.clear()
        self.meta.clear()

    def commit(self, ex: "DemoExchange") -> None:
        """Write what changed (one transaction), or undo it and raise ExchangeUnavailable."""
        if not self.dirty:
            return
        if self.journal is None:
            self.clear()
            return
        orders = [ex._orders[i].to_dict() for i in sorted(self.orders) if i in ex._orders]
        balances = {c: ex._totals.get(c, Decimal(0)) for c in sorted(self.balances)}
        meta = {k: _meta_value(ex, k) for k in sorted(self.meta)}
        try:
            self.journal.record(orders=orders, balances=balances, meta=meta)
        except Exception as exc:
            self.clear()
            load(ex, self.journal, prices=False)  # back to what is durable: it did not happen
            raise ExchangeUnavailable(
                f"the paper exchange could not save its account ({exc}); nothing was done"
            ) from exc
        self.clear()


def derived_deposits(ex: "DemoExchange") -> dict[str, Decimal]:
    """Balances less the effect of every fill the venue remembers: what was paid in."""
    out = dict(ex._totals)
    for paper in ex._orders.values():
        market = ex._markets.get(paper.symbol)
        if market is None:
            continue
        sign = 1 if paper.side.value == "buy" else -1
        for f in paper.fills:
            out[market.base] = out.get(market.base, Decimal(0)) - sign * f.amount
            quote_change = -sign * f.amount * f.price
            out[market.quote] = out.get(market.quote, Decimal(0)) - quote_change
            if f.fee_currency:
                out[f.fee_currency] = out.get(f.fee_currency, Decimal(0)) + f.fee
    return out


def _meta_value(ex: "DemoExchange", key: str) -> Any:
    if key == "deposits":
        return {c: str(v) for c, v in ex._deposits.items()}
    if key == "counters":
        return {"order": ex._next_order, "fill": ex._next_fill, "seq": ex._seq}
    if key.startswith("market:"):
        return market_to_dict(ex._markets[key.split(":", 1)[1]])
    raise KeyError(key)


def attach(ex: "DemoExchange", journal: Journal, legacy: dict[str, Any] | None) -> None:
    """Give `ex` its journal: resume the journaled account, or start one (importing the old
    JSON snapshot `legacy` once, if there is one)."""
    ex._books.journal = None
    if journal.exists():
        load(ex, journal)
        ex._books.journal = journal
        return
    if legacy is not None:
        ex.load_snapshot(legacy)
        ex._deposits = derived_deposits(ex)
    ex._books.journal = journal
    ex._books.orders.update(ex._orders)
    ex._books.balances.update(ex._totals)
    ex._books.meta.update("market:" + s for s in ex._markets)
    ex._books.counters()
    ex._books.meta.add("deposits")
    try:
        ex._books.commit(ex)
    except ExchangeUnavailable:
        ex._books.journal = None  # could not even start the books: the caller reports it
        raise


def load(ex: "DemoExchange", journal: Journal, prices: bool = True) -> None:
    """Replace `ex`'s account with the journal's: balances, counters, markets and the open
    orders. Finished orders stay in the journal until asked for (`recall`): a start used to
    read back every order of the last `keep_closed_for` (1 000 filled orders: a fifth of a
    second on every start) for a venue that is asked about few of them, if any."""
    state = journal.load(None, open_only=True)
    meta = state.meta
    for key, value in meta.items():
        if key.startswith("market:"):
            market = market_from_dict(value)
            ex._markets[market.symbol] = market
            ex._books.meta.discard(key)  # what the journal holds: nothing to write back
    ex._deposits = {c: Decimal(v) for c, v in (meta.get("deposits") or {}).items()}
    ex._totals = dict(state.balances)
    orders = [PaperOrder.from_dict(o) for o in state.orders]
    ex._orders = {o.id: o for o in orders}
    ex._by_client = {o.client_order_id: o.id for o in orders if o.client_order_id}
    ex._retired_clients = {}
    counters = meta.get("counters") or {}
    ex._next_order = max(int(counters.get("order", 1)), state.max_order_id + 1)
    ex._next_fill = int(counters.get("fill", 1))
    ex._seq = max(int(counters.get("seq", 0)), max((o.seq for o in orders), default=0))
    for symbol, price in (meta.get("prices") or {}).items() if prices else ():
        if symbol in ex._markets:
            ex._prices[symbol] = Decimal(price)
    for symbol in ex._markets:
        ex._liquidity_left[symbol] = ex._liquidity_for(symbol)


def recall(ex: "DemoExchange", **which: str | None) -> list[PaperOrder]:
    """Finished orders the venue still answers for (ended within `keep_closed_for`) that are
    not in memory, read from the journal and kept in memory from now on, as if never
    forgotten. `which`: order_id, client_order_id and/or symbol (none: all of them)."""
    journal = ex._books.journal
    if journal is None:
        return []
    cutoff = None if ex.keep_closed_for is None else ex.clock() - ex.keep_closed_for
    found = []
    for record in journal.recall(cutoff, **which):
        if record["id"] in ex._orders:
            continue
        paper = PaperOrder.from_dict(record)
        if cutoff is not None and not paper.is_open and paper.last_activity() < cutoff:
            continue  # aged out, as forget_old_orders would have it
        ex._orders[paper.id] = paper
        if paper.client_order_id:
            ex._by_client[paper.client_order_id] = paper.id
        found.append(paper)
    return found


def save_prices(ex: "DemoExchange") -> None:
    """Keep the last prices (once in a while and at close, never every tick), so a restart
    resumes the market where it was. Not part of the books: a lost price is only a price."""
    journal = ex._books.journal
    if journal is None:
        return
    journal.record(orders=[], balances={},
                   meta={"prices": {s: str(p) for s, p in ex._prices.items()}})
