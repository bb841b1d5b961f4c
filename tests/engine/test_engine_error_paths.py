"""The engine's error paths through its public API, on the paper exchange and a real SQLite
file: each test names the trouble and what the trader gets instead (issue #11: branch coverage
of the engine, no `pragma: no cover` on money paths)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, Order, OrderStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import EngineError, StoreFailed
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.base import ExchangeOrder
from moniqo_desktop.exchanges.errors import ExchangeError, ExchangeUnavailable, OrderNotFound

D = Decimal


async def test_start_up_failure_closes_the_store_and_raises(db_path, settings, clock):
    class Broken(Exception):
        pass

    demo = DemoExchange(prices={"BTC/USDT": D("50000")})
    demo.fail_next(1, Broken(), only=["load_markets"])
    with pytest.raises(Broken):
        await Engine.open(db_path, demo, settings=settings, clock=clock)
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)  # not locked
    await again.close()


async def test_start_up_exchange_error_is_reported_not_raised(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")})
    demo.fail_next(1, ExchangeError("API key has no trading permission"), only=["load_markets"])
    errors: list[EngineError] = []
    from moniqo_desktop.engine.events import EventBus
    bus = EventBus()
    bus.subscribe(errors.append, EngineError)
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock, bus=bus)
    try:
        assert any("start-up" in e.message for e in errors)
        report = await engine.run_cycle()  # markets load on the next cycle
        assert engine.markets() and not report.errors
    finally:
        await engine.close()


async def test_unknown_ids_are_domain_errors(engine):
    with pytest.raises(DomainError, match="no order"):
        engine.order("nope")
    with pytest.raises(DomainError, match="no position"):
        engine.position("nope")


async def test_unknown_symbol_and_unreachable_markets_refuse_the_order(engine, demo):
    with pytest.raises(DomainError, match="not traded"):
        await engine.place_order(symbol="DOGE/USDT", side="buy", type="market", amount="1")
    demo.fail_next(1, only=["load_markets"])
    with pytest.raises(DomainError, match="markets unavailable"):
        await engine.place_order(symbol="XRP/USDT", side="buy", type="market", amount="1")
    assert engine.orders() == []


async def test_watch_fetches_a_new_price_and_survives_a_failed_fetch(engine, demo):
    demo.set_price("SOL/USDT", "150")
    engine.ctx.markets = await demo.load_markets()
    demo.fail_next(1, only=["fetch_tickers"])
    engine.watch("SOL/USDT")
    await asyncio.sleep(0.01)
    assert "SOL/USDT" not in engine.last_prices()
    engine.watch("SOL/USDT")
    await asyncio.sleep(0.01)
    assert engine.last_prices()["SOL/USDT"] == D("150")


async def test_closed_engine_runs_no_cycle(db_path, demo, settings, clock):
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    await engine.close()
    await engine.close()  # twice is fine
    report = await engine.run_cycle()
    assert report.orders_changed == 0 and not report.errors


async def test_scheduler_jobs_sync_and_refresh(engine, demo):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.set_price("BTC/USDT", "44000")
    assert await engine.sync_orders() == 1
    assert order.status is OrderStatus.FILLED
    await engine.refresh_positions()
    [position] = engine.positions()
    assert position.current_price == D("44000")


async def test_cancel_of_a_finished_order_is_refused(engine):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="0.1")
    with pytest.raises(DomainError, match="already filled"):
        await engine.cancel_order(order.id)


async def test_cancel_while_the_exchange_is_down_is_refused_for_an_unknown_order(engine, demo):
    demo.fail_next(1, only=["create_order"])
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.fail_next(1, ExchangeError("maintenance"), only=["fetch_open_orders"])
    with pytest.raises(DomainError, match="cannot reach the exchange"):
        await engine.cancel_order(order.id)


async def test_refused_cancel_whose_look_up_fails_waits_for_the_sync(engine, demo, clock):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.fail_next(1, ExchangeError("Cancel rejected"), only=["cancel_order"])
    demo.fail_next(1, ExchangeError("Internal error"), only=["fetch_order"])
    await engine.cancel_order(order.id)
    assert order.status is OrderStatus.CANCELLING
    clock.advance(seconds=5)
    await engine.run_cycle()
    assert order.status is OrderStatus.OPEN  # rolled back: it is live, cancel again
    await engine.cancel_order(order.id)
    assert order.status is OrderStatus.CANCELLED


async def test_refused_cancel_because_it_filled_books_the_fill(engine, demo):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.set_price("BTC/USDT", "44000")  # filled on the venue, not yet seen by us
    await engine.cancel_order(order.id)  # the venue: unknown order (it is filled)
    assert order.status is OrderStatus.FILLED
    assert [p.amount for p in engine.positions()] == [D("0.1")]


async def test_cancel_answered_live_stays_cancelling_until_the_venue_confirms(engine, clock):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    order.request_cancel(clock())
    live = ExchangeOrder(exchange_order_id=order.exchange_order_id,
                         client_order_id=order.client_order_id, symbol="BTC/USDT",
                         side=order.side, type=order.type, status=OrderStatus.OPEN,
                         amount=D("0.1"), filled=D("0"))
    engine.monitor.folder.apply(order, live, cancel_answer=True)
    assert order.status is OrderStatus.CANCELLING  # accepted, not done: no roll-back


async def test_snapshot_under_another_venue_id_is_refused(engine, clock):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    errors: list[EngineError] = []
    engine.events.subscribe(errors.append, EngineError)
    other = ExchangeOrder(exchange_order_id="999", client_order_id=None, symbol="BTC/USDT",
                          side=order.side, type=order.type, status=OrderStatus.FILLED,
                          amount=D("0.1"), filled=D("0.1"), average=D("44000"))
    assert engine.monitor.apply(order, other) is False
    assert order.filled_amount == 0 and "venue id 999" in errors[-1].message


async def test_inconsistent_fill_is_ignored_and_reported(engine, clock):
    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1", price="45000",
                  created_at=clock())
    engine.monitor.write(order)
    errors: list[EngineError] = []
    engine.events.subscribe(errors.append, EngineError)
    from moniqo_desktop.domain import Fill
    too_big = ExchangeOrder(exchange_order_id="5", client_order_id=order.client_order_id,
                            symbol="BTC/USDT", side=order.side, type=order.type,
                            status=OrderStatus.FILLED, amount=D("0.1"), filled=D("0.1"),
                            trades=(Fill(fill_id="t1", amount=D("0.1"), price=D("44000")),))
    engine.monitor.apply(order, too_big)
    assert order.status is OrderStatus.FILLED
    again = ExchangeOrder(exchange_order_id="5", client_order_id=order.client_order_id,
                          symbol="BTC/USDT", side=order.side, type=order.type,
                          status=OrderStatus.FILLED, amount=D("0.1"), filled=D("0.2"),
                          trades=(Fill(fill_id="t2", amount=D("0.1"), price=D("44000")),))
    engine.monitor.apply(order, again)
    assert order.filled_amount == D("0.1")
    assert any("inconsistent fill" in e.message for e in errors)


async def test_unpriceable_fill_delta_is_left_for_later(engine, clock):
    order = Order(symbol="ETH/BTC", side="buy", type="market", amount="1", created_at=clock())
    engine.ctx.orders[order.id] = order
    snap = ExchangeOrder(exchange_order_id="6", client_order_id=order.client_order_id,
                         symbol="ETH/BTC", side=order.side, type=order.type,
                         status=OrderStatus.PARTIALLY_FILLED, amount=D("1"), filled=D("0.5"))
    assert engine.monitor.folder._new_fills(order, snap) == []


async def test_expired_while_cancelling_is_cancelled_with_the_reason(engine, clock):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    order.request_cancel(clock())
    expired = ExchangeOrder(exchange_order_id=order.exchange_order_id,
                            client_order_id=order.client_order_id, symbol="BTC/USDT",
                            side=order.side, type=order.type, status=OrderStatus.EXPIRED,
                            amount=D("0.1"), filled=D("0"), reason="GTD time reached")
    engine.monitor.apply(order, expired)
    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].reason == "expired on the exchange: GTD time reached"


async def test_rejected_snapshot_after_unknown_outcome(engine, demo, clock):
    demo.fail_next(1, only=["create_order"])
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    rejected = ExchangeOrder(exchange_order_id="77", client_order_id=order.client_order_id,
                             symbol="BTC/USDT", side=order.side, type=order.type,
                             status=OrderStatus.REJECTED, amount=D("0.1"), filled=D("0"))
    assert engine.monitor.apply(order, rejected)
    assert order.status is OrderStatus.REJECTED
    late = ExchangeOrder(exchange_order_id="77", client_order_id=order.client_order_id,
                         symbol="BTC/USDT", side=order.side, type=order.type,
                         status=OrderStatus.CANCELLED, amount=D("0.1"), filled=D("0"))
    assert engine.monitor.apply(order, late) is False  # finished by the venue's word


async def test_order_stream_refresh_and_not_found_of_a_finished_order(engine, demo, clock):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="0.1")
    demo.fail_next(1, OrderNotFound("gone"), only=["fetch_order"])
    assert await engine.monitor.refresh(order) is False  # no news for a finished order
    assert order.status is OrderStatus.FILLED


# -- order stream ---------------------------------------------------------------------------
class PushedOrders(DemoExchange):
    """The paper venue plus an order push channel shaped like CcxtExchange.watch_orders; each
    subscription plays the next item of `script`: a list of snapshots, or an error."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.script: list = []
        self.subscriptions = 0

    async def watch_orders(self):
        self.subscriptions += 1
        item = self.script.pop(0) if self.script else []
        if isinstance(item, BaseException):
            raise item
        for snap in item:
            yield snap
        await asyncio.Event().wait()


