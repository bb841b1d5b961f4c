"""Issue #11, the last gaps: orders found PENDING at restart, the late-fill look-up budget,
the store banner that clears, and money computed in the app's own decimal context.

Engine scenarios on the real paper exchange, a real SQLite file and the injectable clock.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from moniqo_desktop.domain import OrderStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
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
