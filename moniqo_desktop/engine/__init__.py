"""The trading engine: asyncio, no Qt. `Engine` is its public API."""

from ..exchanges.base import TIMEFRAMES, MarketInfo
from ..exchanges.errors import InvalidOrder
from .engine import CycleReport, Engine
from .events import ConnectionState, EventBus

# MarketInfo, InvalidOrder and TIMEFRAMES are the venue facts the window reads (a market's
# steps and minimums, the refusal they raise, the candle sizes): it gets them here, never from
# `exchanges`.
__all__ = ["TIMEFRAMES", "ConnectionState", "CycleReport", "Engine", "EventBus", "InvalidOrder",
           "MarketInfo"]
