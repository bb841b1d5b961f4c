"""The trading engine: asyncio, no Qt. `Engine` is its public API."""

from ..exchanges.base import MarketInfo
from ..exchanges.errors import InvalidOrder
from .engine import CycleReport, Engine
from .events import ConnectionState, EventBus

# MarketInfo and InvalidOrder are the venue facts the window reads (a market's steps and
# minimums, and the refusal they raise): it gets them here, never from `exchanges`.
__all__ = ["ConnectionState", "CycleReport", "Engine", "EventBus", "InvalidOrder", "MarketInfo"]
