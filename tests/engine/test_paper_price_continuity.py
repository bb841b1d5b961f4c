"""Paper prices go on from where they were: the issue's restart jumped BTC from the saved
64 438 back to the feed's default 65 000 and every protected position closed in its first second."""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.domain import PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.price_feeds import RandomWalkFeed

D = Decimal


def paper(seed: int) -> DemoExchange:
    # almost no volatility: one step moves prices by far less than the stops' distance
    return DemoExchange(feed=RandomWalkFeed(seed=seed, volatility=1e-6),
                        balances={"USDT": D("100000")})


async def test_restart_resumes_the_walk_from_the_saved_prices(tmp_path):
    db = tmp_path / "m.sqlite3"
    first = paper(1)
    engine = await Engine.open(db, first)
    first.set_price("BTC/USDT", D("64438"))
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01",
                             stop_loss="64300", take_profit="64600")
    await engine.close()

    second = paper(2)  # a new process: the feed starts from its default 65 000
    assert second.prices["BTC/USDT"] == D("65000")
    engine = await Engine.open(db, second)
    try:
        assert second.prices["BTC/USDT"] == D("64438")
        moved = await second.tick()
        assert abs(moved["BTC/USDT"] - D("64438")) < D("1")  # not back at 65 000
        await engine.run_cycle()
        [position] = engine.positions()
        assert position.status is PositionStatus.OPEN  # the take profit at 64 600 was not hit
    finally:
        await engine.close()
