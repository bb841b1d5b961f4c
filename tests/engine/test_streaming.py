"""Streamed prices drive exits between polls; the stream follows the symbols we hold."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import ExitReason, OrderIntent, PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.base import Ticker

D = Decimal


class StreamingDemo(DemoExchange):
    """The paper venue plus a push channel, shaped like CcxtExchange.watch_tickers."""

    features = frozenset({"watch_tickers"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pushes: asyncio.Queue[dict[str, Decimal]] = asyncio.Queue()
        self.subscriptions: list[list[str]] = []

    async def watch_tickers(self, symbols, *, poll_interval=5.0):
        self.subscriptions.append(list(symbols))
        while True:
            prices = await self.pushes.get()
            for symbol, price in prices.items():
                self.set_price(symbol, price)
            yield {s: Ticker(s, p) for s, p in prices.items() if s in symbols}


async def wait_for(condition, timeout=2.0):
    async def poll():
        while not condition():
            await asyncio.sleep(0.01)
    await asyncio.wait_for(poll(), timeout)


async def test_streamed_tick_fires_the_exit_once(tmp_path):
    # Polling every 60 s: only the stream can be what closes the position.
    settings = Settings(order_poll_seconds=60, position_poll_seconds=60)
    demo = StreamingDemo(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")})
    engine = await Engine.open(tmp_path / "s.sqlite3", demo, settings=settings)
    try:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                                 stop_loss="49000")
        [position] = engine.positions()
        engine.start()
        await wait_for(lambda: demo.subscriptions)
        assert demo.subscriptions[0] == ["BTC/USDT"]
        demo.pushes.put_nowait({"BTC/USDT": D("50500")})
        await wait_for(lambda: position.current_price == D("50500"))
        demo.pushes.put_nowait({"BTC/USDT": D("48900")})
        await wait_for(lambda: position.status is PositionStatus.CLOSED)
        assert position.close_reason is ExitReason.STOP_LOSS
        assert len([o for o in engine.orders() if o.intent is OrderIntent.EXIT]) == 1

        engine.watch("ETH/USDT")  # a new symbol restarts the stream with it
        demo.pushes.put_nowait({"BTC/USDT": D("48800")})
        await wait_for(lambda: len(demo.subscriptions) == 2)
        assert demo.subscriptions[1] == ["ETH/USDT"]
    finally:
        await engine.close()


class OrderPushDemo(DemoExchange):
    """The paper venue plus pushed order updates, shaped like CcxtExchange.watch_orders."""

    features = frozenset({"watch_orders"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_pushes: asyncio.Queue = asyncio.Queue()

    async def watch_orders(self, symbol=None):
        while True:
            yield await self.order_pushes.get()


async def test_pushed_order_update_syncs_that_order_at_once(tmp_path):
    settings = Settings(order_poll_seconds=60, position_poll_seconds=60)
    demo = OrderPushDemo(prices={"BTC/USDT": D("50000")})
    engine = await Engine.open(tmp_path / "o.sqlite3", demo, settings=settings)
    try:
        order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                         amount="0.1", price="49000", stop_loss="48000")
        engine.start()
        await asyncio.sleep(0.05)
        demo.set_price("BTC/USDT", D("48900"))  # fills on the venue
        [pushed] = [o for o in await demo.fetch_open_orders()] or \
            [await demo.fetch_order("BTC/USDT", client_order_id=order.client_order_id)]
        calls = demo.calls["fetch_order"]
        demo.order_pushes.put_nowait(pushed)
        await wait_for(lambda: order.status.value == "filled")
        assert demo.calls["fetch_order"] > calls  # read back, not trusted from the push
        [position] = engine.positions()
        assert position.stop_loss == D("48000")
    finally:
        await engine.close()
