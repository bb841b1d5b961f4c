"""An exit racing other orders on its symbol (the full fault soak's invariant-5 failure, and
the exit that waited on a pending order with a traceback every cycle).

Paper exchange, real SQLite file, injected clock; the venue's own balance is the witness.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from moniqo_desktop.domain import OrderStatus, PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges.errors import ExchangeUnavailable

D = Decimal


def lose_answer(view) -> None:
    raise ExchangeUnavailable("read timed out")


async def cycles(engine: Engine, clock, n: int, seconds: float = 15) -> None:
    for _ in range(n):
        clock.advance(seconds=seconds)
        await engine.run_cycle()


async def coin(demo, currency: str = "BTC") -> Decimal:
    held = (await demo.fetch_balance()).get(currency)
    return held.total if held is not None else D(0)


async def test_entry_fill_learned_while_the_exit_is_unconfirmed_is_not_written_off(
        engine, demo, clock):
    """Soak seed 12: a limit buy filled while its cancel's answer was lost, the exit (sized
    before that fill was known) lost its answer too; the next sync added the late entry fill to
    the closing position, then the exit's fill took the old amount off, and the remainder - coins
    really in the account - was written off as dust: open positions 0, account 0.05 BTC."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions(open_only=True)
    entry = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.05", price="49900")
    demo.set_price("BTC/USDT", D("49900"))  # the venue fills the limit; we have not synced
    demo.fail_next(1, ExchangeUnavailable("cancel: request timed out"), only=["cancel_order"])
    demo.on_create = lose_answer
    await engine.close_position(position.id)  # takes back the limit (answer lost), then exits
    demo.on_create = None
    await cycles(engine, clock, 4)
    assert entry.status is OrderStatus.FILLED
    held = sum((p.amount for p in engine.positions(open_only=True)), D(0))
    assert held == await coin(demo), (held, engine.positions())
    assert demo.calls["create_order"] <= 4


async def test_exit_waits_without_a_traceback_while_another_order_is_unconfirmed(
        engine, demo, clock, caplog):
    """Before: monitor.cancel raised DomainError "still being confirmed" for our pending limit
    buy and the exit logged "exit of ... failed" with a traceback every cycle. Now: one warning
    line per cycle, no exit order until the limit is known, then exactly one exit."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions(open_only=True)
    demo.on_create = lose_answer
    limit = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.05", price="40000")
    demo.on_create = None
    assert limit.exchange_order_id is None and limit.is_open()
    demo.fail_next(100, ExchangeUnavailable("fetch: 503 Service Unavailable"),
                   only=["fetch_order", "fetch_open_orders"])
    demo.set_price("BTC/USDT", D("48000"))  # the stop is hit
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await cycles(engine, clock, 3)
    assert position.status is PositionStatus.OPEN and position.exit_order_id is None
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    waits = [r for r in caplog.records if "waits" in r.getMessage()]
    assert len(waits) == 3 and all(r.levelno == logging.WARNING for r in waits)
    demo.clear_failures()  # the venue answers again
    await cycles(engine, clock, 3)
    assert limit.is_complete()
    assert position.status is PositionStatus.CLOSED
    exits = [o for o in engine.orders() if o.position_id == position.id and o.side.value == "sell"]
    assert len(exits) == 1, exits
    assert await coin(demo) == 0
