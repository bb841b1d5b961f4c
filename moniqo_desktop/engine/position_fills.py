"""Fills into positions: what each booked fill does to the position it belongs to.

An entry fill opens or grows a position, a stop fill reduces or closes it, a finished exit
closes it (or, when the exit failed, guards it again). Position events are buffered (`emit`)
and published by the caller after the store write (`flush_events`), so a subscriber that
reads the store never sees the past.
"""

from __future__ import annotations

from decimal import Decimal

from ..domain import (
    ExitReason,
    Fill,
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
from .context import EngineContext
from .events import (
    EngineError,
    Event,
    MessageLevel,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    UserMessage,
)


class PositionFills:
    """Turns booked fills into position changes; publishes nothing until told to."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self._events: list[Event] = []

    def effects(self, order: Order, fills: list[Fill]) -> Position | None:
        """Apply `fills` (already booked on `order`) to its position; returns the position
        to save with the order, if any changed."""
        if order.intent is OrderIntent.ENTRY:
            position = self._grow_entry(order, fills)
            if order.is_complete():
                position = self.entry_ended(order) or position
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
            received, fee_quote = self.received(order, fill)
            at = fill.at or self.ctx.clock()
            last = order.status is OrderStatus.FILLED and fill is fills[-1]
            if fill.amount < position.amount and not last:
                position.reduce(fill.amount, fill.price, fee_quote, at)
                self.emit(PositionUpdated(position))
                continue
            reason = position.stop_source
            position.close(order_id=order.id, price=fill.price, reason=reason, fees=fee_quote,
                           at=at)
            self.emit(PositionClosed(position))
            self.emit(UserMessage(
                f"Position closed by the exchange stop ({reason.value.replace('_', ' ')})",
                f"{position.symbol} {position.side.value} @ {fill.price}: "
                f"{position.realized_pnl.quantize(Decimal('0.01'))} {position.quote}",
                MessageLevel.WARNING))
        return position

    def _grow_entry(self, order: Order, fills: list[Fill]) -> Position | None:
        ctx = self.ctx
        position = ctx.position_for_entry(order.id)
        for fill in fills:
            received, fee_quote = self.received(order, fill)
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
                self.emit(PositionOpened(position))
            else:
                position.add_entry(received, fill.price, fee_quote)
                self.emit(PositionUpdated(position))
        if position is not None and order.status is OrderStatus.FILLED:
            position.mark_open()
        return position

    @staticmethod
    def received(order: Order, fill: Fill) -> tuple[Decimal, Decimal]:
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

    def entry_ended(self, order: Order) -> Position | None:
        """An entry order is done: whatever filled is now a fully open position."""
        position = self.ctx.position_for_entry(order.id)
        if position is not None and position.mark_open():
            self.emit(PositionUpdated(position))
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
            self.emit(PositionClosed(position))
            sign = "+" if position.realized_pnl >= 0 else ""
            self.emit(UserMessage(
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
            return self.exit_failed(order, order.history[-1].reason)
        return None

    def exit_failed(self, order: Order, reason: str) -> Position | None:
        """The exit did not happen: the position is open and guarded again; the tracker will
        decide afresh on the next price (that is the retry). The caller saves the position."""
        position = self.ctx.positions.get(order.position_id or "")
        if position is None or position.exit_order_id != order.id:
            return None
        position.exit_failed()
        self.emit(PositionUpdated(position))
        self.emit(EngineError(
            f"Exit order for {position.symbol} did not go through: {reason}",
            "the position stays open and protected; it will be retried"))
        return position

    # -- buffered events ------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        self._events.append(event)

    def flush_events(self) -> None:
        events, self._events = self._events, []
        for event in events:
            self.ctx.bus.publish(event)

    def discard_events(self) -> None:
        """Drop buffered events of a change that was not saved."""
        self._events.clear()
