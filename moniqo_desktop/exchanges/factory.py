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


class VenueRefused(DomainError):
    """The chosen venue cannot be used as asked (missing keys for this mode, missing essentials)."""


def check_venue(exchange_id: str, sandbox: bool = False) -> list[str]:
    """Check a real venue before connecting: raises `VenueRefused` naming what is missing;
    returns notices for what merely runs differently (stops watched by the app, polling)."""
    if exchange_id in ("demo", "paper", ""):
        return []
    import ccxt.async_support as ccxt

    from .keys import describe, load_keys
    from .venues import check_capabilities, profile_for

    cls = getattr(ccxt, exchange_id, None)
    if cls is None or exchange_id not in ccxt.exchanges:
        raise VenueRefused(f"{exchange_id!r} is not an exchange ccxt knows")
    client = cls()
    report = check_capabilities(profile_for(exchange_id, client), client)
    if not report.usable:
        raise VenueRefused(report.message())
    notices = [report.message()] if report.degraded else []
    wanted = load_keys(exchange_id, sandbox=sandbox)
    if wanted is None:
        other = load_keys(exchange_id, sandbox=not sandbox)
        if other is not None:
            flag = " --sandbox" if sandbox else ""
            raise VenueRefused(
                f"the {describe(exchange_id, sandbox)} are not stored; only the "
                f"{describe(exchange_id, not sandbox)} are, and they are never sent to the "
                f"{'testnet' if sandbox else 'live venue'}. Set them with: "
                f"moniqo-desktop keys set {exchange_id}{flag}"
            )
        notices.append(f"no API keys stored as {describe(exchange_id, sandbox)}: "
                       "only public data will work")
    return notices


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

    check_venue(exchange_id, sandbox)
    return CcxtExchange.from_keyring(exchange_id, sandbox=sandbox)
