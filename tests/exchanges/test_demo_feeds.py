"""Price feeds, alone and driving the paper exchange through `tick()`."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest

from moniqo_desktop.domain import Order, OrderStatus
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges.price_feeds import (
    CsvReplayFeed,
    LiveTickerFeed,
    ManualFeed,
    PriceFeed,
    RandomWalkFeed,
    read_ohlcv_csv,
)

D = Decimal
BTC = "BTC/USDT"
CSV = Path(__file__).resolve().parents[1] / "fixtures" / "ohlcv" / "btc_usdt_1m.csv"


def stop_sell(stop: str, amount: str = "0.01") -> Order:
    return Order(symbol=BTC, side="sell", type="stop", amount=D(amount), stop_price=D(stop))


# -- random walk -----------------------------------------------------------------------------
async def test_random_walk_is_deterministic_per_seed():
    a, b, c = RandomWalkFeed(seed=7), RandomWalkFeed(seed=7), RandomWalkFeed(seed=8)
    path_a = [await a.next_prices() for _ in range(200)]
    path_b = [await b.next_prices() for _ in range(200)]
    path_c = [await c.next_prices() for _ in range(200)]
    assert path_a == path_b
    assert path_a != path_c
    assert set(path_a[0]) == {"BTC/USDT", "ETH/USDT", "SOL/USDT"}
    assert all(isinstance(p, Decimal) for step in path_a for p in step.values())


async def test_random_walk_prices_are_positive_on_the_tick_and_realistic_per_second():
    feed = RandomWalkFeed(seed=1)
    previous = feed.initial_prices()
    assert previous == {"BTC/USDT": D("65000"), "ETH/USDT": D("3400"), "SOL/USDT": D("150")}
    moves = []
    for _ in range(1000):
        prices = feed.step()
        for sym, price in prices.items():
            assert price > 0 and price % D("0.01") == 0
            moves.append(abs(price / previous[sym] - 1))
        previous = prices
    # per-second moves of a few basis points: never a 1 % jump in one second, but not frozen
    assert max(moves) < D("0.001")
    assert sum(1 for m in moves if m > 0) > len(moves) * 0.9


def test_random_walk_never_reaches_zero_even_when_wild():
    feed = RandomWalkFeed({"PEPE/USDT": D("0.0001")}, seed=3, volatility=0.5)
    assert feed.price_step("PEPE/USDT") == D("1E-8")
    for _ in range(2000):
        assert feed.step()["PEPE/USDT"] >= D("1E-8")


def test_random_walk_volatility_scales_with_the_step_length():
    def spread(step_seconds: float) -> float:
        feed = RandomWalkFeed({BTC: D("65000")}, seed=11, step_seconds=step_seconds)
        logs, last = [], 65000.0
        for _ in range(2000):
            now = float(feed.step()[BTC])
            logs.append(math.log(now / last))
            last = now
        return (sum(x * x for x in logs) / len(logs)) ** 0.5

    assert 7 < spread(60.0) / spread(1.0) < 9  # √60 ≈ 7.75


async def test_default_demo_exchange_walks_offline():
    ex = DemoExchange()
    assert set(await ex.load_markets()) == {"BTC/USDT", "ETH/USDT", "SOL/USDT"}
    assert isinstance(ex.feed, PriceFeed)
    before = ex.prices
    moved = await ex.advance(5)
    assert set(moved) == set(before) and ex.prices == moved
    assert (await ex.fetch_ticker(BTC)).last == moved[BTC]


async def test_seeded_exchanges_agree_tick_by_tick():
    a = DemoExchange(feed=RandomWalkFeed(seed=42))
    b = DemoExchange(feed=RandomWalkFeed(seed=42))
    for _ in range(20):
        assert await a.tick() == await b.tick()


# -- manual feed -----------------------------------------------------------------------------
async def test_manual_feed_drives_matching_through_tick():
    feed = ManualFeed([{BTC: "50000"}, {BTC: "48000"}], initial={BTC: "51000"})
    ex = DemoExchange(feed=feed, balances={"USDT": D("10000")})
    assert ex.prices == {BTC: D("51000")}
    placed = await ex.create_order(Order(symbol=BTC, side="buy", type="limit",
                                         amount=D("0.1"), price=D("49000")))
    assert await ex.tick() == {BTC: D("50000")}
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).status is OrderStatus.OPEN
    await ex.tick()
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.average == D("49000")
    assert await ex.tick() == {}  # script exhausted: prices stay
    feed.push({BTC: "47000"})
    assert await ex.tick() == {BTC: D("47000")}


# -- CSV replay ------------------------------------------------------------------------------
def test_read_ohlcv_csv():
    candles = read_ohlcv_csv(CSV)
    assert len(candles) == 6
    assert candles[0].at.isoformat() == "2024-01-01T00:00:00+00:00"
    assert (candles[2].open, candles[2].low, candles[2].high, candles[2].close) == (
        D("41850.00"), D("41500.00"), D("41900.00"), D("41880.00"))


async def test_csv_replay_visits_open_extremes_close_in_a_plausible_order():
    feed = CsvReplayFeed(CSV, BTC)
    assert feed.initial_prices() == {BTC: D("42000")}
    path = []
    while not feed.finished:
        path.append((await feed.next_prices())[BTC])
    assert len(path) == 24
    assert path[:4] == [D("42000"), D("41950"), D("42100"), D("42050")]  # rising: low first
    assert path[4:8] == [D("42050"), D("42080"), D("41800"), D("41850")]  # falling: high first
    assert await feed.next_prices() == {}


async def test_csv_replay_loops_when_asked():
    feed = CsvReplayFeed(CSV, BTC, loop=True)
    for _ in range(24):
        await feed.next_prices()
    assert not feed.finished
    assert await feed.next_prices() == {BTC: D("42000")}


async def test_csv_replay_at_speed_follows_the_time_source_without_skipping():
    now = [100.0]
    feed = CsvReplayFeed(CSV, BTC, speed=60.0, time_source=lambda: now[0])
    assert await feed.next_prices() == {BTC: D("42000")}  # t = 0
    assert await feed.next_prices() == {}  # next point is 15 s of data = 0.25 s real
    now[0] += 0.25
    assert await feed.next_prices() == {BTC: D("41950")}
    now[0] += 10.0  # far behind: points still come one per call, in order
    assert await feed.next_prices() == {BTC: D("42100")}
    assert await feed.next_prices() == {BTC: D("42050")}


async def test_csv_replay_triggers_a_stop_on_a_candle_low_that_closed_above_it():
    ex = DemoExchange(feed=CsvReplayFeed(CSV, BTC), balances={"USDT": D("0"), "BTC": D("1")})
    placed = await ex.create_order(stop_sell("41600"))
    while not ex.feed.finished:  # type: ignore[union-attr]
        await ex.tick()
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED
    assert got.average == D("41500")  # the third candle's low, the gap price
    assert ex.prices[BTC] == D("42290")


def test_csv_with_wrong_columns_or_bad_rows_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("time,price\n1,2\n")
    with pytest.raises(ValueError, match="columns"):
        read_ohlcv_csv(bad)
    inverted = tmp_path / "inverted.csv"
    inverted.write_text("timestamp,open,high,low,close,volume\n"
                        "2024-01-01T00:00:00Z,100,90,110,100,1\n")
    with pytest.raises(ValueError, match="inverted.csv:2"):
        read_ohlcv_csv(inverted)


# -- live tickers ----------------------------------------------------------------------------
async def test_live_feed_is_constructed_without_touching_the_network():
    feed = LiveTickerFeed([BTC, "ETH/USDT"], "binance")
    assert isinstance(feed, PriceFeed)
    assert feed.symbols == (BTC, "ETH/USDT") and feed.available
    assert feed.initial_prices() == {}
    await feed.close()


async def test_live_feed_unknown_exchange_reports_unavailable():
    feed = LiveTickerFeed([BTC], "no_such_exchange")
    assert await feed.next_prices() == {}
    assert not feed.available and "no_such_exchange" in (feed.last_error or "")


async def test_live_feed_unreachable_venue_reports_unavailable_and_exchange_keeps_working():
    import ccxt.async_support as ccxt_async

    client = ccxt_async.binance({"timeout": 2000})
    client.urls["api"] = {k: "http://127.0.0.1:9/" for k in client.urls["api"]}  # closed port
    feed = LiveTickerFeed([BTC], client=client)
    ex = DemoExchange(prices={BTC: D("50000")}, feed=feed)
    assert await ex.tick() == {}
    assert not feed.available and feed.last_error
    assert ex.prices == {BTC: D("50000")}  # stale, not gone
    await ex.close()


async def test_live_feed_turns_ccxt_floats_into_exact_decimals():
    class Tickers:  # the shape of ccxt's fetch_tickers answer, nothing else
        def __init__(self) -> None:
            self.answers = [{BTC: {"last": 65123.45}}, {BTC: {"last": 65123.45}},
                            {BTC: {"last": 0.1 + 0.2}}]

        async def fetch_tickers(self, symbols):
            return self.answers.pop(0)

        async def close(self):
            pass

    feed = LiveTickerFeed([BTC], client=Tickers())
    ex = DemoExchange(feed=feed, balances={"USDT": D("10000")})
    assert ex.prices == {}  # nothing is fetched until asked
    markets = await ex.load_markets()  # a live feed learns its first prices (and markets) here
    assert markets[BTC].amount_step == D("0.00001")
    assert ex.prices == {BTC: D("65123.45")}
    assert await ex.tick() == {}  # unchanged price is no update
    assert await ex.tick() == {BTC: D("0.30000000000000004")}
    assert feed.available
