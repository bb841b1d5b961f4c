"""The price stream comes back whatever ended it: the venue closing it, a dropped connection,
or a message that cannot be read."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import EngineError
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.base import Ticker
from moniqo_desktop.exchanges.errors import ExchangeUnavailable

D = Decimal


class EndingStream(DemoExchange):
    """Each subscription pushes what is queued for it and then ends (the venue closed the
    socket), or breaks with a malformed message; the engine must subscribe again."""

    features = frozenset({"watch_tickers"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: asyncio.Queue[list[object]] = asyncio.Queue()
        self.subscriptions = 0

    async def watch_tickers(self, symbols, *, poll_interval=5.0):
        self.subscriptions += 1
        for item in await self.sessions.get():
            if isinstance(item, Exception):
                raise item
            symbol, price = item
            self.set_price(symbol, price)
            yield {symbol: Ticker(symbol, D(price))}


async def wait_for(condition, timeout=5.0):
    async def poll():
        while not condition():
            await asyncio.sleep(0.01)
    await asyncio.wait_for(poll(), timeout)


async def test_the_stream_is_opened_again_after_it_ends_or_breaks(tmp_path):
    settings = Settings(order_poll_seconds=600, position_poll_seconds=0.05)
    demo = EndingStream(prices={"BTC/USDT": D("50000")})
    engine = await Engine.open(tmp_path / "s.sqlite3", demo, settings=settings)
    errors: list[EngineError] = []
    engine.events.subscribe(errors.append, EngineError)
    try:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                                 stop_loss="49000")
        [position] = engine.positions()
        answered = engine.health.last_answer
        engine.start()
        demo.sessions.put_nowait([("BTC/USDT", "50100")])  # one tick, then the venue hangs up
        await wait_for(lambda: position.current_price == D("50100"))
        assert engine.health.last_answer is not None and engine.health.last_answer >= answered
        demo.sessions.put_nowait([KeyError("result")])  # a message ccxt cannot parse
        await wait_for(lambda: any("Price stream stopped" in e.message for e in errors))
        demo.sessions.put_nowait([ExchangeUnavailable("binance ws closed 1006")])
        await wait_for(lambda: any("during price stream" in e.message for e in errors))
        demo.sessions.put_nowait([("BTC/USDT", "48900")])  # and it is back: the stop exits
        await wait_for(lambda: position.status is PositionStatus.CLOSED)
        assert demo.subscriptions >= 4
    finally:
        await engine.close()


class SteadyStream(DemoExchange):
    """One long subscription: pushes each queued tick as it comes, records what it was asked
    to follow."""

    features = frozenset({"watch_tickers"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ticks: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.asked: list[list[str]] = []
        self.pushed = 0

    async def watch_tickers(self, symbols, *, poll_interval=5.0):
        self.asked.append(list(symbols))
        while True:
            symbol, price = await self.ticks.get()
            self.set_price(symbol, price)
            self.pushed += 1
            yield {symbol: Ticker(symbol, D(price))}


async def test_the_stream_looks_at_its_symbol_set_only_when_it_may_have_changed(tmp_path):
    """After every batch the stream asked `symbols()` whether to follow another set: a scan
    of every position and every order in memory, 20 times a second. Now it asks only after
    something that can change the set (an order, a position opening or closing, a symbol
    watched), and still follows a new symbol."""
    settings = Settings(order_poll_seconds=600, position_poll_seconds=600)
    demo = SteadyStream(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")})
    engine = await Engine.open(tmp_path / "s.sqlite3", demo, settings=settings)
    try:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
        scans = 0
        symbols = engine.tracker.symbols

        def counted():
            nonlocal scans
            scans += 1
            return symbols()

        engine.tracker.symbols = counted
        engine.start()
        for i in range(50):
            demo.ticks.put_nowait(("BTC/USDT", str(50001 + i)))
        await wait_for(lambda: demo.pushed == 50 and demo.ticks.empty())
        await wait_for(lambda: engine.positions()[0].current_price == D("50050"))
        assert demo.asked == [["BTC/USDT"]]
        assert scans < 5  # the subscription's own and the jobs' first runs, not one a batch
        engine.tracker.watched.add("ETH/USDT")  # the order form shows ETH
        demo.ticks.put_nowait(("BTC/USDT", "50100"))
        await wait_for(lambda: len(demo.asked) == 2)
        assert demo.asked[-1] == ["BTC/USDT", "ETH/USDT"]
    finally:
        await engine.close()
