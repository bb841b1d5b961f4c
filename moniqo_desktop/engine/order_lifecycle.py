"""Order lifecycle: sending, cancelling and syncing orders with the venue, and the not-found rule.

The rule that keeps money safe: an order is written (PENDING, with its client order id) before it
is sent, and an order whose send had an unknown outcome is only ever looked up by that client id,
never sent again.
"""

from __future__ import annotations

import logging

from ..domain import DomainError, Order, OrderIntent, OrderStatus, Position
from ..exchanges.base import ExchangeOrder
from ..exchanges.errors import (
    AuthenticationFailed,
    ExchangeError,
    ExchangeUnavailable,
    InvalidOrder,
    OrderNotFound,
)
from .context import EngineContext
from .events import EngineError, MessageLevel, OrderChanged, UserMessage
from .position_fills import PositionFills
from .snapshot_fills import SnapshotFolder

log = logging.getLogger(__name__)

NOT_FOUND_LIMIT = 3
"""Consecutive 'not found' answers before an order we sent is declared gone (eventual
consistency on real venues makes a single miss meaningless)."""


class OrderLifecycle:
    """Sending, cancelling and syncing orders; what the venue says is folded in by `folder`."""

    def __init__(self, ctx: EngineContext, folder: SnapshotFolder,
                 positions: PositionFills) -> None:
        self.ctx = ctx
        self.folder = folder
        self.positions = positions
        self._misses: dict[str, int] = {}

    # -- sending --------------------------------------------------------------------------
    async def submit(self, order: Order, *extra_to_save: Position) -> Order:
        """Write `order` (and any object changed with it), then send it once."""
        self.write(order, *extra_to_save)
        return await self.send(order)

    def write(self, order: Order, *extra_to_save: Position) -> None:
        """The durable half of placing an order: after this, a crash cannot lose it."""
        self.ctx.add_order(order)
        self.ctx.store.save(order, *extra_to_save)
        self._publish_order(order)

    async def send(self, order: Order) -> Order:
        """Send a written order; its outcome (or our ignorance of it) is recorded truthfully."""
        ctx = self.ctx
        ctx.inflight.add(order.id)
        try:
            snapshot = await ctx.exchange.create_order(order)
        except (InvalidOrder, AuthenticationFailed) as exc:
            self._finish_unsent(order, OrderStatus.REJECTED, str(exc))
        except ExchangeUnavailable as exc:
            # Outcome unknown: it may have reached the exchange. Keep it PENDING; the next sync
            # looks it up by client order id and adopts it or marks it FAILED.
            log.warning("order %s send failed (%s); will reconcile", order.client_order_id, exc)
            ctx.bus.publish(EngineError(
                f"Could not confirm order {order.symbol} {order.side.value}: {exc}",
                "it will be checked again on the next sync"))
        except ExchangeError as exc:
            self._finish_unsent(order, OrderStatus.FAILED, str(exc))
        else:
            self.folder.apply(order, snapshot, sent=True)
        finally:
            ctx.inflight.discard(order.id)
        return order

    def _finish_unsent(self, order: Order, status: OrderStatus, reason: str) -> None:
        order.update_status(status, reason, self.ctx.clock())
        position = (self.positions.exit_failed(order, reason)
                    if order.intent is OrderIntent.EXIT else None)
        self.ctx.store.save(order, *([position] if position else []))
        self._publish_order(order)
        verb = "rejected" if status is OrderStatus.REJECTED else "failed"
        self.ctx.bus.publish(UserMessage(
            f"Order {verb}", f"{order.side.value} {order.amount} {order.symbol}: {reason}",
            MessageLevel.ERROR))
        self.positions.flush_events()

    # -- cancelling -----------------------------------------------------------------------
    async def cancel(self, order: Order) -> Order:
        """CANCELLING, then whatever the exchange says: CANCELLED, or back OPEN/FILLED if it
        refused because the order had filled first. Never guesses the fate of an order."""
        ctx = self.ctx
        if order.is_complete():
            raise DomainError(f"order is already {order.status.value}")
        if order.status is OrderStatus.CANCELLING:
            raise DomainError("a cancel is already in progress for this order")
        if order.status is OrderStatus.PENDING:
            if order.id not in ctx.inflight:
                try:
                    await self.sync_open_orders()  # adopt it or learn it never arrived
                except ExchangeError as exc:
                    raise DomainError(f"cannot reach the exchange to cancel: {exc}") from exc
            if order.status is OrderStatus.PENDING:
                raise DomainError("the order is still being confirmed by the exchange; "
                                  "try again in a moment")
            if order.is_complete():
                return order
        order.update_status(OrderStatus.CANCELLING, "cancel requested", ctx.clock())
        self.save_and_publish(order)
        ctx.inflight.add(order.id)  # a sync racing the cancel must not judge it half-way
        try:
            snap = await ctx.exchange.cancel_order(order.exchange_order_id or "", order.symbol)
        except ExchangeUnavailable as exc:
            ctx.bus.publish(EngineError(f"Cancel not confirmed: {exc}",
                                        "the order will be checked on the next sync"))
            return order
        except ExchangeError as exc:
            snap = await self._refused_cancel(order, exc)
            if snap is None:
                return order
        finally:
            ctx.inflight.discard(order.id)
        self.folder.apply(order, snap)
        return order

    async def _refused_cancel(self, order: Order, exc: ExchangeError) -> ExchangeOrder | None:
        """The exchange refused the cancel: usually because the order filled first. Ask what
        it is now; if it is still live, the cancel simply did not happen."""
        try:
            snap = await self.ctx.exchange.fetch_order(
                order.symbol, exchange_order_id=order.exchange_order_id,
                client_order_id=order.client_order_id)
        except ExchangeError:
            self.ctx.bus.publish(EngineError(f"Cancel refused: {exc}"))
            return None
        if snap.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            order.update_status(OrderStatus.OPEN, f"cancel refused: {exc}", self.ctx.clock())
            self.save_and_publish(order)
        return snap

    # -- syncing --------------------------------------------------------------------------
    async def sync_open_orders(self) -> int:
        """Bring every open order in step with the exchange: one batched call, then single
        look-ups only for orders that left the open list. Returns how many orders changed."""
        ctx = self.ctx
        todo = [o for o in ctx.orders.values() if o.is_open() and o.id not in ctx.inflight]
        if not todo:
            return 0
        open_snaps = await ctx.exchange.fetch_open_orders()
        by_eid = {s.exchange_order_id: s for s in open_snaps}
        by_cid = {s.client_order_id: s for s in open_snaps if s.client_order_id}
        changed = 0
        for order in todo:
            snap = by_eid.get(order.exchange_order_id or "") or by_cid.get(order.client_order_id)
            try:
                if snap is None:
                    snap = await self._lookup(order)
                if snap is not None and self.folder.apply(order, snap):
                    changed += 1
            except ExchangeUnavailable:
                raise
            except Exception as exc:  # one bad order must not stop the others (or start-up)
                log.exception("sync of order %s failed", order.client_order_id)
                self.positions.discard_events()
                ctx.bus.publish(EngineError(f"Sync of order {order.symbol} failed: {exc}"))
        return changed

    async def refresh(self, order: Order) -> bool:
        """Read one order from the exchange now and fold it in. Returns changed."""
        snap = await self._lookup(order)
        return snap is not None and self.folder.apply(order, snap)

    async def _lookup(self, order: Order) -> ExchangeOrder | None:
        try:
            snap = await self.ctx.exchange.fetch_order(
                order.symbol, exchange_order_id=order.exchange_order_id,
                client_order_id=order.client_order_id)
        except OrderNotFound as exc:
            self._not_found(order, str(exc))
            return None
        self._misses.pop(order.id, None)
        return snap

    def _not_found(self, order: Order, detail: str) -> None:
        now = self.ctx.clock()
        if order.status is OrderStatus.PENDING:
            order.update_status(OrderStatus.FAILED, "never reached the exchange", now)
        else:
            misses = self._misses.get(order.id, 0) + 1
            self._misses[order.id] = misses
            if misses < NOT_FOUND_LIMIT:
                return
            self._misses.pop(order.id, None)
            order.update_status(OrderStatus.CANCELLED, f"no longer found on the exchange ({detail})",
                                now)
        if order.intent is OrderIntent.EXIT:
            position = self.positions.exit_failed(order, order.history[-1].reason)
        else:
            position = self.positions.entry_ended(order)
        self.ctx.store.save(order, *([position] if position else []))
        self._publish_order(order)
        self.positions.flush_events()

    # -- helpers ---------------------------------------------------------------------------
    def save_and_publish(self, order: Order) -> None:
        self.ctx.store.save(order)
        self._publish_order(order)

    def _publish_order(self, order: Order) -> None:
        self.ctx.bus.publish(OrderChanged(order))
