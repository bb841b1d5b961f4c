"""The paper exchange's own order record: what a venue keeps about an order on its side.

Deliberately not the domain `Order`: the engine's order and the exchange's order are two views
that reconciliation compares, and a paper exchange that shared the engine's object would hide
exactly the bugs (lost responses, stale statuses) it exists to reveal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..domain import Fill, OrderSide, OrderStatus, OrderType
from ..domain.money import ZERO
from ..domain.orders import TERMINAL_STATUSES
from .base import ExchangeOrder


@dataclass(eq=False)
class PaperOrder:
    id: str
    client_order_id: str | None
    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    created_at: datetime
    seq: int
    status: OrderStatus = OrderStatus.OPEN
    expires_at: datetime | None = None
    triggered: bool = False
    reason: str = ""
    closed_at: datetime | None = None  # when it reached a terminal status
    # Funds held for the unfilled part, per currency; released pro rata as fills arrive.
    reserved: dict[str, Decimal] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL_STATUSES

    def last_activity(self) -> datetime:
        """When anything last happened to the order (for snapshots older than `closed_at`:
        its last fill, its expiry, or its creation)."""
        if self.closed_at is not None:
            return self.closed_at
        times = [self.created_at, *(f.at for f in self.fills if f.at is not None)]
        if self.status is OrderStatus.EXPIRED and self.expires_at is not None:
            times.append(self.expires_at)
        return max(times)

    @property
    def filled(self) -> Decimal:
        return sum((f.amount for f in self.fills), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled

    @property
    def is_stop(self) -> bool:
        return self.type in (OrderType.STOP, OrderType.STOP_LIMIT)

    @property
    def acts_as_market(self) -> bool:
        """A market order, or a stop order whose trigger turned it into one."""
        return self.type is OrderType.MARKET or (self.type is OrderType.STOP and self.triggered)

    def view(self) -> ExchangeOrder:
        """The order as a venue reports it (a fresh immutable value every time)."""
        filled = self.filled
        cost = sum((f.amount * f.price for f in self.fills), ZERO)
        fees: dict[str, Decimal] = {}
        for f in self.fills:
            cur = f.fee_currency or ""
            fees[cur] = fees.get(cur, ZERO) + f.fee
        return ExchangeOrder(
            exchange_order_id=self.id,
            client_order_id=self.client_order_id,
            symbol=self.symbol,
            side=self.side,
            type=self.type,
            status=self.status,
            amount=self.amount,
            filled=filled,
            average=None if filled == 0 else cost / filled,
            price=self.price,
            stop_price=self.stop_price,
            fees=fees,
            trades=tuple(self.fills),
            reason=self.reason,
            timestamp=self.created_at,
        )

    # -- snapshot form ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "type": self.type.value,
            "amount": str(self.amount),
            "price": _text(self.price),
            "stop_price": _text(self.stop_price),
            "created_at": self.created_at.isoformat(),
            "seq": self.seq,
            "status": self.status.value,
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "triggered": self.triggered,
            "reason": self.reason,
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
            "reserved": {cur: str(v) for cur, v in self.reserved.items()},
            "fills": [fill_to_dict(f) for f in self.fills],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PaperOrder":
        return cls(
            id=data["id"],
            client_order_id=data.get("client_order_id"),
            symbol=data["symbol"],
            side=OrderSide(data["side"]),
            type=OrderType(data["type"]),
            amount=Decimal(data["amount"]),
            price=_dec(data.get("price")),
            stop_price=_dec(data.get("stop_price")),
            created_at=datetime.fromisoformat(data["created_at"]),
            seq=int(data["seq"]),
            status=OrderStatus(data["status"]),
            expires_at=_time(data.get("expires_at")),
            triggered=bool(data.get("triggered", False)),
            reason=data.get("reason", ""),
            closed_at=_time(data.get("closed_at")),
            reserved={cur: Decimal(v) for cur, v in data.get("reserved", {}).items()},
            fills=[fill_from_dict(f) for f in data.get("fills", [])],
        )


def fill_to_dict(fill: Fill) -> dict[str, Any]:
    return {
        "fill_id": fill.fill_id,
        "amount": str(fill.amount),
        "price": str(fill.price),
        "fee": str(fill.fee),
        "fee_currency": fill.fee_currency,
        "at": None if fill.at is None else fill.at.isoformat(),
    }


def fill_from_dict(data: dict[str, Any]) -> Fill:
    return Fill(
        fill_id=data["fill_id"],
        amount=Decimal(data["amount"]),
        price=Decimal(data["price"]),
        fee=Decimal(data["fee"]),
        fee_currency=data.get("fee_currency"),
        at=_time(data.get("at")),
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
