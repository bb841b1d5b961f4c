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
    OrderSide,
    OrderStatus,
    Position,
    PositionSide,
    PositionStatus,
)
from ..domain.exits import apply_evaluation, evaluate_exit
from ..domain.money import ZERO
from ..domain.orders import TERMINAL_STATUSES, can_transition
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
    Event,
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
        self._events: list[Event] = []

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
            self.apply(order, snapshot, sent=True)
        finally:
            ctx.inflight.discard(order.id)
        return order

    def _finish_unsent(self, order: Order, status: OrderStatus, reason: str) -> None:
        order.update_status(status, reason, self.ctx.clock())
        position = self._exit_failed(order, reason) if order.intent is OrderIntent.EXIT else None
        self.ctx.store.save(order, *([position] if position else []))
        self._publish_order(order)
        verb = "rejected" if status is OrderStatus.REJECTED else "failed"
        self.ctx.bus.publish(UserMessage(
            f"Order {verb}", f"{order.side.value} {order.amount} {order.symbol}: {reason}",
            MessageLevel.ERROR))
        self._flush_events()

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
        self.apply(order, snap)
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
                if snap is not None and self.apply(order, snap):
                    changed += 1
            except ExchangeUnavailable:
                raise
            except Exception as exc:  # one bad order must not stop the others (or start-up)
                log.exception("sync of order %s failed", order.client_order_id)
                self._events.clear()
                ctx.bus.publish(EngineError(f"Sync of order {order.symbol} failed: {exc}"))
        return changed

    async def refresh(self, order: Order) -> bool:
        """Read one order from the exchange now and fold it in. Returns changed."""
        snap = await self._lookup(order)
        return snap is not None and self.apply(order, snap)

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
            position = self._exit_failed(order, order.history[-1].reason)
        else:
            position = self._entry_ended(order)
        self.ctx.store.save(order, *([position] if position else []))
        self._publish_order(order)
        self._flush_events()

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
        if order.filled_amount <= snap.amount < order.amount:
            # The exchange rounded the amount to its step: its amount is the one that fills.
            log.info("order %s amount %s taken as %s by the exchange", order.client_order_id,
                     order.amount, snap.amount)
            order.amount = snap.amount
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
        applied = [f for f in new_fills if order.has_fill(f.fill_id)]
        position = self._position_effects(order, applied)
        self.ctx.store.save(order, *([position] if position else []))
        # Everything is written: now tell the world, order first, then fills, then positions.
        self._publish_order(order)
        for fill in applied:
            self.ctx.bus.publish(FillReceived(order, fill))
            self.ctx.bus.publish(UserMessage(
                "Order filled" if order.status is OrderStatus.FILLED else "Partial fill",
                f"{order.side.value} {fill.amount} {order.symbol} @ {fill.price}"))
        self._flush_events()
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
        reason = snap.reason or "reported by the exchange"
        if not can_transition(order.status, target) and target in TERMINAL_STATUSES and \
                can_transition(order.status, OrderStatus.CANCELLED):
            # e.g. it expired while our cancel was on its way: it is over, say how.
            reason, target = f"{target.value} on the exchange: {reason}", OrderStatus.CANCELLED
        try:
            order.update_status(target, reason, now)
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
    # Position events are buffered (`_emit`) and published by the caller after the store write,
    # so a subscriber that reads the store never sees the past.
    def _position_effects(self, order: Order, fills: list[Fill]) -> Position | None:
        if order.intent is OrderIntent.ENTRY:
            position = self._grow_entry(order, fills)
            if order.is_complete():
                position = self._entry_ended(order) or position
            return position
        if order.intent is OrderIntent.PROTECT:
            return self._stop_fills(order, fills)
        return self._exit_progress(order)

    def _stop_fills(self, order: Order, fills: list[Fill]) -> Position | None:
        """The stop resting on the exchange executed: each fill takes its part of the position,
        the one that empties it closes it, for the reason that put the stop there."""
        position = self.ctx.positions.get(order.position_id or "")
        if position is None:
            return None
        for fill in fills:
            if not position.is_open:
                break
            received, fee_quote = self._received(order, fill)
            at = fill.at or self.ctx.clock()
            last = order.status is OrderStatus.FILLED and fill is fills[-1]
            if fill.amount < position.amount and not last:
                position.reduce(fill.amount, fill.price, fee_quote, at)
                self._emit(PositionUpdated(position))
                continue
            reason = position.stop_source
            position.close(order_id=order.id, price=fill.price, reason=reason, fees=fee_quote,
                           at=at)
            self._emit(PositionClosed(position))
            self._emit(UserMessage(
                f"Position closed by the exchange stop ({reason.value.replace('_', ' ')})",
                f"{position.symbol} {position.side.value} @ {fill.price}: "
                f"{position.realized_pnl.quantize(Decimal('0.01'))} {position.quote}",
                MessageLevel.WARNING))
        return position

    def _grow_entry(self, order: Order, fills: list[Fill]) -> Position | None:
        ctx = self.ctx
        position = ctx.position_for_entry(order.id)
        for fill in fills:
            received, fee_quote = self._received(order, fill)
            if position is None or not position.is_open:
                # First fill - or a late fill after the position was closed by hand: those
                # coins are in the account, so they are a position of their own.
                position = Position(
                    symbol=order.symbol, side=PositionSide.from_entry(order.side),
                    amount=received, entry_price=fill.price, entry_fees=fee_quote,
                    opened_at=fill.at or ctx.clock(), entry_order_id=order.id,
                    status=PositionStatus.OPENING,
                )
                ctx.add_position(position)
                ctx.prices.setdefault(order.symbol, fill.price)
                position.update_price(ctx.prices[order.symbol], ctx.clock())
                if order.protection is not None:
                    position.apply_protection(order.protection)
                    # Trailing and break-even stops exist from the first moment, not the
                    # first cycle; an exit it calls for is the tracker's to act on.
                    apply_evaluation(position, evaluate_exit(position, position.current_price))
                self._emit(PositionOpened(position))
            else:
                position.add_entry(received, fill.price, fee_quote)
                self._emit(PositionUpdated(position))
        if position is not None and order.status is OrderStatus.FILLED:
            if position.status is PositionStatus.OPENING:
                position.status = PositionStatus.OPEN
        return position

    @staticmethod
    def _received(order: Order, fill: Fill) -> tuple[Decimal, Decimal]:
        """(base amount the account gained or gave, fee valued in quote) for one fill."""
        received, fee_quote = fill.amount, ZERO
        cur = fill.fee_currency or order.quote
        if cur == order.quote:
            fee_quote = fill.fee
        elif cur == order.base:
            fee_quote = fill.fee * fill.price
            if order.side is OrderSide.BUY:
                received -= fill.fee
        return received, fee_quote

    def _entry_ended(self, order: Order) -> Position | None:
        """An entry order is done: whatever filled is now a fully open position."""
        position = self.ctx.position_for_entry(order.id)
        if position is not None and position.status is PositionStatus.OPENING:
            position.status = PositionStatus.OPEN
            self._emit(PositionUpdated(position))
            return position
        return None

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
            self._emit(PositionClosed(position))
            sign = "+" if position.realized_pnl >= 0 else ""
            self._emit(UserMessage(
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
            return self._exit_failed(order, order.history[-1].reason)
        return None

    def _exit_failed(self, order: Order, reason: str) -> Position | None:
        """The exit did not happen: the position is open and guarded again; the tracker will
        decide afresh on the next price (that is the retry). The caller saves the position."""
        position = self.ctx.positions.get(order.position_id or "")
        if position is None or position.exit_order_id != order.id:
            return None
        position.exit_failed()
        self._emit(PositionUpdated(position))
        self._emit(EngineError(
            f"Exit order for {position.symbol} did not go through: {reason}",
            "the position stays open and protected; it will be retried"))
        return position

    def _emit(self, event: Event) -> None:
        self._events.append(event)

    def _flush_events(self) -> None:
        events, self._events = self._events, []
        for event in events:
            self.ctx.bus.publish(event)

    # -- helpers ---------------------------------------------------------------------------
    def save_and_publish(self, order: Order) -> None:
        self.ctx.store.save(order)
        self._publish_order(order)

    def _publish_order(self, order: Order) -> None:
        self.ctx.bus.publish(OrderChanged(order))
