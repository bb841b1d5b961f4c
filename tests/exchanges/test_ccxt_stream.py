"""Ticker streaming: websocket with reconnect, polling fallback — the loop logic, offline.

The websocket side is driven through a plain `watch` callable (its input is ccxt's unified
ticker dict, which `test_ccxt_binance` already covers through real parsing); the polling side
goes through real ccxt on recorded bodies.
"""

from __future__ import annotations

from decimal import Decimal

import ccxt.async_support as ccxt

from moniqo_desktop.exchanges.ccxt_stream import TickerStream

D = Decimal


def unified(symbol: str, last: float) -> dict:
    return {"symbol": symbol, "last": last, "bid": None, "ask": None, "timestamp": 1737635557417}


class ScriptedWatch:
    """Answers each watch call with the next scripted result (a dict, or an exception)."""

    def __init__(self, *script) -> None:
        self.script = list(script)
        self.calls = 0

    async def __call__(self, symbols):
        self.calls += 1
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item


async def take(stream: TickerStream, n: int) -> list[dict]:
    out = []
    gen = stream.updates()
    async for batch in gen:
        out.append({s: t.last for s, t in batch.items()})
        if len(out) == n:
            break
    await gen.aclose()
    return out


async def test_websocket_reconnects_after_a_drop(sleeps):
    watch = ScriptedWatch(
        {"BTC/USDT": unified("BTC/USDT", 60000.0)},
        ccxt.NetworkError("connection closed"),
        {"BTC/USDT": unified("BTC/USDT", 60001.5)},
    )

    async def poll(symbols):
        raise AssertionError("must not poll while the websocket recovers")

    stream = TickerStream(["BTC/USDT"], poll=poll, watch=watch, sleep=sleeps, base_delay=1.0)
    assert await take(stream, 2) == [{"BTC/USDT": D("60000")}, {"BTC/USDT": D("60001.5")}]
    assert sleeps.delays == [1.0]
    assert stream.mode == "websocket"


async def test_repeated_drops_fall_back_to_polling_then_retry_the_websocket(binance, binance_replay, sleeps):
    watch = ScriptedWatch(
        ccxt.NetworkError("down"), ccxt.NetworkError("down"), ccxt.NetworkError("down"),
        {"BTC/USDT": unified("BTC/USDT", 60002.0), "ETH/USDT": unified("ETH/USDT", 3001.0)},
    )
    binance_replay.add("tickers")
    stream = TickerStream(["BTC/USDT", "ETH/USDT"], poll=binance.fetch_tickers, watch=watch,
                          sleep=sleeps, base_delay=1.0, poll_interval=5.0, polls_before_retry=1)
    batches = await take(stream, 2)
    assert batches == [
        {"BTC/USDT": D("60000"), "ETH/USDT": D("3000")},  # polled through ccxt
        {"BTC/USDT": D("60002"), "ETH/USDT": D("3001")},  # websocket again
    ]
    assert sleeps.delays == [1.0, 2.0, 5.0]
    assert watch.calls == 4


async def test_exchange_that_cannot_stream_polls_for_good(binance, binance_replay, sleeps):
    watch = ScriptedWatch(ccxt.NotSupported("binance watchTickers() is not supported"))
    binance_replay.add("tickers").add("timeout_ticker", "timeout_ticker", "timeout_ticker").add("tickers")
    stream = TickerStream(["BTC/USDT", "ETH/USDT"], poll=binance.fetch_tickers, watch=watch,
                          sleep=sleeps, poll_interval=5.0)
    batches = await take(stream, 2)
    assert len(batches) == 2 and stream.mode == "polling"
    assert watch.calls == 1
    # a failed poll (3 timeouts, retried inside fetch_tickers) skips a beat, the stream goes on
    assert sleeps.delays == [5.0, 0.5, 1.0, 5.0]


async def test_binance_streams_through_ccxt_pro(binance):
    stream = TickerStream.for_exchange(binance, ["BTC/USDT"])
    assert stream.mode == "websocket"
    if stream._close is not None:
        await stream._close()


# -- orders (ccxt.pro watch_orders) -----------------------------------------------------------
import json  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

import pytest  # noqa: E402
from ccxt_replay import FIXTURES, TEST_KEY, TEST_SECRET  # noqa: E402

