"""Issue #11: the order lifecycle as venues really behave (DESIGN.md "What venues really do").

Each test is one reproduction from the issue, run on the paper exchange through the engine's
public API, with the paper venue's `on_create` (the venue took the order, the answer is lost)
and `fail_next` (the next call answers with an error) hooks, a real SQLite file and the
engine's injectable clock. The names say the scenario; the asserts say the venue-true outcome.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.domain import OrderStatus, PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.errors import (
    ExchangeError,
    ExchangeUnavailable,
    OrderNotFound,
)

D = Decimal


def lose_answer(view) -> None:
    """on_create hook: the venue accepted (and may have filled) the order; we never hear it."""
    raise ExchangeUnavailable("read timed out")


def not_found() -> OrderNotFound:
    return OrderNotFound("binance -2013 Order does not exist.")


async def cycles(engine: Engine, clock, n: int, seconds: float = 15) -> None:
    for _ in range(n):
        clock.advance(seconds=seconds)
        await engine.run_cycle()


# -- unknown outcomes ---------------------------------------------------------------------------
async def test_lost_create_answer_is_not_failed_on_first_not_found(engine, demo, clock):
    """Before: one not-found marked the entry FAILED; the filled coins had no position."""
    demo.on_create = lose_answer
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="0.1", stop_loss="49000")
    demo.on_create = None
    assert order.status is OrderStatus.SUBMITTED
    assert order.history[-1].reason == "outcome unknown"
    demo.fail_next(1, not_found(), only=["fetch_order"])  # the venue does not list it yet
    await cycles(engine, clock, 1)
    assert order.status is OrderStatus.SUBMITTED
    await cycles(engine, clock, 1)
    assert order.status is OrderStatus.FILLED
    [position] = engine.positions()
    assert position.amount == D("0.1") and position.stop_loss == D("49000")
    assert demo.calls["create_order"] == 1


async def test_lost_exit_answer_is_never_sent_twice(engine, demo, clock):
    """Before: the stop exit was FAILED on the first not-found, the position reopened and the
    stop sent a second exit: the account ended at -0.1 BTC after selling 0.2."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions()
    demo.on_create = lose_answer
    demo.set_price("BTC/USDT", "48000")
    await cycles(engine, clock, 1)  # the stop is hit: the exit goes out, its answer is lost
    demo.on_create = None
    exit_order = engine.order(position.exit_order_id)
    assert exit_order.status is OrderStatus.SUBMITTED
    demo.fail_next(2, not_found(), only=["fetch_order"])
    await cycles(engine, clock, 4)
    assert demo.calls["create_order"] == 2  # the entry and one exit, never a second exit
    assert exit_order.status is OrderStatus.FILLED
    assert position.status is PositionStatus.CLOSED
    balances = await demo.fetch_balance()
    assert balances["BTC"].total == 0


async def test_not_found_counts_only_over_time(engine, demo, clock):
    """Three quick not-founds are not evidence; three spread over 30 s are (both settings)."""
    demo.fail_next(1, ExchangeUnavailable("timeout"), only=["create_order"])
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    assert order.status is OrderStatus.SUBMITTED  # never reached the paper venue, in truth
    demo.fail_next(5, not_found(), only=["fetch_order"])
    await cycles(engine, clock, 3, seconds=1)  # three answers within 3 s
    assert order.status is OrderStatus.SUBMITTED
    await cycles(engine, clock, 1, seconds=30)  # the fourth, 33 s after the first
    assert order.status is OrderStatus.FAILED
    assert order.history[-1].reason == "never reached the exchange"
    assert demo.calls["create_order"] == 1


async def test_timed_out_create_with_failing_lookup_stays_unknown(engine, demo, clock):
    """Before: a look-up error other than a network one ended the order (REJECTED/FAILED);
    now any other look-up error changes nothing and the next cycle adopts the order."""
    demo.on_create = lose_answer
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.on_create = None
    demo.fail_next(2, ExchangeError("Internal error; unable to process your request"),
                   only=["fetch_order", "fetch_open_orders"])
    await cycles(engine, clock, 2)
    assert order.status is OrderStatus.SUBMITTED
    await cycles(engine, clock, 1)
    assert order.status is OrderStatus.OPEN
    assert order.exchange_order_id is not None


async def test_create_answered_with_an_error_although_accepted_is_revived_open(
        engine, demo, clock):
    """FAILED was our inference; the venue listing the order open is evidence: FAILED -> OPEN."""
    def garbled(view) -> None:
        raise ExchangeError("unexpected response body")

    demo.on_create = garbled
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.on_create = None
    assert order.status is OrderStatus.FAILED
    await cycles(engine, clock, 1)
    assert order.status is OrderStatus.OPEN
    demo.set_price("BTC/USDT", "44000")
    await cycles(engine, clock, 1)
    assert order.status is OrderStatus.FILLED
    [position] = engine.positions()
    assert position.amount == D("0.1")


