"""Bounded memory: closed orders and positions older than the window leave memory (engine and
paper venue) and are still read from the store on demand.

Reproduces the issue's growth: every order and position stayed in memory for the life of the
process (RSS 68 -> 82 MB over 10 000 cycles).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
from collections import Counter, deque
from datetime import timedelta
from decimal import Decimal

from fake_clock import FakeClock
from faulty_venue import FaultyVenue, deposit
from workload import PRICES, step

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.history import in_memory
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.demo_candles import TickCandles

D = Decimal


async def test_closed_history_older_than_the_window_leaves_memory_not_the_store(tmp_path):
    clock = FakeClock()
    venue = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")},
                         clock=clock)
    settings = Settings(history_in_memory_days=7)
    engine = await Engine.open(tmp_path / "m.sqlite3", venue, settings=settings, clock=clock)
    try:
        for _ in range(5):  # five round trips: 10 orders, 5 closed positions
            await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
            [position] = engine.positions(open_only=True)
            await engine.close_position(position.id)
            clock.advance(hours=1)
        keep = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                        amount="0.1")
        before = in_memory(engine.ctx)
        assert before["orders"] == 11 and before["positions"] == 6
        clock.advance(days=6)
        assert engine.forget_old_history() == (0, 0)  # inside the window: all stay
        clock.advance(days=2)
        assert engine.forget_old_history() == (10, 5)
        after = in_memory(engine.ctx)
        assert after["orders"] == 1 and after["positions"] == 1  # the open one stays
        assert after["venue_orders"] == 0  # the venue ages out its finished orders too
        assert [o.id for o in engine.orders()] == [keep.id]
        assert len(engine.order_history()) == 11  # the store still has all of it
        history = engine.position_history()
        assert len(history) == 6 and sum(p.is_open for p in history) == 1
        assert engine.position_updates(history[0].id) is not None
        again = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                         amount="0.1")
        assert again.exchange_order_id == "12"  # ids continue; nothing was reused
    finally:
        await engine.close()


CONTAINERS = ("list", "dict", "deque")


def live_objects() -> Counter[str]:
    """Live objects by type: ours (moniqo_desktop classes), and the containers they are made of."""
    gc.collect()
    out: Counter[str] = Counter()
    for obj in gc.get_objects():
        kind = type(obj)
        module = kind.__dict__.get("__module__")
        if (isinstance(module, str) and module.startswith("moniqo_desktop")) or \
                kind in (list, dict, deque, asyncio.Task, logging.LogRecord):
            out[kind.__name__] += 1
    return out


async def test_live_objects_stay_flat_over_a_long_faulty_session(tmp_path):
    """What the soak's RSS figure rests on, counted instead of sampled: past the windows (history
    in memory, the venue's finished orders, its candles: one day each here), nothing the engine or
    the paper venue holds grows with the cycles: no type of ours, no list, dict, task or log
    record. A structure that grows per cycle (a history list, a subscriber, a task, a cache
    keyed by order, candles kept by count rather than time) adds hundreds over 450 cycles and
    fails this."""
    clock = FakeClock()
    venue = FaultyVenue(prices=PRICES, balances=deposit(), allow_short=False, clock=clock,
                        rate=0.04, seed=12)
    venue.keep_closed_for = timedelta(days=1)
    venue.candles = TickCandles(keep_minutes=24 * 60)
    settings = Settings(update_log_min_seconds=0, history_in_memory_days=1)
    engine = await Engine.open(tmp_path / "flat.sqlite3", venue, settings=settings, clock=clock)
    rng = random.Random(12)
    samples = []
    try:
        for cycle in range(1, 901):  # 5 min each: 3 days; the windows fill by cycle 288
            clock.advance(seconds=300)
            await step(engine, venue, rng)
            if cycle in (450, 900):
                engine.forget_old_history()
                samples.append(live_objects())
    finally:
        await engine.close()
    first, last = samples
    # open orders/positions vary with the workload (a few dozen); containers are thousands, so
    # a per-cycle growth (450 cycles) shows against a tighter bound
    grown = {k: (first[k], last[k]) for k in last
             if last[k] > (first[k] * 1.01 + 50 if k in CONTAINERS else first[k] * 1.25 + 40)}
    assert not grown, grown
    assert first["Order"] > 50  # the session really traded


def test_paper_candles_keep_a_time_window_however_sparse_the_ticks():
    """`TickCandles` promised the last `keep_minutes` minutes but kept the last `keep_minutes`
    *candles*: with a tick every 5 minutes that is five times the window, and memory kept growing
    long after the window was full (the soak's remaining ~0.3 MB per 1 000 cycles)."""
    candles = TickCandles(keep_minutes=60)
    start = FakeClock().now
    for i in range(120):  # ten hours, one tick every five minutes
        candles.add("BTC/USDT", Decimal(50000 + i), start + timedelta(minutes=5 * i))
    kept = candles.ohlcv("BTC/USDT")
    assert len(kept) == 12  # the last hour's minutes: 9:00 .. 9:55 after the start
    assert kept[-1].close == Decimal(50119)
    assert kept[0].at == start + timedelta(minutes=5 * 108)
