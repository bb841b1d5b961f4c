"""Build the exchange the settings ask for: the paper exchange, or a real one through ccxt."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..config import Settings


def build_exchange(exchange_id: str, *, sandbox: bool = False,
                   settings: Settings | None = None) -> Any:
    """'demo' → DemoExchange on an offline random walk; anything else → CcxtExchange with keys
    from the OS keyring (public data only when none are stored)."""
    settings = settings or Settings()
    if exchange_id in ("demo", "paper", ""):
        from .demo import DemoExchange
        from .price_feeds import RandomWalkFeed

        feed = RandomWalkFeed()
        return DemoExchange(prices=feed.initial_prices(),
                            fee_rate=Decimal(settings.demo_fee_rate), feed=feed)
    from .ccxt_exchange import CcxtExchange

    return CcxtExchange.from_keyring(exchange_id, sandbox=sandbox)
