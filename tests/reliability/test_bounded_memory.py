"""Bounded memory: closed orders and positions older than the window leave memory (engine and
paper venue) and are still read from the store on demand.

Reproduces the issue's growth: every order and position stayed in memory for the life of the
process (RSS 68 -> 82 MB over 10 000 cycles).
"""

from __future__ import annotations

from decimal import Decimal

from fake_clock import FakeClock

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.history import in_memory
from moniqo_desktop.exchanges import DemoExchange

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