async def test_order_stream_applies_ours_skips_the_rest_and_survives_errors(
        db_path, settings, clock):
    from moniqo_desktop.engine.order_stream import OrderStream

    demo = PushedOrders(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")})
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        live = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                        amount="0.1", price="45000")
        done = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                        amount="0.1")
        demo.set_price("BTC/USDT", "44000")  # the live one fills on the venue
        foreign = ExchangeOrder(exchange_order_id="x1", client_order_id="someone-else",
                                symbol="BTC/USDT", side=live.side, type=live.type,
                                status=OrderStatus.OPEN, amount=D("1"), filled=D("0"))
        views = [await demo.fetch_order("BTC/USDT", exchange_order_id=o.exchange_order_id)
                 for o in (done, live)]
        demo.script = [ExchangeError("stream closed"), RuntimeError("parser bug"),
                       [foreign, *views]]
        stream = OrderStream(engine.ctx, engine.monitor, asyncio.Lock(), retry_seconds=0)
        task = asyncio.ensure_future(stream.run())
        for _ in range(200):
            await asyncio.sleep(0.01)
            if live.status is OrderStatus.FILLED:
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert live.status is OrderStatus.FILLED
        assert demo.subscriptions == 3
    finally:
        await engine.close()


# -- reconciliation and writes ---------------------------------------------------------------
async def test_position_left_closing_without_its_exit_is_reopened(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")})
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions()
    position.mark_closing("an-exit-that-was-never-written", "manual")
    engine.ctx.store.save(position)
    await engine.close()
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        assert again.position(position.id).status.value == "open"
    finally:
        await again.close()


async def test_order_the_store_refuses_is_not_sent(engine, demo, db_path):
    import sqlite3
    failures: list[StoreFailed] = []
    engine.events.subscribe(failures.append, StoreFailed)
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TRIGGER broken BEFORE INSERT ON orders BEGIN "
                     "SELECT RAISE(ABORT, 'disk I/O error'); END")
    from moniqo_desktop.store import StoreError
    with pytest.raises(StoreError):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    assert demo.calls["create_order"] == 0 and engine.orders() == []
    assert "was not sent" in failures[-1].detail


