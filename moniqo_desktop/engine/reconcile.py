"""Start-up reconciliation: make our records true again after the app was closed or crashed.

Runs before the first cycle. Orders left PENDING (written, the outcome of their send unknown:
the process died while the create call was out) become SUBMITTED "outcome unknown (found
pending at start-up)" - on disk too - and follow the look-up rules: adopted when the venue
knows their client order id, FAILED only by the not-found rule, never sent again; open orders catch up on fills that happened meanwhile;
positions whose exit filled meanwhile get closed; a position left CLOSING without a live exit
order is opened again so its protection keeps working.
"""

from __future__ import annotations

import logging

from ..domain import OrderStatus, PositionStatus
from .context import EngineContext
from .events import OrderChanged, PositionUpdated
from .order_lifecycle import UNKNOWN_OUTCOME
from .order_monitor import OrderMonitor

log = logging.getLogger(__name__)


async def reconcile(ctx: EngineContext, monitor: OrderMonitor) -> int:
    """Returns how many orders changed. Exchange errors propagate (the caller reports them)."""
    mark_unknown_outcomes(ctx)
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


FOUND_PENDING = f"{UNKNOWN_OUTCOME} (found pending at start-up)"


def mark_unknown_outcomes(ctx: EngineContext) -> int:
    """PENDING at start-up means written, and the send's outcome unknown: the venue may have the
    order. Say so in its history (and on disk) before anything else looks at it, so it is
    judged by the look-up rules like any other unknown outcome. Returns how many."""
    found = [o for o in ctx.orders.values() if o.status is OrderStatus.PENDING]
    for order in found:
        log.warning("order %s was pending at start-up: outcome unknown, looking it up",
                    order.client_order_id)
        order.update_status(OrderStatus.SUBMITTED, FOUND_PENDING, ctx.clock())
    if found:
        ctx.store.save(*found)
        for order in found:
            ctx.bus.publish(OrderChanged(order))
    return len(found)
