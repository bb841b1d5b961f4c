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
