"""Start-up reconciliation: make our records true again after the app was closed or crashed.

Runs before the first cycle. Orders left PENDING (written, maybe never sent) are looked up by
client order id and adopted or failed; open orders catch up on fills that happened meanwhile;
positions whose exit filled meanwhile get closed; a position left CLOSING without a live exit
order is opened again so its protection keeps working.
"""

from __future__ import annotations

import logging

from ..domain import OrderStatus, PositionStatus
from .context import EngineContext
from .events import PositionUpdated
from .order_monitor import OrderMonitor

log = logging.getLogger(__name__)


async def reconcile(ctx: EngineContext, monitor: OrderMonitor) -> int:
    """Returns how many orders changed. Exchange errors propagate (the caller reports them)."""
    changed = await monitor.sync_open_orders()
    for position in ctx.positions.values():
        if position.status is not PositionStatus.CLOSING:
            continue
        exit_order = ctx.orders.get(position.exit_order_id or "")
        if exit_order is None or (exit_order.is_complete()
                                  and exit_order.status is not OrderStatus.FILLED):
            log.warning("position %s was closing without a live exit order; reopening", position.id)
            position.exit_failed()
            ctx.store.save(position)
            ctx.bus.publish(PositionUpdated(position))
    return changed
