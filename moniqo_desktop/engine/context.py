"""What the engine's parts share: live objects, the store, the exchange, the bus and a clock.

The in-memory maps are the engine's working copy; every change is written to the store before the
engine acts on it outside (send, event), so a crash can lose a moment of price history but never
an order or a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..config import Settings
from ..domain import Order, OrderIntent, Position, RiskThresholds
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

    @property
    def risk_thresholds(self) -> RiskThresholds:
        return risk_thresholds(self.settings)

    def add_position(self, position: Position) -> None:
        position.risk_thresholds = self.risk_thresholds
        self.positions[position.id] = position
        if position.entry_order_id:
            self.entry_index[position.entry_order_id] = position.id

    def add_order(self, order: Order) -> None:
        self.orders[order.id] = order
        if order.intent is OrderIntent.PROTECT and order.position_id:
            self.protective[order.position_id] = order.id

    def open_position(self, symbol: str) -> Position | None:
        """The symbol's one open position (positions are netted per symbol), if any."""
        for position in self.positions.values():
            if position.symbol == symbol and position.is_open:
                return position
        return None

    def position_for_entry(self, order_id: str) -> Position | None:
        pid = self.entry_index.get(order_id)
        return self.positions.get(pid) if pid else None