# -- late fills ---------------------------------------------------------------------------------
async def test_order_declared_gone_then_filled_gets_the_fill_and_position(engine, demo, clock):
    """Before: three not-founds wrote it CANCELLED and its later fill was never seen."""
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000", stop_loss="44000")
    assert order.status is OrderStatus.OPEN
    demo.set_price("BTC/USDT", "44900")  # it fills on the venue...
    demo.fail_next(3, not_found(), only=["fetch_order"])  # ...which briefly cannot find it
    await cycles(engine, clock, 3)
    assert order.status is OrderStatus.CANCELLED
    assert order.filled_amount == 0
    await cycles(engine, clock, 1)
    assert order.status is OrderStatus.CANCELLED  # the status stays, the fill lands
    assert order.filled_amount == D("0.1")
    assert "late fill" in order.history[-1].reason
    [position] = engine.positions()
    assert position.amount == D("0.1") and position.stop_loss == D("44000")
    assert position.status is PositionStatus.OPEN


async def test_late_fills_are_looked_for_24_hours_only(engine, demo, clock):
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.fail_next(3, not_found(), only=["fetch_order"])
    demo.set_price("BTC/USDT", "44900")
    await cycles(engine, clock, 3)
    assert order.status is OrderStatus.CANCELLED
    clock.advance(hours=24, seconds=1)
    calls = demo.calls["fetch_order"]
    await engine.run_cycle()
    assert demo.calls["fetch_order"] == calls
    assert order.filled_amount == 0


async def test_late_fill_survives_a_restart(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")})
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    demo.fail_next(3, not_found(), only=["fetch_order"])
    demo.set_price("BTC/USDT", "44900")
    await cycles(engine, clock, 3)
    assert order.status is OrderStatus.CANCELLED
    await engine.close()
    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        reloaded = again.order(order.id)
        assert reloaded.filled_amount == D("0.1")
        [position] = again.positions()
        assert position.amount == D("0.1")
    finally:
        await again.close()


# -- cancels ------------------------------------------------------------------------------------
@pytest.fixture
def thin() -> DemoExchange:
    """0.04 BTC trades per price update: a 0.1 limit order fills in parts."""
    return DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")},
                        liquidity_per_tick=D("0.04"))


async def partly_filled(db_path, thin, settings, clock):
    engine = await Engine.open(db_path, thin, settings=settings, clock=clock)
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.1", price="45000")
    thin.set_price("BTC/USDT", "44900")
    await engine.run_cycle()
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_amount == D("0.04")
    return engine, order


async def test_lost_cancel_on_partly_filled_order_can_be_cancelled_again(
        db_path, thin, settings, clock):
    """Before: CANCELLING for ever, a second Cancel refused."""
    engine, order = await partly_filled(db_path, thin, settings, clock)
    try:
        thin.fail_next(1, only=["cancel_order"])
        await engine.cancel_order(order.id)
        assert order.status is OrderStatus.CANCELLING
        await cycles(engine, clock, 1)
        assert order.status is OrderStatus.PARTIALLY_FILLED  # rolled back, fills kept
        await engine.cancel_order(order.id)
        assert order.status is OrderStatus.CANCELLED
        assert order.filled_amount == D("0.04")
        [position] = engine.positions()
        assert position.amount == D("0.04") and position.status is PositionStatus.OPEN
    finally:
        await engine.close()


async def test_cancel_can_be_repeated_while_the_first_is_unconfirmed(
        db_path, thin, settings, clock):
    engine, order = await partly_filled(db_path, thin, settings, clock)
    try:
        thin.fail_next(1, only=["cancel_order"])
        await engine.cancel_order(order.id)
        assert order.status is OrderStatus.CANCELLING
        await engine.cancel_order(order.id)  # CANCELLING -> CANCELLING (re-sent) -> CANCELLED
        assert order.status is OrderStatus.CANCELLED
        assert [h.reason for h in order.history].count("cancel re-sent") == 1
    finally:
        await engine.close()


