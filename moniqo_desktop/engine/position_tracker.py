"""Position tracker: marks open positions to market, ratchets stops, fires exits exactly once.

Exactly once is a property of the data, not of timing: a position is moved to CLOSING and written
together with its PENDING exit order before that order is sent, and only an OPEN position can
decide an exit. A second cycle, a retry or a restart finds it CLOSING and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from operator import attrgetter

from ..domain import (
    DomainError,
    ExitReason,
    Order,
    OrderIntent,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    PositionStatus,
)
from ..domain.exits import ExitDecision, ExitRecord, apply_evaluation, evaluate_exit
from ..domain.figures import fmt_amount
from ..domain.positions import MARK_FIELDS
from ..domain.money import HUNDRED, ZERO, in_money_context, money_context
from ..exchanges.errors import ExchangeError, InvalidOrder
from ..store import PositionUpdate, StoreError
from .context import EngineContext
from .events import (
    EngineError,
    ExitTriggered,
    MessageLevel,
    OrderChanged,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    PricesUpdated,
    UserMessage,
)
from .order_monitor import OrderMonitor
from .protective_stops import ProtectiveStops

log = logging.getLogger(__name__)

STEP_POSITIONS = 20
"""Positions marked per step before the event loop gets the thread back: a full evaluation of
1 000 positions is 50 short steps (the window paints between them), not one long one."""
WRITE_BATCH = 25
"""Rows per store write of throttled marks and chart samples, the loop free between batches."""


class ExitWaits(DomainError):
    """The exit cannot go out yet: one of our other orders on the symbol is still being
    confirmed by the exchange (unknown outcome), so it can neither be taken back nor ignored
    (it may still fill and grow the position). Expected; the exit is decided again next cycle."""


class _Watched(set):
    """The watched symbols: a set that says when it changes (see `symbols_version`)."""

    def __init__(self, changed: Callable[[], None]) -> None:
        super().__init__()
        self._changed = changed

    def add(self, symbol: str) -> None:
        super().add(symbol)
        self._changed()

    def update(self, *symbols: Iterable[str]) -> None:
        super().update(*symbols)
        self._changed()

    def discard(self, symbol: str) -> None:
        super().discard(symbol)
        self._changed()

    def remove(self, symbol: str) -> None:
        super().remove(symbol)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()


class PositionTracker:
    def __init__(self, ctx: EngineContext, monitor: OrderMonitor) -> None:
        self.ctx = ctx
        self.monitor = monitor
        self.protective = ProtectiveStops(ctx, monitor)
        self.watched: set[str] = _Watched(self._symbols_may_change)
        self._pending_updates: list[SampleRow] = []
        # chart samples waiting for the throttled write, as plain tuples (see `sample_row`)
        # marks waiting for the next throttled save (see Settings.position_save_seconds)
        self._dirty: dict[str, Position] = {}
        self._marks_saved_at: datetime | None = None
        self._last_logged: dict[str, tuple[datetime, Decimal, Decimal | None]] = {}
        self.unchanged = 0
        """Positions a pass looked at and found as they were (not announced, not written)."""
        # Opening and closing moments always belong in a position's history (chart ends).
        ctx.bus.subscribe(lambda event: self.record(event.position), PositionOpened,
                          PositionClosed)
        self.symbols_version = 0
        """Moves whenever `symbols()` may have changed: a position opened or closed, an order
        changed (each change is announced), a symbol watched. A price stream asks
        `symbols()` again only then, not after every batch (a scan of every position and
        every order in memory)."""
        ctx.bus.subscribe(self._symbols_may_change, PositionOpened, PositionClosed,
                          OrderChanged)

    def _symbols_may_change(self, _event: object = None) -> None:
        self.symbols_version += 1

    def symbols(self) -> list[str]:
        held = {p.symbol for p in self.ctx.positions.values() if p.is_open}
        pending = {o.symbol for o in self.ctx.orders.values() if o.is_open()}
        return sorted(held | pending | self.watched)

    async def refresh_prices(self) -> dict[str, Decimal]:
        """One batched ticker call for every symbol we hold, trade or watch."""
        symbols = self.symbols()
        if not symbols:
            return {}
        tickers = await self.ctx.exchange.fetch_tickers(symbols)
        return self.apply_prices(
            {s: t.last for s, t in tickers.items() if t.last is not None and t.last > 0})

    def apply_prices(self, prices: dict[str, Decimal]) -> dict[str, Decimal]:
        """Take new prices from any source (poll or stream) and tell the UI."""
        self.ctx.prices.update(prices)
        now = self.ctx.clock()
        for symbol in prices:
            self.ctx.price_times[symbol] = now
        if prices:
            self.ctx.bus.publish(PricesUpdated(prices, at=now))  # the engine's clock
        return prices

    async def evaluate(self, prices: dict[str, Decimal] | None = None) -> list[ExitDecision]:
        """Mark every open position to `prices` (default: last known), then act on exits."""
        ctx = self.ctx
        prices = ctx.prices if prices is None else prices
        now = ctx.clock()
        changed: list[Position] = []  # to announce and write
        looked: list[Position] = []  # marked to the price (changed or not)
        urgent: list[Position] = []
        decisions: list[tuple[Position, ExitDecision]] = []
        followups: list[Position] = []
        # a streamed batch moves a few symbols: only their positions have anything to decide
        # (looked up per symbol; a full pass - every known price - walks the smaller side)
        held = ctx.by_symbol
        symbols = prices if len(prices) <= len(held) else [s for s in held if s in prices]
        book = ctx.open_positions_on(symbols)
        for n, position in enumerate(book):
            if n % STEP_POSITIONS == 0:
                # the loop (and the window) gets the thread back: between steps, and before
                # the first (the poll fetched and applied a price per symbol just before)
                await asyncio.sleep(0)
            price = prices.get(position.symbol)
            if not position.is_open or price is None:  # closed while we gave the loop back
                continue
            try:
                marks = (position.high_water_mark, position.low_water_mark)
                was = marked_state(position)
                with money_context():  # P&L and stops: the app's arithmetic, not ccxt's
                    position.update_price(price, now)
                    moved = False
                    if position.status is PositionStatus.OPEN and position.pending_exit_reason:
                        # An exit that left part of a short owed (a coin fee on the buy-back):
                        # buy the rest now, for the same reason.
                        followups.append(position)
                    elif position.status in (PositionStatus.OPEN, PositionStatus.OPENING):
                        evaluation = evaluate_exit(position, price, now)
                        moved = apply_evaluation(position, evaluation) or moved
                        if evaluation.decision is not None:
                            decisions.append((position, evaluation.decision))
                logged = self._log_update(position, now, force=moved)
                trails = position.trailing_stop_percent is not None and \
                    marks != (position.high_water_mark, position.low_water_mark)
                if moved or trails:
                    urgent.append(position)  # protection moved: durable before we go on
                looked.append(position)
                if not logged and marked_state(position) == was:
                    # A pass over prices already applied (the poll after a stream tick, a
                    # quiet market): nothing to show or write. The time of the mark alone is
                    # not news; the chart's samples (`logged`) are.
                    self.unchanged += 1
                    continue
                changed.append(position)
                # pending until written, so a pass cancelled at a step (the app closing)
                # still has `close` write what it changed
                self._dirty[position.id] = position
            except Exception as exc:  # one broken position must not stop the others
                log.exception("evaluating %s failed", position.id)
                ctx.bus.publish(EngineError(f"Could not evaluate {position.symbol}: {exc}"))
        # Each batch of the phases below starts on a turn of its own (the last step of
        # marking is not followed in the same turn by a write, nor a write by another write
        # or a batch of announcements): the loop is free between any two.
        if urgent:
            await self._save_in_batches(urgent)
        # this pass's changes, or earlier ones still waiting for their time (a quiet pass too)
        if await self.save_marks_in_steps(now) or urgent:
            # chart samples go with the marks: batched, not every tick
            await self.flush_updates_in_steps()
        # the screen hears every move; only the writes are throttled
        for n, position in enumerate(changed):
            if n % STEP_POSITIONS == 0:
                await asyncio.sleep(0)
            ctx.bus.publish(PositionUpdated(position))
        for position in followups:
            try:
                await self.exit(position, position.pending_exit_reason or ExitReason.MANUAL)
            except ExitWaits as exc:
                log.warning("%s (position %s)", exc, position.id)
            except Exception as exc:
                log.exception("follow-up exit of %s failed", position.id)
                ctx.bus.publish(EngineError(f"Could not exit {position.symbol}: {exc}"))
        for position, decision in decisions:
            try:
                await self.exit(position, decision.reason, decision)
            except ExitWaits as exc:  # expected: one warning line, decided again next cycle
                log.warning("%s (position %s)", exc, position.id)
            except Exception as exc:  # the next position's exit must still go out
                log.exception("exit of %s failed", position.id)
                ctx.bus.publish(EngineError(f"Could not exit {position.symbol}: {exc}"))
        # every position looked at, changed or not: a resting stop that failed to go out is
        # tried again each pass, in a quiet market too
        for n, position in enumerate(looked):
            if n % STEP_POSITIONS == 0:
                await asyncio.sleep(0)  # a full pass syncs the whole book
            if position.status is PositionStatus.OPEN:
                try:
                    await self.protective.sync(position)
                except Exception as exc:
                    log.exception("resting stop of %s failed", position.id)
                    ctx.bus.publish(EngineError(
                        f"Could not place the exchange stop for {position.symbol}: {exc}"))
        return [d for _, d in decisions]

    async def exit(self, position: Position, reason: ExitReason,
                   decision: ExitDecision | None = None, *, _depth: int = 0,
                   client_order_id: str | None = None) -> Order | None:
        """Send the one exit order for `position` (market), unless one is already on its way.
        `client_order_id`: the caller's (a server command's), else a fresh one."""
        ctx = self.ctx
        if position.status not in (PositionStatus.OPEN, PositionStatus.OPENING):
            return None
        for other in self._working_orders(position):
            # Stop an entry growing the position while we sell what it holds, and free the
            # coin a resting sell of ours holds: the exit sells all of it.
            try:
                await self.monitor.cancel(other)
            except DomainError as exc:
                if not other.is_open():
                    continue  # it finished meanwhile (its fills are booked): nothing to take back
                raise ExitWaits(f"the exit of {position.symbol} waits: our order "
                                f"{other.client_order_id} on it cannot be taken back yet "
                                f"({exc})") from exc
            if position.status not in (PositionStatus.OPEN, PositionStatus.OPENING):
                return None
        if not await self.protective.release(position):
            return None  # the exchange's stop filled (that was the exit) or may still be live
        amount = await self.exit_amount(position)
        if amount <= 0:
            # Nothing an order could trade is left: what remains is dust (or not in the
            # account at all). Close it as such rather than send an order the venue refuses.
            position.write_off(None, reason, ctx.clock())
            ctx.store.save(position)
            ctx.bus.publish(PositionClosed(position))
            ctx.bus.publish(UserMessage(
                f"Position closed ({reason.value.replace('_', ' ')})",
                f"{position.symbol}: only dust was left ({fmt_amount(position.dust)} "
                f"{position.base}), too little for an order"))
            return None
        order = Order(symbol=position.symbol, side=position.side.exit_side, type=OrderType.MARKET,
                      amount=amount, intent=OrderIntent.EXIT, position_id=position.id,
                      created_at=ctx.clock(),
                      exit_decision=ExitRecord.of(position, reason, decision),
                      **({} if client_order_id is None else {"client_order_id": client_order_id}))
        saved = position.saved_state()
        position.mark_closing(order.id, reason)
        try:
            self.monitor.write(order, position)  # the decision is durable before anyone hears it
        except StoreError:
            # Not written, so not sent: the position must stay guarded (OPEN), or no later
            # pass would decide its exit again. The next pass retries once the store writes.
            position.roll_back(saved)
            raise
        if decision is not None:
            ctx.bus.publish(ExitTriggered(position, decision))
            source = (order.exit_decision.source_text(
                lambda d: ctx.price_text(position.symbol, d)) if order.exit_decision else "")
            ctx.bus.publish(UserMessage(
                f"Exit: {reason.value.replace('_', ' ')}",
                f"{position.symbol} {position.side.value} at "
                f"{ctx.price_text(position.symbol, decision.price)} ({source})",
                MessageLevel.WARNING if reason is not ExitReason.TAKE_PROFIT else MessageLevel.INFO))
        ctx.bus.publish(PositionUpdated(position))
        await self.monitor.send(order)
        if _depth < 2 and order.status is OrderStatus.FILLED and \
                position.status is PositionStatus.OPEN and position.pending_exit_reason:
            await self.exit(position, position.pending_exit_reason, _depth=_depth + 1)
        return order

    def _working_orders(self, position: Position) -> list[Order]:
        """Our open orders on the position's symbol that would change it while it exits
        (entries and sells placed by hand; not the resting stop, which `release` handles)."""
        return [o for o in self.ctx.orders.values()
                if o.symbol == position.symbol and o.is_open()
                and o.status is not OrderStatus.CANCELLING
                and o.intent is not OrderIntent.PROTECT and o.id != position.exit_order_id]

    async def exit_amount(self, position: Position) -> Decimal:
        """What the exit order trades: a long sells what the account really holds of it (at
        most the free coin, read from the venue now), a short buys back what it owes - grossed
        up for a coin fee the venue took on an earlier buy-back - both on the market's step.
        0 when that is below what an order may trade."""
        free = await self._free(position.base) if position.side is PositionSide.LONG else None
        return self._exit_size(position, free)

    @in_money_context
    def _exit_size(self, position: Position, free: Decimal | None) -> Decimal:
        """`exit_amount` once the free coin is known (a long's cap; None: not known)."""
        ctx = self.ctx
        market = ctx.markets.get(position.symbol)
        amount = position.amount
        if position.side is PositionSide.LONG:
            if free is not None:
                amount = min(amount, free)
            amount = market.round_amount(amount) if market else amount
        else:
            rate = self._coin_fee_rate(position)
            if rate:
                amount = amount / (1 - rate)
            if market is not None and market.amount_step:
                step = market.amount_step
                amount = ((amount / step).to_integral_value(rounding=ROUND_CEILING) * step
                          ).normalize()
        if market is not None:
            if not market.active:
                # the account still holds it: never write it off, decide again next pass
                raise ExitWaits(f"the exit of {position.symbol} waits: {position.symbol} is not "
                                f"trading right now")
            largest = min((m for m in (market.max_amount, market.max_market_amount)
                           if m is not None), default=None)  # the exit is a market order
            if largest is not None and amount > largest:
                # more than one order may trade: sell the largest part now; the rest goes out
                # as the next part once this one has filled (the position stays guarded)
                amount = market.round_amount(largest)
            price = ctx.prices.get(position.symbol)
            try:
                market.check_order(amount, price)
            except InvalidOrder:  # below the minimum amount or value: dust
                return ZERO
        return amount

    async def _free(self, currency: str) -> Decimal | None:
        try:
            balances = await self.ctx.exchange.fetch_balance()
        except ExchangeError as exc:
            log.info("balance read before an exit failed: %s", exc)
            known = self.ctx.balances.get(currency)
            return known[0] if known else None
        self.ctx.balances = {c: (b.free, b.total) for c, b in balances.items()}
        self.ctx.balances_at = self.ctx.clock()
        self.ctx.balances_dirty = True  # publish at the end of the pass
        held = balances.get(currency)
        return held.free if held is not None else ZERO

    @in_money_context
    def _coin_fee_rate(self, position: Position) -> Decimal:
        """The share of a buy the venue kept as a fee in the coin, seen on this position's
        buy-backs (0 when they paid in quote)."""
        for order in sorted(self.ctx.orders.values(), key=lambda o: o.created_at, reverse=True):
            if order.position_id == position.id and order.side is position.side.exit_side \
                    and order.filled_amount > 0:
                coin = order.fees.get(position.base, ZERO)
                return coin / order.filled_amount
        return ZERO

    async def reduce(self, position: Position, amount: Decimal, *,
                     client_order_id: str | None = None) -> Order | None:
        """A partial close: a market order for `amount` of the position. The position stays
        open (and protected); its fill books that part's realized P&L."""
        ctx = self.ctx
        part = self._part_size(position, amount)
        if not await self.protective.release(position):
            return None
        order = Order(symbol=position.symbol, side=position.side.exit_side, type=OrderType.MARKET,
                      amount=part, intent=OrderIntent.EXIT, position_id=position.id,
                      created_at=ctx.clock(),
                      **({} if client_order_id is None else {"client_order_id": client_order_id}))
        self.monitor.write(order)
        await self.monitor.send(order)
        if position.is_open:
            await self.protective.sync(position, force=True)
        return order

    @in_money_context
    def _part_size(self, position: Position, amount: Decimal) -> Decimal:
        """A partial close's amount on the market's step, refused (DomainError) below what
        an order may trade."""
        market = self.ctx.markets.get(position.symbol)
        part = market.round_amount(amount) if market else amount
        if market is not None:
            try:
                market.check_order(part, self.ctx.prices.get(position.symbol))
            except Exception as exc:
                raise DomainError(str(exc)) from None
        return part

    # -- position update log ---------------------------------------------------------------
    @in_money_context
    def _log_update(self, position: Position, now: datetime, force: bool = False) -> bool:
        """Keep a row when time or price moved enough (or the stop moved): charts need shape,
        not every tick. True when a row was kept."""
        s = self.ctx.settings
        price = position.current_price
        assert price is not None
        last = self._last_logged.get(position.id)
        if last is not None and not force:
            at, last_price, last_stop = last
            moved = abs(price - last_price) / last_price * HUNDRED
            if (now - at) < timedelta(seconds=s.update_log_min_seconds) and moved < s.update_log_min_move:
                return False
        self._last_logged[position.id] = (now, price, position.stop_loss)
        self._pending_updates.append(sample_row(position, now))
        return True

    def record(self, position: Position) -> None:
        """Always log this moment (open, close, protection edit)."""
        now = self.ctx.clock()
        self._last_logged[position.id] = (now, position.current_price or position.entry_price,
                                          position.stop_loss)
        self._pending_updates.append(sample_row(position, now))

    @property
    def pending_samples(self) -> int:
        """Chart samples kept but not written yet (the next mark write takes them)."""
        return len(self._pending_updates)

    def save_marks(self, now: datetime | None = None, force: bool = False) -> int:
        """Write the marks of positions that only moved with the market, at most once per
        `position_save_seconds` (a crash loses at most that much of P&L display history, never
        an order, a fill or a protection change). Returns how many were written."""
        dirty = self._marks_due(now or self.ctx.clock(), force)
        if dirty:
            self.ctx.store.save(*dirty)
            self._written(dirty)
        return len(dirty)

    async def save_marks_in_steps(self, now: datetime) -> int:
        """`save_marks` in batches of `WRITE_BATCH`, giving the loop back between them."""
        dirty = self._marks_due(now, force=False)
        await self._save_in_batches(dirty)
        return len(dirty)

    def _marks_due(self, now: datetime, force: bool) -> list[Position]:
        """The dirty marks to write now, or none before their time."""
        if not self._dirty:
            return []
        every = timedelta(seconds=self.ctx.settings.position_save_seconds)
        if not force and self._marks_saved_at is not None and now - self._marks_saved_at < every:
            return []
        self._marks_saved_at = now
        return list(self._dirty.values())

    async def _save_in_batches(self, positions: list[Position]) -> None:
        """Write the marks of `positions` `WRITE_BATCH` at a time, the loop free between
        batches. Each stays dirty until its own batch is written: a pass cancelled between
        batches (the app closing) or a failed write leaves the rest to `close` or the next save.

        Only what marking changes is written (`Store.save_marks`, the same columns
        `marked_state` watches): every other change of a position (a fill, a protection edit,
        an exit) is written in full by the code that made it, before it is announced."""
        for start in range(0, len(positions), WRITE_BATCH):
            await asyncio.sleep(0)
            batch = positions[start:start + WRITE_BATCH]
            self.ctx.store.save_marks(batch)
            self._written(batch)

    def _written(self, positions: list[Position]) -> None:
        for position in positions:
            self._dirty.pop(position.id, None)

    def flush_updates(self) -> None:
        if self._pending_updates:
            # the same list kept: made at start-up, it is frozen out of every collection
            # (`gc_pauses`), where a new one would be walked, every row of it, each time
            rows = self._pending_updates[:]
            self._pending_updates.clear()
            self.ctx.store.add_position_updates(as_updates(rows))

    async def flush_updates_in_steps(self) -> None:
        """`flush_updates` in batches of `WRITE_BATCH` rows, the loop free between them."""
        while self._pending_updates:
            await asyncio.sleep(0)  # a pass cancelled here leaves the rows pending for `close`
            rows = self._pending_updates[:WRITE_BATCH]
            del self._pending_updates[:WRITE_BATCH]
            self.ctx.store.add_position_updates(as_updates(rows))

    def prune(self) -> int:
        days = self.ctx.settings.update_log_retention_days
        return self.ctx.store.prune_position_updates(self.ctx.clock() - timedelta(days=days))


_MARKED = attrgetter(*(name for name in MARK_FIELDS if name != "updated_at"))


def marked_state(position: Position) -> tuple:
    """What marking a position to a price can change, besides the time of the mark (the
    fields `Store.save_marks` writes): equal before and after, the mark is not news."""
    return _MARKED(position)


SampleRow = tuple
"""A chart sample waiting for its write: `PositionUpdate`'s fields in order, as a plain tuple.

Up to `position_save_seconds` of samples wait (5 s of a busy book: thousands). As objects
(a `PositionUpdate` follows 9 references) every collection of the GUI thread walked them, one
cache miss per reference; a plain tuple of Decimals, datetimes and strings is untracked by the
first collection that sees it (CPython untracks tuples of atoms), so later ones skip it. The
`PositionUpdate`s are built at the write, a batch at a time, and freed with it."""


@in_money_context
def sample_row(position: Position, at: datetime) -> SampleRow:
    price = position.current_price or position.entry_price
    return (position.id, at, price, position.pnl_at(price), position.drawdown_at(price),
            position.stop_loss, position.high_water_mark or price,
            position.low_water_mark or price)


def as_updates(rows: list[SampleRow]) -> list[PositionUpdate]:
    return [PositionUpdate(*row) for row in rows]
