"""An exit the venue's rules would refuse for a reason other than size-below-minimum must not
close the position as "dust": the account still holds the coins, and the table must say so.

Found in review: `_exit_size` took any `check_order` refusal (a market not trading, an amount
above the venue's maximum) for dust and wrote the whole position off.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from fake_clock import FakeClock

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.base import MarketInfo

D = Decimal
CAPPED = MarketInfo(symbol="BTC/USDT", base="BTC", quote="USDT", amount_step=D("0.001"),
                    price_step=D("0.01"), min_amount=D("0.001"), max_amount=D("1"),
                    min_cost=D("5"))


# Binance's shape: a limit order may be large (LOT_SIZE), a market order only up to
# MARKET_LOT_SIZE; an exit is a market order, so the smaller one sizes its parts
MARKET_CAPPED = replace(CAPPED, max_amount=D("9000"), max_market_amount=D("1"))


@pytest.fixture(params=[CAPPED, MARKET_CAPPED], ids=["max_amount", "max_market_amount"])
async def capped(tmp_path: Path, request):
    venue = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("1000000")},
                         fee_rate=D("0"), markets={"BTC/USDT": request.param})
    engine = await Engine.open(tmp_path / "capped.sqlite3", venue, settings=Settings(),
                               clock=FakeClock())
    yield venue, engine
    await engine.close()


async def test_a_position_above_the_venues_maximum_is_not_written_off_when_its_stop_fires(capped):
    venue, engine = capped
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="1",
                             stop_loss="45000")
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.5")
    [position] = engine.positions()
    assert position.amount == D("1.5")
    venue.set_price("BTC/USDT", D("44000"))
    await engine.run_cycle()
    await engine.run_cycle()
    # no order may sell more than 1 BTC: the exit goes out in parts until the account is flat
    balance = await venue.fetch_balance()
    held = balance["BTC"].total if "BTC" in balance else D(0)
    sells = [o for o in engine.orders() if o.side.value == "sell"]
    assert held == 0 and position.status is PositionStatus.CLOSED, (
        f"position {position.status.value} (dust {position.dust}) while the account holds {held}")
    assert position.dust == 0
    assert [o.amount for o in sells] == [D("1"), D("0.5")]
    assert position.realized_pnl == D("-9000")


async def test_an_exit_on_a_market_that_is_not_trading_waits_instead_of_writing_off(capped):
    venue, engine = capped
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.5",
                             stop_loss="45000")
    [position] = engine.positions()
    engine.ctx.markets["BTC/USDT"] = replace(engine.ctx.markets["BTC/USDT"], active=False)
    venue.set_price("BTC/USDT", D("44000"))
    await engine.run_cycle()
    assert position.status is PositionStatus.OPEN
    assert position.amount == D("0.5")
