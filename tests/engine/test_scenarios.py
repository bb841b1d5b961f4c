"""Scenario tests through the public Engine API on the paper exchange (real SQLite file)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from moniqo_desktop.domain import (
    DomainError,
    ExitReason,
    OrderIntent,
    OrderStatus,
    PositionStatus,
)
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import (
    ExitTriggered,
    PositionClosed,
    PositionOpened,
    UserMessage,
)
from moniqo_desktop.exchanges import DemoExchange

D = Decimal


async def open_long(engine, demo, amount="0.1", **protection):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount=D(amount), **protection)
    assert order.status is OrderStatus.FILLED
    [position] = engine.positions(open_only=True)
    return order, position


async def move(engine, demo, price: str):
    demo.set_price("BTC/USDT", D(price))
    return await engine.run_cycle()


async def test_entry_trailing_ratchets_then_exits(engine, demo, events):
    order, position = await open_long(engine, demo, trailing_stop_percent=D("2"))
    assert position.entry_price == D("50000")
    assert position.entry_fees == D("5.000")
    assert position.entry_order_id == order.id
    await move(engine, demo, "52000")
    assert position.stop_loss == D("50960")
    await move(engine, demo, "51500")  # a retreat never lowers the trail
    assert position.stop_loss == D("50960")
    assert position.status is PositionStatus.OPEN
    report = await move(engine, demo, "50900")
    assert [d.reason for d in report.exits] == [ExitReason.TRAILING_STOP]
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.TRAILING_STOP
    # (50900 - 50000)·0.1 - 5 entry fee - 5.09 exit fee
    assert position.realized_pnl == D("79.91")
    exits = [o for o in engine.orders() if o.intent is OrderIntent.EXIT]
    assert len(exits) == 1 and exits[0].status is OrderStatus.FILLED
    assert len(events.of(PositionOpened)) == 1 and len(events.of(PositionClosed)) == 1
    assert len(events.of(ExitTriggered)) == 1


async def test_break_even_arms_then_exits_at_break_even(engine, demo):
    _, position = await open_long(engine, demo, break_even_percent=D("1"))
    await move(engine, demo, "50400")
    assert position.stop_loss is None
    await move(engine, demo, "50600")
    assert position.break_even_armed
    # entry 5000 + 5 fee, exit fee at the same 0.1 % rate: x = 5005 / (0.1 · 0.999)
    assert position.stop_loss.quantize(D("0.01")) == D("50100.10")
    await move(engine, demo, "50050")
    assert position.close_reason is ExitReason.BREAK_EVEN


async def test_stop_loss_gap_exits_once_at_gap_price(engine, demo):
    _, position = await open_long(engine, demo, stop_loss=D("49000"), take_profit=D("55000"))
    await move(engine, demo, "48000")
    assert position.close_reason is ExitReason.STOP_LOSS
    assert position.exit_price == D("48000")
    assert position.realized_pnl == D("-200") - D("5") - D("4.8")
    await move(engine, demo, "47000")
    assert len([o for o in engine.orders() if o.intent is OrderIntent.EXIT]) == 1


async def test_short_take_profit(db_path, settings, clock):
    """Shorts on paper only with margin practice on (`allow_short=True`)."""
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, fee_rate=D("0.001"),
                        balances={"USDT": D("100000")}, allow_short=True)
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        await _short_take_profit(engine, demo)
    finally:
        await engine.close()


async def _short_take_profit(engine, demo):
    order = await engine.place_order(symbol="BTC/USDT", side="sell", type="market",
                                     amount=D("0.1"), take_profit=D("48000"),
                                     stop_loss=D("51000"))
    [position] = engine.positions(open_only=True)
    assert position.side.value == "short"
    await move(engine, demo, "47900")
    assert position.close_reason is ExitReason.TAKE_PROFIT
    assert position.realized_pnl == D("210") - D("5") - D("4.79")
    assert order.status is OrderStatus.FILLED


async def test_bad_input_raises_and_stores_nothing(engine, demo, db_path):
    for amount in ("abc", "0", "-1", "NaN", "Infinity", "0.000000001"):
        with pytest.raises(DomainError):
            await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount=amount)
    with pytest.raises(DomainError):
        await engine.place_order(symbol="NOPE/USDT", side="buy", type="market", amount="1")
    with pytest.raises(DomainError, match="stop loss"):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                                 stop_loss="51000")
    with pytest.raises(DomainError, match="limit price"):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1")
    assert engine.orders() == []
    assert engine.ctx.store.load_orders() == []


async def test_rejected_by_exchange_is_stored_with_reason(engine, demo, events):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="10")
    assert order.status is OrderStatus.REJECTED
    assert "insufficient" in order.history[-1].reason.lower() or "balance" in \
        order.history[-1].reason.lower()
    assert [o.status for o in engine.ctx.store.load_orders()] == [OrderStatus.REJECTED]
    assert any(m.title == "Order rejected" for m in events.of(UserMessage))
    assert engine.positions() == []


async def test_manual_close_and_position_update_log(engine, demo):
    _, position = await open_long(engine, demo)
    await move(engine, demo, "50500")
    order = await engine.close_position(position.id)
    assert order.status is OrderStatus.FILLED
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.MANUAL
    with pytest.raises(DomainError):
        await engine.close_position(position.id)
    updates = engine.position_updates(position.id)
    assert [u.price for u in updates][-1] in (D("50500"),)


async def test_limit_order_rests_cancel_and_cancel_race(engine, demo):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="49000")
    assert order.status is OrderStatus.OPEN
    await engine.cancel_order(order.id)
    assert order.status is OrderStatus.CANCELLED
    statuses = [h.status for h in order.history]
    assert statuses[-2:] == [OrderStatus.CANCELLING, OrderStatus.CANCELLED]

    racing = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                      amount="0.1", price="49000")
    demo.set_price("BTC/USDT", D("48900"))  # fills on the exchange before our cancel lands
    await engine.cancel_order(racing.id)
    assert racing.status is OrderStatus.FILLED
    assert len(engine.positions(open_only=True)) == 1


async def test_two_cycles_racing_exit_once(engine, demo):
    _, position = await open_long(engine, demo, stop_loss=D("49000"))
    demo.set_price("BTC/USDT", D("48500"))
    await asyncio.gather(engine.run_cycle(), engine.run_cycle(), engine.tracker.evaluate())
    exits = [o for o in engine.orders() if o.intent is OrderIntent.EXIT]
    assert len(exits) == 1
    assert position.status is PositionStatus.CLOSED


async def test_protection_edit_while_open(engine, demo):
    _, position = await open_long(engine, demo)
    await engine.update_protection(position.id, stop_loss="49500", trailing_stop_percent="1")
    assert position.stop_loss == D("49500") and position.trailing_stop_percent == D("1")
    with pytest.raises(DomainError):
        await engine.update_protection(position.id, stop_loss="50500")
    reloaded = engine.ctx.store.get_position(position.id)
    assert reloaded.trailing_stop_percent == D("1")


async def test_restart_keeps_everything(db_path, demo, settings, clock):
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    limit = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit", amount="1",
                                     price="2900")
    await engine.close()
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        [position] = again.positions(open_only=True)
        assert position.stop_loss == D("49000")
        assert again.order(limit.id).status is OrderStatus.OPEN
        demo.set_price("ETH/USDT", D("2890"))
        await again.run_cycle()
        assert again.order(limit.id).status is OrderStatus.FILLED
        assert len(again.positions(open_only=True)) == 2
    finally:
        await again.close()


async def test_paper_account_survives_restart_with_a_new_exchange(db_path, settings, clock):
    """The paper account (balances, resting orders) lives in the store, not in the process."""
    first = DemoExchange(prices={"BTC/USDT": D("50000")})
    engine = await Engine.open(db_path, first, settings=settings, clock=clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.05")
    limit = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.02", price="45000")
    balances = await first.fetch_balance()
    await engine.close()

    second = DemoExchange(prices={"BTC/USDT": D("50000")})  # a fresh process, fresh venue
    again = await Engine.open(db_path, second, settings=settings, clock=clock)
    try:
        assert (await second.fetch_balance())["USDT"] == balances["USDT"]
        assert again.order(limit.id).status is OrderStatus.OPEN
        second.set_price("BTC/USDT", D("44900"))
        await again.run_cycle()
        assert again.order(limit.id).status is OrderStatus.FILLED
    finally:
        await again.close()


async def test_watching_a_symbol_fetches_its_price_at_once(engine, demo, events):
    from moniqo_desktop.engine.events import PricesUpdated

    assert "ETH/USDT" not in engine.last_prices()
    engine.watch("ETH/USDT")
    for _ in range(50):
        if "ETH/USDT" in engine.last_prices():
            break
        await asyncio.sleep(0.01)
    assert engine.last_prices()["ETH/USDT"] == D("3000")
    assert any("ETH/USDT" in e.prices for e in events.of(PricesUpdated))


async def test_settings_apply_while_running(engine, demo):
    from moniqo_desktop.config import Settings
    from moniqo_desktop.domain import RiskLevel

    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    demo.set_price("BTC/USDT", D("49000"))  # -2.1 % after fees: MEDIUM by default
    await engine.run_cycle()
    assert position.risk_level is RiskLevel.MEDIUM
    engine.start()
    engine.apply_settings(Settings(order_poll_seconds=7, position_poll_seconds=3,
                                   risk_loss_percent=["1", "2", "3"]))
    intervals = {job.name: job.interval for job in engine.scheduler.jobs}
    assert intervals["orders"] == 7 and intervals["positions"] == 3
    assert position.risk_level is RiskLevel.HIGH
