"""Choosing the paper exchange's price feed from settings / the command line."""

from pathlib import Path

import pytest

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import DomainError
from moniqo_desktop.exchanges.demo import DemoExchange
from moniqo_desktop.exchanges.factory import build_exchange, build_feed
from moniqo_desktop.exchanges.price_feeds import CsvReplayFeed, LiveTickerFeed, RandomWalkFeed

CSV = Path(__file__).resolve().parents[1] / "fixtures" / "ohlcv" / "btc_usdt_1m.csv"


def test_feed_choices():
    assert isinstance(build_feed("random"), RandomWalkFeed)
    live = build_feed("live:kraken")
    assert isinstance(live, LiveTickerFeed) and live.exchange_id == "kraken"
    replay = build_feed(f"csv:{CSV}:ETH/USDT@120")
    assert isinstance(replay, CsvReplayFeed)
    assert replay.symbol == "ETH/USDT" and replay.speed == 120.0
    assert build_feed(f"csv:{CSV}").symbol == "BTC/USDT"


@pytest.mark.parametrize("spec", ["weird", "csv:", "csv:/nonexistent.csv"])
def test_bad_feed_is_a_clear_error(spec):
    with pytest.raises(DomainError):
        build_feed(spec)


async def test_paper_exchange_on_a_replay():
    exchange = build_exchange("demo", settings=Settings(demo_price_feed=f"csv:{CSV}@1000"))
    assert isinstance(exchange, DemoExchange)
    markets = await exchange.load_markets()
    assert "BTC/USDT" in markets
    await exchange.close()
