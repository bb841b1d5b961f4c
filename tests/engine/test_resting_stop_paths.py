"""Resting stops on a venue that keeps them (the paper exchange told `always_on`), on the paths
that go wrong: a refused stop, a replacement whose cancel is refused, a stop whose own outcome
is unknown, a market that cannot hold one. In every case the venue holds at most one stop and
the position stays guarded."""

from __future__ import annotations

import dataclasses
from decimal import Decimal


import pytest

from moniqo_desktop.domain import (
    DomainError,
    ExitReason,
    OrderIntent,
    OrderStatus,
    PositionStatus,
)
from moniqo_desktop.engine.events import EngineError
from moniqo_desktop.exchanges.errors import ExchangeError, ExchangeUnavailable, InvalidOrder

D = Decimal


def stops(engine):
    return [o for o in engine.orders() if o.intent is OrderIntent.PROTECT]


async def venue_stops(venue):
    return [o for o in await venue.fetch_open_orders() if o.type.value == "stop"]


async def test_a_quiet_cycle_leaves_the_resting_stop_alone(eng, venue, clock):
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000")
    calls = (venue.calls["create_order"], venue.calls["cancel_order"])
    clock.advance(seconds=60)
    await eng.run_cycle()
    assert (venue.calls["create_order"], venue.calls["cancel_order"]) == calls


async def test_a_refused_resting_stop_leaves_the_app_guarding(eng, venue, clock):
    """The venue refuses the stop order (e.g. a filter): the entry stands, the stop is
    REJECTED with the venue's reason, and the app's own stop still exits."""
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = eng.positions()
    venue.fail_next(1, InvalidOrder("binance -1013 Filter failure: PERCENT_PRICE"),
                    only=["create_order"])
    await eng.update_protection(position.id, stop_loss="49000")
    [stop] = stops(eng)
    assert stop.status is OrderStatus.REJECTED and "PERCENT_PRICE" in stop.history[-1].reason
    venue.set_price("BTC/USDT", "48900")
    clock.advance(seconds=5)
    await eng.run_cycle()
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.STOP_LOSS


async def test_a_refused_cancel_keeps_the_old_stop_and_places_no_second(eng, venue):
    """Moving the stop means cancel-then-place. The venue refuses the cancel and says the old
    stop is live: it stays (back to OPEN), and no second stop is placed beside it."""
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000")
    [position] = eng.positions()
    [old] = stops(eng)
    venue.fail_next(1, ExchangeError("binance -2011 Unknown order sent."), only=["cancel_order"])
    await eng.update_protection(position.id, stop_loss="49500")
    assert old.status is OrderStatus.OPEN
    assert [s.client_order_id for s in await venue_stops(venue)] == [old.client_order_id]
    assert stops(eng) == [old]


async def test_a_stop_whose_outcome_is_unknown_is_never_doubled(eng, venue, clock):
    """The stop's create answer is lost. Editing the stop while the venue cannot be asked
    must not place a second one: the trader is told the old one could not be taken off."""
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = eng.positions()

    def lose(_view):
        raise ExchangeUnavailable("read timed out")

    venue.on_create = lose
    await eng.update_protection(position.id, stop_loss="49000")
    venue.on_create = None
    [unknown] = stops(eng)
    assert unknown.status is OrderStatus.SUBMITTED and unknown.exchange_order_id is None
    errors: list[EngineError] = []
    eng.events.subscribe(errors.append, EngineError)
    venue.down = True
    await eng.update_protection(position.id, stop_loss="49500")
    venue.down = False
    assert any(e.message.startswith("Could not take the resting stop off BTC/USDT")
               for e in errors)
    assert stops(eng) == [unknown]
    assert len(await venue_stops(venue)) == 1


async def test_a_market_that_cannot_hold_a_stop_is_named_in_the_order_form_note(eng):
    market = eng.ctx.markets["BTC/USDT"]
    eng.ctx.markets["BTC/USDT"] = dataclasses.replace(
        market, native_stop_orders=False, note="stop orders are not offered on this market")
    note = eng.stop_note("BTC/USDT")
    assert note == ("Stops are watched by the app while it runs (stop orders are not offered "
                    "on this market).")


async def test_a_resting_stop_the_store_refuses_is_placed_on_a_later_pass(
        eng, venue, clock, tmp_path):
    """The trail moves the stop; the old one comes off, but the store refuses to record the new
    one (disk full): nothing unrecorded is sent, the trader is told, the app guards the
    position meanwhile, and the next pass after the store recovers places the stop."""
    import sqlite3

    errors: list[EngineError] = []
    eng.events.subscribe(errors.append, EngineError)
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          trailing_stop_percent="2")
    [position] = eng.positions()
    [first] = stops(eng)
    db = tmp_path / "venue.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TRIGGER broken_disk BEFORE INSERT ON orders "
                     "WHEN NEW.intent = 'protect' BEGIN "
                     "SELECT RAISE(ABORT, 'database or disk is full'); END")
    venue.set_price("BTC/USDT", "51000")  # the trail moves the stop up to 49 980
    clock.advance(minutes=5)
    await eng.run_cycle()
    assert first.status is OrderStatus.CANCELLED
    assert stops(eng) == [first] and await venue_stops(venue) == []
    assert any(e.message.startswith("Could not place the exchange stop for BTC/USDT")
               for e in errors)
    assert position.stop_loss == D("49980")  # the app still guards it
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER broken_disk")
    clock.advance(seconds=5)
    await eng.run_cycle()
    [placed] = [s for s in stops(eng) if s.is_open()]
    assert placed.stop_price == D("49980")
    assert [s.client_order_id for s in await venue_stops(venue)] == [placed.client_order_id]


async def test_a_partial_close_waits_while_the_resting_stop_cannot_come_off(eng, venue):
    """Selling part of the position needs the coins the resting stop holds. The stop's cancel
    goes unanswered: the partial close is refused (try again) and nothing is sold."""
    await eng.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                          stop_loss="49000")
    [position] = eng.positions()
    venue.fail_next(1, only=["cancel_order"])
    with pytest.raises(DomainError, match="could not be taken off yet"):
        await eng.close_position(position.id, amount="0.05")
    assert venue.calls["create_order"] == 2  # the entry and its stop, no sell
    assert position.amount == D("0.1") and position.status is PositionStatus.OPEN
