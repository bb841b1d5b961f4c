"""The one `Exchange` protocol the engine talks to, and the plain values it returns.

Adapters return domain values (Decimal, our enums) and raise `exchanges.errors`, so the engine
has a single code path whether it trades on paper or on a real venue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Protocol, runtime_checkable

from ..domain import Fill, Order, OrderSide, OrderStatus, OrderType
from ..domain.market_rules import above_maximum
from ..domain.money import in_money_context, significant_decimals
from .errors import InvalidOrder


def _to_step(value: Decimal, step: Decimal | None, rounding: str) -> Decimal:
    if step is None or step <= 0:
        return value
    return (value / step).to_integral_value(rounding=rounding) * step


@dataclass(frozen=True)
class MarketInfo:
    """A tradable symbol and its rules. Precisions are step sizes (Binance's stepSize/tickSize)."""

    symbol: str
    base: str
    quote: str
    amount_step: Decimal | None = None
    price_step: Decimal | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_cost: Decimal | None = None
    max_cost: Decimal | None = None  # the largest order value (Binance NOTIONAL maxNotional)
    max_market_amount: Decimal | None = None  # a market order's largest (MARKET_LOT_SIZE)
    active: bool = True
    native_stop_orders: bool = False
    note: str = ""

    def round_amount(self, amount: Decimal) -> Decimal:
        """Amounts round down: never buy or sell more than the trader asked for."""
        return _to_step(amount, self.amount_step, ROUND_DOWN).normalize() if self.amount_step else amount

    def round_price(self, price: Decimal) -> Decimal:
        return _to_step(price, self.price_step, ROUND_HALF_UP).normalize() if self.price_step else price

    @property
    def amount_decimals(self) -> int | None:
        return None if self.amount_step is None else significant_decimals(self.amount_step)

    @property
    def price_decimals(self) -> int | None:
        return None if self.price_step is None else significant_decimals(self.price_step)

    def check_order(self, amount: Decimal, price: Decimal | None) -> Decimal:
        """Round `amount` to the market and refuse it locally if the exchange would.

        Returns the rounded amount. `price` (limit price or a current estimate) is used for the
        minimum-cost check.
        """
        if not self.active:
            raise InvalidOrder(f"{self.symbol} is not trading right now")
        rounded = self.round_amount(amount)
        if rounded <= 0:
            raise InvalidOrder(
                f"amount {amount:f} is below the smallest step {self.amount_step:f} for {self.symbol}"
            )
        if self.min_amount is not None and rounded < self.min_amount:
            raise InvalidOrder(
                f"amount {rounded:f} is below the minimum {self.min_amount:f} {self.base} "
                f"for {self.symbol}"
            )
        too_much = above_maximum(rounded, self.max_amount, "amount", self.base,
                                 f"for {self.symbol}")
        if too_much:
            raise InvalidOrder(too_much)
        if self.min_cost is not None and price is not None and rounded * price < self.min_cost:
            raise InvalidOrder(
                f"order value {rounded * price:f} {self.quote} is below the minimum "
                f"{self.min_cost:f} {self.quote} for {self.symbol}"
            )
        return rounded

    @in_money_context
    def check_maximums(self, amount: Decimal, price: Decimal | None,
                       market_order: bool) -> None:
        """Refuse a new order above what the venue takes in one order, naming the figure: its
        value above `max_cost` (at `price`, the limit or a current estimate), a market order's
        amount above `max_market_amount`. Only for orders the trader places: an exit of
        what is held is never held back by a ceiling the venue would split or refuse."""
        where = f"for {self.symbol}"
        for why in (
            above_maximum(amount, self.max_market_amount, "amount", self.base,
                          f"for a market order on {self.symbol}") if market_order else None,
            None if price is None else above_maximum(amount * price, self.max_cost,
                                                     "order value", self.quote, where),
        ):
            if why:
                raise InvalidOrder(why)


@dataclass(frozen=True)
class Ticker:
    symbol: str
    last: Decimal
    bid: Decimal | None = None
    ask: Decimal | None = None
    at: datetime | None = None


TIMEFRAMES: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14400,
                               "1d": 86400}
"""Candle timeframes every adapter serves (ccxt's names), in seconds."""


@dataclass(frozen=True)
class Candle:
    """One OHLCV candle; `at` is when it opens (UTC)."""

    at: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = Decimal(0)


@dataclass(frozen=True)
class Balance:
    currency: str
    free: Decimal
    used: Decimal
    total: Decimal


@dataclass(frozen=True)
class Trade:
    """One of our executions as the exchange reports it (fetch_my_trades)."""

    symbol: str
    exchange_order_id: str
    side: OrderSide
    fill: Fill
    # every fee of this execution per currency; `fill` carries the first one (a Fill has one fee)
    fees: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ExchangeOrder:
    """What the exchange says about one of our orders right now."""

    exchange_order_id: str
    client_order_id: str | None
    symbol: str
    side: OrderSide
    type: OrderType
    status: OrderStatus
    amount: Decimal
    filled: Decimal
    average: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    fees: dict[str, Decimal] = field(default_factory=dict)
    trades: tuple[Fill, ...] = ()
    reason: str = ""
    timestamp: datetime | None = None

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled


WATCH_TICKERS = "watch_tickers"  # pushes prices (a `watch_tickers` stream)
WATCH_ORDERS = "watch_orders"  # pushes our order updates (a `watch_orders` stream)


def features(exchange: object) -> frozenset[str]:
    """The optional things a venue does, as its adapter declares them (`features`); the
    engine starts a stream only for what is declared, instead of probing for methods."""
    return frozenset(getattr(exchange, "features", ()) or ())


@runtime_checkable
class Exchange(Protocol):
    """An async trading venue. Every method may raise an `exchanges.errors.ExchangeError`."""

    id: str
    name: str
    always_on: bool
    """Does the venue keep matching orders while this app is closed? (Then a stop resting on
    it protects a position around the clock.)"""

    async def load_markets(self, reload: bool = False) -> dict[str, MarketInfo]: ...

    def market(self, symbol: str) -> MarketInfo: ...

    async def fetch_ticker(self, symbol: str) -> Ticker: ...

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]: ...

    async def create_order(self, order: Order) -> ExchangeOrder:
        """Send `order` with its `client_order_id`; never retried blindly by the adapter."""
        ...

    async def cancel_order(self, exchange_order_id: str, symbol: str) -> ExchangeOrder: ...

    async def fetch_order(
        self,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> ExchangeOrder:
        """Look an order up by exchange id, or by our client id; raises `OrderNotFound`."""
        ...

    async def fetch_open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]: ...

    async def fetch_my_trades(
        self, symbol: str, since: datetime | None = None
    ) -> list[Trade]: ...

    async def fetch_balance(self) -> dict[str, Balance]: ...

    async def fetch_ohlcv(self, symbol: str, timeframe: str = "1m",
                          since: datetime | None = None, limit: int | None = None
                          ) -> list[Candle]:
        """Candles of `symbol` in time order, from `since` (the venue's own, or for the paper
        exchange its own ticks aggregated); `timeframe` is one of `TIMEFRAMES`."""
        ...

    async def close(self) -> None: ...
