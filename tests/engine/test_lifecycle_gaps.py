"""Issue #11, the last gaps: orders found PENDING at restart, the late-fill look-up budget,
the store banner that clears, and money computed in the app's own decimal context.

Engine scenarios on the real paper exchange, a real SQLite file and the injectable clock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal

from moniqo_desktop.domain import OrderStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import StoreFailed, StoreRecovered
from moniqo_desktop.exchanges.errors import OrderNotFound

D = Decimal


def not_found() -> OrderNotFound:
    return OrderNotFound("binance -2013 Order does not exist.")


async def cycles(engine: Engine, clock, n: int, seconds: float = 15) -> None:
    for _ in range(n):
        clock.advance(seconds=seconds)
        await engine.run_cycle()


async def crash_while_sending(db_path, demo, settings, clock, *, reaches_venue: bool) -> str:
    """Place a buy; the process dies while the create call is out - after the venue took the
    order (`reaches_venue`) or before it got there. Returns the id of the order the store
    holds as PENDING."""
    real_create = demo.create_order

    async def hang(_view):
        await asyncio.Event().wait()

    async def never_arrives(_order):
        await asyncio.Event().wait()

    if reaches_venue:
        demo.on_create = hang
    else:
        demo.create_order = never_arrives
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    task = asyncio.ensure_future(engine.place_order(
        symbol="BTC/USDT", side="buy", type="market", amount="0.1", stop_loss="49000"))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    [written] = engine.ctx.store.load_orders()
    assert written.status is OrderStatus.PENDING
    engine.ctx.store.close()  # the process is gone; nothing else is written
    demo.on_create, demo.create_order = None, real_create
    return written.id


# -- PENDING at restart ------------------------------------------------------------------------
async def test_pending_order_found_at_restart_is_an_unknown_outcome_then_adopted(
        db_path, demo, settings, clock):
    """The venue took the order; we died before its answer. At restart the order says
    'outcome unknown' (it is not known to be unsent), is looked up by client id and adopted:
    one create call, one position with its stop."""
    order_id = await crash_while_sending(db_path, demo, settings, clock, reaches_venue=True)
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        order = again.order(order_id)
        reasons = [(h.status, h.reason) for h in order.history]
        assert (OrderStatus.SUBMITTED, "outcome unknown (found pending at start-up)") in reasons
        assert (OrderStatus.SUBMITTED, "found on the exchange") in reasons
        assert order.status is OrderStatus.FILLED
        [position] = again.positions()
        assert position.amount == D("0.1") and position.stop_loss == D("49000")
        assert demo.calls["create_order"] == 1
    finally:
        await again.close()


async def test_pending_order_the_venue_never_got_fails_by_the_not_found_rule_only(
        db_path, demo, settings, clock):
    """The order was written but the venue has no record of it. At restart it is 'outcome
    unknown' - on disk too - and stays so through the first 'not found' answers; only 3
    answers over 30 s make it FAILED 'never reached the exchange'. It is never sent again."""
    order_id = await crash_while_sending(db_path, demo, settings, clock, reaches_venue=False)
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        order = again.order(order_id)
        assert order.status is OrderStatus.SUBMITTED
        assert order.history[-1].reason == "outcome unknown (found pending at start-up)"
        stored = again.ctx.store.get_order(order_id)
        assert stored.status is OrderStatus.SUBMITTED  # the restart's verdict is on disk
        await cycles(again, clock, 1)
        assert order.status is OrderStatus.SUBMITTED  # two answers over 15 s: no evidence yet
        await cycles(again, clock, 1)
        assert order.status is OrderStatus.FAILED
        assert order.history[-1].reason == "never reached the exchange"
        assert again.positions() == []
        assert demo.calls["create_order"] == 0  # it never reached the venue, and is never re-sent
    finally:
        await again.close()


# -- the late-fill look-up budget --------------------------------------------------------------
async def test_late_fill_look_ups_back_off_over_the_day(engine, demo, clock, settings):
    """Every order cancelled (or expired, or declared gone) with nothing filled may still gain a
    fill for 24 h. Before: each sync looked each of them up - one fetch_order per order per
    poll, 43 200 a day at a 2 s poll for one cancelled order. Now: every poll for the first
    minutes, then the gap doubles up to an hour: a few dozen a day."""
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    await engine.cancel_order(order.id)
    assert order.status is OrderStatus.CANCELLED and order.filled_amount == 0
    start = demo.calls["fetch_order"]
    step = 60  # one sync a minute (a 2 s poll would only make 'before' worse)
    for _ in range(24 * 60 - 1):
        clock.advance(seconds=step)
        await engine.sync_orders()
    asked = demo.calls["fetch_order"] - start
    fast = int(settings.late_fill_fast_seconds // step)  # every poll at first
    doublings = 12                                       # 2 s, 4 s, ... up to the cap
    hourly = 24                                          # then once an hour
    assert asked <= fast + doublings + hourly, asked     # before: 1 439
    assert asked >= hourly - 1  # it kept looking all day
    assert order.filled_amount == 0 and order.status is OrderStatus.CANCELLED


async def test_a_late_fill_hours_later_still_lands_within_the_longest_gap(
        engine, demo, clock, settings):
    """The venue filled a resting buy but stopped listing it; declared gone, it is still
    looked up (ever less often). When the venue shows it again five hours later, the fill
    lands within the longest gap, and the position follows."""
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.fail_next(10_000, not_found(), only=["fetch_order"])  # hidden until cleared
    demo.set_price("BTC/USDT", "44900")
    await cycles(engine, clock, 3)
    assert order.status is OrderStatus.CANCELLED and order.filled_amount == 0
    for _ in range(5 * 60):  # five hours
        clock.advance(seconds=60)
        await engine.sync_orders()
    demo.clear_failures()
    waited = 0
    while not order.filled_amount and waited <= settings.late_fill_max_gap_seconds:
        clock.advance(seconds=60)
        waited += 60
        await engine.sync_orders()
    assert order.filled_amount == D("0.1"), "the late fill was never looked for"
    assert order.status is OrderStatus.CANCELLED  # the cancel lost the race: status kept
    [position] = engine.positions()
    assert position.amount == D("0.1")


# -- the store banner clears -------------------------------------------------------------------
class BrokenFillWrites:
    """A real SQLite failure on the engine's own file: every insert of a fill aborts, as a full
    disk would, until the trigger is dropped."""

    def __init__(self, db_path) -> None:
        self.db_path = db_path

    def __enter__(self) -> "BrokenFillWrites":
        with sqlite3.connect(self.db_path) as conn:
            conn.execute("CREATE TRIGGER broken_disk BEFORE INSERT ON order_fills BEGIN "
                         "SELECT RAISE(ABORT, 'database or disk is full'); END")
        return self

    def __exit__(self, *exc) -> None:
        with sqlite3.connect(self.db_path) as conn:
            conn.execute("DROP TRIGGER broken_disk")


async def test_store_recovered_once_the_store_writes_again(engine, demo, db_path, clock):
    """Before: StoreFailed raised a red banner that nothing ever took down. Now the engine says
    StoreRecovered after a pass whose writes all succeeded - not while any write still fails
    (other tables accepting writes prove nothing) - and says it once."""
    failed: list[StoreFailed] = []
    recovered: list[StoreRecovered] = []
    engine.events.subscribe(failed.append, StoreFailed)
    engine.events.subscribe(recovered.append, StoreRecovered)
    with BrokenFillWrites(db_path):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        assert failed and engine.positions() == []
        await cycles(engine, clock, 2)  # still broken: the fill cannot be booked
        assert recovered == []
    await cycles(engine, clock, 1)  # the disk has room again: the fill is booked
    assert [p.amount for p in engine.positions()] == [D("0.1")]
    assert len(recovered) == 1
    assert recovered[0].at >= failed[-1].at
    await cycles(engine, clock, 2)
    assert len(recovered) == 1  # said once


# -- one unreadable answer ---------------------------------------------------------------------
async def test_an_unreadable_answer_for_one_order_does_not_stop_the_others(engine, demo, clock,
                                                                           events):
    """Two resting buys fill on the venue; the look-up of the first comes back as a body the
    exchange library cannot parse (KeyError inside ccxt). That order is reported and tried
    again next sync; the second is synced on the same pass, and the first on the next."""
    from moniqo_desktop.engine.events import EngineError

    first = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="49000")
    second = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                      amount="1", price="2900")
    demo.set_price("BTC/USDT", "48900")
    demo.set_price("ETH/USDT", "2890")
    demo.fail_next(1, KeyError("status"), only=["fetch_order"])
    await cycles(engine, clock, 1)
    assert any(e.message.startswith("Sync of order BTC/USDT failed") for e in
               events.of(EngineError))
    assert first.status is OrderStatus.OPEN and second.status is OrderStatus.FILLED
    await cycles(engine, clock, 1)
    assert first.status is OrderStatus.FILLED
    assert sorted(p.symbol for p in engine.positions()) == ["BTC/USDT", "ETH/USDT"]
