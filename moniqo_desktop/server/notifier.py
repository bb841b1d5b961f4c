"""What the server tells its windows: one NOTIFY per kind per flush, naming the ids that changed.

The engine announces every change on its event bus after it is written (the store is the
memory, the bus the news). This collects the ids of changed orders and positions from those
events and, at each `flush` (the service flushes after every command and every poll), sends one
notification per kind in one transaction, so a window re-reads each changed row once however
many events a cycle produced. Balances and prices are the venue facts the `FactsPublisher`
writes and notifies itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..engine.events import (
    FillReceived,
    OrderChanged,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
)
from ..store import StoreError, notify

log = logging.getLogger(__name__)


class ChangeNotifier:
    """Subscribes to `engine`'s bus; `flush()` NOTIFYs what changed since the last flush."""

    def __init__(self, engine: Any, account: str) -> None:
        self.engine = engine
        self.account = account
        self.sent = 0
        self._dirty: dict[str, set[str]] = {"orders": set(), "positions": set()}
        bus = engine.events
        self._unsubscribe: list[Callable[[], None]] = [
            bus.subscribe(self._order, OrderChanged, FillReceived),
            bus.subscribe(self._position, PositionOpened, PositionUpdated, PositionClosed),
        ]

    def _order(self, event: OrderChanged | FillReceived) -> None:
        self._dirty["orders"].add(event.order.id)

    def _position(self, event: PositionOpened | PositionUpdated | PositionClosed) -> None:
        self._dirty["positions"].add(event.position.id)

    def flush(self) -> None:
        pending = {kind: sorted(ids) for kind, ids in self._dirty.items() if ids}
        if not pending:
            return
        for ids in self._dirty.values():
            ids.clear()
        try:
            with self.engine.ctx.store._transaction("notify the windows", write=False) as conn:
                for kind, ids in pending.items():
                    notify.send(conn, self.account, kind, ids)
        except StoreError as exc:  # the windows catch up at their next notice or reconnect
            log.warning("cannot notify the windows: %s", exc)
            return
        self.sent += len(pending)

    def close(self) -> None:
        self.flush()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
