"""The trading engine: asyncio, no Qt. `Engine` is its public API."""

from .engine import CycleReport, Engine
from .events import ConnectionState, EventBus

__all__ = ["ConnectionState", "CycleReport", "Engine", "EventBus"]
