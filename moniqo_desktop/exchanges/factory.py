"""Build the exchange the settings ask for: the paper exchange, or a real one through ccxt."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..config import Settings
from ..domain import DomainError

FEED_HELP = ("random (offline random walk, default) · live[:EXCHANGE] (public tickers, e.g. "
             "live:binance) · csv:FILE[:SYMBOL][@SPEED] (replay OHLCV candles, SPEED× real time)")


def build_feed(spec: str) -> Any:
    """Parse a price-feed choice for the paper exchange (see FEED_HELP)."""
    from .price_feeds import CsvReplayFeed, LiveTickerFeed, RandomWalkFeed

    kind, _, rest = (spec or "random").partition(":")
    if kind == "random":
        return RandomWalkFeed()
    if kind == "live":
        return LiveTickerFeed(exchange_id=rest or "binance")
    if kind == "csv" and rest:
        rest, _, speed = rest.partition("@")
        path, symbol = rest, "BTC/USDT"
        head, sep, tail = rest.rpartition(":")
        if sep and "/" in tail:
            path, symbol = head, tail
        try:
            return CsvReplayFeed(path, symbol, speed=float(speed) if speed else 60.0, loop=True)
        except (OSError, ValueError) as exc:
            raise DomainError(f"cannot replay {path}: {exc}") from exc
    raise DomainError(f"unknown price feed {spec!r}; use {FEED_HELP}")


def build_exchange(exchange_id: str, *, sandbox: bool = False,
                   settings: Settings | None = None, price_feed: str | None = None) -> Any:
    """'demo' → DemoExchange on the chosen price feed; anything else → CcxtExchange with keys
    from the OS keyring (public data only when none are stored)."""
    settings = settings or Settings()
    if exchange_id in ("demo", "paper", ""):
        from .demo import DemoExchange

        feed = build_feed(price_feed or settings.demo_price_feed)
        return DemoExchange(prices=feed.initial_prices(),
                            fee_rate=Decimal(settings.demo_fee_rate), feed=feed,
                            allow_short=settings.demo_allow_short)
    from .ccxt_exchange import CcxtExchange

    return CcxtExchange.from_keyring(exchange_id, sandbox=sandbox)
