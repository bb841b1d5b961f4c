"""Engine events reach the widgets as frozen snapshots, through the event loop, per burst.

The engine publishes synchronously from inside its own work (a cycle, a `place_order`). A widget
handler run right there would see objects the engine is half-way through changing, could call
back into the engine while it works, and would make the engine wait for painting. So the only
subscriber the window has is `EventPump.receive`, which:

1. copies the event's position/order (a snapshot the engine can no longer change under the UI),
2. queues it, coalescing with what is already queued: one `PositionUpdated` per position, one
   `OrderChanged` per order, one `AccountUpdated`, all `PricesUpdated` merged (the latest state
   is what the screen needs; every status change of an order is still in its history),
3. asks for one delivery on a later turn of the event loop (vnpy's EventEngine, with a Qt
   zero-timer instead of a thread).

Delivery runs handlers in arrival order, in slices of at most `slice_ms`, so a burst of 1 000
updates never holds the Qt thread for long; what is left goes on the next turn.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import is_dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer

from ..domain import Order, Position
from ..engine.events import (
    AccountUpdated,
    Event,
    OrderChanged,
    PositionUpdated,
    PricesUpdated,
)
from .position_snapshot import position_snapshot

log = logging.getLogger(__name__)

_pumps: "weakref.WeakSet[EventPump]" = weakref.WeakSet()


def pending() -> int:
    """Events queued in any window's pump (tests wait for zero, like `tasks.pending()`)."""
    return sum(pump.pending for pump in list(_pumps))


def snapshot(obj: Any) -> Any:
    """A copy the engine cannot change: the object and its lists/dicts (history, fills, fees).

    Its attributes are copied as one dict (values are immutable: Decimals, enums, datetimes,
    frozen dataclasses), not through `copy.copy`'s generic protocol, which cost about three
    times as much per position: the pump takes one snapshot per announcement. A position's
    copy is a `PositionSnapshot`, which leaves the garbage collector nothing to follow
    (`position_snapshot`)."""
    if isinstance(obj, Position):
        return position_snapshot(obj)
    if not isinstance(obj, Order):
        return obj
    return _clone(obj, {})


def _clone(obj: Any, changes: dict[str, Any]) -> Any:
    """`obj`'s twin without running `__init__` (no validation to redo, no `__setattr__` of a
    frozen dataclass), its lists and dicts copied, `changes` applied."""
    state = dict(vars(obj))
    for name, value in state.items():
        if name in changes:
            continue
        if isinstance(value, list):
            state[name] = list(value)
        elif isinstance(value, dict):
            state[name] = dict(value)
    state.update(changes)
    clone = object.__new__(type(obj))
    vars(clone).update(state)
    return clone


def frozen(event: Event) -> Event:
    """The event with its live engine objects replaced by snapshots (a new event: the
    engine's own, and what other subscribers hold, stay as they are)."""
    if not is_dataclass(event):
        return event
    changes = {}
    for name, value in vars(event).items():
        if isinstance(value, (Order, Position)):
            changes[name] = snapshot(value)
        elif isinstance(value, dict):
            changes[name] = dict(value)
    return _clone(event, changes) if changes else event


def coalesce_key(event: Event) -> tuple[str, str] | None:
    """Events with the same key replace each other in the queue (the newest state wins)."""
    match event:
        case PositionUpdated(position=p):
            return ("position", p.id)
        case OrderChanged(order=o):
            return ("order", o.id)
        case AccountUpdated():
            return ("account", "")
        case PricesUpdated():
            return ("prices", "")
    return None


class EventPump(QObject):
    """Subscribe once to the engine's bus; deliver queued snapshots to `route(event)`."""

    def __init__(self, route: Callable[[Event], None], parent: QObject | None = None,
                 slice_ms: float = 5.0) -> None:
        super().__init__(parent)
        self._route = route
        self._queue: OrderedDict[object, Event] = OrderedDict()
        self._seq = 0
        self.slice_ms = slice_ms
        self.delivered = 0
        self.coalesced = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.deliver)
        _pumps.add(self)

    def receive(self, event: Event) -> None:
        """The bus handler: snapshot, queue (coalescing), schedule. Never runs a widget."""
        key = coalesce_key(event)
        if key is not None and key in self._queue:
            queued = self._queue[key]
            if isinstance(event, PricesUpdated) and isinstance(queued, PricesUpdated):
                merged = {**queued.prices, **event.prices}
                event = replace(event, prices=merged)
            self._queue[key] = frozen(event)  # keeps its place, takes the newest state
            self.coalesced += 1
        else:
            if key is None:
                self._seq += 1
                key = ("event", self._seq)
            self._queue[key] = frozen(event)
        if not self._timer.isActive():
            self._timer.start()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def deliver(self) -> None:
        """Hand queued events to the window in order, for at most `slice_ms` per turn."""
        deadline = time.perf_counter() + self.slice_ms / 1000
        while self._queue:
            _key, event = self._queue.popitem(last=False)
            try:
                self._route(event)
            except Exception:  # a broken widget must not stop the others
                log.exception("UI handler failed on %s", type(event).__name__)
            self.delivered += 1
            if time.perf_counter() > deadline and self._queue:
                self._timer.start()  # the rest on the next turn: painting goes first
                return

    def flush(self) -> None:
        """Deliver everything now (tests, screenshots, shutdown)."""
        self._timer.stop()
        while self._queue:
            _key, event = self._queue.popitem(last=False)
            try:
                self._route(event)
            except Exception:
                log.exception("UI handler failed on %s", type(event).__name__)
            self.delivered += 1
