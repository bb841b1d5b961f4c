"""The paper exchange: a small matching engine behind the same async `Exchange` protocol as a
real venue, so the engine's code path is identical in paper and live trading.

Semantics, chosen to be simple, predictable and close to Binance spot:

- **Prices** come from `set_price` (tests, synchronous) or from a pluggable feed advanced by
  `await tick()` (`price_feeds`). Every price update runs matching for that symbol at once.
- **Market orders** fill immediately at the current price, moved against the trader by
  `slippage_percent` and rounded to the price step. There is no spread: bid = ask = last.
- **Fees** are `fee_rate × cost`, always charged in the quote currency, so a buy of 0.5 BTC
  receives exactly 0.5 BTC and pays cost + fee in USDT; a sell receives cost − fee.
- **Limit orders**: a buy fills when price ≤ limit, a sell when price ≥ limit (an exact touch
  fills), at the limit price — or at the current price (capped at the limit) if the order was
  marketable when it arrived, as a taker would.
- **Stop orders**: a sell stop triggers when price ≤ stop, a buy stop when price ≥ stop. STOP
  then fills as a market order at the *triggering* price, so a gap through the stop fills at
  the gap price, not at the stop. STOP_LIMIT becomes a limit order at its limit price (taking
  the triggering price if that is already marketable). A stop that would trigger immediately
  is refused, as Binance refuses it.
- **Liquidity** (`liquidity_per_tick`, one Decimal or per symbol): at most that much base
  currency trades per symbol per price update, first come first served → partial fills that
  complete over later ticks (a market order's remainder fills at those later prices).
- **Expiry**: with `expire_after`, an order still open that long after creation (by the
  injectable `clock`) becomes EXPIRED, keeping any partial fills.
- **Balances** are spot balances with reservations: a resting buy holds its cost + fee in
  quote, a resting sell holds its base amount; `used` is what open orders hold. Orders that
  cannot be afforded raise `InsufficientFunds` and leave nothing behind. If a fill (a stop
  buy gapping up, a market remainder filling later) costs more than the account can pay, the
  rest of the order is EXPIRED with the reason, as a venue's matching engine would.
- **Shorts** (`allow_short=True`; off by default, as on every spot venue - the app's "paper
  margin practice" setting turns it on): a sell may exceed the base held. The uncovered part must be backed by free quote ≥ its
  notional at order time (held as collateral while the order rests); once filled, the base
  balance goes negative and the sale proceeds are credited. Collateral is not locked after
  the fill and there are no margin calls: liquidation is the domain's business, not the
  paper venue's. With `allow_short=False` you can only sell what you hold.
- **Ids**: exchange order ids are numeric strings, fill ids `t<n>`, both unique for the
  account's life (kept in snapshots). A duplicate `client_order_id` is refused (`InvalidOrder`,
  "duplicate client order id"), whatever the first order's status.
- **Cancel** of an unknown, filled, cancelled or expired order raises `OrderNotFound`, the way
  Binance answers -2011 "Unknown order sent"; the order itself is unchanged.
- **Failure injection** for engine tests: `down = True` makes every API call raise
  `ExchangeUnavailable`; `fail_next(n, error, only=...)` fails the next n calls; `on_create`
  (sync or async) runs after an order is accepted, so raising from it simulates "the order
  reached the exchange but the response was lost".
- **Persistence**: `snapshot()` is plain JSON (Decimals as text), `DemoExchange.restore()` /
  `load_snapshot()` bring the account back. The engine saves it every cycle, so it stays
  bounded: an order that ended more than `keep_closed_for` ago (default 7 days, `None` keeps
  all) is left out, as a venue ages out its order history; its client order id is kept, so it
  is still refused as a duplicate, and `fetch_order` answers `OrderNotFound` for it.
"""

from __future__ import annotations

import copy
import inspect
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ..domain import Fill, Order, OrderSide, OrderStatus, OrderType
from ..domain.money import ZERO, Number, parse_amount, to_decimal
from ..domain.orders import utcnow
from .base import Balance, Candle, ExchangeOrder, MarketInfo, Ticker, Trade
from .demo_candles import TickCandles
from .demo_markets import MIN_COST, market_for, market_from_dict, market_to_dict
from . import demo_books
from .demo_books import Books, Journal
from .demo_orders import PaperOrder
from .errors import (
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
)
from .price_feeds import PriceFeed, RandomWalkFeed

