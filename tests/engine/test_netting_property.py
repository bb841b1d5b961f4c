"""A property of netting on the paper exchange (issue #10): for any sequence of buys, sells,
partial and full closes and price moves on one symbol,

- the open position's amount equals the coin the paper account holds (within dust), and
- Σ realized P&L − what the open part cost (entry value and entry fees) equals the change of
  the quote balance; once flat, Σ realized P&L alone does.

Refused orders (a sell beyond what is held) are part of the sequence: they must change nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_clock import FakeClock

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import DomainError
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange

D = Decimal
START_USDT = D("100000")

amounts = st.decimals(min_value=D("0.001"), max_value=D("0.05"), places=3)
steps = st.one_of(
    st.tuples(st.just("buy"), amounts),
    st.tuples(st.just("sell"), amounts),
    st.tuples(st.just("partial"), st.sampled_from([D("0.25"), D("0.5"), D("0.75")])),
    st.tuples(st.just("close"), st.none()),
    st.tuples(st.just("price"), st.integers(min_value=40000, max_value=60000).map(D)),
)


async def play(actions) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        demo = DemoExchange(prices={"BTC/USDT": D("50000")}, fee_rate=D("0.001"),
                            balances={"USDT": START_USDT})
        engine = await Engine.open(Path(tmp) / "p.sqlite3", demo,
                                   settings=Settings(update_log_min_seconds=0),
                                   clock=FakeClock())
        try:
            for kind, value in actions:
                try:
                    if kind in ("buy", "sell"):
                        await engine.place_order(symbol="BTC/USDT", side=kind, type="market",
                                                 amount=value)
                    elif kind == "price":
                        demo.set_price("BTC/USDT", value)
                        await engine.run_cycle()
                    else:
                        [position] = engine.positions(open_only=True) or [None]
                        if position is not None:
                            part = None if kind == "close" else position.amount * value
                            await engine.close_position(position.id, amount=part)
                except DomainError:
                    pass  # refused: must have changed nothing, which the checks below see
                await check(engine, demo)
            for position in engine.positions(open_only=True):
                await engine.close_position(position.id)
            await check(engine, demo, flat=True)
        finally:
            await engine.close()


async def check(engine: Engine, demo: DemoExchange, flat: bool = False) -> None:
    balances = await demo.fetch_balance()
    btc = balances["BTC"].total if "BTC" in balances else D(0)
    usdt = balances["USDT"].total
    price = demo.prices["BTC/USDT"]
    dust = D("0.00001") + D(5) / price  # one step, or less than the minimum order value
    open_positions = engine.positions(open_only=True)
    assert len(open_positions) <= 1, "one net position per symbol"
    held = open_positions[0].amount if open_positions else D(0)
    assert btc >= 0, "the paper account never goes short"
    assert abs(held - btc) <= dust, (held, btc)
    realized = sum((p.realized_pnl for p in engine.positions()), D(0))
    cost = sum((p.entry_price * p.amount + p.entry_fees for p in open_positions), D(0))
    dust_cost = sum((p.dust * p.entry_price for p in engine.positions()), D(0))
    assert abs(realized - cost - dust_cost - (usdt - START_USDT)) < D("0.0000001"), \
        (realized, cost, usdt)
    if flat:
        assert not open_positions
        assert abs(realized - (usdt - START_USDT)) <= dust * price


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(actions=st.lists(steps, min_size=1, max_size=8))
def test_open_position_is_what_the_account_holds(actions) -> None:
    asyncio.run(play(actions))
