"""Failure scenarios: rejected exits, outages, crashes between write and send, races, pruning."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, ExitReason, OrderIntent, OrderStatus, PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import ConnectionChanged, EngineError
from moniqo_desktop.engine.scheduler import PeriodicJob
from moniqo_desktop.exchanges import DemoExchange, InvalidOrder

D = Decimal


def exit_orders(engine):
    return [o for o in engine.orders() if o.intent is OrderIntent.EXIT]


async def test_exit_rejected_stays_open_then_retried(engine, demo, events):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions()
    demo.fail_next(1, InvalidOrder("Filter failure: LOT_SIZE"), only=["create_order"])
    demo.set_price("BTC/USDT", D("48800"))
    await engine.run_cycle()
    [rejected] = exit_orders(engine)
    assert rejected.status is OrderStatus.REJECTED
    assert "LOT_SIZE" in rejected.history[-1].reason
    assert position.status is PositionStatus.OPEN
    assert any("did not go through" in e.message for e in events.of(EngineError))
    await engine.run_cycle()
    assert [o.status for o in exit_orders(engine)] == [OrderStatus.REJECTED, OrderStatus.FILLED]
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.STOP_LOSS


async def test_exchange_down_for_cycles_then_back(engine, demo, events):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions()
    demo.down = True
    demo.set_price("BTC/USDT", D("48500"))  # the market moves while we cannot see it
    for _ in range(3):
        report = await engine.run_cycle()
        assert report.errors
    assert position.status is PositionStatus.OPEN
    assert exit_orders(engine) == []
    assert engine.connection_state.value == "degraded"
    demo.down = False
    await engine.run_cycle()
    await engine.run_cycle()
    assert len(exit_orders(engine)) == 1
    assert demo.calls["create_order"] == 2  # the entry and one exit, nothing twice
    assert position.status is PositionStatus.CLOSED
    states = [e.state.value for e in events.of(ConnectionChanged)]
    assert states[-2:] == ["degraded", "connected"]


async def test_scheduler_backs_off_exponentially(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1",
                             price="40000")
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    job = PeriodicJob("orders", engine.sync_orders, interval=2, sleep=fake_sleep)
    demo.down = True
    await job.run_once()
    assert job.retry_delays == [1.0, 2.0, 4.0] and slept == [1.0, 2.0, 4.0]
    assert job.failures == 1
    demo.down = False
    await job.run_once()
    assert job.failures == 1 and job.runs == 2


async def test_job_never_overlaps_itself():
    running = 0
    peak = 0

    async def work():
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    job = PeriodicJob("w", work, interval=0)
    task = asyncio.ensure_future(job.loop())
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert peak == 1 and job.runs >= 3


async def test_crash_after_send_before_answer_adopts_on_restart(db_path, settings, clock):
    gate = asyncio.Event()

    async def hang(_view):
        await gate.wait()  # the exchange took the order; we die before hearing back

    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, on_create=hang)
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    task = asyncio.ensure_future(engine.place_order(
        symbol="BTC/USDT", side="buy", type="market", amount="0.1", stop_loss="49000"))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    [written] = engine.ctx.store.load_orders()
    assert written.status is OrderStatus.PENDING
    engine.ctx.store.close()  # the process is gone; nothing else is written

    demo.on_create = None
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        order = again.order(written.id)
        assert order.status is OrderStatus.FILLED
        assert "found on the exchange" in [h.reason for h in order.history]
        [position] = again.positions()
        assert position.stop_loss == D("49000")
        assert demo.calls["create_order"] == 1
    finally:
        await again.close()


async def test_crash_before_send_fails_order_and_never_sends(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")})
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions()
    demo.set_price("BTC/USDT", D("48000"))
    real_create = demo.create_order

    async def never_arrives(order):
        await asyncio.Event().wait()

    demo.create_order = never_arrives  # the exit is written, then the process dies
    task = asyncio.ensure_future(engine.run_cycle())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    engine.ctx.store.close()
    assert engine.ctx.store  # nothing more

    demo.create_order = real_create
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        [lost_exit] = exit_orders(again)
        # One "not found" is no evidence (the venue may not list it yet): it stays unknown,
        # the position CLOSING, until 3 answers over 30 s say it never arrived.
        assert lost_exit.status is OrderStatus.SUBMITTED
        assert lost_exit.history[-1].reason == "outcome unknown (found pending at start-up)"
        assert again.position(position.id).status is PositionStatus.CLOSING
        for _ in range(2):
            clock.advance(seconds=15)
            await again.run_cycle()
        assert lost_exit.status is OrderStatus.FAILED
        assert lost_exit.history[-1].reason == "never reached the exchange"
        await again.run_cycle()  # the position is open and guarded again: the stop exits
        exits = exit_orders(again)
        assert [o.status for o in exits] == [OrderStatus.FAILED, OrderStatus.FILLED]
        assert again.position(position.id).close_reason is ExitReason.STOP_LOSS
        assert demo.calls["create_order"] == 2  # entry + the one exit that reached it
    finally:
        await again.close()


async def test_partial_entry_fills_grow_the_position(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, liquidity_per_tick=D("0.04"))
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                         amount="0.1", price="50000", trailing_stop_percent="5")
        assert order.status is OrderStatus.PARTIALLY_FILLED
        [position] = engine.positions()
        assert position.status is PositionStatus.OPENING and position.amount == D("0.04")
        demo.set_price("BTC/USDT", D("49900"))
        await engine.run_cycle()
        assert position.amount == D("0.08")
        demo.set_price("BTC/USDT", D("49800"))
        await engine.run_cycle()
        assert order.status is OrderStatus.FILLED
        assert position.status is PositionStatus.OPEN and position.amount == D("0.1")
        assert position.entry_price == order.average_fill_price
        assert len(engine.positions()) == 1
    finally:
        await engine.close()


async def test_pruning_after_seven_days(engine, demo, clock):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    for step in range(10):
        clock.advance(days=1)
        demo.set_price("BTC/USDT", D(50000 + 10 * step))
        await engine.run_cycle()
    before = engine.position_updates(position.id)
    removed = await engine._prune()
    after = engine.position_updates(position.id)
    cutoff = clock() - timedelta(days=7)
    assert removed == len(before) - len(after) > 0
    assert all(u.at >= cutoff for u in after)


async def test_manual_close_of_a_partly_filled_entry_cancels_the_rest(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, liquidity_per_tick=D("0.04"))
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        entry = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                         amount="0.1", price="50000")
        [position] = engine.positions()
        exit_order = await engine.close_position(position.id)
        assert entry.status is OrderStatus.CANCELLED
        assert exit_order.amount == D("0.04")
        demo.set_price("BTC/USDT", D("49000"))  # the tick's liquidity was used by the entry
        await engine.run_cycle()
        assert position.status is PositionStatus.CLOSED
        assert position.amount == D("0.04") and len(engine.positions()) == 1
        updates = engine.position_updates(position.id)
        assert updates[0].price == D("50000") and len(updates) >= 2
    finally:
        await engine.close()


async def test_exit_that_fills_partly_then_expires_books_the_part(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, fee_rate=D("0"),
                        liquidity_per_tick=D("0.06"), expire_after=timedelta(minutes=5),
                        clock=clock)
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1",
                                 price="50000", stop_loss="49000")
        demo.set_price("BTC/USDT", D("50000"))
        await engine.run_cycle()
        [position] = engine.positions()
        assert position.amount == D("0.1") and position.status is PositionStatus.OPEN
        demo.set_price("BTC/USDT", D("48000"))
        await engine.run_cycle()  # exit for 0.1, only 0.06 of liquidity this tick
        [first_exit] = exit_orders(engine)
        assert first_exit.filled_amount == D("0.06")
        assert position.status is PositionStatus.CLOSING
        clock.advance(minutes=6)
        await engine.run_cycle()  # the rest expired: 0.06 is sold, 0.04 is held and guarded
        assert first_exit.status is OrderStatus.EXPIRED
        assert position.amount == D("0.04")
        assert position.realized_pnl == D("-120")  # (48000 - 50000) · 0.06, no fees
        demo.set_price("BTC/USDT", D("47900"))
        await engine.run_cycle()  # still below the stop: one exit for the remainder
        exits = exit_orders(engine)
        assert len(exits) == 2 and exits[1].amount == D("0.04")
        assert position.status is PositionStatus.CLOSED
        assert position.realized_pnl == D("-120") + D("-84")
    finally:
        await engine.close()


async def test_cancel_lost_in_an_outage_is_reopened_then_cancelled(engine, demo):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.fail_next(1, only=["cancel_order"])
    await engine.cancel_order(order.id)
    assert order.status is OrderStatus.CANCELLING
    await engine.run_cycle()
    assert order.status is OrderStatus.OPEN
    assert order.history[-1].reason == "cancel was not confirmed by the exchange"
    await engine.cancel_order(order.id)
    assert order.status is OrderStatus.CANCELLED


async def test_cancel_of_an_unconfirmed_order_is_refused_until_known(engine, demo, clock):
    demo.fail_next(1, only=["create_order"])
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    assert order.status is OrderStatus.SUBMITTED
    assert order.history[-1].reason == "outcome unknown"
    demo.down = True
    with pytest.raises(Exception):
        await engine.cancel_order(order.id)
    demo.down = False
    with pytest.raises(DomainError, match="still being confirmed"):
        await engine.cancel_order(order.id)  # one "not found" proves nothing yet
    clock.advance(seconds=15)
    await engine.run_cycle()
    clock.advance(seconds=15)
    await engine.cancel_order(order.id)  # the third answer, 30 s on: it never arrived
    assert order.status is OrderStatus.FAILED
    assert demo.calls["cancel_order"] == 0
