"""The engine's public API: what the UI, the CLI and outside tests drive.

An asyncio service with no Qt: the desktop app runs it on the qasync loop, tests on a plain
asyncio loop. `run_cycle()` is one pass of the background work; `start()` schedules passes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ..config import Settings
from ..domain import (
    DomainError,
    ExitDecision,
    ExitReason,
    Order,
    OrderSide,
    OrderType,
    Position,
    PositionSide,
    Protection,
)
from ..domain.exits import apply_evaluation, evaluate_exit
from ..domain.market_rules import check_on_grid
from ..domain.money import (
    ZERO,
    Number,
    in_money_context,
    money_context,
    optional_amount,
    parse_amount,
    significant_decimals,
)
from ..domain.orders import OrderIntent, parse_side
from ..domain.positions import check_netting, hold_text
from ..exchanges.base import (
    WATCH_ORDERS,
    WATCH_TICKERS,
    Candle,
    Exchange,
    MarketInfo,
    features,
)
from ..exchanges.errors import ExchangeError, ExchangeUnavailable, InvalidOrder
from ..store import UPDATE_PAGE_ROWS, PositionUpdate, Store, StoreError, UpdateColumns
from .context import Clock, EngineContext
from .events import (
    AccountUpdated,
    ConnectionChanged,
    ConnectionState,
    EngineError,
    EventBus,
    FillReceived,
    PositionUpdated,
    Progress,
    StoreFailed,
)
from .order_monitor import OrderMonitor
from . import history, venue_state
from .position_tracker import PositionTracker
from .order_stream import OrderStream
from .price_stream import PriceStream
from .reconcile import reconcile
from .scheduler import PeriodicJob, Scheduler
from .venue_health import AnsweredExchange, VenueHealth, VenueMode, venue_mode
from .single_writer import open_store_for
from ..store.sqlite_file import FileCheck
from .store_health import StoreHealth

log = logging.getLogger(__name__)

CLOSE_WAIT_SECONDS = 10.0


def check_decimals(market: MarketInfo, order: Order, stop_loss: Decimal | None = None) -> None:
    """No more decimals than the market allows, and every figure that is sent on the market's
    grid: the amount a multiple of its step, the limit, stop and stop-loss prices multiples of
    its tick (a tick of 0.5 takes 100.5, not 100.3, which ccxt would round on the way out).
    A check that needs no venue: a window on a server makes it too, before it sends anything."""
    decimals = market.amount_decimals
    if decimals is not None and significant_decimals(order.amount) > decimals:
        raise DomainError(
            f"amount {order.amount:f} has more decimals than {market.symbol} allows "
            f"({decimals})")
    price_decimals = market.price_decimals
    prices = (("price", order.price), ("stop price", order.stop_price),
              ("stop loss", stop_loss))
    for label, value in prices:
        if value is not None and price_decimals is not None and \
                significant_decimals(value) > price_decimals:
            raise DomainError(f"{label} {value:f} has more decimals than {market.symbol} "
                              f"allows ({price_decimals})")
    check_on_grid(order.amount, market.amount_step, "amount", "step")
    for label, value in prices:
        check_on_grid(value, market.price_step, label, "tick")


def closing_part(position: Position, amount: Number | None) -> Decimal | None:
    """The part of `position` to close (None: all of it), refused when it is more than held."""
    part = None if amount is None else parse_amount(amount, "amount to close")
    if part is not None and part > position.amount:
        raise DomainError(f"you hold {hold_text(position, position.base)}; close at most "
                          f"{position.amount.normalize():f}")
    return part


def _client_id(client_order_id: str | None) -> dict[str, str]:
    """Order(...) keyword for a caller's client order id (none: the order picks a fresh one)."""
    return {} if client_order_id is None else {"client_order_id": client_order_id}


