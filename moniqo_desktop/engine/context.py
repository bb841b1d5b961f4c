"""What the engine's parts share: live objects, the store, the exchange, the bus and a clock.

The in-memory maps are the engine's working copy; every change is written to the store before the
engine acts on it outside (send, event), so a crash can lose a moment of price history but never
an order or a decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..config import Settings
from ..domain import Order, OrderIntent, Position, RiskThresholds
from ..domain.figures import fmt_market_price
from ..domain.orders import utcnow
from ..exchanges.base import Exchange, MarketInfo
from ..store import Store
from .events import EventBus

Clock = Callable[[], datetime]


def risk_thresholds(s: Settings) -> RiskThresholds:
    """The risk levels' thresholds from the settings (not stored: applied to loaded positions)."""
    return RiskThresholds(
        stop_share=tuple(Decimal(v) for v in s.risk_stop_share),  # type: ignore[arg-type]
        loss_percent=tuple(Decimal(v) for v in s.risk_loss_percent),  # type: ignore[arg-type]
    )


def market_price_text(markets: Mapping[str, MarketInfo], symbol: str,
                      price: Decimal | None) -> str:
    """A price of `symbol` with its market's tick (five significant digits when the market is
    not known), thousands grouped: the one spelling of the engine's messages and narration."""
    market = markets.get(symbol)
    return fmt_market_price(price, market.price_decimals if market is not None else None)


@dataclass
class EngineContext:
    store: Store
    exchange: Exchange
    settings: Settings
    bus: EventBus = field(default_factory=EventBus)
    clock: Clock = utcnow
    orders: dict[str, Order] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    markets: dict[str, MarketInfo] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    balances: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    balances_at: datetime | None = None
    """When the venue last answered a balance read (what `balances` shows)."""
    balances_dirty: bool = False
    """A fill was applied since the last balance read: refresh before the pass ends."""
    price_times: dict[str, datetime] = field(default_factory=dict)
    """When each price in `prices` was read: checks need one at most a poll interval old."""
    entry_index: dict[str, str] = field(default_factory=dict)
    """entry order id -> position id"""
    protective: dict[str, str] = field(default_factory=dict)
    """position id -> id of its latest resting stop order (PROTECT intent)"""
    venue_prices_saved_at: datetime | None = None
    """When the paper venue's prices were last saved (they are saved now and then, not every
    cycle; its books are journaled by the venue itself)."""
    inflight: set[str] = field(default_factory=set)
    """Orders whose create call is awaiting the exchange: sync must not judge them yet."""
    by_symbol: dict[str, dict[str, Position]] = field(default_factory=dict)
    """symbol -> {position id -> position}: every position in `positions`, grouped by its
    symbol (which never changes), so a tick that moves 50 symbols looks at their positions,
    not the whole book. Open or not is read from the position itself, so a status change
    in the domain cannot leave it stale; only adding and forgetting go through here."""

    @property
    def risk_thresholds(self) -> RiskThresholds:
        return risk_thresholds(self.settings)

    def price_text(self, symbol: str, price: Decimal | None) -> str:
        """A price of `symbol` as the window writes it (its market's tick, thousands grouped):
        the engine's messages and the tables must not spell one figure two ways."""
        return market_price_text(self.markets, symbol, price)

    def add_position(self, position: Position,
                     thresholds: RiskThresholds | None = None) -> None:
        """Hold `position` in memory with the settings' risk thresholds (`thresholds`: those
        already built, when a start adds a thousand positions at once)."""
        position.risk_thresholds = thresholds or self.risk_thresholds
        self.positions[position.id] = position
        self.by_symbol.setdefault(position.symbol, {})[position.id] = position
        if position.entry_order_id:
            self.entry_index[position.entry_order_id] = position.id

    def forget_position(self, position_id: str) -> None:
        """Drop a position from memory (and from every index that names it)."""
        position = self.positions.pop(position_id, None)
        if position is None:
            return
        bucket = self.by_symbol.get(position.symbol)
        if bucket is not None:
            bucket.pop(position_id, None)
            if not bucket:
                del self.by_symbol[position.symbol]
        if self.entry_index.get(position.entry_order_id or "") == position_id:
            del self.entry_index[position.entry_order_id or ""]
        self.protective.pop(position_id, None)

    def positions_on(self, symbol: str) -> list[Position]:
        """The positions (open or not) held in memory on `symbol`, oldest first."""
        return list(self.by_symbol.get(symbol, {}).values())

    def open_positions_on(self, symbols: Iterable[str]) -> list[Position]:
        """The open positions on any of `symbols`: a look-up per symbol, not a scan of the
        book."""
        index = self.by_symbol
        return [p for s in symbols for p in index.get(s, {}).values() if p.is_open]

    def add_order(self, order: Order) -> None:
        self.orders[order.id] = order
        if order.intent is OrderIntent.PROTECT and order.position_id:
            self.protective[order.position_id] = order.id

    def open_position(self, symbol: str) -> Position | None:
        """The symbol's one open position (positions are netted per symbol), if any."""
        for position in self.by_symbol.get(symbol, {}).values():
            if position.is_open:
                return position
        return None

    def position_for_entry(self, order_id: str) -> Position | None:
        pid = self.entry_index.get(order_id)
        return self.positions.get(pid) if pid else None
