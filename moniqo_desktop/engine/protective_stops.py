"""Stops that rest on the exchange, so a position stays protected while the app is closed.

The app still evaluates every exit itself; the exchange-side stop is the safety net for when it
cannot (closed laptop, lost network). Two sell orders for one position must never be live at
once, so the rule is: before the engine sends any exit of its own, it cancels the resting stop
and only goes on if the exchange confirms the cancel. If the stop filled first, that fill is the
exit. Used only where the venue keeps matching while the app is closed and the market has
native stop orders; the stop is replaced when the trail moves, at most every
`native_stop_min_seconds` so a trailing stop does not flood the exchange.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from ..domain import DomainError, Order, OrderIntent, OrderStatus, OrderType, Position
from ..domain.positions import PositionStatus
from ..domain.exits import ExitRecord
from ..domain.market_rules import protective_stop_on_tick
from ..domain.money import in_money_context
from ..exchanges.errors import ExchangeError
from .context import EngineContext
from .events import EngineError
from .order_monitor import OrderMonitor

log = logging.getLogger(__name__)


class ProtectiveStops:
    def __init__(self, ctx: EngineContext, monitor: OrderMonitor) -> None:
        self.ctx = ctx
        self.monitor = monitor

    def enabled_for(self, symbol: str) -> bool:
        market = self.ctx.markets.get(symbol)
        return bool(self.ctx.settings.native_stops and market is not None
                    and market.native_stop_orders
                    and getattr(self.ctx.exchange, "always_on", False))

    def note(self, symbol: str) -> str:
        """Where a stop on `symbol` lives, in words for the order form."""
        if self.enabled_for(symbol):
            return "Stops also rest on the exchange: they protect while the app is closed."
        if not getattr(self.ctx.exchange, "always_on", False):
            return "Paper trading: the app watches stops while it runs."
        market = self.ctx.markets.get(symbol)
        if not self.ctx.settings.native_stops:
            why = "resting stops are turned off in the settings"
        else:
            why = (market.note if market is not None and market.note
                   else "this market cannot hold a stop order on the exchange")
        return f"Stops are watched by the app while it runs ({why})."

    def resting(self, position: Position) -> Order | None:
        """The position's stop order that is (as far as we know) live on the exchange."""
        order = self.ctx.orders.get(self.ctx.protective.get(position.id, ""))
        return order if order is not None and order.is_open() else None

    @in_money_context
    def _wanted(self, position: Position) -> tuple[Decimal, Decimal] | None:
        """(stop price, amount) the exchange should hold for this position, if any."""
        if position.status is not PositionStatus.OPEN or position.stop_loss is None \
                or not self.enabled_for(position.symbol):
            return None
        market = self.ctx.markets[position.symbol]
        # a trailing or break-even stop is computed, not typed: onto the tick on the side that
        # protects (never past the current price), where the nearest tick could give back
        # fees or more of the trail than asked
        stop = protective_stop_on_tick(position.stop_loss, market.price_step,
                                       position.side.direction,
                                       self.ctx.prices.get(position.symbol))
        return stop, market.round_amount(position.amount)

    async def sync(self, position: Position, *, force: bool = False) -> None:
        """Make the exchange hold the stop the position has now (or none)."""
        want = self._wanted(position)
        have = self.resting(position)
        if have is not None and have.status is OrderStatus.CANCELLING:
            return  # a cancel is on its way; look again next cycle
        if want is None:
            if have is not None and position.status is not PositionStatus.OPEN:
                await self._cancel(have)
            elif have is not None and position.stop_loss is None:
                await self._cancel(have)
            return
        stop, amount = want
        if amount <= 0:
            return
        if have is not None:
            if have.stop_price == stop and have.amount == amount:
                return
            age = self.ctx.clock() - have.created_at
            limit = timedelta(seconds=self.ctx.settings.native_stop_min_seconds)
            if not force and age < limit and have.amount == amount:
                return  # the trail moved, but the app guards it until the next replacement
            if not await self._cancel(have) or not position.is_open:
                return
            if position.status is not PositionStatus.OPEN:
                return
        order = Order(symbol=position.symbol, side=position.side.exit_side, type=OrderType.STOP,
                      amount=amount, stop_price=stop, intent=OrderIntent.PROTECT,
                      position_id=position.id, created_at=self.ctx.clock(),
                      exit_decision=ExitRecord.resting(position, stop))
        await self.monitor.submit(order)
        if order.status is OrderStatus.REJECTED:
            log.warning("exchange refused the resting stop for %s: %s", position.symbol,
                        order.history[-1].reason)

    async def release(self, position: Position) -> bool:
        """Take the resting stop off before the engine exits by itself. False when the exit
        must not be sent now: the stop filled (that was the exit) or the cancel is unconfirmed
        (the stop may still be live, and two exits must never be)."""
        have = self.resting(position)
        if have is None:
            return True
        if have.status is OrderStatus.CANCELLING or not await self._cancel(have):
            return False
        return position.status in (PositionStatus.OPEN, PositionStatus.OPENING)

    async def _cancel(self, order: Order) -> bool:
        """True once the exchange confirmed the order is gone without filling completely."""
        try:
            await self.monitor.cancel(order)
        except (DomainError, ExchangeError) as exc:
            self.ctx.bus.publish(EngineError(
                f"Could not take the resting stop off {order.symbol}: {exc}"))
            return False
        return order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED,
                                OrderStatus.REJECTED, OrderStatus.FAILED)
