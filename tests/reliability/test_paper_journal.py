"""The paper venue as a journal in the store: never behind what it answered, nothing rewritten.

Reproduces the issue's second defect: the paper account was saved up to a cycle after the orders
and fills it produced, so a crash in between left a venue that had forgotten fills, handed out
an exchange order id again, or had an order back open that the store had as filled.
A "crash" here drops the engine without `close()` (the store's connections and lock released as
the OS would); the SIGKILL version is the crash harness (test_crash_harness.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fake_clock import FakeClock

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import Order, OrderStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.history import in_memory
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.demo import SNAPSHOT_VERSION
from moniqo_desktop.exchanges.errors import InvalidOrder, OrderNotFound
from moniqo_desktop.store import Store
from moniqo_desktop.store.paper_journal import PaperJournal

from invariants import check_all

D = Decimal
PRICES = {"BTC/USDT": D("50000"), "ETH/USDT": D("3000")}


def venue() -> DemoExchange:
    return DemoExchange(prices=PRICES, balances={"USDT": D("100000")})


def crash(engine: Engine) -> None:
    """What SIGKILL leaves: no flush, no final save; the OS drops connections and the lock."""
    engine.scheduler.jobs.clear()
    engine.ctx.store.close()


async def test_a_crash_right_after_orders_filled_loses_nothing_on_the_venue(tmp_path):
    db = tmp_path / "moniqo.sqlite3"
    clock = FakeClock()
    engine = await Engine.open(db, venue(), settings=Settings(), clock=clock)
    first = await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                                     stop_loss="45000")
    second = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit", amount="1",
                                      price="2900")
    assert first.status is OrderStatus.FILLED and second.status is OrderStatus.OPEN
    crash(engine)  # no cycle ran after the fills: the old code had saved nothing yet

    fresh = venue()
    again = await Engine.open(db, fresh, settings=Settings(), clock=clock)
    try:
        balances = await fresh.fetch_balance()
        assert balances["BTC"].total == D("0.1")
        assert balances["USDT"].total == D("100000") - D("5000") - D("5")
        assert balances["USDT"].used == D("2900") * D("1.001")  # the resting limit's hold
        third = await again.place_order(symbol="BTC/USDT", side="buy", type="market",
                                        amount="0.01")
        ids = [o.exchange_order_id for o in again.orders()]
        assert len(ids) == len(set(ids)) == 3  # never an id handed out twice
        assert third.exchange_order_id not in {first.exchange_order_id,
                                               second.exchange_order_id}
        violations = check_all(again.ctx.store, fresh, again)
        assert violations == []
    finally:
        await again.close()


async def test_cycles_with_moving_prices_and_no_trades_write_nothing(tmp_path):
    db = tmp_path / "moniqo.sqlite3"
    clock = FakeClock()
    ex = venue()
    engine = await Engine.open(db, ex, settings=Settings(), clock=clock)
    try:
        journal = ex._books.journal
        assert isinstance(journal, PaperJournal)
        before = journal.writes
        for i in range(200):
            ex.set_price("BTC/USDT", D(50000 + (i % 7) * 10))
            await engine.run_cycle()
        assert journal.writes == before  # prices are not books; the old code rewrote 0.55 MB
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01")
        assert journal.writes == before + 1  # one order, one fill, two balances: one write
    finally:
        await engine.close()


async def test_the_old_json_account_is_imported_once(tmp_path):
    db = tmp_path / "moniqo.sqlite3"
    old = venue()
    await old.create_order(Order(symbol="BTC/USDT", side="buy", type="market", amount=D("0.2")))
    snapshot = old.snapshot()
    assert snapshot["version"] == SNAPSHOT_VERSION
    with Store.open(db) as store:
        store.set_state("exchange:demo", snapshot)
    ex = DemoExchange(prices=PRICES)
    engine = await Engine.open(db, ex, settings=Settings())
    try:
        assert (await ex.fetch_balance())["BTC"].total == D("0.2")
        assert engine.ctx.store.get_state("exchange:demo") is None
        assert ex.deposits == {"USDT": D("100000"), "BTC": D("0")}
        nxt = await ex.create_order(Order(symbol="BTC/USDT", side="sell", type="market",
                                          amount=D("0.1")))
        assert nxt.exchange_order_id == "2"
    finally:
        await engine.close()


async def test_a_restart_reads_back_only_open_orders_and_finished_ones_when_asked(tmp_path):
    """#14 start-up: reading every order of the last `keep_closed_for` back into the venue
    was a fifth of a second per start with 1 000 filled orders. The venue now starts with its
    open orders and reads a finished one from the journal when it is asked about it, with the
    same answers as before the restart; one older than `keep_closed_for` stays aged out."""
    db = tmp_path / "moniqo.sqlite3"
    clock = FakeClock()

    def clocked() -> DemoExchange:
        return DemoExchange(prices=PRICES, balances={"USDT": D("100000")}, clock=clock)

    first = clocked()
    engine = await Engine.open(db, first, settings=Settings(), clock=clock)
    filled = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                      amount="0.1")
    resting = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                       amount="1", price="2900")
    answered = await first.fetch_order("BTC/USDT", filled.exchange_order_id)
    trades = await first.fetch_my_trades("BTC/USDT")
    await engine.close()

    clock.advance(hours=1)
    venue_again = clocked()
    again = await Engine.open(db, venue_again, settings=Settings(), clock=clock)
    try:
        assert in_memory(again.ctx)["venue_orders"] == 1  # the resting limit alone
        assert [o.exchange_order_id for o in await venue_again.fetch_open_orders()] == [
            resting.exchange_order_id]
        assert await venue_again.fetch_order("BTC/USDT", filled.exchange_order_id) == answered
        assert await venue_again.fetch_order(
            "BTC/USDT", client_order_id=filled.client_order_id) == answered
        assert await venue_again.fetch_my_trades("BTC/USDT") == trades
        with pytest.raises(OrderNotFound, match="already filled"):
            await venue_again.cancel_order(filled.exchange_order_id, "BTC/USDT")
        with pytest.raises(InvalidOrder, match="duplicate"):
            await venue_again.create_order(Order(symbol="BTC/USDT", side="buy", type="market",
                                                 amount=D("0.01"),
                                                 client_order_id=filled.client_order_id))
    finally:
        await again.close()

    clock.advance(days=8)  # past keep_closed_for: aged out, as a venue ages out its history
    venue_later = clocked()
    later = await Engine.open(db, venue_later, settings=Settings(), clock=clock)
    try:
        with pytest.raises(OrderNotFound):
            await venue_later.fetch_order("BTC/USDT", filled.exchange_order_id)
        with pytest.raises(OrderNotFound):
            await venue_later.fetch_order("BTC/USDT", client_order_id=filled.client_order_id)
        assert await venue_later.fetch_my_trades("BTC/USDT") == []
        assert (await venue_later.fetch_balance())["BTC"].total == D("0.1")
    finally:
        await later.close()
