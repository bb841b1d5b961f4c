"""Adapters to the outside world: the paper exchange and real exchanges through ccxt."""

from .base import Balance, Exchange, ExchangeOrder, MarketInfo, Ticker, Trade
from .errors import (
    AuthenticationFailed,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)

__all__ = [
    "AuthenticationFailed",
    "Balance",
    "DemoExchange",
    "Exchange",
    "ExchangeError",
    "ExchangeOrder",
    "ExchangeUnavailable",
    "InsufficientFunds",
    "InvalidOrder",
    "MarketInfo",
    "OrderNotFound",
    "RateLimited",
    "Ticker",
    "Trade",
]


def __getattr__(name: str):  # lazy: importing the package must not import ccxt
    if name == "DemoExchange":
        from .demo import DemoExchange

        return DemoExchange
    if name == "CcxtExchange":
        from .ccxt_exchange import CcxtExchange

        return CcxtExchange
    raise AttributeError(name)
