"""Orders: the explicit state machine, fills, average price and fees.

The allowed transitions are one table of data (`TRANSITIONS`) that the code consults and the
tests enumerate, as nautilus_trader does: a status change not in the table is a bug or a confused
exchange, and it must change nothing rather than corrupt the order.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from .errors import DomainError, InvalidTransition, as_enum
from .money import (
    ZERO,
    Number,
    in_money_context,
    money_methods,
    optional_amount,
    parse_amount,
    split_symbol,
    to_decimal,
)
from .protection import Protection

if TYPE_CHECKING:  # exits needs positions, which needs orders: the type only, at check time
    from .exits import ExitRecord


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class OrderSide(str, Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> "OrderSide":
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY


class OrderType(str, Enum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class OrderIntent(str, Enum):
    """Why the order exists: to open a position, to close one now, or to rest on the exchange
    as the position's stop (so it still protects while the app is closed)."""

    ENTRY = "entry"
    EXIT = "exit"
    PROTECT = "protect"


class OrderStatus(str, Enum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.SUBMITTED, S.REJECTED, S.FAILED, S.CANCELLED}),
    S.SUBMITTED: frozenset(
        {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.REJECTED, S.CANCELLING, S.CANCELLED,
         S.EXPIRED, S.FAILED}
    ),
    S.OPEN: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLING, S.CANCELLED, S.EXPIRED}),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.CANCELLING, S.CANCELLED, S.EXPIRED}
    ),
    # CANCELLING -> CANCELLING: a cancel that was lost is sent again.
    S.CANCELLING: frozenset({S.CANCELLED, S.PARTIALLY_FILLED, S.FILLED, S.OPEN, S.CANCELLING}),
    S.FILLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    # FAILED was our inference ("never reached the exchange"); the venue's evidence of the
    # order (listed open, or a fill) overrules it.
    S.FAILED: frozenset({S.OPEN, S.PARTIALLY_FILLED, S.FILLED}),
}
TERMINAL_STATUSES: frozenset[OrderStatus] = frozenset(
    {S.FILLED, S.CANCELLED, S.REJECTED, S.EXPIRED, S.FAILED})
"""Finished as far as we know: `is_complete()`. FAILED is finished but can be revived by the
venue's evidence; CANCELLED and EXPIRED keep their status when a late fill lands."""
LATE_FILL_STATUSES: frozenset[OrderStatus] = frozenset({S.CANCELLED, S.EXPIRED})
"""The cancel (or expiry) lost the race with a fill: the fill is booked, the status stays."""
del S


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    return new in TRANSITIONS[current]


def fill_note(fill: "Fill", amount_text: Callable[[Decimal], str] = str,
              price_text: Callable[[Decimal], str] = str) -> str:
    """The history note of a fill that came without a reason: "fill 0.1 @ 50000". The history
    keeps the exact figures; a reader that shows them (the headless narration) passes its own
    spelling and recognises the note by comparing with the plain one."""
    return f"fill {amount_text(fill.amount)} @ {price_text(fill.price)}"


def respell_fill_notes(text: str, fills: "list[Fill]", amount_text: Callable[[Decimal], str],
                       price_text: Callable[[Decimal], str]) -> str:
    """`text` (a history reason) with each of `fills`' plain notes in the reader's spelling:
    "late fill 0.1 @ 50000 (after cancelled)" -> "late fill 0.1 @ 50,000.00 (after ...)".
    One pass, whole notes only: "fill 0.1 @ 3400" is also the start of "fill 0.1 @ 3400.5"
    (a replace there read "3,400.00.5")."""
    spelled = {fill_note(fill): fill for fill in fills}
    found = [plain for plain in spelled if plain in text]
    if not found:
        return text
    notes = re.compile("(?:" + "|".join(map(re.escape, sorted(found, key=len, reverse=True)))
                       + r")(?!\.?\d)")
    return notes.sub(lambda m: fill_note(spelled[m.group()], amount_text, price_text), text)


def new_client_order_id() -> str:
    """A client order id every exchange accepts: letters and digits, 32 chars (Binance, OKX
    and Bybit all take it)."""
    return "mq" + uuid.uuid4().hex[:30]


