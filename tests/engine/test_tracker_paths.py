"""Position tracker paths a trader meets on bad days: a broken ticker, a store that refuses the
exit, a venue that cannot tell the free balance, partial closes too small to trade."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, ExitReason, OrderIntent, OrderStatus, PositionStatus
from moniqo_desktop.engine.events import EngineError, StoreFailed

D = Decimal


def exits(engine):
    return [o for o in engine.orders() if o.intent is OrderIntent.EXIT]


async def test_a_broken_price_for_one_symbol_does_not_stop_the_others(engine, demo, events):
    """A venue's ticker says BTC is 10^20 (a glitch): that position cannot be marked and says
    so; the ETH position's stop still exits on the same pass."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1",
                             stop_loss="2900")
    btc, eth = engine.positions()
    await engine.tracker.evaluate({"BTC/USDT": D("1E+20"), "ETH/USDT": D("2800")})
    [error] = events.of(EngineError)
    assert error.message.startswith("Could not evaluate BTC/USDT")
    assert btc.status is PositionStatus.OPEN and btc.current_price == D("50000")
    assert eth.status is PositionStatus.CLOSED and eth.close_reason is ExitReason.STOP_LOSS


async def test_an_exit_the_store_refuses_is_decided_again_once_it_writes(
        engine, demo, db_path, clock, events):
    """The stop is hit but the store refuses to write the exit order (disk full). Nothing is
    sent (written before sent), the trader is told, and the position is still guarded: once
    the store writes again the next pass exits - once."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions()
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TRIGGER broken_disk BEFORE INSERT ON orders BEGIN "
                     "SELECT RAISE(ABORT, 'database or disk is full'); END")
    demo.set_price("BTC/USDT", "48900")
    clock.advance(seconds=10)
    await engine.run_cycle()
    assert events.of(StoreFailed)
    assert any(e.message.startswith("Could not exit BTC/USDT") for e in events.of(EngineError))
    assert exits(engine) == [] and demo.calls["create_order"] == 1
    assert position.status is PositionStatus.OPEN and position.exit_order_id is None
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TRIGGER broken_disk")
    clock.advance(seconds=10)
    await engine.run_cycle()
    [exit_order] = exits(engine)
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.STOP_LOSS
    clock.advance(seconds=10)
    await engine.run_cycle()
    assert demo.calls["create_order"] == 2


async def test_exit_without_a_balance_read_sells_the_position_amount(engine, demo, clock):
    """The balance read before an exit fails and no balance was ever read: the exit sells
    what the position holds (the venue refuses more than the account has anyway)."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    engine.ctx.balances = {}
    demo.fail_next(1, only=["fetch_balance"])
    order = await engine.close_position(position.id)
    assert order.amount == D("0.1")
    assert position.status is PositionStatus.CLOSED


async def test_partial_close_below_the_market_minimum_is_refused(engine):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    with pytest.raises(DomainError, match="minimum"):
        await engine.close_position(position.id, amount="0.00001")
    assert exits(engine) == [] and position.amount == D("0.1")


async def test_close_by_hand_after_our_own_sell_filled_sends_nothing(engine, demo):
    """A resting sell of ours (placed by hand) filled on the venue a moment ago; the engine
    has not synced yet when the trader presses Close. Taking the sell back is refused because
    it filled - its fill closes the position - so no exit is sent and the trader is told."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    sell = await engine.place_order(symbol="BTC/USDT", side="sell", type="limit",
                                    amount="0.1", price="51000")
    demo.set_price("BTC/USDT", "51000")  # the venue fills it; we have not asked yet
    with pytest.raises(DomainError, match="closed meanwhile"):
        await engine.close_position(position.id)
    assert sell.status is OrderStatus.FILLED
    assert position.status is PositionStatus.CLOSED and position.exit_price == D("51000")
    assert exits(engine) == [] and demo.calls["create_order"] == 2  # no exit of our own


async def test_an_exit_asked_again_for_a_closed_position_sends_nothing(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    await engine.close_position(position.id)
    assert position.status is PositionStatus.CLOSED
    assert await engine.tracker.exit(position, ExitReason.STOP_LOSS) is None
    assert demo.calls["create_order"] == 2
