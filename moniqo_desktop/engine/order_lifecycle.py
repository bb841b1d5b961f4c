"""Order lifecycle: sending, cancelling and syncing orders with the venue, and the not-found rule.

The rule that keeps money safe: an order is written (PENDING, with its client order id) before it
is sent, and an order whose send had an unknown outcome is only ever looked up by that client id,
never sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..domain import DomainError, Order, OrderIntent, OrderStatus, Position
from ..domain.figures import fmt_amount
from ..exchanges.base import ExchangeOrder
from ..exchanges.errors import (
    AuthenticationFailed,
    ExchangeError,
    ExchangeUnavailable,
    InvalidOrder,
    OrderNotFound,
)
from .context import EngineContext
from ..store import StoreError
from .events import EngineError, MessageLevel, OrderChanged, StoreFailed, UserMessage
from .late_fills import LateFills
from .position_fills import PositionFills
from .snapshot_fills import SnapshotFolder

log = logging.getLogger(__name__)

NOT_FOUND_LIMIT = 3
"""Default of `Settings.not_found_answers`: 'not found' answers (spread over at least
`Settings.not_found_seconds`) before an order is declared gone; eventual consistency on real
venues makes a single miss meaningless."""
UNKNOWN_OUTCOME = "outcome unknown"
NEVER_ARRIVED = "never reached the exchange"


@dataclass
class Misses:
    """'Not found' answers for one order since it was last seen."""

    count: int
    first_at: datetime


class OrderLifecycle:
    """Sending, cancelling and syncing orders; what the venue says is folded in by `folder`."""

    def __init__(self, ctx: EngineContext, folder: SnapshotFolder,
                 positions: PositionFills) -> None:
        self.ctx = ctx
        self.folder = folder
        self.positions = positions
        self._misses: dict[str, Misses] = {}
        self.late = LateFills(ctx)

    # -- sending --------------------------------------------------------------------------
    async def submit(self, order: Order, *extra_to_save: Position) -> Order:
        """Write `order` (and any object changed with it), then send it once."""
        self.write(order, *extra_to_save)
        return await self.send(order)

    def write(self, order: Order, *extra_to_save: Position) -> None:
        """The durable half of placing an order: after this, a crash cannot lose it. If the
        store refuses, nothing is sent (StoreError propagates) and the order is forgotten."""
        try:
            self.ctx.store.save(order, *extra_to_save)
        except StoreError as exc:
            self.ctx.bus.publish(StoreFailed(str(exc),
                                             f"the {order.symbol} order was not sent"))
            raise
        self.ctx.add_order(order)
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
            # Outcome unknown: it may have reached the exchange. SUBMITTED "outcome unknown";
            # every sync looks it up by client order id until it is found or the not-found rule
            # says it never arrived. It is never sent again.
            log.warning("order %s send failed (%s); will reconcile", order.client_order_id, exc)
            order.update_status(OrderStatus.SUBMITTED, UNKNOWN_OUTCOME, ctx.clock())
            self.save_and_publish(order)
            ctx.bus.publish(EngineError(
                f"Could not confirm order {order.symbol} {order.side.value}: {exc}",
                "it will be checked again on the next sync"))
        except ExchangeError as exc:
            self._finish_unsent(order, OrderStatus.FAILED, str(exc))
        else:
            try:
                await self.fold(order, snapshot, sent=True)
            except StoreError:
                pass  # reported (StoreFailed) and undone in memory: the next sync books it
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
            f"Order {verb}",
            f"{order.side.value} {fmt_amount(order.amount)} {order.symbol}: {reason}",
            MessageLevel.ERROR))
        self.positions.flush_events()

    # -- cancelling -----------------------------------------------------------------------
    async def cancel(self, order: Order) -> Order:
        """CANCELLING, then whatever the exchange says: CANCELLED, or back to the status it had
        (OPEN or PARTIALLY_FILLED) if it refused, or FILLED if it filled first. A cancel whose
        answer was lost may be sent again. Never guesses the fate of an order."""
        ctx = self.ctx
        if order.is_complete():
            raise DomainError(f"order is already {order.status.value}")
        if order.id in ctx.inflight:
            raise DomainError("the order is still being sent or cancelled; try again in a moment")
        if order.exchange_order_id is None:
            # Not acknowledged yet (PENDING, or SUBMITTED with an unknown outcome): learn its
            # fate first; there is nothing to cancel by until the venue names it.
            try:
                await self.sync_open_orders()
            except ExchangeError as exc:
                raise DomainError(f"cannot reach the exchange to cancel: {exc}") from exc
            if order.is_complete():
                return order
            if order.exchange_order_id is None:
                raise DomainError("the order is still being confirmed by the exchange; "
                                  "try again in a moment")
        order.request_cancel(ctx.clock())
        self.save_and_publish(order)
        ctx.inflight.add(order.id)  # a sync racing the cancel must not judge it half-way
        try:
            snap = await ctx.exchange.cancel_order(order.exchange_order_id, order.symbol)
        except ExchangeUnavailable as exc:
            ctx.bus.publish(EngineError(f"Cancel not confirmed: {exc}",
                                        "the order will be checked on the next sync; "
                                        "you may cancel again"))
            return order
        except ExchangeError as exc:
            snap = await self._refused_cancel(order, exc)
            if snap is None:
                return order
        finally:
            ctx.inflight.discard(order.id)
        await self.fold(order, snap, cancel_answer=True)
        return order

    async def _refused_cancel(self, order: Order, exc: ExchangeError) -> ExchangeOrder | None:
        """The exchange refused the cancel: usually because the order filled first. Ask what
        it is now; if it is still live, the cancel simply did not happen: roll back."""
        try:
            snap = await self.ctx.exchange.fetch_order(
                order.symbol, exchange_order_id=order.exchange_order_id,
                client_order_id=order.client_order_id)
        except ExchangeError:
            self.ctx.bus.publish(EngineError(f"Cancel refused: {exc}",
                                             "the order will be checked on the next sync"))
            return None
        if snap.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED) and \
                order.status is OrderStatus.CANCELLING:
            order.cancel_refused(f"cancel refused: {exc}", self.ctx.clock())
            self.save_and_publish(order)
        return snap

    # -- syncing --------------------------------------------------------------------------
    async def sync_open_orders(self) -> int:
        """Bring every open order - and every order finished in the last `late_fill_hours`
        that could still gain a fill - in step with the exchange: one batched call, then
        single look-ups only for orders not in the open list. Returns how many changed."""
        ctx = self.ctx
        late = {o.id for o in ctx.orders.values() if self.late.due(o)}
        todo = [o for o in ctx.orders.values()
                if (o.is_open() or o.id in late) and o.id not in ctx.inflight]
        if not todo:
            return 0
        open_snaps = await ctx.exchange.fetch_open_orders()
        by_eid = {s.exchange_order_id: s for s in open_snaps}
        by_cid = {s.client_order_id: s for s in open_snaps if s.client_order_id}
        changed = 0
        for order in todo:
            if order.id in late:
                self.late.looked_up(order)
            snap = by_eid.get(order.exchange_order_id or "")
            if snap is not None and snap.client_order_id and \
                    snap.client_order_id != order.client_order_id:
                snap = None  # a reused venue id: someone else's order, never ours
            snap = snap or by_cid.get(order.client_order_id)
            try:
                if snap is None:
                    snap = await self._lookup(order)
                else:
                    self._misses.pop(order.id, None)
                if snap is not None and await self.fold(order, snap):
                    changed += 1
            except ExchangeUnavailable:
                raise
            except StoreError:
                continue  # reported (StoreFailed) and undone in memory; retried next sync
            except Exception as exc:  # one bad order must not stop the others (or start-up)
                log.exception("sync of order %s failed", order.client_order_id)
                self.positions.discard_events()
                ctx.bus.publish(EngineError(f"Sync of order {order.symbol} failed: {exc}"))
        return changed

    async def refresh(self, order: Order) -> bool:
        """Read one order from the exchange now and fold it in. Returns changed."""
        snap = await self._lookup(order)
        return snap is not None and await self.fold(order, snap)

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
        """'Not found' is evidence only when repeated over time; for a finished order it is
        no news at all."""
        if order.is_complete():
            return
        now = self.ctx.clock()
        settings = self.ctx.settings
        misses = self._misses.setdefault(order.id, Misses(0, now))
        misses.count += 1
        span = (now - misses.first_at).total_seconds()
        if misses.count < settings.not_found_answers or span < settings.not_found_seconds:
            log.info("order %s not found (%s answers over %.0f s): %s", order.client_order_id,
                     misses.count, span, detail)
            return
        self._misses.pop(order.id, None)
        if order.exchange_order_id is None:
            order.update_status(OrderStatus.FAILED, NEVER_ARRIVED, now)
        else:
            # The venue acknowledged it, and now has no record: usually cancelled without a
            # fill and aged out. A late fill still lands (see late_fills).
            order.update_status(OrderStatus.CANCELLED,
                                f"no longer found on the exchange ({detail})", now)
        if order.intent is OrderIntent.EXIT:
            position = self.positions.exit_failed(order, order.history[-1].reason)
        else:
            position = self.positions.entry_ended(order)
        self.ctx.store.save(order, *([position] if position else []))
        self._publish_order(order)
        self.positions.flush_events()

    # -- folding --------------------------------------------------------------------------
    async def fold(self, order: Order, snap: ExchangeOrder, sent: bool = False,
                   cancel_answer: bool = False) -> bool:
        """Fold `snap` into `order` (`SnapshotFolder.apply`), after learning the last price of
        any third currency its fees were charged in (BNB/USDT), so they are valued."""
        await self._price_fee_currencies(order, snap)
        return self.folder.apply(order, snap, sent, cancel_answer=cancel_answer)

    async def _price_fee_currencies(self, order: Order, snap: ExchangeOrder) -> None:
        ctx = self.ctx
        currencies = set(snap.fees)
        for trade in snap.trades:
            currencies.update(c for c in trade.fees(order.quote))
        for currency in currencies - {order.base, order.quote}:
            symbol = f"{currency}/{order.quote}"
            if symbol in ctx.prices or symbol not in ctx.markets:
                continue
            try:
                ticker = await ctx.exchange.fetch_ticker(symbol)
            except ExchangeError as exc:
                log.info("no price for fee currency %s: %s", currency, exc)
                continue
            ctx.prices[symbol] = ticker.last

    # -- helpers ---------------------------------------------------------------------------
    def save_and_publish(self, order: Order) -> None:
        self.ctx.store.save(order)
        self._publish_order(order)

    def _publish_order(self, order: Order) -> None:
        self.ctx.bus.publish(OrderChanged(order))