SNAPSHOT_VERSION = 1
KEEP_CLOSED_FOR = timedelta(days=7)
DEFAULT_BALANCES: dict[str, Decimal] = {"USDT": Decimal(10_000)}
HUNDRED = Decimal(100)

CreateHook = Callable[[ExchangeOrder], Awaitable[None] | None]
Liquidity = Decimal | Mapping[str, Decimal] | None


class DemoExchange:
    """Paper trading venue implementing `exchanges.base.Exchange` (see the module docstring)."""

    id = "demo"
    name = "Paper exchange"
    always_on = False  # its market only moves while the app runs: the app watches the stops
    keep_closed_for: timedelta | None = KEEP_CLOSED_FOR  # see "Persistence" above

    def __init__(
        self,
        prices: Mapping[str, Number] | None = None,
        fee_rate: Number = Decimal("0.001"),
        balances: Mapping[str, Number] | None = None,
        *,
        feed: PriceFeed | None = None,
        slippage_percent: Number = ZERO,
        liquidity_per_tick: Liquidity = None,
        expire_after: timedelta | None = None,
        allow_short: bool = False,
        min_cost: Number = MIN_COST,
        clock: Callable[[], datetime] = utcnow,
        on_create: CreateHook | None = None,
        markets: Mapping[str, MarketInfo] | None = None,
    ) -> None:
        """`markets`: a venue's own rules for some symbols (a tick of 0.5, a maximum order
        size) instead of the ones derived from the first price, so the paper account can meet
        any grid a real venue lists."""
        if prices is None and feed is None:
            feed = RandomWalkFeed()  # the offline default: BTC, ETH, SOL on a random walk
        self.feed = feed
        self.fee_rate = parse_amount(fee_rate, "fee rate", allow_zero=True)
        self.slippage_percent = parse_amount(slippage_percent, "slippage %", allow_zero=True)
        self.liquidity_per_tick = _parse_liquidity(liquidity_per_tick)
        self.expire_after = expire_after
        self.allow_short = allow_short
        self.min_cost = parse_amount(min_cost, "minimum order value", allow_zero=True)
        self.clock = clock
        self.candles = TickCandles()  # its ticks as OHLC, for `fetch_ohlcv`
        self.on_create = on_create
        self.down = False
        self.calls: Counter[str] = Counter()
        self._failures: deque[tuple[BaseException | None, frozenset[str] | None]] = deque()
        self._books = Books()  # durability: see demo_books (the engine attaches a journal)

        self._prices: dict[str, Decimal] = {}
        self._markets: dict[str, MarketInfo] = {}
        self._given_markets: dict[str, MarketInfo] = dict(markets or {})
        self._liquidity_left: dict[str, Decimal | None] = {}
        start = dict(feed.initial_prices()) if feed is not None else {}
        start.update({s: parse_amount(p, f"price of {s}") for s, p in (prices or {}).items()})
        for symbol, price in start.items():
            self._set_price_only(symbol, price)

        source = DEFAULT_BALANCES if balances is None else balances
        self._totals: dict[str, Decimal] = {
            cur: parse_amount(v, f"{cur} balance", allow_zero=True) for cur, v in source.items()
        }
        self._orders: dict[str, PaperOrder] = {}
        # symbol -> orders that may still be open (see `_open_orders`), and the `_orders`
        # dict it was built from (a restore replaces that dict: the index is then rebuilt)
        self._working: dict[str, dict[str, PaperOrder]] = {}
        self._working_of: dict[str, PaperOrder] | None = None
        self._by_client: dict[str, str] = {}
        self._retired_clients: dict[str, str] = {}  # client id -> id of an aged-out order
        self._next_order = 1
        self._next_fill = 1
        self._seq = 0
        self._deposits: dict[str, Decimal] = dict(self._totals)  # what the account started with

    # -- the world: prices -----------------------------------------------------------------
    @property
    def prices(self) -> dict[str, Decimal]:
        return dict(self._prices)

    def set_price(self, symbol: str, price: Number) -> None:
        """Move `symbol` to `price` and match its orders now (a new symbol gets a market)."""
        self._apply_price(symbol, parse_amount(price, f"price of {symbol}"))
        self._books.commit(self)

    def set_prices(self, prices: Mapping[str, Number]) -> None:
        for symbol, price in prices.items():
            self.set_price(symbol, price)

    async def tick(self) -> dict[str, Decimal]:
        """Pull the feed's next prices and match on each; returns the prices applied.

        Not subject to failure injection: the market moves even while the API is "down".
        """
        prices = await self.feed.next_prices() if self.feed is not None else {}
        for symbol, price in prices.items():
            self._apply_price(symbol, price)
        self._expire_due()
        self._books.commit(self)
        return prices

    async def advance(self, steps: int = 1) -> dict[str, Decimal]:
        """`tick()` `steps` times; returns the latest price of every symbol that moved."""
        moved: dict[str, Decimal] = {}
        for _ in range(steps):
            moved.update(await self.tick())
        return moved

    def _set_price_only(self, symbol: str, price: Decimal) -> None:
        if symbol not in self._markets:
            self._markets[symbol] = (self._given_markets.get(symbol)
                                     or market_for(symbol, price, self.min_cost))
            self._books.market(symbol)
        self._prices[symbol] = price
        self._liquidity_left[symbol] = self._liquidity_for(symbol)
        self.candles.add(symbol, price, self.clock())

    def _apply_price(self, symbol: str, price: Decimal) -> None:
        self._set_price_only(symbol, price)
        self._expire_due()
        for order in self._open_orders(symbol):
            self._match(order, price, taker=False)

    # -- failure injection -----------------------------------------------------------------
    def fail_next(
        self,
        n: int = 1,
        error: BaseException | type[BaseException] | None = None,
        *,
        only: Iterable[str] | None = None,
    ) -> None:
        """Make the next `n` API calls (optionally only those named in `only`) raise `error`
        (default `ExchangeUnavailable`). The failing call has no effect on the account."""
        instance = error() if isinstance(error, type) else error
        methods = frozenset(only) if only is not None else None
        for _ in range(n):
            self._failures.append((instance, methods))

    def clear_failures(self) -> None:
        """Forget failures queued by `fail_next` that have not happened yet."""
        self._failures.clear()

    def _gate(self, method: str) -> None:
        """Every API call passes here: count it, fail it if asked, then age the orders."""
        self.calls[method] += 1
        if self.down:
            raise ExchangeUnavailable(f"paper exchange is down (simulated outage) in {method}")
        for i, (error, methods) in enumerate(self._failures):
            if methods is None or method in methods:
                del self._failures[i]
                if error is None:
                    raise ExchangeUnavailable(f"simulated failure of {method}")
                raise copy.copy(error)
        self._expire_due()
        self._books.commit(self)

    # -- Exchange protocol: markets and tickers -------------------------------------------
    async def load_markets(self, reload: bool = False) -> dict[str, MarketInfo]:
        self._gate("load_markets")
        if self.feed is not None and any(s not in self._prices for s in self.feed.symbols):
            await self.tick()  # a live feed learns its first prices (and markets) here
        return dict(self._markets)

    def market(self, symbol: str) -> MarketInfo:
        try:
            return self._markets[symbol]
        except KeyError:
            raise InvalidOrder(self._unknown(symbol)) from None

    def _unknown(self, symbol: str) -> str:
        known = ", ".join(sorted(self._markets)) or "none"
        return f"unknown symbol {symbol} on the paper exchange (markets: {known})"

    def _ticker(self, symbol: str) -> Ticker:
        price = self._prices[symbol]
        return Ticker(symbol=symbol, last=price, bid=price, ask=price, at=self.clock())

    async def fetch_ticker(self, symbol: str) -> Ticker:
        self._gate("fetch_ticker")
        if symbol not in self._prices:
            raise ExchangeError(self._unknown(symbol))
        return self._ticker(symbol)

    async def fetch_ohlcv(self, symbol: str, timeframe: str = "1m",
                          since: datetime | None = None, limit: int | None = None
                          ) -> list[Candle]:
        """This paper venue's own ticks as candles (`demo_candles`)."""
        self._gate("fetch_ohlcv")
        if symbol not in self._markets:
            raise ExchangeError(self._unknown(symbol))
        return self.candles.ohlcv(symbol, timeframe, since, limit)

    async def fetch_tickers(self, symbols: list[str] | None = None) -> dict[str, Ticker]:
        self._gate("fetch_tickers")
        wanted = list(symbols) if symbols else list(self._prices)
        unknown = [s for s in wanted if s not in self._markets]
        if unknown:
            raise ExchangeError(self._unknown(", ".join(unknown)))
        return {s: self._ticker(s) for s in wanted if s in self._prices}

    # -- Exchange protocol: orders ---------------------------------------------------------
    async def create_order(self, order: Order) -> ExchangeOrder:
        self._gate("create_order")
        try:
            paper = self._accept(order)
        except InvalidOperation:  # e.g. a price so large its steps exceed Decimal precision
            raise InvalidOrder(
                f"amount {order.amount} or price {order.price} is out of range for {order.symbol}"
            ) from None
        self._books.commit(self)  # durable before the answer (or undone, ExchangeUnavailable)
        view = paper.view()
        if self.on_create is not None:
            result = self.on_create(view)
            if inspect.isawaitable(result):
                await result
        return view

    async def cancel_order(self, exchange_order_id: str, symbol: str) -> ExchangeOrder:
        self._gate("cancel_order")
        paper = self._order(exchange_order_id)
        if paper is None or paper.symbol != symbol:
            raise OrderNotFound(f"unknown order {exchange_order_id} for {symbol}")
        if not paper.is_open:
            raise OrderNotFound(
                f"unknown order sent: order {exchange_order_id} is already "
                f"{paper.status.value} and cannot be cancelled"
            )
        self._finish(paper, OrderStatus.CANCELLED, "cancelled on request")
        self._books.commit(self)
        return paper.view()

    async def fetch_order(
        self,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> ExchangeOrder:
        self._gate("fetch_order")
        if exchange_order_id is None and client_order_id is None:
            raise InvalidOrder("fetch_order needs an exchange order id or a client order id")
        oid = exchange_order_id
        if oid is None and client_order_id is not None:
            oid = self._by_client.get(client_order_id)
            if oid is None:  # finished before this run, or never ours
                recalled = demo_books.recall(self, client_order_id=client_order_id)
                oid = recalled[0].id if recalled else None
        paper = self._order(oid) if oid is not None else None
        if paper is None or paper.symbol != symbol:
            which = exchange_order_id or f"with client id {client_order_id}"
            raise OrderNotFound(f"order {which} does not exist for {symbol}")
        return paper.view()

    async def fetch_open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        self._gate("fetch_open_orders")
        return [o.view() for o in self._open_orders(symbol)]

    async def fetch_my_trades(self, symbol: str, since: datetime | None = None) -> list[Trade]:
        self._gate("fetch_my_trades")
        demo_books.recall(self, symbol=symbol)
        trades = [
            Trade(symbol=o.symbol, exchange_order_id=o.id, side=o.side, fill=f,
                  fees={f.fee_currency or "": f.fee})
            for o in self._orders.values()
            if o.symbol == symbol
            for f in o.fills
            if since is None or (f.at is not None and f.at >= since)
        ]
        trades.sort(key=lambda t: int(t.fill.fill_id[1:]))
        return trades

    async def fetch_balance(self) -> dict[str, Balance]:
        self._gate("fetch_balance")
        used = self._used()
        out: dict[str, Balance] = {}
        for cur in dict.fromkeys((*self._totals, *used)):
            total = self._totals.get(cur, ZERO)
            held = used.get(cur, ZERO)
            out[cur] = Balance(currency=cur, free=total - held, used=held, total=total)
        return out

    async def close(self) -> None:
        if self.feed is not None:
            await self.feed.close()

    # -- order acceptance --------------------------------------------------------------------
    def _accept(self, order: Order) -> PaperOrder:
        """Validate, reserve funds and record `order`, then let it trade as a taker."""
        symbol = order.symbol
        if symbol not in self._markets or symbol not in self._prices:
            raise InvalidOrder(self._unknown(symbol))
        market = self._markets[symbol]
        cid = order.client_order_id or None
        used_by = None if cid is None else self._by_client.get(cid) or (
            self._books.journal.order_id_for_client(cid) if self._books.journal else None)
        if used_by is not None:
            raise InvalidOrder(
                f"duplicate client order id {cid} (order {used_by} already has it)"
            )
        current = self._prices[symbol]
        limit = _on_step(order.price, market) if order.price is not None else None
        stop = _on_step(order.stop_price, market) if order.stop_price is not None else None
        kind, side = order.type, order.side

        if kind in (OrderType.STOP, OrderType.STOP_LIMIT):
            assert stop is not None
            if _stop_hit(side, stop, current):
                raise InvalidOrder(
                    f"stop price {stop} would trigger immediately (price is {current})"
                )
        reference = {
            OrderType.MARKET: current,
            OrderType.LIMIT: limit,
            OrderType.STOP: stop,
            OrderType.STOP_LIMIT: limit,
        }[kind]
        assert reference is not None
        rounded = market.check_order(order.amount, reference)
        amount = order.amount if rounded == order.amount else rounded
        funds_price = (
            self._slipped(side, reference, market)
            if kind in (OrderType.MARKET, OrderType.STOP)
            else reference
        )
        reserved = self._reservation(market, side, amount, funds_price)

        now = self.clock()
        self._seq += 1
        paper = PaperOrder(
            id=str(self._next_order),
            client_order_id=cid,
            symbol=symbol,
            side=side,
            type=kind,
            amount=amount,
            price=limit,
            stop_price=stop,
            created_at=now,
            seq=self._seq,
            expires_at=None if self.expire_after is None else now + self.expire_after,
            reserved=reserved,
        )
        self._next_order += 1
        self._orders[paper.id] = paper
        self._working_orders().setdefault(paper.symbol, {})[paper.id] = paper
        self._books.order(paper.id)
        self._books.counters()
        if cid is not None:
            self._by_client[cid] = paper.id
        self._match(paper, current, taker=True)
        return paper

    def _reservation(
        self, market: MarketInfo, side: OrderSide, amount: Decimal, price: Decimal
    ) -> dict[str, Decimal]:
        """What the order must hold, or `InsufficientFunds` (nothing is held on refusal)."""
        base, quote = market.base, market.quote
        free_quote = self._free(quote)
        if side is OrderSide.BUY:
            need = amount * price * (1 + self.fee_rate)
            if free_quote < need:
                raise InsufficientFunds(
                    f"insufficient {quote}: buying {amount} {base} at {price} needs {need} "
                    f"{quote} including fees, free {free_quote}"
                )
            return {quote: need}
        free_base = self._free(base)
        held = min(amount, max(free_base, ZERO))
        short = amount - held
        reserved = {base: held} if held > 0 else {}
        if short > 0:
            if not self.allow_short:
                raise InsufficientFunds(
                    f"insufficient {base}: selling {amount} needs {amount} {base}, "
                    f"free {free_base} (short selling is off)"
                )
            collateral = short * price
            if free_quote < collateral:
                raise InsufficientFunds(
                    f"insufficient {quote}: a short sale of {short} {base} at {price} needs "
                    f"{collateral} {quote} collateral, free {free_quote}"
                )
            reserved[quote] = collateral
        return reserved

    # -- matching ----------------------------------------------------------------------------
    def _match(self, paper: PaperOrder, price: Decimal, *, taker: bool) -> None:
        """Trade `paper` against `price` if its conditions are met."""
        if not paper.is_open:
            return
        market = self._markets[paper.symbol]
        if paper.is_stop and not paper.triggered:
            assert paper.stop_price is not None
            if not _stop_hit(paper.side, paper.stop_price, price):
                return
            paper.triggered = True
            paper.reason = f"stop {paper.stop_price} triggered at {price}"
            self._books.order(paper.id)
            taker = True  # a triggered stop arrives in the book like a new order
        if paper.acts_as_market:
            fill_price = self._slipped(paper.side, price, market)
        else:
            limit = paper.price
            assert limit is not None
            if not _limit_reached(paper.side, limit, price):
                return
            if taker:
                slipped = self._slipped(paper.side, price, market)
                fill_price = min(slipped, limit) if paper.side is OrderSide.BUY else max(
                    slipped, limit
                )
            else:
                fill_price = limit
        amount = self._take_liquidity(paper, market)
        if amount > 0:
            self._fill(paper, amount, fill_price)

    def _take_liquidity(self, paper: PaperOrder, market: MarketInfo) -> Decimal:
        left = self._liquidity_left.get(paper.symbol)
        if left is None:
            return paper.remaining
        amount = min(paper.remaining, left)
        if amount < paper.remaining:
            amount = market.round_amount(amount) if market.amount_step else amount
        self._liquidity_left[paper.symbol] = left - amount
        return amount

    def _fill(self, paper: PaperOrder, amount: Decimal, price: Decimal) -> None:
        market = self._markets[paper.symbol]
        base, quote = market.base, market.quote
        cost = amount * price
        fee = cost * self.fee_rate
        if paper.side is OrderSide.BUY:
            can_pay = self._free(quote) + paper.reserved.get(quote, ZERO)
            if can_pay < cost + fee:
                self._finish(
                    paper,
                    OrderStatus.EXPIRED,
                    f"insufficient {quote} to fill {amount} at {price}: needs {cost + fee}, "
                    f"available {can_pay}",
                )
                return
        last = amount == paper.remaining
        share = amount / paper.remaining
        for cur in list(paper.reserved):
            release = paper.reserved[cur] if last else paper.reserved[cur] * share
            paper.reserved[cur] -= release
        if last:
            paper.reserved = {}
        sign = 1 if paper.side is OrderSide.BUY else -1
        self._credit(base, sign * amount)
        self._credit(quote, -sign * cost - fee)
        fill = Fill(
            fill_id=f"t{self._next_fill}",
            amount=amount,
            price=price,
            fee=fee,
            fee_currency=quote,
            at=self.clock(),
        )
        self._next_fill += 1
        self._books.counters()
        self._books.order(paper.id)
        paper.fills.append(fill)
        paper.status = OrderStatus.FILLED if last else OrderStatus.PARTIALLY_FILLED
        if last:
            paper.closed_at = fill.at

    def _finish(self, paper: PaperOrder, status: OrderStatus, reason: str) -> None:
        """End an open order (cancel, expiry, refusal) and give back what it held."""
        paper.status = status
        paper.reason = reason
        paper.reserved = {}
        paper.closed_at = self.clock()
        self._books.order(paper.id)

    def _expire_due(self) -> None:
        if self.expire_after is None:
            return
        now = self.clock()
        for paper in self._open_orders():
            if paper.expires_at is not None and now >= paper.expires_at:
                self._finish(paper, OrderStatus.EXPIRED, f"expired after {self.expire_after}")

    # -- helpers -------------------------------------------------------------------------------
    def _order(self, order_id: str) -> PaperOrder | None:
        """The order with this venue id: in memory, or finished and read back from the
        journal (see demo_books.recall)."""
        paper = self._orders.get(order_id)
        if paper is None:
            recalled = demo_books.recall(self, order_id=order_id)
            paper = recalled[0] if recalled else None
        return paper

    def _open_orders(self, symbol: str | None = None) -> list[PaperOrder]:
        """Open orders (of `symbol`), oldest first. Read from the index of working orders, so
        a price move costs that symbol's working orders, not every order the account ever
        had (1 000 filled orders made each move scan all of them). A finished order leaves
        the index the first time it is seen finished; paper orders never reopen."""
        working = self._working_orders()
        groups = list(working.values()) if symbol is None else [working.get(symbol, {})]
        found = []
        for group in groups:
            for order_id, order in list(group.items()):
                if order.is_open and self._orders.get(order_id) is order:
                    found.append(order)
                else:
                    del group[order_id]
        return sorted(found, key=lambda o: o.seq)

    def _working_orders(self) -> dict[str, dict[str, PaperOrder]]:
        if self._working_of is not self._orders:  # first use, or the orders were restored
            self._working = {}
            for order in self._orders.values():
                if order.is_open:
                    self._working.setdefault(order.symbol, {})[order.id] = order
            self._working_of = self._orders
        return self._working

    def _used(self) -> dict[str, Decimal]:
        used: dict[str, Decimal] = {}
        for paper in self._open_orders():
            for cur, amount in paper.reserved.items():
                used[cur] = used.get(cur, ZERO) + amount
        return used

    def _free(self, currency: str) -> Decimal:
        return self._totals.get(currency, ZERO) - self._used().get(currency, ZERO)

    def _credit(self, currency: str, amount: Decimal) -> None:
        self._totals[currency] = self._totals.get(currency, ZERO) + amount
        self._books.balance(currency)

    def _slipped(self, side: OrderSide, price: Decimal, market: MarketInfo) -> Decimal:
        """The price moved against the trader by `slippage_percent`, on the price step."""
        if self.slippage_percent == 0:
            return price
        direction = 1 if side is OrderSide.BUY else -1
        moved = price * (1 + direction * self.slippage_percent / HUNDRED)
        return _on_step(moved, market)

    def _liquidity_for(self, symbol: str) -> Decimal | None:
        liquidity = self.liquidity_per_tick
        if isinstance(liquidity, Mapping):
            return liquidity.get(symbol)
        return liquidity

    # -- persistence ---------------------------------------------------------------------------
    def attach_journal(self, journal: Journal | None,
                       legacy: Mapping[str, Any] | None = None) -> None:
        """Keep this account in `journal` from now on, change by change (see demo_books):
        resume the account it holds, or start it from this one (or from the old JSON
        snapshot `legacy`, imported once). None detaches (the store is closing)."""
        if journal is None:
            self._books.journal = None
            return
        demo_books.attach(self, journal, None if legacy is None else dict(legacy))

    def save_prices(self) -> None:
        """Remember the current prices in the journal (at close and now and then, not every
        tick), so a restart resumes the market where it was."""
        demo_books.save_prices(self)

    def forget_old_orders(self) -> int:
        """With a journal, drop orders that ended more than `keep_closed_for` ago from memory
        (the journal keeps them; their client ids stay refused as duplicates)."""
        if self._books.journal is None or self.keep_closed_for is None:
            return 0
        cutoff = self.clock() - self.keep_closed_for
        old = [o for o in self._orders.values() if not o.is_open and o.last_activity() < cutoff]
        for paper in old:
            del self._orders[paper.id]
            if paper.client_order_id:
                self._by_client.pop(paper.client_order_id, None)
        return len(old)

    @property
    def deposits(self) -> dict[str, Decimal]:
        """What the account started with: with the fills, it explains every balance."""
        return dict(self._deposits)

    def snapshot(self) -> dict[str, Any]:
        """The whole paper account as JSON-ready data (Decimals and times as text), less
        the orders that ended more than `keep_closed_for` ago."""
        liquidity = self.liquidity_per_tick
        demo_books.recall(self)  # the finished orders a journal still holds for us
        kept = list(self._orders.values())
        retired = dict(self._retired_clients)
        if self.keep_closed_for is not None:
            cutoff = self.clock() - self.keep_closed_for
            kept = [o for o in kept if o.is_open or o.last_activity() >= cutoff]
            if len(kept) < len(self._orders):
                kept_ids = {o.id for o in kept}
                retired.update((cid, oid) for cid, oid in self._by_client.items()
                               if oid not in kept_ids)
        return {
            "version": SNAPSHOT_VERSION,
            "exchange": self.id,
            "settings": {
                "fee_rate": str(self.fee_rate),
                "slippage_percent": str(self.slippage_percent),
                "allow_short": self.allow_short,
                "min_cost": str(self.min_cost),
                "expire_after_seconds": (
                    None if self.expire_after is None else self.expire_after.total_seconds()
                ),
                "liquidity_per_tick": (
                    None if liquidity is None
                    else {s: str(v) for s, v in liquidity.items()} if isinstance(liquidity, Mapping)
                    else str(liquidity)
                ),
            },
            "prices": {s: str(p) for s, p in self._prices.items()},
            "markets": [market_to_dict(m) for m in self._markets.values()],
            "balances": {cur: str(v) for cur, v in self._totals.items()},
            "orders": [o.to_dict() for o in kept],
            "retired_clients": retired,
            "counters": {"order": self._next_order, "fill": self._next_fill, "seq": self._seq},
        }

    @classmethod
    def restore(
        cls,
        snapshot: Mapping[str, Any],
        *,
        feed: PriceFeed | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_create: CreateHook | None = None,
        **overrides: Any,
    ) -> "DemoExchange":
        """A new exchange holding the snapshot's account; keyword `overrides` (e.g. a new
        `fee_rate` from the settings) win over the settings saved in the snapshot."""
        _check_version(snapshot)
        saved = snapshot.get("settings", {})
        expire = saved.get("expire_after_seconds")
        liquidity = saved.get("liquidity_per_tick")
        settings: dict[str, Any] = {
            "fee_rate": Decimal(saved.get("fee_rate", "0.001")),
            "slippage_percent": Decimal(saved.get("slippage_percent", "0")),
            "allow_short": bool(saved.get("allow_short", True)),
            "min_cost": Decimal(saved.get("min_cost", str(MIN_COST))),
            "expire_after": None if expire is None else timedelta(seconds=expire),
            "liquidity_per_tick": (
                None if liquidity is None
                else {s: Decimal(v) for s, v in liquidity.items()} if isinstance(liquidity, dict)
                else Decimal(liquidity)
            ),
        }
        settings.update(overrides)
        exchange = cls(
            prices=snapshot.get("prices", {}),
            balances={},
            feed=feed,
            clock=clock,
            on_create=on_create,
            **settings,
        )
        exchange.load_snapshot(snapshot)
        return exchange

    def load_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Replace this account (prices, markets, balances, orders, ids) with a snapshot's.
        Settings and the feed stay as configured on this instance."""
        _check_version(snapshot)
        markets = {m["symbol"]: market_from_dict(m) for m in snapshot.get("markets", [])}
        prices = {s: Decimal(p) for s, p in snapshot.get("prices", {}).items()}
        orders = [PaperOrder.from_dict(o) for o in snapshot.get("orders", [])]
        counters = snapshot.get("counters", {})
        for symbol, price in prices.items():
            if symbol not in markets:
                markets[symbol] = market_for(symbol, price, self.min_cost)
        self._markets.update(markets)
        self._prices.update(prices)
        for symbol in self._markets:
            self._liquidity_left[symbol] = self._liquidity_for(symbol)
        self._totals = {cur: Decimal(v) for cur, v in snapshot.get("balances", {}).items()}
        self._orders = {o.id: o for o in orders}
        self._retired_clients = dict(snapshot.get("retired_clients", {}))
        self._by_client = {**self._retired_clients,
                           **{o.client_order_id: o.id for o in orders if o.client_order_id}}
        self._next_order = int(counters.get("order", len(orders) + 1))
        self._next_fill = int(counters.get("fill", 1))
        self._seq = int(counters.get("seq", max((o.seq for o in orders), default=0)))


# -- pure helpers ----------------------------------------------------------------------------
def _stop_hit(side: OrderSide, stop: Decimal, price: Decimal) -> bool:
    """Sell stops protect longs (trigger on the way down), buy stops shorts (on the way up)."""
    return price <= stop if side is OrderSide.SELL else price >= stop


def _limit_reached(side: OrderSide, limit: Decimal, price: Decimal) -> bool:
    return price <= limit if side is OrderSide.BUY else price >= limit


def _on_step(value: Decimal, market: MarketInfo) -> Decimal:
    """`value` unchanged if it already sits on the price step (keeps its exact form),
    otherwise rounded to the nearest step."""
    step = market.price_step
    if step is None or value % step == 0:
        return value
    return market.round_price(value)


def _parse_liquidity(value: Liquidity) -> Decimal | dict[str, Decimal] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {s: parse_amount(v, f"liquidity of {s}") for s, v in value.items()}
    return parse_amount(to_decimal(value), "liquidity per tick")


def _check_version(snapshot: Mapping[str, Any]) -> None:
    version = snapshot.get("version")
    if version != SNAPSHOT_VERSION:
        raise ValueError(
            f"paper account snapshot version {version!r} is not supported "
            f"(expected {SNAPSHOT_VERSION})"
        )


__all__ = ["DEFAULT_BALANCES", "DemoExchange", "SNAPSHOT_VERSION"]
