"""Order monitor: sends orders, keeps them in step with the exchange, turns fills into positions.

The rule that keeps money safe: an order is written (PENDING, with its client order id) before it
is sent, and an order whose send had an unknown outcome is only ever looked up by that client id,
never sent again.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from ..domain import (
    DomainError,
    ExitReason,
    Fill,
    InvalidTransition,
    Order,
    OrderIntent,
    OrderStatus,
    Position,
    PositionSide,
    PositionStatus,
)
from ..domain.money import ZERO
from ..exchanges.base import ExchangeOrder
from ..exchanges.errors import (
    ExchangeError,
    ExchangeUnavailable,
    InvalidOrder,
    OrderNotFound,
    AuthenticationFailed,
)
from .context import EngineContext
from .events import (
    EngineError,
    FillReceived,
    MessageLevel,
    OrderChanged,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    UserMessage,
)

log = logging.getLogger(__name__)

NOT_FOUND_LIMIT = 3
"""Consecutive 'not found' answers before an order we sent is declared gone (eventual
consistency on real venues makes a single miss meaningless)."""


class OrderMonitor:
    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self._misses: dict[str, int] = {}

    # -- sending --------------------------------------------------------------------------
    async def submit(self, order: Order, *extra_to_save: Position) -> Order:
        """Write `order` (and any object changed with it) then send it once."""
        ctx = self.ctx
        ctx.orders[order.id] = order
        ctx.store.save(order, *extra_to_save)
        self._publish_order(order)
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
            self.apply(order, snapshot, sent=True)
        finally:
            ctx.inflight.discard(order.id)
        return order

    def _finish_unsent(self, order: Order, status: OrderStatus, reason: str) -> None:
        order.update_status(status, reason, self.ctx.clock())
        self.save_and_publish(order)
        verb = "rejected" if status is OrderStatus.REJECTED else "failed"
        self.ctx.bus.publish(UserMessage(
            f"Order {verb}", f"{order.side.value} {order.amount} {order.symbol}: {reason}",
            MessageLevel.ERROR))
        if order.intent is OrderIntent.EXIT:
            self._exit_failed(order, reason)

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
                if snap is not None and self.apply(order, snap):
                    changed += 1
            except ExchangeUnavailable:
                raise
            except ExchangeError as exc:
                log.warning("sync of order %s failed: %s", order.client_order_id, exc)
                ctx.bus.publish(EngineError(f"Sync of order {order.symbol} failed: {exc}"))
        return changed

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
        self.save_and_publish(order)
        if order.intent is OrderIntent.EXIT:
            self._exit_failed(order, order.history[-1].reason)
        else:
            self._entry_ended(order)

    # -- applying what the exchange says ---------------------------------------------------
    def apply(self, order: Order, snap: ExchangeOrder, sent: bool = False) -> bool:
        """Fold an exchange snapshot into `order`: fills first, then status. Returns changed."""
        now = self.ctx.clock()
        before = (order.status, len(order.fills))
        if snap.exchange_order_id and order.exchange_order_id != snap.exchange_order_id:
            order.exchange_order_id = snap.exchange_order_id
        if order.status is OrderStatus.PENDING:
            order.update_status(OrderStatus.SUBMITTED,
                                "sent" if sent else "found on the exchange", now)
        new_fills = self._new_fills(order, snap)
        for fill in new_fills:
            try:
                order.add_fill(fill)
            except DomainError as exc:
                log.error("ignoring fill %s on %s: %s", fill.fill_id, order.client_order_id, exc)
                self.ctx.bus.publish(EngineError(f"Ignored an inconsistent fill: {exc}"))
        self._apply_status(order, snap, now)
        changed = before != (order.status, len(order.fills)) or sent
        if not changed:
            return False
        position = self._position_effects(order, [f for f in new_fills if order.has_fill(f.fill_id)])
        self.ctx.store.save(order, *([position] if position else []))
        self._publish_order(order)
        for fill in new_fills:
            if order.has_fill(fill.fill_id):
                self.ctx.bus.publish(FillReceived(order, fill))
                self.ctx.bus.publish(UserMessage(
                    "Order filled" if order.status is OrderStatus.FILLED else "Partial fill",
                    f"{order.side.value} {fill.amount} {order.symbol} @ {fill.price}"))
        return True

    def _apply_status(self, order: Order, snap: ExchangeOrder, now) -> None:
        target = snap.status
        if target in (OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED, OrderStatus.PENDING,
                      OrderStatus.SUBMITTED):
            return  # fills drive these
        if target is OrderStatus.OPEN and order.status is OrderStatus.CANCELLING:
            # Synced while no cancel call is in flight: the cancel never took effect.
            order.update_status(OrderStatus.OPEN, "cancel was not confirmed by the exchange", now)
            return
        if target is OrderStatus.OPEN and order.status is not OrderStatus.SUBMITTED:
            return  # already open or further
        if order.status is target:
            return
        try:
            order.update_status(target, snap.reason or "reported by the exchange", now)
        except InvalidTransition as exc:
            log.warning("%s", exc)

    def _new_fills(self, order: Order, snap: ExchangeOrder) -> list[Fill]:
        """Fills the order does not know yet: the exchange's own trades when they account for
        exactly the missing amount, otherwise one fill for the cumulative difference."""
        known = order.filled_amount
        missing = snap.filled - known
        trades = [t for t in snap.trades if not order.has_fill(t.fill_id)]
        if missing <= 0:
            return []
        if trades and sum((t.amount for t in trades), ZERO) == missing:
            return trades
        if snap.average is not None:
            price = (snap.average * snap.filled - order.filled_cost) / missing
        else:
            price = snap.price or self.ctx.prices.get(order.symbol)
        if price is None or price <= 0:
            log.warning("cannot price fill delta on %s", order.client_order_id)
            return []
        fee, currency = ZERO, None
        for cur, total in snap.fees.items():
            delta = total - order.fees.get(cur, ZERO)
            if delta > 0:
                fee, currency = delta, cur
                break
        fid = f"{snap.exchange_order_id or order.client_order_id}:{snap.filled.normalize()}"
        return [Fill(fill_id=fid, amount=missing, price=price, fee=fee, fee_currency=currency,
                     at=snap.timestamp or self.ctx.clock())]

    # -- fills -> positions ----------------------------------------------------------------
    def _position_effects(self, order: Order, fills: list[Fill]) -> Position | None:
        if order.intent is OrderIntent.ENTRY:
            position = self._grow_entry(order, fills)
            if order.is_complete():
                self._entry_ended(order)
            return position
        return self._exit_progress(order)

    def _grow_entry(self, order: Order, fills: list[Fill]) -> Position | None:
        ctx = self.ctx
        position = ctx.position_for_entry(order.id)
        for fill in fills:
            received = fill.amount
            fee_quote = ZERO
            cur = fill.fee_currency or order.quote
            if cur == order.quote:
                fee_quote = fill.fee
            elif cur == order.base:
                fee_quote = fill.fee * fill.price
                if order.side.value == "buy":
                    received -= fill.fee
            if position is None:
                position = Position(
                    symbol=order.symbol, side=PositionSide.from_entry(order.side),
                    amount=received, entry_price=fill.price, entry_fees=fee_quote,
                    opened_at=fill.at or ctx.clock(), entry_order_id=order.id,
                    status=PositionStatus.OPENING,
                )
                if order.protection is not None:
                    position.apply_protection(order.protection)
                ctx.add_position(position)
                ctx.prices.setdefault(order.symbol, fill.price)
                position.update_price(ctx.prices[order.symbol], ctx.clock())
                ctx.bus.publish(PositionOpened(position))
            else:
                position.add_entry(received, fill.price, fee_quote)
                ctx.bus.publish(PositionUpdated(position))
        if position is not None and order.status is OrderStatus.FILLED:
            if position.status is PositionStatus.OPENING:
                position.status = PositionStatus.OPEN
        return position

    def _entry_ended(self, order: Order) -> None:
        """An entry order is done: whatever filled is now a fully open position."""
        position = self.ctx.position_for_entry(order.id)
        if position is not None and position.status is PositionStatus.OPENING:
            position.status = PositionStatus.OPEN
            self.ctx.store.save(position)
            self.ctx.bus.publish(PositionUpdated(position))

    def _exit_progress(self, order: Order) -> Position | None:
        position = self.ctx.positions.get(order.position_id or "")
        if position is None:
            return None
        if order.status is OrderStatus.FILLED and position.is_open:
            price = order.average_fill_price
            assert price is not None
            reason = position.pending_exit_reason or ExitReason.MANUAL
            position.close(order_id=order.id, price=price, reason=reason,
                           fees=order.fee_in_quote, at=order.fills[-1].at or self.ctx.clock())
            self.ctx.bus.publish(PositionClosed(position))
            sign = "+" if position.realized_pnl >= 0 else ""
            self.ctx.bus.publish(UserMessage(
                f"Position closed ({reason.value.replace('_', ' ')})",
                f"{position.symbol} {position.side.value} {position.amount} @ {price}: "
                f"{sign}{position.realized_pnl.quantize(Decimal('0.01'))} {position.quote}"))
            return position
        if order.is_complete() and order.status is not OrderStatus.FILLED:
            if order.filled_amount > 0 and position.is_open:
                # What did sell is gone from the account: book it, guard the rest.
                price = order.average_fill_price
                assert price is not None
                position.reduce(order.filled_amount, price, order.fee_in_quote,
                                order.fills[-1].at or self.ctx.clock())
            reason = order.history[-1].reason
            self._exit_failed(order, reason, save=False)
            return position
        return None

    def _exit_failed(self, order: Order, reason: str, save: bool = True) -> None:
        """The exit did not happen: the position is open and guarded again; the tracker will
        decide afresh on the next price (that is the retry)."""
        position = self.ctx.positions.get(order.position_id or "")
        if position is None or position.exit_order_id != order.id:
            return
        position.exit_failed()
        if save:
            self.ctx.store.save(position)
        self.ctx.bus.publish(PositionUpdated(position))
        self.ctx.bus.publish(EngineError(
            f"Exit order for {position.symbol} did not go through: {reason}",
            "the position stays open and protected; it will be retried"))

    # -- helpers ---------------------------------------------------------------------------
    def save_and_publish(self, order: Order) -> None:
        self.ctx.store.save(order)
        self._publish_order(order)

    def _publish_order(self, order: Order) -> None:
        self.ctx.bus.publish(OrderChanged(order))
