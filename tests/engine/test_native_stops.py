"""Stops resting on the exchange: they protect while the app is closed, and never double an exit.

The paper exchange only moves while the app runs, so it says `always_on = False` and the app
watches stops itself; here it is told otherwise, to drive the resting-stop path through its real
matching engine.
"""

from __future__ import annotations

from decimal import Decimal


from moniqo_desktop.domain import ExitReason, OrderIntent, OrderStatus, PositionStatus
from moniqo_desktop.engine import Engine

D = Decimal


def by_intent(engine, intent):
    return [o for o in engine.orders() if o.intent is intent]


async def test_stop_rests_on_the_exchange_and_its_fill_closes_the_position(eng, venue):
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000")
    [position] = eng.positions()
    [stop] = by_intent(eng, OrderIntent.PROTECT)
    assert stop.status is OrderStatus.OPEN and stop.stop_price == D("49000")
    assert stop.amount == D("0.1") and stop.side.value == "sell"
    assert [o.client_order_id for o in await venue.fetch_open_orders()] == [stop.client_order_id]

    venue.set_price("BTC/USDT", D("48500"))  # gaps through: the exchange sells by itself
    await eng.run_cycle()
    assert stop.status is OrderStatus.FILLED
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.STOP_LOSS and position.exit_price == D("48500")
    assert by_intent(eng, OrderIntent.EXIT) == []  # the engine sent nothing of its own
    assert venue.calls["create_order"] == 2
    # the exchange's fill is audited too: the rule and level the resting stop held
    assert (stop.exit_decision.rule, stop.exit_decision.level) == (ExitReason.STOP_LOSS,
                                                                   D("49000"))


async def test_stop_fills_while_the_app_is_closed(db_path, venue, settings, clock):
    engine = await Engine.open(db_path, venue, settings=settings, clock=clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions()
    await engine.close()
    venue.set_price("BTC/USDT", D("48800"))  # nobody is watching
    again = await Engine.open(db_path, venue, settings=settings, clock=clock)
    try:
        closed = again.position(position.id)
        assert closed.status is PositionStatus.CLOSED
        assert closed.close_reason is ExitReason.STOP_LOSS
        assert closed.realized_pnl == D("-120") - D("5") - D("4.88")
    finally:
        await again.close()


async def test_manual_close_takes_the_stop_off_first(eng, venue):
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000")
    [position] = eng.positions()
    exit_order = await eng.close_position(position.id)
    [stop] = by_intent(eng, OrderIntent.PROTECT)
    assert stop.status is OrderStatus.CANCELLED
    assert exit_order.status is OrderStatus.FILLED
    assert position.close_reason is ExitReason.MANUAL
    assert await venue.fetch_open_orders() == []


async def test_take_profit_cancels_the_stop_and_exits_once(eng, venue):
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000", take_profit="51000")
    [position] = eng.positions()
    venue.set_price("BTC/USDT", D("51100"))
    await eng.run_cycle()
    assert position.close_reason is ExitReason.TAKE_PROFIT
    [stop] = by_intent(eng, OrderIntent.PROTECT)
    assert stop.status is OrderStatus.CANCELLED
    assert len(by_intent(eng, OrderIntent.EXIT)) == 1


async def test_stop_unconfirmed_cancel_blocks_a_second_exit(eng, venue):
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000", take_profit="51000")
    [position] = eng.positions()
    venue.set_price("BTC/USDT", D("51100"))
    venue.fail_next(1, only=["cancel_order"])  # the cancel of the resting stop is lost
    await eng.run_cycle()
    assert by_intent(eng, OrderIntent.EXIT) == []  # no market sell while the stop may be live
    assert position.status is PositionStatus.OPEN
    await eng.run_cycle()  # the sync learns the stop is still open; next pass exits once
    await eng.run_cycle()
    assert position.close_reason is ExitReason.TAKE_PROFIT
    assert len(by_intent(eng, OrderIntent.EXIT)) == 1


async def test_trailing_stop_is_replaced_at_most_every_interval(eng, venue, clock, settings):
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          trailing_stop_percent="2")
    [position] = eng.positions()
    [first] = by_intent(eng, OrderIntent.PROTECT)
    assert first.stop_price == D("49000")
    venue.set_price("BTC/USDT", D("51000"))
    await eng.run_cycle()
    assert position.stop_loss == D("49980")
    assert by_intent(eng, OrderIntent.PROTECT) == [first]  # too soon to replace
    clock.advance(seconds=settings.native_stop_min_seconds + 1)
    await eng.run_cycle()
    first_again, second = by_intent(eng, OrderIntent.PROTECT)
    assert first.status is OrderStatus.CANCELLED
    assert second.status is OrderStatus.OPEN and second.stop_price == D("49980")
    venue.set_price("BTC/USDT", D("49900"))
    await eng.run_cycle()
    assert position.close_reason is ExitReason.TRAILING_STOP
    assert by_intent(eng, OrderIntent.EXIT) == []


async def test_editing_the_stop_moves_the_resting_order_at_once(eng, venue):
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000")
    [position] = eng.positions()
    await eng.update_protection(position.id, stop_loss="49500")
    first, second = by_intent(eng, OrderIntent.PROTECT)
    assert first.status is OrderStatus.CANCELLED and second.stop_price == D("49500")
    await eng.update_protection(position.id, take_profit="52000")  # stop removed
    assert second.status is OrderStatus.CANCELLED
    assert len(by_intent(eng, OrderIntent.PROTECT)) == 2


async def test_paper_exchange_keeps_stops_in_the_app(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    assert by_intent(engine, OrderIntent.PROTECT) == []


async def test_the_order_form_is_told_where_stops_live(eng, engine):
    assert "rest on the exchange" in eng.stop_note("BTC/USDT")
    assert "Paper trading" in engine.stop_note("BTC/USDT")
    eng.ctx.settings.native_stops = False
    assert "turned off" in eng.stop_note("BTC/USDT")
