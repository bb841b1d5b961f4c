"""What the engine keeps between its throttled writes is nothing the garbage collector walks
(#14, lag worst case).

`bench_lag.py` (1 000 positions, 50 moving per tick, 20 ticks/s): the worst step of a run was a
full collection of 38.7 ms. What that pass walked: ~7 000 objects made after start-up, ~80 000
references; each reference is a read of an object somewhere in a 200 MB heap (a cache miss,
~100-250 ns here), so the time is per reference followed, not per object. Half of them were the
chart samples waiting for their write (~4 000 `PositionUpdate`s in 5 s, 9 references each).
A plain tuple of Decimals, datetimes and strings is untracked by the first collection that
sees it, so a pending sample kept as one costs later collections nothing. These tests count
tracked objects; none of them times anything.
"""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest

from moniqo_desktop.engine.price_stream import evaluate_batch
from moniqo_desktop.store import PositionUpdate

D = Decimal
SYMBOLS = [f"C{i:03d}/USDT" for i in range(40)]


@pytest.fixture
def settings():
    from moniqo_desktop.config import Settings

    return Settings(update_log_min_seconds=0, position_save_seconds=60)


@pytest.fixture
def demo():
    from moniqo_desktop.exchanges import DemoExchange

    return DemoExchange(prices={s: D(100 + i) for i, s in enumerate(SYMBOLS)},
                        fee_rate=D("0.001"), balances={"USDT": D("10000000")})


async def book(engine, demo):
    for symbol in SYMBOLS:
        await engine.place_order(symbol=symbol, side="buy", type="market", amount="1")
    await engine.run_cycle()  # the first pass writes the marks: later ones wait their time


async def tick(engine, demo, clock, k):
    clock.advance(seconds=1)
    batch = {s: D(100 + i) + D(k) / 10 for i, s in enumerate(SYMBOLS)}
    for symbol, price in batch.items():
        demo.set_price(symbol, price)
    engine.tracker.apply_prices(batch)
    await evaluate_batch(engine.tracker, batch)


def walked() -> int:
    """Objects a collection walks now (after one, so what it untracks is gone)."""
    gc.collect()
    return len(gc.get_objects())


async def test_chart_samples_waiting_for_their_write_are_nothing_the_collector_walks(
        engine, demo, clock):
    await book(engine, demo)
    await tick(engine, demo, clock, 0)
    before = walked()
    for k in range(1, 6):
        await tick(engine, demo, clock, k)
    waiting = engine.tracker.pending_samples
    assert waiting >= 5 * len(SYMBOLS)  # one sample per move, not written yet
    grown = walked() - before
    assert grown < waiting / 20, f"{grown} more objects to walk for {waiting} pending samples"


async def test_pending_samples_are_written_whole_and_read_back_as_updates(engine, demo, clock):
    await book(engine, demo)
    for k in range(1, 4):
        await tick(engine, demo, clock, k)
    position = engine.positions()[0]
    assert engine.tracker.pending_samples > 0
    updates = engine.position_updates(position.id)  # writes what is pending first
    assert engine.tracker.pending_samples == 0
    assert all(isinstance(u, PositionUpdate) for u in updates)
    last = updates[-1]
    assert last.price == position.current_price == D(100) + D(3) / 10
    assert last.unrealized_pnl == position.unrealized_pnl
    assert last.high_water_mark == position.high_water_mark
    assert last.at == position.updated_at