async def test_cancel_while_the_create_is_in_flight_is_refused(engine, demo):
    gate = asyncio.Event()

    async def slow(view):
        await gate.wait()

    demo.on_create = slow
    task = asyncio.ensure_future(engine.place_order(
        symbol="BTC/USDT", side="buy", type="limit", amount="0.1", price="45000"))
    await asyncio.sleep(0.05)
    [order] = engine.orders()
    with pytest.raises(DomainError, match="still being sent"):
        await engine.cancel_order(order.id)
    gate.set()
    await task
    assert order.status is OrderStatus.OPEN


async def test_refresh_reads_one_order_now(engine, demo):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.set_price("BTC/USDT", "44000")
    assert await engine.monitor.refresh(order) is True
    assert order.status is OrderStatus.FILLED


async def test_reused_venue_id_in_the_open_list_falls_back_to_our_client_id(
        db_path, settings, clock):
    """The open list holds someone else's order under our venue id, and ours under another
    id: ours is found by its client id."""
    first = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")})
    engine = await Engine.open(db_path, first, settings=settings, clock=clock)
    ours = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                    amount="0.1", price="45000")
    await engine.close()
    reset = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")})
    await reset.create_order(Order(symbol="BTC/USDT", side="buy", type="limit",
                                   amount="0.05", price="45000"))  # takes venue id "1"
    again = await Engine.open(db_path, reset, settings=settings, clock=clock)
    try:
        mine = again.order(ours.id)
        errors: list[EngineError] = []
        again.events.subscribe(errors.append, EngineError)
        await again.run_cycle()
        assert mine.amount == D("0.1") and mine.filled_amount == 0
    finally:
        await again.close()


