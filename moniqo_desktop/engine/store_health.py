"""Whether the store is refusing writes, and the moment it accepts them again.

`StoreFailed` raises the window's banner; something has to take it down, or a full disk that
was cleared an hour ago still looks like an emergency. The store tells us about every write
transaction; a pass of the engine (a cycle, a sync, a price pass) in which writes happened and
none was refused is the evidence that it works again - one accepted write proves less, since a
partly broken store (one table refusing) accepts writes to the others.
"""

from __future__ import annotations

from ..store import Store
from .events import EventBus, StoreFailed, StoreRecovered


class StoreHealth:
    def __init__(self, store: Store, bus: EventBus) -> None:
        self.bus = bus
        self.failing = False
        self._wrote = False
        self._refused = False
        store.write_observers.append(self._observe)
        bus.subscribe(self._failed, StoreFailed)

    def _observe(self, ok: bool) -> None:
        if ok:
            self._wrote = True
        else:
            self._refused = True
            self.failing = True

    def _failed(self, _event: StoreFailed) -> None:
        self._refused = True
        self.failing = True

    def begin_pass(self) -> None:
        self._wrote = self._refused = False

    def end_pass(self) -> None:
        """Publish `StoreRecovered` once, after the first clean pass that wrote something."""
        if self.failing and self._wrote and not self._refused:
            self.failing = False
            self.bus.publish(StoreRecovered())
