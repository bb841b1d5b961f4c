"""Folding a venue snapshot of an order into that order: new fills first, then status.

The venue is the truth: whatever it reports filled is booked (as its own trades when they
account for the amount, otherwise as one fill for the difference), and its status is taken
where the order's state machine allows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..domain import DomainError, Fill, InvalidTransition, Order, OrderStatus, Position
from ..domain.figures import fmt_amount
from ..domain.money import ZERO, money_context
from ..domain.orders import LATE_FILL_STATUSES, TERMINAL_STATUSES, can_transition
from ..exchanges.base import ExchangeOrder
from ..store import StoreError
from .context import EngineContext
from .events import EngineError, FillReceived, OrderChanged, StoreFailed, UserMessage
from .position_fills import PositionFills

log = logging.getLogger(__name__)


@dataclass
class Undo:
    """States to return to if a fold cannot be saved."""

    order: Order
    positions: list[Position]
    position_ids: set[str]


class SnapshotFolder:
    """Applies exchange snapshots to orders, saves, and publishes in a safe order."""

    def __init__(self, ctx: EngineContext, positions: PositionFills) -> None:
        self.ctx = ctx
        self.positions = positions

    def apply(self, order: Order, snap: ExchangeOrder, sent: bool = False,
              cancel_answer: bool = False) -> bool:
        """Fold an exchange snapshot into `order`: fills first, then status. Returns changed.

        `cancel_answer`: `snap` is the venue's answer to our cancel, so a live status means
        "cancel accepted, not done yet", not "cancel refused".
        """
        if not self._is_ours(order, snap):
            return False
        with money_context():
            return self._apply(order, snap, sent, cancel_answer)

    def _is_ours(self, order: Order, snap: ExchangeOrder) -> bool:
        """An order the venue returns under another client id is someone else's (a reused
        venue id, a reset testnet): never applied to ours."""
        clash = None
        if snap.client_order_id and snap.client_order_id != order.client_order_id:
            clash = f"client id {snap.client_order_id}"
        elif order.exchange_order_id and snap.exchange_order_id and \
                snap.exchange_order_id != order.exchange_order_id:
            clash = f"venue id {snap.exchange_order_id}"
        if clash is None:
            return True
        log.error("order %s: the exchange answered with %s; not applied",
                  order.client_order_id, clash)
        self.ctx.bus.publish(EngineError(
            f"The exchange returned another order ({clash}) for {order.symbol} "
            f"{order.side.value} {fmt_amount(order.amount)}; it was not applied",
            "the venue is asked again on the next sync"))
        return False

    def _apply(self, order: Order, snap: ExchangeOrder, sent: bool, cancel_answer: bool) -> bool:
        now = self.ctx.clock()
        undo = self._saved_states(order)
        before = (order.status, len(order.fills), order.amount, order.exchange_order_id)
        found = "sent" if sent else "found on the exchange"
        if order.status is OrderStatus.PENDING:
            order.link_exchange_order(snap.exchange_order_id, now)
            order.update_status(OrderStatus.SUBMITTED, found, now)
        else:  # an unknown outcome (or a FAILED guess) the venue now names: say so
            order.link_exchange_order(snap.exchange_order_id, now, "" if sent else found)
        if order.filled_amount <= snap.amount < order.amount:
            # The exchange rounded the amount to its step: its amount is the one that fills.
            log.info("order %s amount %s taken as %s by the exchange", order.client_order_id,
                     order.amount, snap.amount)
            order.take_venue_amount(snap.amount, now)
        new_fills = self._new_fills(order, snap)
        for fill in new_fills:
            try:
                order.add_fill(fill)
            except DomainError as exc:
                log.error("ignoring fill %s on %s: %s", fill.fill_id, order.client_order_id, exc)
                self.ctx.bus.publish(EngineError(f"Ignored an inconsistent fill: {exc}"))
        self._apply_status(order, snap, now, cancel_answer)
        changed = before != (order.status, len(order.fills), order.amount,
                             order.exchange_order_id) or sent
        if not changed:
            return False
        applied = [f for f in new_fills if order.has_fill(f.fill_id)]
        position = self.positions.effects(order, applied)
        try:
            self.ctx.store.save(order, *([position] if position else []))
        except StoreError as exc:
            self._undo(order, undo, exc)
            raise
        # Everything is written: now tell the world, order first, then fills, then positions.
        self.ctx.bus.publish(OrderChanged(order))
        for fill in applied:
            self.ctx.bus.publish(FillReceived(order, fill))
            self.ctx.bus.publish(UserMessage(
                "Order filled" if order.filled_amount == order.amount else "Partial fill",
                f"{order.side.value} {fmt_amount(fill.amount)} {order.symbol} @ "
                f"{self.ctx.price_text(order.symbol, fill.price)}"))
        self.positions.flush_events()
        return True

    def _saved_states(self, order: Order) -> Undo:
        """What `order` and every position its fills may touch look like now."""
        ctx = self.ctx
        touched = {p.id: p for p in ctx.open_positions_on([order.symbol])}
        for pid in (ctx.entry_index.get(order.id), order.position_id):
            if pid and pid in ctx.positions:
                touched[pid] = ctx.positions[pid]
        return Undo(order.saved_state(), [p.saved_state() for p in touched.values()],
                    set(ctx.positions))

    def _undo(self, order: Order, undo: Undo, exc: StoreError) -> None:
        """The store refused the write: make memory match the store again, so the venue's
        news is booked exactly once - by the next sync, or the next start's reconciliation -
        and nothing else saved later (a position) carries it in twice."""
        ctx = self.ctx
        order.roll_back(undo.order)
        for saved in undo.positions:
            ctx.positions[saved.id].roll_back(saved)
        for pid in set(ctx.positions) - undo.position_ids:
            ctx.forget_position(pid)
            for entry, held in list(ctx.entry_index.items()):
                if held == pid:
                    del ctx.entry_index[entry]
        self.positions.discard_events()
        log.error("could not save order %s after the venue reported on it: %s",
                  order.client_order_id, exc)
        ctx.bus.publish(StoreFailed(
            str(exc),
            f"the exchange's news on {order.symbol} {order.side.value} "
            f"{fmt_amount(order.amount)} is not booked yet; it will be booked once when the "
            "database accepts writes again"))
        ctx.bus.publish(OrderChanged(order))

    def _apply_status(self, order: Order, snap: ExchangeOrder, now: datetime,
                      cancel_answer: bool) -> None:
        target = snap.status
        if order.status in LATE_FILL_STATUSES or order.status in (OrderStatus.FILLED,
                                                                  OrderStatus.REJECTED):
            return  # finished by the venue's word: only fills may still land (add_fill)
        live = target in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
        if live and order.status is OrderStatus.CANCELLING:
            if not cancel_answer:
                # Synced while no cancel call is in flight: the cancel never took effect.
                order.cancel_refused("cancel was not confirmed by the exchange", now)
            return
        if target in (OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED, OrderStatus.PENDING,
                      OrderStatus.SUBMITTED):
            return  # fills drive these
        if target is OrderStatus.OPEN and order.status not in (OrderStatus.SUBMITTED,
                                                               OrderStatus.FAILED):
            return  # already open or further
        if order.status is target:
            return
        reason = snap.reason or "reported by the exchange"
        if order.status is OrderStatus.FAILED and target is OrderStatus.OPEN:
            reason = "listed open by the exchange after all"
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
        # A venue may list one trade twice in an answer: count each trade id once, so the fill
        # keeps the venue's own trade id and a repeat of it is recognised later.
        unique = {t.fill_id: t for t in snap.trades}
        trades = [t for t in unique.values() if not order.has_fill(t.fill_id)]
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
        # Every currency's fee growth belongs to this fill (0.01 BNB and 5 USDT: both kept).
        known_fees = order.fees
        deltas = [(cur, total - known_fees.get(cur, ZERO)) for cur, total in snap.fees.items()]
        deltas = [(cur, delta) for cur, delta in deltas if delta > 0]
        currency, fee = deltas[0] if deltas else (None, ZERO)
        fid = f"{snap.exchange_order_id or order.client_order_id}:{snap.filled.normalize()}"
        return [Fill(fill_id=fid, amount=missing, price=price, fee=fee, fee_currency=currency,
                     at=snap.timestamp or self.ctx.clock(), other_fees=tuple(deltas[1:]))]