# -- order checks before anything is stored ---------------------------------------------------
async def test_no_price_no_order(engine, demo):
    engine.ctx.prices.pop("ETH/USDT", None)
    demo.fail_next(1, only=["fetch_ticker"])
    with pytest.raises(DomainError, match="no price for ETH/USDT"):
        await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1")
    assert engine.orders() == []


async def test_market_rules_refuse_before_storing(engine):
    with pytest.raises(DomainError, match="price 45000.123456 has more decimals"):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1",
                                 price="45000.123456")
    with pytest.raises(DomainError, match="below the minimum"):
        await engine.place_order(symbol="BTC/USDT", side="buy", type="limit", amount="0.0001",
                                 price="45000")
    assert engine.orders() == []


async def test_store_refusing_a_cycle_write_is_a_store_failure(engine, demo, db_path, clock):
    import sqlite3
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    failures: list[StoreFailed] = []
    engine.events.subscribe(failures.append, StoreFailed)
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TRIGGER broken BEFORE UPDATE ON positions BEGIN "
                     "SELECT RAISE(ABORT, 'database or disk is full'); END")
    demo.set_price("BTC/USDT", "50500")
    clock.advance(seconds=10)
    report = await engine.run_cycle()
    assert report.errors and failures
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TRIGGER broken")


async def test_sync_job_loads_markets_first(engine):
    engine.ctx.markets = {}
    assert await engine.sync_orders() == 0
    assert "BTC/USDT" in engine.markets()


async def test_watch_outside_the_loop_only_records_the_symbol(engine):
    engine.ctx.prices.pop("ETH/USDT", None)
    await asyncio.to_thread(engine.watch, "ETH/USDT")
    assert "ETH/USDT" in engine.tracker.watched


async def test_a_trade_the_venue_lists_twice_is_booked_once_under_its_own_trade_id(engine, clock):
    """Venues sometimes repeat a trade in one answer; the fill must still carry the venue's
    trade id (not a synthetic one), so a later answer with the same trade is recognised."""
    from moniqo_desktop.domain import Fill
    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1", price="45000",
                  created_at=clock())
    engine.monitor.write(order)
    trade = Fill(fill_id="t-77", amount=D("0.1"), price=D("44000"))
    repeated = ExchangeOrder(exchange_order_id="7", client_order_id=order.client_order_id,
                             symbol="BTC/USDT", side=order.side, type=order.type,
                             status=OrderStatus.FILLED, amount=D("0.1"), filled=D("0.1"),
                             trades=(trade, trade))
    engine.monitor.apply(order, repeated)
    assert [f.fill_id for f in order.fills] == ["t-77"]
    assert order.filled_amount == D("0.1")