async def test_refused_cancel_on_partly_filled_order_returns_to_partially_filled(
        db_path, thin, settings, clock):
    """Before: back to OPEN with 0.04 of 0.1 filled."""
    engine, order = await partly_filled(db_path, thin, settings, clock)
    try:
        thin.fail_next(1, ExchangeError("Cancel rejected"), only=["cancel_order"])
        await engine.cancel_order(order.id)
        assert order.status is OrderStatus.PARTIALLY_FILLED
        assert order.filled_amount == D("0.04")
        await engine.cancel_order(order.id)
        assert order.status is OrderStatus.CANCELLED
    finally:
        await engine.close()


# -- someone else's order -----------------------------------------------------------------------
async def test_venue_order_under_another_client_id_is_not_applied(db_path, settings, clock):
    """A reused exchange order id (a reset testnet) must not move another order onto ours.
    Before: the other order's fill landed on ours and cut its amount from 0.01 to 0.005.
    Real ccxt Binance parsing of recorded bodies; only the HTTP layer is replaced."""
    import sys
    from pathlib import Path

    from moniqo_desktop.engine.events import EngineError

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchanges"))
    from ccxt_replay import Replay, SleepRecorder, replayed

    replay = Replay("binance", echo_client_ids=True).add("exchange_info", "account")
    engine = await Engine.open(db_path, replayed("binance", replay, SleepRecorder()),
                               settings=settings, clock=clock)
    try:
        replay.add("order_limit_new", "account")
        order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                         amount="0.01", price="55000")
        assert order.status is OrderStatus.OPEN
        errors: list[EngineError] = []
        engine.events.subscribe(errors.append, EngineError)
        # Our order left the open list; looked up by its venue id, the venue answers with
        # another client's order under that id.
        replay.add("open_orders_empty", "order_reused_id_other_client", "tickers", "account")
        await engine.run_cycle()
        assert order.amount == D("0.01") and order.filled_amount == 0
        assert engine.positions() == []
        assert any("web_3f9c1a77e4b24c5d" in e.message for e in errors)
    finally:
        await engine.close()


# -- domain objects change only through the domain -------------------------------------------
async def test_exchange_rounded_amount_is_written_in_the_history(engine, demo, clock):
    from moniqo_desktop.domain import Order
    from moniqo_desktop.exchanges.base import ExchangeOrder

    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1234",
                  price="45000", created_at=clock())
    engine.monitor.write(order)
    snap = ExchangeOrder(exchange_order_id="77", client_order_id=order.client_order_id,
                         symbol="BTC/USDT", side=order.side, type=order.type,
                         status=OrderStatus.OPEN, amount=D("0.123"), filled=D("0"))
    engine.monitor.apply(order, snap)
    assert order.amount == D("0.123")
    assert "amount 0.1234 taken as 0.123 by the exchange" in [h.reason for h in order.history]
    assert engine.ctx.store.get_order(order.id).amount == D("0.123")


# -- fill idempotence across restarts (from issue #12 item 3) --------------------------------
class BrokenFillWrites:
    """A real SQLite failure on the engine's own database file: a trigger makes every insert
    of a fill abort, as a full disk would, until it is dropped."""

    def __init__(self, db_path) -> None:
        self.db_path = db_path

    def __enter__(self) -> "BrokenFillWrites":
        import sqlite3
        with sqlite3.connect(self.db_path) as conn:
            conn.execute("CREATE TRIGGER broken_disk BEFORE INSERT ON order_fills BEGIN "
                         "SELECT RAISE(ABORT, 'database or disk is full'); END")
        return self

    def __exit__(self, *exc) -> None:
        import sqlite3
        with sqlite3.connect(self.db_path) as conn:
            conn.execute("DROP TRIGGER broken_disk")


@pytest.mark.parametrize("cycle_before_restart", [False, True])
async def test_store_error_after_fill_books_the_position_once(
        db_path, demo, settings, clock, cycle_before_restart):
    """The venue filled the order, the store refused to write it. Before: the in-memory
    position (0.1) was saved by a later write while the order stayed PENDING on disk; the next
    start adopted the order again and booked a second 0.1: 0.2 BTC for one buy."""
    from moniqo_desktop.engine.events import StoreFailed

    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    failures: list[StoreFailed] = []
    engine.events.subscribe(failures.append, StoreFailed)
    with BrokenFillWrites(db_path):
        order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                         amount="0.1", stop_loss="49000")
    assert failures, "a store failure is its own event, reported loudly"
    assert engine.positions() == []  # memory matches the store: nothing booked yet
    if cycle_before_restart:
        await cycles(engine, clock, 1)  # the store works again: the fill is booked, once
        assert order.status is OrderStatus.FILLED
        assert [p.amount for p in engine.positions()] == [D("0.1")]
    await engine.close()

    again = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        await cycles(again, clock, 2)
        assert [p.amount for p in again.positions(open_only=True)] == [D("0.1")]
        assert again.order(order.id).status is OrderStatus.FILLED
        assert demo.calls["create_order"] == 1
    finally:
        await again.close()


