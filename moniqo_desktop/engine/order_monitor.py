"""Order monitor: the one object the rest of the engine uses to place and follow orders.

A thin facade over three modules with one job each: `order_lifecycle` (send, cancel, sync,
the not-found rule), `snapshot_fills` (a venue snapshot into fills and status) and
`position_fills` (fills into positions).
"""

from __future__ import annotations

from ..domain import Order
from ..exchanges.base import ExchangeOrder
from .context import EngineContext
from .order_lifecycle import NOT_FOUND_LIMIT, OrderLifecycle
from .position_fills import PositionFills
from .snapshot_fills import SnapshotFolder

__all__ = ["NOT_FOUND_LIMIT", "OrderMonitor"]


class OrderMonitor(OrderLifecycle):
    """Wires the lifecycle to its snapshot folder and position bookkeeping."""

    def __init__(self, ctx: EngineContext) -> None:
        positions = PositionFills(ctx)
        super().__init__(ctx, SnapshotFolder(ctx, positions), positions)

    def apply(self, order: Order, snap: ExchangeOrder, sent: bool = False) -> bool:
        """Fold an exchange snapshot into `order` (see `SnapshotFolder.apply`)."""
        return self.folder.apply(order, snap, sent)