@money_methods()
@dataclass(frozen=True)
class Fill:
    """One execution (a trade) against an order, with every fee it was charged.

    `fee`/`fee_currency` is its first fee; `other_fees` the rest, one per further currency
    (Binance can charge 0.01 BNB and 5 USDT on one execution): none is ever dropped.
    """

    fill_id: str
    amount: Decimal
    price: Decimal
    fee: Decimal = ZERO
    fee_currency: str | None = None
    at: datetime | None = None
    other_fees: tuple[tuple[str, Decimal], ...] = ()

    def __post_init__(self) -> None:
        if not self.fill_id:
            raise DomainError("a fill needs an id")
        object.__setattr__(self, "amount", parse_amount(self.amount, "fill amount"))
        object.__setattr__(self, "price", parse_amount(self.price, "fill price"))
        object.__setattr__(self, "fee", parse_amount(self.fee, "fill fee", allow_zero=True))
        pairs = self.other_fees.items() if isinstance(self.other_fees, Mapping) \
            else self.other_fees
        object.__setattr__(self, "other_fees", tuple(
            (str(cur), parse_amount(amount, f"fill fee in {cur}", allow_zero=True))
            for cur, amount in pairs))

    @property
    def cost(self) -> Decimal:
        return self.amount * self.price

    def fees(self, quote: str) -> dict[str, Decimal]:
        """Every fee of this fill per currency (a fee without a currency is in `quote`)."""
        out: dict[str, Decimal] = {}
        if self.fee != 0 or self.fee_currency is not None:
            out[self.fee_currency or quote] = self.fee
        for cur, amount in self.other_fees:
            out[cur] = out.get(cur, ZERO) + amount
        return out


@in_money_context
def fee_value_in_quote(amount: Decimal, currency: str, fill_price: Decimal, base: str,
                       quote: str, prices: Mapping[str, Decimal] | None = None
                       ) -> Decimal | None:
    """The one rule for what a fee is worth in the quote currency: a quote fee is itself, a
    base fee is worth `fee x fill price`, a third-currency fee (BNB) `fee x` that currency's
    last price in quote (`prices["BNB/USDT"]`); None when that price is not known."""
    if currency == quote:
        return amount
    if currency == base:
        return amount * fill_price
    last = (prices or {}).get(f"{currency}/{quote}")
    return None if last is None else amount * last


@in_money_context
def fill_terms(side: "OrderSide | str", fill: Fill, base: str, quote: str,
               prices: Mapping[str, Decimal] | None = None) -> tuple[Decimal, Decimal]:
    """(base the account gained or gave, all fees valued in quote) for one fill - the one
    place the fee rule is written. Fees charged in the base currency come out of the coin: a
    buy receives amount - fee, a sell gives amount + fee; each fee is valued by
    `fee_value_in_quote` (a third currency without a known price counts 0 here and stays
    visible on the order's `fees`)."""
    moved, fee_quote = fill.amount, ZERO
    for currency, amount in fill.fees(quote).items():
        if currency == base:
            moved = moved - amount if OrderSide(side) is OrderSide.BUY else moved + amount
        value = fee_value_in_quote(amount, currency, fill.price, base, quote, prices)
        if value is not None:
            fee_quote += value
    return moved, fee_quote


@dataclass(frozen=True)
class StatusChange:
    status: OrderStatus
    reason: str
    at: datetime


@money_methods("base", "quote", "update_status", "is_complete", "is_open", "has_fill",
               "request_cancel", "link_exchange_order", "saved_state", "roll_back", "_note",
               "finished_at")
