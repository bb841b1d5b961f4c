"""Marks (price, P&L) are written throttled; protection changes at once; close writes all.

The issue measured 26 ms per tick writing 1 000 positions whose only change was the price.
Crash safety is unchanged for what matters: orders, fills and any protection change are durable
before the engine goes on; a crash may lose at most `position_save_seconds` of marks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.config import Settings
from moniqo_desktop.store import Store

D = Decimal


@pytest.fixture
def settings() -> Settings:
    return Settings(update_log_min_seconds=0, position_save_seconds=5)


def stored(engine, position_id):
    return engine.ctx.store.get_position(position_id)


async def test_marks_are_written_at_most_every_position_save_seconds(engine, demo, clock):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="40000")
    [position] = engine.positions()
    await engine.run_cycle()  # first tick: written
    clock.advance(seconds=1)
    demo.set_price("BTC/USDT", D("50500"))
    await engine.run_cycle()
    assert position.current_price == D("50500")
    assert stored(engine, position.id).current_price != D("50500")  # throttled
    clock.advance(seconds=5)
    demo.set_price("BTC/USDT", D("50600"))
    await engine.run_cycle()
    assert stored(engine, position.id).current_price == D("50600")


async def test_a_moving_trailing_stop_is_written_at_once(engine, demo, clock):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             trailing_stop_percent="2")
    [position] = engine.positions()
    await engine.run_cycle()
    clock.advance(seconds=1)
    demo.set_price("BTC/USDT", D("52000"))  # a new high: the trailing stop follows
    await engine.run_cycle()
    saved = stored(engine, position.id)
    assert saved.high_water_mark == D("52000")
    assert saved.stop_loss == position.stop_loss == D("50960")


async def test_close_writes_the_pending_marks(db_path, demo, settings, clock):
    from moniqo_desktop.engine import Engine

    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    await engine.run_cycle()
    clock.advance(seconds=1)
    demo.set_price("BTC/USDT", D("50500"))
    await engine.run_cycle()
    await engine.close()
    with Store.open(db_path) as store:
        assert store.get_position(position.id).current_price == D("50500")