@dataclass
class CycleReport:
    orders_changed: int = 0
    prices: dict[str, Decimal] = field(default_factory=dict)
    exits: list[ExitDecision] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Engine:
    """Order placement, order monitoring, position tracking, automatic exits, reconciliation."""

    def __init__(self, store: Store, exchange: Exchange, settings: Settings | None = None,
                 clock: Clock | None = None, bus: EventBus | None = None) -> None:
        ctx = EngineContext(store=store, exchange=exchange, settings=settings or Settings(),
                            bus=bus or EventBus())
        if clock is not None:
            ctx.clock = clock
        self.ctx = ctx
        # Every call to the venue passes through here, so "Connected" rests on real answers.
        self.health = VenueHealth(clock=lambda: ctx.clock())
        ctx.exchange = AnsweredExchange(exchange, self.health)  # type: ignore[assignment]
        self.exchange = exchange
        self.store_health = StoreHealth(store, ctx.bus)  # takes the banner down again
        self.monitor = OrderMonitor(ctx)
        self.tracker = PositionTracker(ctx, self.monitor)
        self.scheduler = Scheduler()
        self.connection_state = ConnectionState.CONNECTING
        self._cycle_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False
        # Any fill moves money: the balances shown must be re-read before the pass ends.
        ctx.bus.subscribe(self._fill_seen, FillReceived)

    def _fill_seen(self, _event: FillReceived) -> None:
        self.ctx.balances_dirty = True

    # -- life cycle ------------------------------------------------------------------------
    @classmethod
    async def open(cls, db_path: str | Path, exchange: Exchange, *,
                   settings: Settings | None = None, clock: Clock | None = None,
                   bus: EventBus | None = None, account: str | None = None,
                   early_check: FileCheck | None = None) -> "Engine":
        """Open the store (running migrations), load our records, reconcile with the exchange.

        Pass `bus` to hear start-up's own events (progress, connection) as they happen,
        `account` to key a server database's one-writer lock (default: the venue and mode), and
        `early_check` when the SQLite file's check was started ahead (`store.sqlite_file`).
        """
        store = open_store_for(db_path, exchange, account, early_check)
        engine = cls(store, exchange, settings, clock, bus)
        try:
            await engine._start_up()
        except BaseException:
            store.close()
            raise
        return engine

    async def _start_up(self) -> None:
        ctx = self.ctx
        venue_state.restore(self.ctx)
        # Only what the engine keeps in memory is read: old history stays in the store
        # (bounded memory, and a start that does not grow with the years). Before
        # reconciliation, so what it settles now (e.g. a stop that filled while the app was
        # closed) is shown this session.
        since = history.cutoff(ctx, ctx.clock())
        for order in ctx.store.load_working_orders(since):
            ctx.add_order(order)
        thresholds = ctx.risk_thresholds  # built once, not once per position
        for position in ctx.store.load_working_positions(since):
            ctx.add_position(position, thresholds)
        history.forget_old(ctx)  # the exact rule (the reads above take a little more)
        ctx.bus.publish(Progress("Loading markets", 0, 2))
        try:
            ctx.markets = await ctx.exchange.load_markets()
            ctx.bus.publish(Progress("Reconciling with the exchange", 1, 2))
            await reconcile(ctx, self.monitor)
            await self._refresh_balances()
        except ExchangeUnavailable as exc:
            self._report_unavailable(exc, "start-up; will retry")
        except ExchangeError as exc:
            ctx.bus.publish(EngineError(f"Exchange error at start-up: {exc}"))
        self._update_connection()
        ctx.bus.publish(Progress("Ready", 2, 2))

    def start(self) -> None:
        """Schedule the background jobs (order sync, prices + exits, pruning)."""
        if not self.scheduler.jobs:
            s = self.ctx.settings
            on_error = self._job_failed
            self.scheduler.add(PeriodicJob("orders", self.sync_orders, s.order_poll_seconds,
                                           on_error=on_error, on_retry=self._job_retry))
            self.scheduler.add(PeriodicJob("positions", self.refresh_positions,
                                           s.position_poll_seconds, on_error=on_error,
                                           on_retry=self._job_retry))
            self.scheduler.add(PeriodicJob("prune", self._prune, 3600, on_error=on_error))
            self.scheduler.add(PeriodicJob("heartbeat", self.heartbeat, self.poll_interval,
                                           retries=0))
            venue_features = features(self.ctx.exchange)
            if WATCH_TICKERS in venue_features:
                stream = PriceStream(self.ctx, self.tracker, self._cycle_lock,
                                     self._report_unavailable)
                self.scheduler.add_service("price-stream", stream.run)
            if WATCH_ORDERS in venue_features:
                orders = OrderStream(self.ctx, self.monitor, self._cycle_lock)
                self.scheduler.add_service("order-stream", orders.run)
        self.scheduler.start()

    async def stop_jobs(self) -> None:
        """Cancel the background jobs (the first step of `close`; safe to call again). A job
        cancelled before its first step never starts a pass: a quit calls this before it
        waits on anything else, so no pass begins only to be cut off."""
        await self.scheduler.stop()

    async def close(self) -> None:
        """Stop jobs, write what is buffered, close the exchange and the store."""
        if self._closed:
            return
        self._closed = True
        await self.stop_jobs()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        try:  # let a running cycle finish its writes (it may be sending an exit)
            await asyncio.wait_for(self._cycle_lock.acquire(), CLOSE_WAIT_SECONDS)
        except asyncio.TimeoutError:
            log.warning("a cycle was still running after %ss; closing anyway", CLOSE_WAIT_SECONDS)
        try:
            self.tracker.save_marks(force=True)
            self.tracker.flush_updates()
            venue_state.save(self.ctx, final=True)
        finally:
            try:
                await self.ctx.exchange.close()
            finally:
                venue_state.detach(self.ctx)
                self.ctx.store.close()

    def apply_settings(self, settings: Settings) -> None:
        """Take new settings while running: poll intervals, risk thresholds, update-log
        rules and retention. (A different exchange needs a restart.)"""
        ctx = self.ctx
        ctx.settings = settings
        intervals = {"orders": settings.order_poll_seconds,
                     "positions": settings.position_poll_seconds,
                     "heartbeat": self.poll_interval}
        for job in self.scheduler.jobs:
            job.interval = intervals.get(job.name, job.interval)
        thresholds = ctx.risk_thresholds
        for position in ctx.positions.values():
            position.risk_thresholds = thresholds
            if position.is_open:
                ctx.bus.publish(PositionUpdated(position))

    # -- queries ---------------------------------------------------------------------------
    @property
    def events(self) -> EventBus:
        return self.ctx.bus

    @property
    def exchange_name(self) -> str:
        return getattr(self.exchange, "name", self.exchange.id)

    @property
    def venue_mode(self) -> VenueMode:
        """PAPER, LIVE or TESTNET: from the exchange in use, never from the settings."""
        return venue_mode(self.exchange)

    @property
    def poll_interval(self) -> float:
        """The longest of the poll intervals: "Connected" means an answer within it."""
        s = self.ctx.settings
        return max(s.order_poll_seconds, s.position_poll_seconds)

    @property
    def last_answer_at(self):  # -> datetime | None
        """When the venue last answered a request (None: never, since start)."""
        return self.health.last_answer

    def orders(self) -> list[Order]:
        return sorted(self.ctx.orders.values(), key=lambda o: o.created_at)

    def positions(self, open_only: bool = False) -> list[Position]:
        items = self.ctx.positions.values()
        return sorted((p for p in items if p.is_open or not open_only),
                      key=lambda p: p.opened_at)  # type: ignore[arg-type, return-value]

    def order(self, order_id: str) -> Order:
        try:
            return self.ctx.orders[order_id]
        except KeyError:
            raise DomainError(f"no order {order_id}") from None

    def position(self, position_id: str) -> Position:
        try:
            return self.ctx.positions[position_id]
        except KeyError:
            raise DomainError(f"no position {position_id}") from None

    def position_updates(self, position_id: str) -> list[PositionUpdate]:
        self.tracker.flush_updates()
        return self.ctx.store.position_updates(position_id)

    def position_update_columns(
        self, position_id: str, since: datetime | None = None
    ) -> UpdateColumns:
        """The same samples as `position_updates` (from `since`, inclusive), as float columns:
        what the chart draws. A week of one-second samples loads in a fraction of the time
        the list of `PositionUpdate`s takes, because no object is built per row."""
        self.tracker.flush_updates()
        return self.ctx.store.position_update_columns(position_id, since)

    def position_update_pages(
        self, position_id: str, since: datetime | None = None, rows: int = UPDATE_PAGE_ROWS
    ) -> Iterator[UpdateColumns]:
        """The same columns `rows` samples at a time (default about a thousand), the newest page
        first: a week of samples is seconds of reading, and a window must not spend them in
        one call; each `next()` is one short read, so the caller hands the loop back in
        between. Pending samples are written first, as for `position_update_columns`."""
        self.tracker.flush_updates()
        return self.ctx.store.position_update_pages(position_id, since, rows)

    def markets(self) -> dict[str, MarketInfo]:
        return dict(self.ctx.markets)

    def last_prices(self) -> dict[str, Decimal]:
        return dict(self.ctx.prices)

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        return dict(self.ctx.balances)

    async def candles(self, symbol: str, timeframe: str = "1m",
                      since: datetime | None = None) -> list[Candle]:
        """The venue's OHLCV candles for `symbol` from `since` (the paper exchange's come
        from its own ticks). A read only: nothing is stored."""
        return await self.ctx.exchange.fetch_ohlcv(symbol, timeframe, since)

    def stop_note(self, symbol: str) -> str:
        """Whether a stop on `symbol` rests on the exchange or is watched by the app."""
        return self.tracker.protective.note(symbol)

    def watch(self, *symbols: str) -> None:
        """Keep prices of these symbols fresh too (e.g. the one in the order form); a symbol
        with no price yet gets one fetched right away rather than at the next cycle."""
        self.tracker.watched.update(symbols)
        unknown = [s for s in symbols if s not in self.ctx.prices and s in self.ctx.markets]
        if unknown:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            task = loop.create_task(self._fetch_prices(unknown))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _fetch_prices(self, symbols: list[str]) -> None:
        try:
            tickers = await self.ctx.exchange.fetch_tickers(symbols)
        except ExchangeError as exc:
            log.info("price fetch for %s failed: %s", symbols, exc)
            return
        self.tracker.apply_prices({s: t.last for s, t in tickers.items() if t.last})

    # -- actions ---------------------------------------------------------------------------
    async def place_order(
        self,
        *,
        symbol: str,
        side: OrderSide | str,
        type: OrderType | str,
        amount: Number,
        price: Number | None = None,
        stop_price: Number | None = None,
        stop_loss: Number | None = None,
        take_profit: Number | None = None,
        trailing_stop_percent: Number | None = None,
        break_even_percent: Number | None = None,
        trailing_activation_percent: Number | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Validate, write as PENDING, send once. Bad input raises DomainError, stores nothing.

        An exchange refusal is not an exception: the order comes back REJECTED with the reason
        in its history, as the trader should see it. `client_order_id` (default: a fresh one)
        lets a caller find the order again after a crash, e.g. a server command's id.
        """
        ctx = self.ctx
        order = Order(symbol=symbol, side=parse_side(side), type=type, amount=amount,
                      price=price, stop_price=stop_price, created_at=ctx.clock(),
                      **_client_id(client_order_id))
        protection = Protection.build(stop_loss, take_profit, trailing_stop_percent,
                                      trailing_activation_percent, break_even_percent)
        market = await self._market(symbol)
        position = ctx.open_position(symbol)
        reduces = position is not None and order.side is position.side.exit_side
        self._check_netting(order, position)
        if reduces and not protection.is_empty:
            raise DomainError(f"this {order.side.value} reduces your "
                              f"{position.side.value}: protection belongs to the position "
                              "(edit it there), not to a reducing order")
        # Protection and a market order's minimum value are checked against a fresh price;
        # a plain limit or stop order is checked against its own price.
        if not protection.is_empty or (order.price is None and order.stop_price is None):
            current = await self.fresh_price(symbol)
        else:
            current = order.price or order.stop_price
        assert current is not None
        reference = order.price or order.stop_price or current
        self._check_market(market, order, reference, protection.stop_loss)
        if not protection.is_empty:
            direction = PositionSide.from_entry(order.side).direction
            protection.check(direction, reference)
            if reference != current:  # a limit away from the market: the stop must not be
                protection.check(direction, current)  # crossed already either
            order.protection = protection
        if reduces:
            assert position is not None
            if not await self.tracker.protective.release(position):
                raise DomainError("the stop resting on the exchange could not be taken off "
                                  "yet; try again in a moment")
        await self.monitor.submit(order)
        held = ctx.position_for_entry(order.id) or position
        if held is not None and held.is_open:
            await self.tracker.protective.sync(held, force=reduces)
        await self._refresh_balances(quiet=True)
        return order

    @in_money_context
    def _check_netting(self, order: Order, position: Position | None) -> None:
        """No flips, and no shorts where the venue cannot hold one - counting what open orders
        on the same side will already take off the position."""
        ctx = self.ctx
        pending = sum((o.remaining_amount for o in ctx.orders.values()
                       if o.symbol == order.symbol and o.is_open() and o.side is order.side
                       and o.intent is not OrderIntent.PROTECT), ZERO)
        check_netting(position, order.side, order.amount, order.base,
                      allow_short=self.can_short(order.symbol), pending=pending)

    def can_short(self, symbol: str) -> bool:
        """Spot venues cannot go short; the paper exchange only with `allow_short=True`;
        derivatives (`BTC/USDT:USDT`) can."""
        return bool(getattr(self.ctx.exchange, "allow_short", False)) or ":" in symbol

    def holding(self, symbol: str) -> str:
        """What the account holds of `symbol` as the order form says it ("0.01 BTC")."""
        base = symbol.split("/", 1)[0]
        return hold_text(self.ctx.open_position(symbol), base)

    async def fresh_price(self, symbol: str) -> Decimal:
        """A price at most one poll interval old: the cached one, or one ticker fetch."""
        ctx = self.ctx
        cached, at = ctx.prices.get(symbol), ctx.price_times.get(symbol)
        limit = timedelta(seconds=ctx.settings.position_poll_seconds)
        if cached is not None and at is not None and ctx.clock() - at <= limit:
            return cached
        return await self._price(symbol)

    async def cancel_order(self, order_id: str) -> Order:
        """Ask the exchange to cancel; the order ends CANCELLED, or back OPEN/FILLED if the
        exchange refused because it had already filled."""
        order = await self.monitor.cancel(self.order(order_id))
        await self._refresh_balances(quiet=True)
        return order

    async def close_position(self, position_id: str, amount: Number | None = None, *,
                             client_order_id: str | None = None) -> Order:
        """Close by hand with a market order (reason "manual"): all of it, or `amount` of it.

        A partial close books that part's realized P&L and keeps the protection; an amount
        that would leave only dust closes everything. `client_order_id`: as in `place_order`.
        """
        position = self.position(position_id)
        if not position.is_open:
            raise DomainError(f"position is already {position.status.value}")
        if position.exit_order_id and position.status.value == "closing":
            raise DomainError("an exit order for this position is already on its way")
        part = closing_part(position, amount)
        price = await self.fresh_price(position.symbol)
        with money_context():  # what would be left: the app's arithmetic, not the thread's
            dust = self.monitor.positions.dust_below(position.symbol, price) or ZERO
            rest = position.amount - part if part is not None else ZERO
            partial = part is not None and rest > 0 and rest >= dust
        if partial:
            assert part is not None
            order = await self.tracker.reduce(position, part, client_order_id=client_order_id)
        else:
            order = await self.tracker.exit(position, ExitReason.MANUAL,
                                            client_order_id=client_order_id)
        if order is None:
            if not position.is_open:
                raise DomainError(f"the position was closed meanwhile "
                                  f"({position.close_reason.value if position.close_reason else ''})")
            raise DomainError("the stop resting on the exchange could not be taken off yet; "
                              "try again in a moment")
        await self._refresh_balances(quiet=True)
        return order

    async def update_protection(
        self,
        position_id: str,
        *,
        stop_loss: Number | None = None,
        take_profit: Number | None = None,
        trailing_stop_percent: Number | None = None,
        trailing_activation_percent: Number | None = None,
        break_even_percent: Number | None = None,
    ) -> Position:
        """Replace the protection of an open position (None removes a level), checked against
        a price at most one poll interval old (one ticker read when the cached one is older;
        the last known price if the venue cannot answer)."""
        position = self.position(position_id)
        stop_loss = optional_amount(stop_loss, "stop loss")
        market = self.ctx.markets.get(position.symbol)
        if market is not None and stop_loss is not None:  # it rests on the venue as typed
            check_on_grid(stop_loss, market.price_step, "stop loss", "tick")
        try:
            reference: Decimal | None = await self.fresh_price(position.symbol)
        except DomainError:
            reference = None
        position.set_protection(
            stop_loss=stop_loss, take_profit=take_profit,
            trailing_stop_percent=trailing_stop_percent,
            trailing_activation_percent=trailing_activation_percent,
            break_even_percent=break_even_percent, reference_price=reference,
        )
        if position.current_price is not None:
            # the new rules hold now: a trailing % or break-even moves the stop at once, not
            # at the next cycle (an exit it implies is still decided by the cycle)
            apply_evaluation(position, evaluate_exit(position, position.current_price,
                                                     self.ctx.clock()))
        self.tracker.record(position)
        self.ctx.store.save(position)
        self.tracker.flush_updates()
        self.ctx.bus.publish(PositionUpdated(position))
        await self.tracker.protective.sync(position, force=True)
        return position

    # -- background work -------------------------------------------------------------------
    async def run_cycle(self) -> CycleReport:
        """One pass: sync orders, refresh prices, evaluate exits. Never raises for exchange
        trouble: errors are reported as events and in the returned report."""
        report = CycleReport()
        if self._closed:
            return report
        async with self._cycle_lock:
            self.store_health.begin_pass()
            try:
                if not self.ctx.markets:  # start-up could not load them: exits need steps
                    self.ctx.markets = await self.ctx.exchange.load_markets()
                report.orders_changed = await self.monitor.sync_open_orders()
            except ExchangeError as exc:
                report.errors.append(str(exc))
                self._report_unavailable(exc, "order sync")
            try:
                report.prices = await self.tracker.refresh_prices()
            except ExchangeError as exc:
                report.errors.append(str(exc))
                self._report_unavailable(exc, "price refresh")
            try:
                report.exits = await self.tracker.evaluate()
                await self._refresh_if_filled()
                venue_state.save(self.ctx)
                self.tracker.flush_updates()
            except StoreError as exc:  # e.g. disk full: say so loudly, keep the app alive
                report.errors.append(str(exc))
                log.error("store error during a cycle: %s", exc)
                self.ctx.bus.publish(StoreFailed(str(exc),
                                                 "the last changes are not on disk"))
            self.store_health.end_pass()
            self._update_connection()
        return report

    async def sync_orders(self) -> int:
        """Scheduler job: raises on exchange trouble so the job's backoff applies."""
        async with self._cycle_lock:
            self.store_health.begin_pass()
            if not self.ctx.markets:
                self.ctx.markets = await self.ctx.exchange.load_markets()
            changed = await self.monitor.sync_open_orders()
            await self._refresh_if_filled()
            self.store_health.end_pass()
            self._update_connection()
            return changed

    async def refresh_positions(self) -> list[ExitDecision]:
        async with self._cycle_lock:
            self.store_health.begin_pass()
            await self.tracker.refresh_prices()
            decisions = await self.tracker.evaluate()
            await self._refresh_if_filled()
            venue_state.save(self.ctx)
            self.store_health.end_pass()
            self._update_connection()
            return decisions

    async def heartbeat(self) -> None:
        """Scheduler job: when nothing else asked the venue anything for a poll interval, ask
        for one ticker, so silence shows as Degraded rather than hiding behind idle cycles."""
        age = self.health.age()
        if age is None or age >= self.poll_interval * 0.9 or self.health.failing:
            try:
                symbol = self._heartbeat_symbol()
                if symbol is None:
                    await self.ctx.exchange.load_markets(reload=True)
                else:
                    await self.ctx.exchange.fetch_ticker(symbol)
            except ExchangeError as exc:
                log.info("heartbeat: %s", exc)
        self._update_connection()

    async def _prune(self) -> int:
        self.forget_old_history()
        return self.tracker.prune()

    def forget_old_history(self) -> tuple[int, int]:
        """Drop finished orders and closed positions older than `history_in_memory_days` from
        memory (the store keeps them: `order_history()`, `position_history()`)."""
        return history.forget_old(self.ctx)

    def order_history(self) -> list[Order]:
        """Every order ever stored, oldest first (`orders()` holds only the recent ones)."""
        return history.order_history(self.ctx)

    def position_history(self) -> list[Position]:
        """Every position ever stored, oldest first (`positions()` holds only recent ones)."""
        return history.position_history(self.ctx)

    # -- helpers ---------------------------------------------------------------------------
    async def _market(self, symbol: str) -> MarketInfo:
        if symbol not in self.ctx.markets:
            try:
                self.ctx.markets = await self.ctx.exchange.load_markets()
            except ExchangeError as exc:
                raise DomainError(f"cannot check {symbol}: markets unavailable ({exc})") from exc
        try:
            return self.ctx.markets[symbol]
        except KeyError:
            raise DomainError(f"{symbol} is not traded on {self.exchange_name}") from None

    async def _price(self, symbol: str) -> Decimal:
        try:
            ticker = await self.ctx.exchange.fetch_ticker(symbol)
        except ExchangeError as exc:
            raise DomainError(f"no price for {symbol} right now ({exc})") from exc
        self.ctx.prices[symbol] = ticker.last
        self.ctx.price_times[symbol] = self.ctx.clock()
        return ticker.last

    @in_money_context
    def _check_market(self, market: MarketInfo, order: Order, reference: Decimal,
                      stop_loss: Decimal | None = None) -> None:
        check_decimals(market, order, stop_loss)
        try:
            market.check_order(order.amount, reference)
            market.check_maximums(order.amount, reference,
                                  market_order=order.type is OrderType.MARKET)
        except InvalidOrder as exc:
            raise DomainError(str(exc)) from None

    async def _refresh_balances(self, quiet: bool = False) -> None:
        """Read balances from the venue and publish them; on failure publish the last good
        read marked stale (with its time), so no screen shows old money as current."""
        ctx = self.ctx
        ctx.balances_dirty = False
        try:
            balances = await ctx.exchange.fetch_balance()
        except ExchangeError as exc:
            ctx.balances_dirty = True  # try again at the end of the next pass
            ctx.bus.publish(AccountUpdated(dict(ctx.balances), stale=True, as_of=ctx.balances_at))
            if not quiet:
                raise
            log.info("balance refresh failed: %s", exc)
            return
        ctx.balances = {c: (b.free, b.total) for c, b in balances.items()}
        ctx.balances_at = ctx.clock()
        ctx.bus.publish(AccountUpdated(dict(ctx.balances), as_of=ctx.balances_at))

    async def _refresh_if_filled(self) -> None:
        if self.ctx.balances_dirty:
            await self._refresh_balances(quiet=True)

    def _heartbeat_symbol(self) -> str | None:
        for symbol in (*self.tracker.symbols(), *self.ctx.prices, *self.ctx.markets):
            if symbol in self.ctx.markets:
                return symbol
        return None

    def _update_connection(self) -> None:
        """Derive the state from the venue's answers and announce a change."""
        interval = self.poll_interval
        state = self.health.state(interval)
        if state is not self.connection_state:
            self.connection_state = state
            self.ctx.bus.publish(ConnectionChanged(state, self.health.detail(interval),
                                                   last_answer=self.health.last_answer))

    def _report_unavailable(self, exc: Exception, where: str) -> None:
        self._update_connection()
        self.ctx.bus.publish(EngineError(f"Exchange problem during {where}: {exc}"))

    def _job_failed(self, name: str, exc: BaseException) -> None:
        self._report_unavailable(exc if isinstance(exc, Exception) else Exception(str(exc)), name)

    def _job_retry(self, attempt: int, delay: float, exc: BaseException) -> None:
        self._update_connection()

    # -- paper account persistence -----------------------------------------------------------