from moniqo_desktop.domain import Fill, OrderSide, OrderStatus, OrderType  # noqa: E402
from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange  # noqa: E402
from moniqo_desktop.exchanges.ccxt_stream import OrderStream  # noqa: E402


@pytest.fixture
async def ws_orders(binance):
    """Binance executionReport events parsed by the real ccxt.pro client (no socket opened)."""
    import ccxt.pro as pro

    client = pro.binance({"timeout_on_exit": 0})
    client.set_markets(list(binance.client.markets.values()))
    messages = json.loads((FIXTURES / "binance" / "ws_execution_reports.json").read_text())["messages"]
    yield [client.parse_ws_order(m) for m in messages]
    await client.close()


async def collect(stream: OrderStream) -> list:
    return [o async for o in stream.updates()]


async def test_order_stream_yields_domain_snapshots_with_each_execution(ws_orders, sleeps):
    new, partial, filled = ws_orders
    closed = []

    async def close():
        closed.append(True)

    watch = ScriptedWatch(
        [new], [partial], ccxt.NetworkError("socket closed"), [filled],
        ccxt.NotSupported("stop"),  # ends the stream so the test can collect it
    )
    stream = OrderStream("binance", watch=watch, close=close, sleep=sleeps, base_delay=1.0)
    out = await collect(stream)

    assert [(o.status, o.filled) for o in out] == [
        (OrderStatus.OPEN, D("0")),
        (OrderStatus.PARTIALLY_FILLED, D("0.004")),
        (OrderStatus.FILLED, D("0.01")),
    ]
    first = out[0]
    assert (first.exchange_order_id, first.client_order_id, first.symbol) == (
        "28457012345", "mq-limit-0001", "BTC/USDT",
    )
    assert (first.side, first.type, first.amount, first.price) == (
        OrderSide.BUY, OrderType.LIMIT, D("0.01"), D("55000"),
    )
    assert first.trades == () and first.fees == {}
    # each TRADE event carries exactly its own execution, fee in its own currency
    assert out[1].trades == (
        Fill("4366200001", D("0.004"), D("55000"), D("0.00029412"), "BNB",
             datetime(2025, 1, 23, 12, 33, 20, 123000, tzinfo=timezone.utc)),
    )
    assert out[2].trades == (
        Fill("4366200002", D("0.006"), D("54999"), D("0.000006"), "BTC",
             datetime(2025, 1, 23, 12, 35, 0, 456000, tzinfo=timezone.utc)),
    )
    # per-execution fees are not the order's running total: left out of `fees`
    assert out[1].fees == {} and out[2].fees == {}
    assert out[2].average == D("54999.4")
    assert sleeps.delays == [1.0]  # one reconnect after the drop
    assert closed == [True] and stream.mode == "none"


async def test_order_stream_gives_up_after_repeated_drops(sleeps):
    watch = ScriptedWatch(*(ccxt.NetworkError("down") for _ in range(3)))
    stream = OrderStream("binance", watch=watch, sleep=sleeps, base_delay=1.0, max_failures=3)
    assert await collect(stream) == []
    assert watch.calls == 3 and sleeps.delays == [1.0, 2.0]


async def test_order_stream_skips_an_odd_update_and_goes_on(ws_orders, sleeps):
    watch = ScriptedWatch([{"id": None, "symbol": "BTC/USDT", "side": "buy"}, ws_orders[0]],
                          ccxt.NotSupported("stop"))
    out = await collect(OrderStream("binance", watch=watch, sleep=sleeps))
    assert [o.exchange_order_id for o in out] == ["28457012345"]


async def test_watch_orders_without_keys_is_no_stream():
    exchange = CcxtExchange("binance", ccxt_options={"timeout_on_exit": 0})
    assert [o async for o in exchange.watch_orders()] == []
    await exchange.close()


async def test_watch_orders_with_keys_uses_ccxt_pro_with_the_same_keys_and_sandbox():
    exchange = CcxtExchange("binance", api_key=TEST_KEY, secret=TEST_SECRET, sandbox=True,
                            ccxt_options={"timeout_on_exit": 0})
    stream = OrderStream.for_exchange(exchange, "BTC/USDT")
    assert stream.mode == "websocket" and stream.symbol == "BTC/USDT"
    pro_client = stream._watch.__self__
    assert (pro_client.apiKey, pro_client.secret) == (TEST_KEY, TEST_SECRET)
    assert pro_client.isSandboxModeEnabled
    await stream._close()
    await exchange.close()
