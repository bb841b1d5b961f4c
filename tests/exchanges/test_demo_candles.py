"""The paper exchange serves candles aggregated from its own ticks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from fake_clock import START, FakeClock
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.errors import ExchangeError

D = Decimal


async def test_ticks_become_one_minute_candles_and_longer_ones_from_those():
    clock = FakeClock()
    ex = DemoExchange(prices={"BTC/USDT": D("50000")}, clock=clock)
    for seconds, price in ((20, "50100"), (40, "49900"), (70, "50200"), (130, "50050"),
                           (320, "50500")):
        clock.now = START + timedelta(seconds=seconds)
        ex.set_price("BTC/USDT", D(price))
    minutes = await ex.fetch_ohlcv("BTC/USDT", "1m")
    assert [(c.at - START).seconds for c in minutes] == [0, 60, 120, 300]
    first = minutes[0]
    assert (first.open, first.high, first.low, first.close) == (
        D("50000"), D("50100"), D("49900"), D("49900"))
    five = await ex.fetch_ohlcv("BTC/USDT", "5m")
    assert [(c.open, c.high, c.low, c.close) for c in five] == [
        (D("50000"), D("50200"), D("49900"), D("50050")),
        (D("50500"), D("50500"), D("50500"), D("50500"))]
    later = await ex.fetch_ohlcv("BTC/USDT", "1m", since=START + timedelta(minutes=2), limit=1)
    assert [(c.at - START).seconds for c in later] == [120]


async def test_unknown_symbol_or_timeframe_is_a_clear_error():
    ex = DemoExchange(prices={"BTC/USDT": D("50000")})
    with pytest.raises(ExchangeError, match="timeframe 2m"):
        await ex.fetch_ohlcv("BTC/USDT", "2m")
    with pytest.raises(ExchangeError):
        await ex.fetch_ohlcv("DOGE/USDT", "1m")


def test_a_day_of_paper_candles_leaves_the_collector_nothing_to_walk():
    """Every minute of every ticking symbol is a candle kept for a week: as lists (mutable,
    so tracked) each one was walked by every garbage collection of the GUI thread, more each
    minute (#14, lag worst case). A candle of atoms kept as a tuple is untracked by the first
    collection that sees it."""
    import gc

    from moniqo_desktop.exchanges.demo_candles import TickCandles

    candles = TickCandles()
    start = FakeClock().now
    for symbol in ("BTC/USDT", "ETH/USDT", "SOL/USDT"):  # their deques are made here
        candles.add(symbol, D(100), start)
    gc.collect()
    before = len(gc.get_objects())
    for minute in range(1, 24 * 60):
        for seconds in (0, 20, 40):  # three ticks a minute: the candle is extended twice
            at = start + timedelta(minutes=minute, seconds=seconds)
            for n, symbol in enumerate(("BTC/USDT", "ETH/USDT", "SOL/USDT")):
                candles.add(symbol, D(100 + n) + D(minute % 7) + D(seconds) / 100, at)
    gc.collect()
    grown = len(gc.get_objects()) - before
    assert grown < 10, f"{grown} more objects for every collection to walk"
    [last] = candles.ohlcv("SOL/USDT", since=start + timedelta(minutes=24 * 60 - 1))
    assert (last.open, last.high, last.low, last.close) == (
        D(102) + D(1439 % 7), D(102) + D(1439 % 7) + D("0.4"), D(102) + D(1439 % 7),
        D(102) + D(1439 % 7) + D("0.4"))
