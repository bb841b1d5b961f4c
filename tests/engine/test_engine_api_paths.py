"""The engine's public API on the paths the window and the CLI use besides the happy one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import DomainError, OrderStatus, PositionStatus, RiskLevel
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import AccountUpdated, EngineError, PositionUpdated
from moniqo_desktop.engine.venue_health import VenueMode
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.errors import ExchangeUnavailable

D = Decimal


async def test_new_risk_thresholds_apply_to_open_positions_at_once(engine, demo, events):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    demo.set_price("BTC/USDT", "48500")  # 3 % down (and fees): MEDIUM by the default 2/5/10
    await engine.run_cycle()
    assert position.risk_level is RiskLevel.MEDIUM
    before = len(events.of(PositionUpdated))
    engine.apply_settings(Settings(update_log_min_seconds=0, order_poll_seconds=7,
                                   risk_loss_percent=["1", "2", "3"]))
    assert position.risk_level is RiskLevel.CRITICAL
    assert len(events.of(PositionUpdated)) == before + 1  # the table is told now
    assert engine.poll_interval == 7


async def test_what_the_window_reads_about_the_venue(engine, demo):
    assert engine.venue_mode is VenueMode.PAPER
    assert engine.last_answer_at is not None
    assert engine.holding("BTC/USDT") == "0 BTC"
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    assert engine.holding("BTC/USDT") == "0.1 BTC"
    demo.set_price("BTC/USDT", "50100")
    candles = await engine.candles("BTC/USDT")
    assert candles and candles[-1].close == D("50100")


async def test_history_reads_every_stored_order_and_position(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, clock=clock)
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        [position] = engine.positions()
        await engine.close_position(position.id)
        clock.advance(days=30)
        assert engine.forget_old_history() == (2, 1)
        assert engine.orders() == [] and engine.positions() == []  # memory: the recent only
        assert [o.status for o in engine.order_history()] == [OrderStatus.FILLED] * 2
        assert [p.status for p in engine.position_history()] == [PositionStatus.CLOSED]
    finally:
        await engine.close()


async def test_a_second_close_while_the_exit_is_unconfirmed_is_refused(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()

    def lose(_view):
        raise ExchangeUnavailable("read timed out")

    demo.on_create = lose
    await engine.close_position(position.id)
    demo.on_create = None
    assert position.status is PositionStatus.CLOSING
    with pytest.raises(DomainError, match="already on its way"):
        await engine.close_position(position.id)
    assert demo.calls["create_order"] == 2


async def test_protection_is_checked_against_the_last_price_when_none_is_fresh(
        engine, demo, clock):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    clock.advance(minutes=5)  # the cached price is old, and the venue does not answer
    demo.down = True
    with pytest.raises(DomainError, match="stop loss 50,500.00 must be below the price 50,000.00"):
        await engine.update_protection(position.id, stop_loss="50500")
    await engine.update_protection(position.id, stop_loss="49000")
    demo.down = False
    assert position.stop_loss == D("49000")


async def test_heartbeat_loads_markets_when_there_is_nothing_to_ask_about(
        db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")})
    demo.down = True  # start-up during an outage: no markets
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        assert engine.markets() == {}
        demo.down = False
        await engine.heartbeat()
        assert demo.calls["load_markets"] >= 2 and engine.ctx.exchange.health.last_answer
        assert engine.connection_state.value == "connected"
    finally:
        await engine.close()


async def test_a_balance_read_failing_at_start_up_is_reported_and_shown_stale(
        db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")})
    seen: list[object] = []
    from moniqo_desktop.engine.events import EventBus
    bus = EventBus()
    bus.subscribe(seen.append, AccountUpdated, EngineError)
    demo.fail_next(1, only=["fetch_balance"])
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock, bus=bus)
    try:
        [stale] = [e for e in seen if isinstance(e, AccountUpdated)]
        assert stale.stale
        assert any(isinstance(e, EngineError) and "start-up" in e.message for e in seen)
        await engine.run_cycle()
        assert engine.balances()  # read on the next pass
    finally:
        await engine.close()
