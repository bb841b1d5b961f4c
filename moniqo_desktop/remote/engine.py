"""`RemoteEngine`: the engine as a window sees it when the real one runs on a server.

`moniqo-desktop --connect postgresql://…` opens the same main window on this object instead of
an `Engine`. It offers the part of the Engine API the window uses, answered from the server's
tables, and publishes the same events (`OrderChanged`, `PositionUpdated`, `AccountUpdated`, …)
so the window code does not know the difference:

- reads go through a `Store` whose sessions are read-only (`default_transaction_read_only`); it
  never takes the account's single-writer lock and never migrates — the server owns the schema;
- it is told about changes by LISTEN/NOTIFY (`listener.Listener`) and re-reads only the kind a
  notification names (and only its ids when it names them); no table is polled;
- actions (place, cancel, close, protection) are commands (`commands.CommandClient`), checked
  first where that needs no venue (the strict number parser, the market's existence and
  decimals), then executed once by the server; a refusal is raised with the server's text, as
  local mode raises it;
- Connected/Degraded/Offline follow the server's heartbeat with the rules of the venue badge
  (`engine.venue_health`): the heartbeat time is the "last answer". Ageing is a clock, not a
  query: a server that died stops beating and the badge goes Degraded, then Offline.

It never needs API keys: the venue is the server's business.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import create_engine

from ..config import Settings
from ..domain import DomainError, Order, OrderSide, OrderType, Position, Protection
from ..domain.money import Number
from ..domain.orders import parse_side, utcnow
from ..domain.positions import hold_text
from ..engine.events import (
    AccountUpdated,
    ConnectionChanged,
    ConnectionState,
    EngineError,
    EventBus,
    FillReceived,
    OrderChanged,
    PositionClosed,
    PositionOpened,
    PositionUpdated,
    PricesUpdated,
    ServerHeartbeat,
)
from ..engine.context import risk_thresholds
from ..engine.engine import check_decimals, closing_part
from ..engine.history import working_since
from ..engine.venue_health import VenueHealth, VenueMode, age_text
from ..exchanges.base import Candle, MarketInfo
from ..store import UPDATE_PAGE_ROWS, PositionUpdate, Store, StoreError, UpdateColumns
from ..store.commands import Command, Heartbeat, read_heartbeat
from ..store.database import Location, resolve
from ..store.mapping import order_row, position_row
from ..store.migrate import current_revision, head_revision
from ..store.venue_facts import read_facts
from .commands import CommandClient
from .listener import Listener

log = logging.getLogger(__name__)

Clock = Any  # () -> aware datetime


class RemoteEngine:
    """Open with `await RemoteEngine.open(url, account=...)`; close with `await close()`."""

    def __init__(self, reader: Store, writer: Store, account: str, heartbeat: Heartbeat, *,
                 settings: Settings | None = None, clock: Clock | None = None,
                 bus: EventBus | None = None) -> None:
        self.reader = reader
        self.writer = writer
        self.account = account
        self.settings = settings or Settings()
        self.clock = clock or utcnow
        self.bus = bus or EventBus()
        self.server: Heartbeat = heartbeat
        self.health = VenueHealth(clock=lambda: self.clock())
        self.health.last_answer = heartbeat.beat_at
        self.connection_state = ConnectionState.CONNECTING
        self.commands = CommandClient(writer, reader, account)
        self.listener: Listener | None = None
        self.exchange = None  # no venue here: the server holds it (and its keys)
        self._orders: dict[str, Order] = {}
        self._order_rows: dict[str, tuple[Any, ...]] = {}
        self._positions: dict[str, Position] = {}
        self._position_rows: dict[str, dict[str, Any]] = {}
        self._markets: dict[str, MarketInfo] = {}
        self._prices: dict[str, Decimal] = {}
        self._balances: dict[str, tuple[Decimal, Decimal]] = {}
        self._balances_at: datetime | None = None
        self._venue: dict[str, Any] = {}
        self._ager: asyncio.Task[None] | None = None
        self._closed = False
        self.refreshes: dict[str, int] = {}
        """kind -> re-reads done (tests and the benchmark check that only named kinds ran)."""

    # -- life cycle ------------------------------------------------------------------------
    @classmethod
    async def open(cls, url: str, *, account: str = "default",
                   settings: Settings | None = None, clock: Clock | None = None,
                   bus: EventBus | None = None) -> "RemoteEngine":
        """Connect to a server's database: LISTEN first (so nothing written after the first
        read is missed), then read its heartbeat, venue facts, orders and positions.

        Raises `StoreError` with a line a trader can act on: not PostgreSQL, unreachable, a
        schema from another version, or no server ever ran for `account` there."""
        location = resolve(url)
        if location.url.get_backend_name() != "postgresql":
            raise StoreError(f"--connect needs a PostgreSQL URL (postgresql://…), not "
                             f"{location.label}")
        reader = _open_store(location, read_only=True)
        writer: Store | None = None
        listener: Listener | None = None
        try:
            writer = _open_store(location, read_only=False)
            listener_box: list[RemoteEngine] = []
            listener = Listener(location.url, account,
                                lambda body: listener_box[0].on_notice(body),
                                on_reconnect=lambda: listener_box[0].refresh_all(),
                                on_lost=lambda why: listener_box[0].lost_notifications(why))
            try:
                await listener.start()
            except Exception as exc:
                raise StoreError(f"cannot listen for the server's changes on "
                                 f"{location.label}: {str(exc).splitlines()[0]}") from None
            heartbeat = read_heartbeat(reader, account)
            if heartbeat is None:
                raise StoreError(
                    f"no Moniqo server has run for the account {account!r} in "
                    f"{location.label}; start `moniqo-desktop serve` there first (or pass "
                    "--account with the name the server uses)")
            engine = cls(reader, writer, account, heartbeat, settings=settings, clock=clock,
                         bus=bus)
            listener_box.append(engine)
            engine.listener = listener
            engine.refresh_all()
            engine._ager = asyncio.get_running_loop().create_task(engine._age_heartbeat())
            log.info("connected to the server engine of account %r in %s: %s, %s %s",
                     account, location.label, engine.server_text, heartbeat.exchange,
                     heartbeat.mode)
            return engine
        except BaseException:
            if listener is not None:
                await listener.close()
            reader.close()
            if writer is not None:
                writer.close()
            raise

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._ager is not None:
            self._ager.cancel()
            await asyncio.gather(self._ager, return_exceptions=True)
        if self.listener is not None:
            await self.listener.close()
        self.reader.close()
        self.writer.close()

    def start(self) -> None:
        """Nothing to schedule: the server runs the jobs (kept for the window's start-up)."""

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        thresholds = risk_thresholds(settings)
        for position in self._positions.values():
            position.risk_thresholds = thresholds
            if position.is_open:
                self.bus.publish(PositionUpdated(position))

    # -- queries (the window's part of the Engine API) -------------------------------------
    @property
    def events(self) -> EventBus:
        return self.bus

    @property
    def exchange_name(self) -> str:
        return str(self._venue.get("name") or self.server.exchange)

    @property
    def venue_mode(self) -> VenueMode:
        """The server's venue mode, as its heartbeat says (PAPER, LIVE or TESTNET)."""
        try:
            return VenueMode(self.server.mode)
        except ValueError:
            return VenueMode.LIVE  # unknown: assume real money rather than hide it

    @property
    def poll_interval(self) -> float:
        """The server's poll interval (it beats once per poll); ours until it said."""
        told = self._venue.get("poll_interval")
        if told is not None:
            return float(told)
        s = self.settings
        return max(s.order_poll_seconds, s.position_poll_seconds)

    @property
    def last_answer_at(self) -> datetime | None:
        """The server's last heartbeat."""
        return self.health.last_answer

    @property
    def fee_rate(self) -> Decimal | None:
        fee = self._venue.get("fee_rate")
        return fee if isinstance(fee, Decimal) else None

    def orders(self) -> list[Order]:
        return sorted(self._orders.values(), key=lambda o: (o.created_at, o.id))

    def positions(self, open_only: bool = False) -> list[Position]:
        return sorted((p for p in self._positions.values() if p.is_open or not open_only),
                      key=lambda p: (p.opened_at, p.id))  # type: ignore[arg-type, return-value]

    def order(self, order_id: str) -> Order:
        try:
            return self._orders[order_id]
        except KeyError:
            raise DomainError(f"no order {order_id}") from None

    def position(self, position_id: str) -> Position:
        try:
            return self._positions[position_id]
        except KeyError:
            raise DomainError(f"no position {position_id}") from None

    def position_updates(self, position_id: str) -> list[PositionUpdate]:
        return self.reader.position_updates(position_id)

    def position_update_columns(self, position_id: str,
                                since: datetime | None = None) -> UpdateColumns:
        """The same samples as float columns: what the window's chart loads (#15)."""
        return self.reader.position_update_columns(position_id, since)

    def position_update_pages(self, position_id: str, since: datetime | None = None,
                              rows: int = UPDATE_PAGE_ROWS) -> Iterator[UpdateColumns]:
        """The same, a page at a time, newest first (see `Engine.position_update_pages`)."""
        return self.reader.position_update_pages(position_id, since, rows)

    def order_history(self) -> list[Order]:
        return self.reader.load_orders()

    def position_history(self) -> list[Position]:
        return self.reader.load_positions(risk_thresholds=risk_thresholds(self.settings))

    def markets(self) -> dict[str, MarketInfo]:
        return dict(self._markets)

    def last_prices(self) -> dict[str, Decimal]:
        return dict(self._prices)

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        return dict(self._balances)

    async def candles(self, symbol: str, timeframe: str = "1m",
                      since: datetime | None = None) -> list[Candle]:
        """Candles come from the venue, which only the server talks to: none here (the chart
        still draws the position's recorded history)."""
        raise DomainError("candles are not available in a window connected to a server")

    def watch(self, *symbols: str) -> None:
        """The server decides which prices it follows (its open positions and their symbols)."""

    def stop_note(self, symbol: str) -> str:
        return "stops are watched by the server engine"

    def holding(self, symbol: str) -> str:
        base = symbol.split("/", 1)[0]
        held = next((p for p in self._positions.values()
                     if p.symbol == symbol and p.is_open), None)
        return hold_text(held, base)

    def can_short(self, symbol: str) -> bool:
        return bool(self._venue.get("allow_short")) or ":" in symbol

    @property
    def server_text(self) -> str:
        """'server (host, pid 1234), last heartbeat 2 s ago' (or 'stopped …')."""
        beat = self.server
        age = (self.clock() - beat.beat_at).total_seconds()
        where = f"server ({beat.host}, pid {beat.pid})"
        if beat.stopped_at is not None:
            return f"{where}, stopped {age_text((self.clock() - beat.stopped_at).total_seconds())}"
        return f"{where}, last heartbeat {age_text(age)}"

    # -- actions: commands for the server --------------------------------------------------
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
    ) -> Order:
        """Checked here as far as no venue is needed (numbers, side, type, market, decimals),
        then placed by the server; returns the order it wrote (REJECTED with the venue's
        reason is a result, as locally), or raises its refusal."""
        draft = Order(symbol=symbol, side=parse_side(side), type=type, amount=amount,
                      price=price, stop_price=stop_price)
        protection = Protection.build(stop_loss, take_profit, trailing_stop_percent,
                                      trailing_activation_percent, break_even_percent)
        self._check_market(draft, protection.stop_loss)
        self._check_reachable()
        kwargs = {"symbol": draft.symbol, "side": draft.side, "type": draft.type,
                  "amount": draft.amount, "price": draft.price, "stop_price": draft.stop_price,
                  "stop_loss": protection.stop_loss, "take_profit": protection.take_profit,
                  "trailing_stop_percent": protection.trailing_stop_percent,
                  "break_even_percent": protection.break_even_percent,
                  "trailing_activation_percent": protection.trailing_activation_percent}
        command = await self.commands.run("place_order", kwargs)
        return self._order_result(command)

    async def cancel_order(self, order_id: str) -> Order:
        self.order(order_id)  # an id this window knows, or the same refusal as locally
        self._check_reachable()
        return self._order_result(await self.commands.run("cancel_order",
                                                          {"order_id": order_id}))

    async def close_position(self, position_id: str, amount: Number | None = None) -> Order:
        position = self.position(position_id)
        if not position.is_open:
            raise DomainError(f"position is already {position.status.value}")
        part = closing_part(position, amount)
        self._check_reachable()
        command = await self.commands.run("close_position",
                                          {"position_id": position_id, "amount": part})
        return self._order_result(command)

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
        self.position(position_id)
        protection = Protection.build(stop_loss, take_profit, trailing_stop_percent,
                                      trailing_activation_percent, break_even_percent)
        self._check_reachable()
        command = await self.commands.run("update_protection", {
            "position_id": position_id, "stop_loss": protection.stop_loss,
            "take_profit": protection.take_profit,
            "trailing_stop_percent": protection.trailing_stop_percent,
            "trailing_activation_percent": protection.trailing_activation_percent,
            "break_even_percent": protection.break_even_percent})
        self._raise_refusal(command)
        position_id = str((command.result or {}).get("position_id", position_id))
        self.refresh_positions([position_id])
        return self.position(position_id)

    def _check_market(self, order: Order, stop_loss: Decimal | None = None) -> None:
        if not self._markets:
            return  # the server has not published its markets yet: it checks
        market = self._markets.get(order.symbol)
        if market is None:
            raise DomainError(f"{order.symbol} is not traded on {self.exchange_name}")
        check_decimals(market, order, stop_loss)

    def _check_reachable(self) -> None:
        """An offline server would leave the request queued for who knows how long: refuse
        before anything is written, and say why."""
        self._update_connection()
        if self.server.stopped_at is not None:
            raise DomainError(f"the server engine is stopped ({self.server_text}); nothing "
                              "was sent")
        if self.connection_state is ConnectionState.DISCONNECTED:
            raise DomainError(f"the server engine is offline ({self.server_text}); nothing "
                              "was sent")

    def _raise_refusal(self, command: Command) -> None:
        if command.error is not None or command.status.value == "refused":
            raise DomainError(command.error or "refused by the server")

    def _order_result(self, command: Command) -> Order:
        self._raise_refusal(command)
        order_id = (command.result or {}).get("order_id")
        if not order_id:
            raise DomainError(f"the server finished the {command.kind} without an order")
        self.refresh_orders([str(order_id)])
        order = self._orders.get(str(order_id))
        if order is None:
            raise DomainError(f"the server's order {order_id} is not in the database")
        return order

    # -- notifications ---------------------------------------------------------------------
    def on_notice(self, body: dict[str, Any]) -> None:
        """Re-read only what the notification names."""
        kind = str(body.get("kind"))
        raw_ids = body.get("ids")
        ids = [str(i) for i in raw_ids] if isinstance(raw_ids, list) and raw_ids else None
        self.refreshes[kind] = self.refreshes.get(kind, 0) + 1
        try:
            match kind:
                case "orders":
                    self.refresh_orders(ids)
                case "positions":
                    self.refresh_positions(ids)
                case "balances":
                    self.refresh_balances()
                case "prices":
                    self.refresh_prices()
                case "heartbeat":
                    self.refresh_heartbeat()
                case "command":
                    self.commands.finished(ids)
        except StoreError as exc:
            log.warning("cannot re-read %s from the server's database: %s", kind, exc)
            self.bus.publish(EngineError(f"Cannot read the server's {kind}", str(exc)))

    def refresh_all(self) -> None:
        """Everything, as at start and after the notifications were lost for a while."""
        self.refresh_heartbeat()
        self.refresh_facts()
        self.refresh_orders(None)
        self.refresh_positions(None)
        self.commands.finished(None)

    def lost_notifications(self, why: str) -> None:
        self.bus.publish(EngineError("Lost the server's change notifications; reconnecting",
                                     why))

    def refresh_facts(self) -> None:
        facts = read_facts(self.reader, self.account)
        self._venue = dict(facts.get("venue") or {})
        markets = facts.get("markets")
        if isinstance(markets, dict):
            self._markets = {s: MarketInfo(**m) for s, m in markets.items()}
        self._apply_balances(facts.get("balances"))
        self._apply_prices(facts.get("prices"))

    def refresh_balances(self) -> None:
        self._apply_balances(read_facts(self.reader, self.account, "balances").get("balances"))

    def refresh_prices(self) -> None:
        facts = read_facts(self.reader, self.account, "prices", "markets")
        markets = facts.get("markets")
        if isinstance(markets, dict) and len(markets) != len(self._markets):
            self._markets = {s: MarketInfo(**m) for s, m in markets.items()}
        self._apply_prices(facts.get("prices"))

    def _apply_balances(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        self._balances = {c: (Decimal(v[0]), Decimal(v[1]))
                          for c, v in (doc.get("balances") or {}).items()}
        self._balances_at = doc.get("as_of")
        self.bus.publish(AccountUpdated(dict(self._balances), stale=bool(doc.get("stale")),
                                        as_of=self._balances_at))

    def _apply_prices(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        prices = {s: Decimal(p) for s, p in (doc.get("prices") or {}).items()}
        changed = {s: p for s, p in prices.items() if self._prices.get(s) != p}
        self._prices.update(prices)
        if changed:
            self.bus.publish(PricesUpdated(changed))

    def refresh_orders(self, ids: Iterable[str] | None) -> None:
        """Re-read the named orders (when None: the working set the engine itself keeps in
        memory, not every order ever stored) and announce those that changed."""
        loaded = (self.reader.load_working_orders(self._working_since()) if ids is None
                  else self.reader.load_orders_by_id(ids))
        for order in loaded:
            signature = (tuple(order_row(order).items()), len(order.fills), len(order.history))
            if self._order_rows.get(order.id) == signature:
                continue
            old = self._orders.get(order.id)
            self._order_rows[order.id] = signature
            self._orders[order.id] = order
            known = {f.fill_id for f in old.fills} if old is not None else set()
            self.bus.publish(OrderChanged(order))
            for fill in order.fills:
                if fill.fill_id not in known:
                    self.bus.publish(FillReceived(order, fill))

    def _working_since(self) -> datetime:
        return working_since(self.settings, self.clock())

    def refresh_positions(self, ids: Iterable[str] | None) -> None:
        """Re-read the named positions (when None: the engine's working set - open ones and
        those closed recently - and those this window holds as open, which may have closed
        since) and announce what changed."""
        thresholds = risk_thresholds(self.settings)
        if ids is None:
            loaded = self.reader.load_working_positions(self._working_since(),
                                                        risk_thresholds=thresholds)
            seen = {p.id for p in loaded}
            gone = [pid for pid, p in self._positions.items() if p.is_open and pid not in seen]
            if gone:
                loaded += self.reader.load_positions_by_id(gone, risk_thresholds=thresholds)
        else:
            loaded = self.reader.load_positions_by_id(ids, risk_thresholds=thresholds)
        for position in loaded:
            row = position_row(position)
            if self._position_rows.get(position.id) == row:
                continue
            old = self._positions.get(position.id)
            self._position_rows[position.id] = row
            self._positions[position.id] = position
            if old is None and position.is_open:
                self.bus.publish(PositionOpened(position))
            elif (old is None or old.is_open) and not position.is_open:
                self.bus.publish(PositionClosed(position))
            else:
                self.bus.publish(PositionUpdated(position))

    def refresh_heartbeat(self) -> None:
        beat = read_heartbeat(self.reader, self.account)
        if beat is None:
            return
        self.server = beat
        self.health.last_answer = beat.beat_at
        self.bus.publish(ServerHeartbeat(beat.host, beat.pid, beat.beat_at, beat.stopped_at))
        self._update_connection()

    # -- the badge -------------------------------------------------------------------------
    def _update_connection(self) -> None:
        """The venue badge's rules, with the server's heartbeat as the last answer; a server
        that stopped cleanly is Offline at once."""
        interval = self.poll_interval
        if self.server.stopped_at is not None:
            state, detail = ConnectionState.DISCONNECTED, "the server engine stopped"
        else:
            state = self.health.state(interval)
            age = self.health.age()
            detail = "" if state is ConnectionState.CONNECTED or age is None else \
                f"no heartbeat from the server for {age_text(age).removesuffix(' ago')}"
        if state is not self.connection_state:
            self.connection_state = state
            self.bus.publish(ConnectionChanged(state, detail, last_answer=self.health.last_answer))

    async def _age_heartbeat(self) -> None:
        """A clock, not a query: re-judge the heartbeat's age every second."""
        while not self._closed:
            self._update_connection()
            await asyncio.sleep(1.0)


def _open_store(location: Location, *, read_only: bool) -> Store:
    """A store on the server's database without its lock and without migrating: the reader's
    sessions cannot write at all; the writer only ever inserts commands."""
    options = {"application_name": f"moniqo-desktop window {os.getpid()}"}
    if read_only:  # added to the URL's own options (e.g. a search_path), which it would replace
        given = location.url.query.get("options", "")
        given = given if isinstance(given, str) else " ".join(given)
        options["options"] = f"{given} -c default_transaction_read_only=on".strip()
    try:
        engine = create_engine(location.url, pool_pre_ping=True, connect_args=options)
        with engine.connect() as conn:
            revision = current_revision(conn)
    except ImportError as exc:
        raise StoreError(f"cannot open {location.label}: its database driver is not "
                         f"installed ({exc})") from None
    except Exception as exc:
        raise StoreError(f"cannot connect to {location.label}: "
                         f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None
    head = head_revision()
    if revision != head:
        engine.dispose()
        found = "no Moniqo tables" if revision is None else f"schema revision {revision!r}"
        raise StoreError(f"{location.label} has {found}; this window needs {head!r} — run the "
                         "same Moniqo Desktop version as the server")
    return Store(engine, location)