@dataclass(eq=False)
class Order:
    """An order we sent (or will send) to an exchange, and everything we learned about it."""

    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    client_order_id: str = field(default_factory=new_client_order_id)
    exchange_order_id: str | None = None
    intent: OrderIntent = OrderIntent.ENTRY
    position_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    status: OrderStatus = field(default=OrderStatus.PENDING)
    history: list[StatusChange] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    protection: Protection | None = None
    """Protection for the position this entry opens (None for exits and bare entries)."""
    exit_decision: ExitRecord | None = None
    """For an exit order: the rule, level, trigger price and water mark that decided it."""

    def __post_init__(self) -> None:
        split_symbol(self.symbol)
        self.side = as_enum(OrderSide, self.side, "side")
        self.type = as_enum(OrderType, self.type, "order type")
        self.intent = as_enum(OrderIntent, self.intent, "order intent")
        self.status = parse_status(self.status)
        self.amount = parse_amount(self.amount, "amount")
        self.price = optional_amount(self.price, "price")
        self.stop_price = optional_amount(self.stop_price, "stop price")
        if self.type in (OrderType.LIMIT, OrderType.STOP_LIMIT) and self.price is None:
            raise DomainError(f"a {self.type.value.replace('_', '-')} order needs a limit price")
        if self.type in (OrderType.STOP, OrderType.STOP_LIMIT) and self.stop_price is None:
            raise DomainError(f"a {self.type.value.replace('_', '-')} order needs a stop price")
        if not self.history:
            self.history.append(StatusChange(self.status, "created", self.created_at))

    # -- identity -------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return split_symbol(self.symbol)[0]

    @property
    def quote(self) -> str:
        return split_symbol(self.symbol)[1]

    # -- state machine --------------------------------------------------------------------
    def update_status(
        self, status: OrderStatus | str, reason: str = "", at: datetime | None = None
    ) -> None:
        """Move to `status` if the table allows it; otherwise raise and change nothing."""
        new = parse_status(status)
        if not can_transition(self.status, new):
            raise InvalidTransition(
                f"order {self.client_order_id} cannot go from {self.status.value} "
                f"to {new.value}"
            )
        self.status = new
        self.history.append(StatusChange(new, reason, at or utcnow()))

    def is_complete(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def is_open(self) -> bool:
        return not self.is_complete()

    # -- fills ----------------------------------------------------------------------------
    def has_fill(self, fill_id: str) -> bool:
        return any(f.fill_id == fill_id for f in self.fills)

    def add_fill(self, fill: Fill, reason: str = "") -> bool:
        """Record an execution. Returns False (and changes nothing) for a fill already known.

        The venue is the truth: a fill it reports is booked whatever status we gave the order.
        A FAILED order moves to PARTIALLY_FILLED/FILLED; a CANCELLED or EXPIRED order keeps its
        status (the cancel lost the race) and the fill is written in its history.
        """
        if self.has_fill(fill.fill_id):
            return False
        late = self.status in LATE_FILL_STATUSES
        # Status first: "this order is filled" explains a refusal better than "too much".
        takes_fills = late or can_transition(self.status, OrderStatus.PARTIALLY_FILLED) or \
            can_transition(self.status, OrderStatus.FILLED)
        if not takes_fills:
            raise InvalidTransition(
                f"order {self.client_order_id} is {self.status.value} and cannot take a fill"
            )
        if fill.amount > self.remaining_amount:
            raise DomainError(
                f"fill {fill.fill_id} of {fill.amount} would exceed the order amount "
                f"{self.amount} (already filled {self.filled_amount})"
            )
        new = OrderStatus.FILLED if fill.amount == self.remaining_amount else (
            OrderStatus.PARTIALLY_FILLED
        )
        if not late and not can_transition(self.status, new):
            raise InvalidTransition(
                f"order {self.client_order_id} is {self.status.value} and cannot take a fill"
            )
        self.fills.append(fill)
        note = reason or fill_note(fill)
        if late:
            self._note(f"late {note} (after {self.status.value})", fill.at)
        else:
            self.update_status(new, note, fill.at)
        return True

    def request_cancel(self, at: datetime | None = None) -> None:
        """CANCELLING (again, if an earlier cancel was lost: the table allows the repeat)."""
        reason = "cancel re-sent" if self.status is OrderStatus.CANCELLING else "cancel requested"
        self.update_status(OrderStatus.CANCELLING, reason, at)

    def cancel_refused(self, reason: str, at: datetime | None = None) -> OrderStatus:
        """The venue refused the cancel or never confirmed it, and says the order is live:
        back to the status it had before CANCELLING - OPEN, or PARTIALLY_FILLED with its
        fills - so the trader may cancel again. Returns the status rolled back to."""
        if self.status is not OrderStatus.CANCELLING:
            raise InvalidTransition(
                f"order {self.client_order_id} is {self.status.value}, not cancelling")
        back = OrderStatus.PARTIALLY_FILLED if self.fills else OrderStatus.OPEN
        self.update_status(back, reason, at)
        return back

    def take_venue_amount(self, amount: Decimal, at: datetime | None = None) -> bool:
        """The venue rounded our amount down to its step: its amount is the one that fills.
        Written in the history; refused (DomainError) if it is more than we asked for or less
        than already filled. Returns changed."""
        amount = parse_amount(amount, "venue amount")
        if amount == self.amount:
            return False
        if amount > self.amount or amount < self.filled_amount:
            raise DomainError(
                f"the exchange reports amount {amount} for order {self.client_order_id} of "
                f"{self.amount} (filled {self.filled_amount})")
        self._note(f"amount {self.amount} taken as {amount} by the exchange", at)
        self.amount = amount
        return True

    def link_exchange_order(self, exchange_order_id: str, at: datetime | None = None,
                            reason: str = "") -> bool:
        """Remember the venue's id for this order (with `reason` in the history, e.g. "found
        on the exchange" for an order whose outcome was unknown). An order has one venue id:
        a second, different one is a confusion of orders and is refused. Returns changed."""
        if not exchange_order_id or exchange_order_id == self.exchange_order_id:
            return False
        if self.exchange_order_id is not None:
            raise DomainError(
                f"order {self.client_order_id} is {self.exchange_order_id} on the exchange, "
                f"not {exchange_order_id}")
        self.exchange_order_id = exchange_order_id
        if reason:
            self._note(reason, at)
        return True

    def link_position(self, position_id: str) -> None:
        """Name the position this order's fills went into: an entry that opened or added to
        it, a plain order that reduced it. Exits carry theirs from the start; the first link
        stays (no order moves between positions: fills on a flat symbol open a new one only
        after the old one closed). History views and exports group orders by it."""
        if self.position_id is None:
            self.position_id = position_id

    def saved_state(self) -> "Order":
        """A copy to `roll_back` to if what follows cannot be written to the store."""
        return copy.deepcopy(self)

    def roll_back(self, saved: "Order") -> None:
        """Undo changes that could not be saved (the store refused the write): memory must
        match the store, or a later save of something else would book them twice."""
        if saved.id != self.id:
            raise DomainError("an order can only roll back to its own saved state")
        vars(self).update(vars(copy.deepcopy(saved)))

    def _note(self, reason: str, at: datetime | None) -> None:
        """A history entry that keeps the status (an amount or a late fill changed)."""
        self.history.append(StatusChange(self.status, reason, at or utcnow()))

    @property
    def finished_at(self) -> datetime | None:
        """When the order last entered a finished status (None while it is open)."""
        if not self.is_complete():
            return None
        for change in reversed(self.history):
            if change.status is not self.status:
                break
            at = change.at
        return at

    @property
    def filled_amount(self) -> Decimal:
        return sum((f.amount for f in self.fills), ZERO)

    @property
    def remaining_amount(self) -> Decimal:
        return self.amount - self.filled_amount

    @property
    def filled_cost(self) -> Decimal:
        """Quote value of what was executed, before fees."""
        return sum((f.cost for f in self.fills), ZERO)

    @property
    def average_fill_price(self) -> Decimal | None:
        filled = self.filled_amount
        return None if filled == 0 else self.filled_cost / filled

    @property
    def fees(self) -> dict[str, Decimal]:
        """Fees charged, per currency, every currency of every fill (a fee without a
        currency is counted in the quote)."""
        out: dict[str, Decimal] = {}
        for f in self.fills:
            for cur, amount in f.fees(self.quote).items():
                out[cur] = out.get(cur, ZERO) + amount
        return out

    def fill_terms(self, fill: Fill, prices: Mapping[str, Decimal] | None = None
                   ) -> tuple[Decimal, Decimal]:
        """(base the account gained or gave, fees in quote) for one of this order's fills."""
        return fill_terms(self.side, fill, self.base, self.quote, prices)

    def fill_fee_in_quote(self, fill: Fill, prices: Mapping[str, Decimal] | None = None
                          ) -> Decimal:
        """What `fill`'s fees are worth in quote (`fill_terms`)."""
        return self.fill_terms(fill, prices)[1]

    def fees_in_quote(self, prices: Mapping[str, Decimal] | None = None) -> Decimal:
        """All fees valued in quote; `prices` (symbol -> last) values third-currency fees."""
        return sum((self.fill_fee_in_quote(f, prices) for f in self.fills), ZERO)

    @property
    def fee_in_quote(self) -> Decimal:
        """Fees valued in quote without market prices: quote and base fees only."""
        return self.fees_in_quote()

    def fill_received(self, fill: Fill) -> Decimal:
        """Base currency the order delivered by `fill`: a buy whose fee is charged in the base
        currency delivers less than was filled; a sell's sold amount is what was filled."""
        if self.side is not OrderSide.BUY:
            return fill.amount
        return self.fill_terms(fill)[0]

    @property
    def received_amount(self) -> Decimal:
        """Base currency the account actually gained (buy) or gave (sell).

        The position must hold what the account holds, or closing it would oversell.
        """
        return sum((self.fill_received(f) for f in self.fills), ZERO)


def parse_status(value: OrderStatus | str) -> OrderStatus:
    """An order status from its name, or a DomainError a trader can read."""
    return as_enum(OrderStatus, value, "order status")


def parse_side(value: OrderSide | str) -> OrderSide:
    return as_enum(OrderSide, value, "side")


__all__ = [
    "Fill",
    "Number",
    "Order",
    "OrderIntent",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "StatusChange",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "can_transition",
    "fee_value_in_quote",
    "fill_terms",
    "new_client_order_id",
    "parse_side",
    "parse_status",
    "to_decimal",
    "utcnow",
]
