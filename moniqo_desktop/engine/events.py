"""A small typed event bus: how the engine tells the UI (and tests) what happened.

Subscribers are plain callables run synchronously on the engine's loop thread. Under qasync that
thread is the Qt thread, so a Qt model may update itself directly in a handler; a handler that
raises is logged and never stops the engine or the other subscribers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from ..domain import ExitDecision, Fill, Order, Position
from ..domain.orders import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    at: datetime = field(default_factory=utcnow, kw_only=True)


@dataclass(frozen=True)
class OrderChanged(Event):
    """An order was created or its status/fills changed. `order` is the engine's live object."""

    order: Order


@dataclass(frozen=True)
class FillReceived(Event):
    order: Order
    fill: Fill


@dataclass(frozen=True)
class PositionOpened(Event):
    position: Position


@dataclass(frozen=True)
class PositionUpdated(Event):
    """Price, P&L, water marks, stop or protection changed."""

    position: Position


@dataclass(frozen=True)
class PositionClosed(Event):
    position: Position


@dataclass(frozen=True)
class ExitTriggered(Event):
    position: Position
    decision: ExitDecision


@dataclass(frozen=True)
class PricesUpdated(Event):
    prices: dict[str, Decimal]


@dataclass(frozen=True)
class AccountUpdated(Event):
    """Balances per currency: currency -> (free, total), as the venue last said.

    `stale` is set when a refresh failed: the figures are the last good read, taken at
    `as_of`, and the UI says so rather than showing old money as current."""

    balances: dict[str, tuple[Decimal, Decimal]]
    stale: bool = False
    as_of: datetime | None = None


class ConnectionState(str, Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DEGRADED = "degraded"  # calls failing, retrying with backoff
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class ConnectionChanged(Event):
    """`last_answer`: when the venue last answered (the UI shows its age as it grows)."""

    state: ConnectionState
    detail: str = ""
    last_answer: datetime | None = None


@dataclass(frozen=True)
class ServerHeartbeat(Event):
    """A window connected to a server engine (`--connect`) heard its heartbeat: which host and
    process run the engine, when it last beat, and when it stopped (a clean exit)."""

    host: str
    pid: int
    beat_at: datetime
    stopped_at: datetime | None = None


@dataclass(frozen=True)
class EngineError(Event):
    """Something went wrong that the trader should know about (also logged)."""

    message: str
    detail: str = ""


@dataclass(frozen=True)
class StoreFailed(Event):
    """The database refused a write (disk full, read-only, locked). Not an order failure:
    what the venue did still happened; the engine undid its unsaved in-memory change so the
    next sync (or start) books it exactly once. The UI says so loudly (a banner)."""

    message: str
    detail: str = ""


@dataclass(frozen=True)
class StoreRecovered(Event):
    """The database accepts writes again after a `StoreFailed`: a whole pass wrote what it
    had to write without a refusal. The UI takes its banner down."""

    message: str = "the database accepts writes again"


class MessageLevel(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class UserMessage(Event):
    """A notification for the trader (fills, exits, rejections): the GUI shows it in the tray."""

    title: str
    text: str
    level: MessageLevel = MessageLevel.INFO


@dataclass(frozen=True)
class Progress(Event):
    """Long work (loading markets, first sync): `done` of `total` steps, or finished."""

    task: str
    done: int
    total: int


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: list[tuple[tuple[type[Event], ...], Handler]] = []

    def subscribe(self, handler: Handler, *types: type[Event]) -> Callable[[], None]:
        """Call `handler(event)` for events of `types` (all events if none); returns unsubscribe."""
        entry = (types or (Event,), handler)
        self._handlers.append(entry)

        def unsubscribe() -> None:
            if entry in self._handlers:
                self._handlers.remove(entry)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for types, handler in list(self._handlers):
            if isinstance(event, types):
                try:
                    handler(event)
                except Exception:  # a broken subscriber must not stop trading
                    log.exception("event handler %r failed on %s", handler, type(event).__name__)
