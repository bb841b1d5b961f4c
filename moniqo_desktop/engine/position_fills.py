"""Fills into positions: every booked fill is netted into its symbol's one open position.

DESIGN.md "Positions are netted per symbol": a fill on the position's side adds to it (weighted
entry, fees add up), a fill on the other side reduces it and books that part's realized P&L,
and at zero - or at dust below the market's minimum - it closes. Whatever the order's intent
(entry, exit, resting stop), the fill moved coin in the account, so the position follows it;
the intent only decides the reason a close gets and what happens to a remainder.

Position events are buffered (`emit`) and published by the caller after the store write
(`flush_events`), so a subscriber that reads the store never sees the past.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from ..domain import (
    ExitReason,
    Fill,
    Order,
    OrderIntent,
    OrderStatus,
    Position,
    PositionSide,
    PositionStatus,
)
from ..domain.exits import apply_evaluation, evaluate_exit
from ..domain.figures import fmt_amount, fmt_money
from ..domain.money import ZERO, money_methods
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

log = logging.getLogger(__name__)


@money_methods("emit", "flush_events", "discard_events")  # fills into positions: app's arithmetic
class PositionFills:
    """Turns booked fills into position changes; publishes nothing until told to."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self._events: list[Event] = []

    # -- the one entry point ----------------------------------------------------------------
    def effects(self, order: Order, fills: list[Fill]) -> Position | None:
        """Net `fills` (already booked on `order`) into the symbol's position; returns the
        position to save with the order, if any changed."""
        position: Position | None = None
        for fill in fills:
            position = self._net(order, fill) or position
        if order.intent is OrderIntent.ENTRY:
            if order.is_complete():
                position = self.entry_ended(order) or position
            return position
        position = self._exit_done(order) or position
        return position

    def _net(self, order: Order, fill: Fill) -> Position | None:
        ctx = self.ctx
        # Every fee of the fill, by the domain's one rule (third currencies at last price).
        moved, fee_quote = order.fill_terms(fill, ctx.prices)
        at = fill.at or ctx.clock()
        position = self._position_of(order)
        if position is None:
            return self._open(order, fill, moved, fee_quote)
        order.link_position(position.id)
        if order.side is position.side.entry_side:
            position.add_entry(moved, fill.price, fee_quote)
            ctx.entry_index[order.id] = position.id
            if order.protection is not None and fill.fill_id == order.fills[0].fill_id:
                # An adding order that carries protection replaces the position's.
                position.apply_protection(order.protection)
                apply_evaluation(position, evaluate_exit(position, position.current_price))
            self.emit(PositionUpdated(position))
            return position
        held = position.amount
        part = min(moved, held)
        if moved > held:
            self.emit(EngineError(
                f"{order.symbol}: the venue {order.side.value} {fmt_amount(moved)} where the "
                f"position held {fmt_amount(held)}",
                "the venue is the truth: the position is closed; the difference is not tracked"))
        position.reduce(part, fill.price, fee_quote, at, order_id=order.id,
                        reason=self._reason(order, position), min_amount=self.dust_below(
                            order.symbol, fill.price))
        if moved > held:
            position.note_oversold(moved - held)
        if position.is_open:
            self.emit(PositionUpdated(position))
            self.emit(UserMessage(
                "Position reduced",
                f"{position.symbol} {position.side.value} now {fmt_amount(position.amount)} "
                f"{position.base}; realized "
                f"{fmt_money(position.realized_pnl, currency=position.quote)} {position.quote}"))
        else:
            self._announce_close(position, fill.price)
        return position

    def _position_of(self, order: Order) -> Position | None:
        """The open position this order's fills belong to: its own (exits, stops) or the
        symbol's one open position."""
        own = self.ctx.positions.get(order.position_id or "")
        if own is not None and own.is_open:
            return own
        return self.ctx.open_position(order.symbol)

    def _open(self, order: Order, fill: Fill, moved: Decimal, fee_quote: Decimal) -> Position:
        """A fill on a flat symbol opens its position (a late fill after a close, too: those
        coins are in the account)."""
        ctx = self.ctx
        position = Position(
            symbol=order.symbol, side=PositionSide.from_entry(order.side),
            amount=moved, entry_price=fill.price, entry_fees=fee_quote,
            opened_at=fill.at or ctx.clock(), entry_order_id=order.id,
            status=(PositionStatus.OPEN if order.is_complete() or order.intent is not
                    OrderIntent.ENTRY else PositionStatus.OPENING),
        )
        ctx.add_position(position)
        order.link_position(position.id)
        ctx.prices.setdefault(order.symbol, fill.price)
        position.update_price(ctx.prices[order.symbol], ctx.clock())
        if order.protection is not None:
            position.apply_protection(order.protection)
            # Trailing and break-even stops exist from the first moment, not the first cycle;
            # an exit it calls for is the tracker's to act on.
            apply_evaluation(position, evaluate_exit(position, position.current_price))
        self.emit(PositionOpened(position))
        return position

    @staticmethod
    def _reason(order: Order, position: Position) -> ExitReason:
        if order.intent is OrderIntent.PROTECT:
            return position.stop_source
        if order.intent is OrderIntent.EXIT and position.exit_order_id == order.id:
            return position.pending_exit_reason or ExitReason.MANUAL
        return ExitReason.MANUAL

    def dust_below(self, symbol: str, price: Decimal | None) -> Decimal | None:
        """The smallest amount an order could still trade: less than that left in a position
        is dust. The market's minimum amount, or its minimum value at `price`."""
        market = self.ctx.markets.get(symbol)
        if market is None:
            return None
        limits = [market.min_amount or ZERO, market.amount_step or ZERO]
        if market.min_cost and price:
            limits.append(market.min_cost / price)
        floor = max(limits)
        return floor if floor > 0 else None

    # -- order ends -----------------------------------------------------------------------
    def entry_ended(self, order: Order) -> Position | None:
        """An entry order is done: whatever filled is now a fully open position."""
        position = self.ctx.position_for_entry(order.id)
        if position is not None and position.mark_open():
            self.emit(PositionUpdated(position))
            return position
        return None

    def _exit_done(self, order: Order) -> Position | None:
        """An exit or resting stop finished FILLED with part of the position left. That part
        may be in the account (an entry fill learned after the exit was sized, e.g. a limit buy
        that filled while its cancel's answer was lost) or not (a fee the venue took in coin,
        a long's exit sized to the free coin): only the venue can say. So the position goes back
        to OPEN with the exit's reason pending and the tracker follows up: it sells (or buys
        back) what the account really holds of the rest, and writes off as dust only what an
        order cannot trade. Never write off coins the account holds: they would be untracked
        and unprotected."""
        position = self.ctx.positions.get(order.position_id or "")
        if position is None or not position.is_open:
            return None
        full = order.intent is OrderIntent.PROTECT or position.exit_order_id == order.id
        if not full or not order.is_complete():
            return None
        if order.status is not OrderStatus.FILLED:
            return self.exit_failed(order, order.history[-1].reason)
        reason = self._reason(order, position)
        position.owe_follow_up(reason)  # the tracker follows up with the rest
        self.emit(PositionUpdated(position))
        return position

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

    def _announce_close(self, position: Position, price: Decimal) -> None:
        self.emit(PositionClosed(position))
        reason = position.close_reason or ExitReason.MANUAL
        dust = (f" (dust {fmt_amount(position.dust)} {position.base})"
                if position.dust else "")
        title = (f"Position closed by the exchange stop ({reason.value.replace('_', ' ')})"
                 if self._closed_by_stop(position) else
                 f"Position closed ({reason.value.replace('_', ' ')})")
        self.emit(UserMessage(
            title,
            f"{position.symbol} {position.side.value} {fmt_amount(position.amount)} @ "
            f"{self.ctx.price_text(position.symbol, price)}: "
            f"{fmt_money(position.realized_pnl, currency=position.quote)} {position.quote}{dust}",
            MessageLevel.WARNING if title.startswith("Position closed by the exchange") else
            MessageLevel.INFO))

    def _closed_by_stop(self, position: Position) -> bool:
        order = self.ctx.orders.get(position.exit_order_id or "")
        return order is not None and order.intent is OrderIntent.PROTECT

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

