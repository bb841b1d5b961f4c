"""Late fills: which finished orders are still looked up, and how often.

A fill the venue reports for an order we ever sent is applied whatever status we gave it
(DESIGN.md "What venues really do"), so an order that finished unfilled - cancelled, expired, or
FAILED by our inference - stays in the synced set for `late_fill_hours`. Looking each one up at
every poll for a day costs one request per order per poll (43 200 a day at a 2 s poll, for every
cancelled order) and is what venues rate-limit; late fills come early or rarely. So: every poll
for `late_fill_fast_seconds` after the order finished, then the gap doubles from the poll
interval up to `late_fill_max_gap_seconds`. The schedule lives in memory: after a restart each
such order is looked up once at once, then the gaps grow again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain import Order, OrderStatus
from ..domain.orders import LATE_FILL_STATUSES
from .context import EngineContext


@dataclass
class LateWatch:
    """When an order is next looked up, and the gap that was used to get there."""

    next_at: datetime
    gap: float


class LateFills:
    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self._watches: dict[str, LateWatch] = {}

    def may_fill(self, order: Order) -> bool:
        """Finished by our inference or by a cancel that may have lost a race, within the
        late-fill window, and not fully filled: the venue may still report a fill."""
        if order.status not in LATE_FILL_STATUSES and order.status is not OrderStatus.FAILED:
            return False
        if order.remaining_amount <= 0 or order.finished_at is None:
            return False
        window = timedelta(hours=self.ctx.settings.late_fill_hours)
        return self.ctx.clock() - order.finished_at < window

    def due(self, order: Order) -> bool:
        """An order that may still fill, whose next look-up is due now."""
        if not self.may_fill(order):
            self._watches.pop(order.id, None)
            return False
        watch = self._watches.get(order.id)
        return watch is None or self.ctx.clock() >= watch.next_at

    def looked_up(self, order: Order) -> None:
        """`order` is being looked up now: schedule the next time."""
        s = self.ctx.settings
        now = self.ctx.clock()
        assert order.finished_at is not None
        if (now - order.finished_at).total_seconds() < s.late_fill_fast_seconds:
            gap = 0.0
        else:
            previous = self._watches.get(order.id)
            gap = min(s.late_fill_max_gap_seconds,
                      max(s.order_poll_seconds, 2 * previous.gap if previous else 0.0))
        self._watches[order.id] = LateWatch(now + timedelta(seconds=gap), gap)