# -- the app's own decimal context -------------------------------------------------------------
async def test_a_ccxt_precision_call_changes_no_result(engine, clock):
    """ccxt's decimal_to_precision sets the thread's context to ROUND_HALF_UP and traps
    Underflow. Before: every later Decimal operation in the process followed it. Now money is
    computed in the app's own context: the same venue answer gives the same fill price."""
    import decimal

    from ccxt.base.decimal_to_precision import (DECIMAL_PLACES, ROUND,
                                                decimal_to_precision)

    from moniqo_desktop.domain import Order
    from moniqo_desktop.domain.money import MONEY_CONTEXT
    from moniqo_desktop.exchanges.base import ExchangeOrder

    # A venue average with 28 significant digits (ccxt derives averages as cost / filled):
    # average x filled has a tie at the 29th digit, which half-even and half-up round apart.
    average, filled = D("50000.00000000000000000000001"), D("0.5")
    with decimal.localcontext(MONEY_CONTEXT):
        expected = (average * filled) / filled
    thread = decimal.getcontext()
    saved = (thread.rounding, thread.traps[decimal.Underflow])
    try:
        decimal_to_precision("1.005", ROUND, 2, DECIMAL_PLACES)  # a real ccxt call
        assert thread.rounding == decimal.ROUND_HALF_UP  # what it does to the thread
        assert (average * filled) / filled != expected  # ... and why that matters

        order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.5",
                      price="50001", created_at=clock())
        engine.monitor.write(order)
        engine.monitor.apply(order, ExchangeOrder(
            exchange_order_id="901", client_order_id=order.client_order_id, symbol="BTC/USDT",
            side=order.side, type=order.type, status=OrderStatus.FILLED, amount=D("0.5"),
            filled=filled, average=average))
        [fill] = order.fills
        assert fill.price == expected
        [position] = engine.positions()
        assert position.entry_price == expected
    finally:
        thread.rounding, thread.traps[decimal.Underflow] = saved


# -- fees per fill, every currency -------------------------------------------------------------
async def test_synthetic_fill_keeps_every_fee_currency(engine, clock):
    """Before: a fill derived from the venue's cumulative numbers kept only its first fee
    currency (0.01 BNB + 5 USDT became 0.01 BNB). Now both are kept, both are booked, and the
    BNB fee is valued at BNB's last price in the position's fees."""
    from moniqo_desktop.domain import Order
    from moniqo_desktop.exchanges.base import ExchangeOrder

    engine.ctx.prices["BNB/USDT"] = D("600")
    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1", price="50000",
                  created_at=clock())
    engine.monitor.write(order)
    engine.monitor.apply(order, ExchangeOrder(
        exchange_order_id="902", client_order_id=order.client_order_id, symbol="BTC/USDT",
        side=order.side, type=order.type, status=OrderStatus.FILLED, amount=D("0.1"),
        filled=D("0.1"), average=D("50000"), fees={"BNB": D("0.01"), "USDT": D("5")}))
    assert order.fees == {"BNB": D("0.01"), "USDT": D("5")}
    assert order.fees_in_quote(engine.ctx.prices) == D("11")  # 0.01 x 600 + 5
    [position] = engine.positions()
    assert position.entry_fees == D("11")
    stored = engine.ctx.store.get_order(order.id)
    assert stored.fees == {"BNB": D("0.01"), "USDT": D("5")}


async def test_third_currency_fee_is_valued_at_its_last_price(db_path, settings, clock):
    """A fee in BNB on a BTC/USDT fill is worth 0.01 x BNB/USDT's last price, asked of the
    venue when the engine does not know it yet."""
    from moniqo_desktop.domain import Order
    from moniqo_desktop.exchanges.base import ExchangeOrder

    demo = DemoExchange(prices={"BTC/USDT": D("50000"), "BNB/USDT": D("600")},
                        balances={"USDT": D("100000")})
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        engine.ctx.prices.pop("BNB/USDT", None)
        order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.1",
                      price="50000", created_at=clock())
        engine.monitor.write(order)
        await engine.monitor.fold(order, ExchangeOrder(
            exchange_order_id="903", client_order_id=order.client_order_id,
            symbol="BTC/USDT", side=order.side, type=order.type, status=OrderStatus.FILLED,
            amount=D("0.1"), filled=D("0.1"), average=D("50000"), fees={"BNB": D("0.01")}))
        [position] = engine.positions()
        assert position.entry_fees == D("6")
    finally:
        await engine.close()
