"""Positions: one net position per account and symbol, with P&L, water marks, drawdown, risk.

Netting (DESIGN.md "Positions are netted per symbol") makes the table show what the account
holds: a fill on the position's side adds to it (weighted entry, fees add up), a fill on the other
side reduces it and books that part's realized P&L, and at zero - or at dust below the market's
minimum, kept in `dust` - it closes. No fill flips a position: close first.

P&L follows freqtrade's trade model: fees are part of the result, so a trade that "made" the
spread but paid more in fees shows as a loss. Direction d is +1 for long and -1 for short, and
every formula is written once with d rather than twice.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum

from .errors import DomainError, as_enum
from .money import (
    HUNDRED,
    ZERO,
    Number,
    in_money_context,
    money_methods,
    optional_amount,
    parse_amount,
    split_symbol,
)
from .orders import Fill, OrderSide, fill_terms, utcnow
from .protection import Protection, check_levels


class PositionSide(str, Enum):
    LONG = "long"
    SHORT = "short"

    @property
    def direction(self) -> int:
        return 1 if self is PositionSide.LONG else -1

    @property
    def entry_side(self) -> OrderSide:
        return OrderSide.BUY if self is PositionSide.LONG else OrderSide.SELL

    @property
    def exit_side(self) -> OrderSide:
        return self.entry_side.opposite

    @classmethod
    def from_entry(cls, side: OrderSide | str) -> "PositionSide":
        return cls.LONG if OrderSide(side) is OrderSide.BUY else cls.SHORT


class PositionStatus(str, Enum):
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    LIQUIDATED = "liquidated"


class FillEffect(str, Enum):
    """What one fill did to the symbol's net position."""

    ADDED = "added"
    REDUCED = "reduced"
    CLOSED = "closed"


class RiskLevel(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ExitReason(str, Enum):
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    TRAILING_STOP = "trailing_stop"
    BREAK_EVEN = "break_even"
    LIQUIDATION = "liquidation"
    MANUAL = "manual"


def parse_exit_reason(value: ExitReason | str) -> ExitReason:
    """An exit reason from its name, or a DomainError a trader can read."""
    return as_enum(ExitReason, value, "exit reason")


@dataclass(frozen=True)
class RiskThresholds:
    """Boundaries between risk levels (settings). Each tuple is (medium, high, critical)."""

    stop_share: tuple[Decimal, Decimal, Decimal] = (
        Decimal("0.25"), Decimal("0.50"), Decimal("0.75"),
    )
    loss_percent: tuple[Decimal, Decimal, Decimal] = (Decimal(2), Decimal(5), Decimal(10))


DEFAULT_RISK_THRESHOLDS = RiskThresholds()
_LEVELS = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)


def _grade(value: Decimal, bounds: tuple[Decimal, Decimal, Decimal]) -> RiskLevel:
    return _LEVELS[sum(1 for b in bounds if value >= b)]


OPEN_STATUSES = frozenset({PositionStatus.OPENING, PositionStatus.OPEN, PositionStatus.CLOSING})

MARK_FIELDS = ("current_price", "high_water_mark", "low_water_mark", "max_drawdown",
               "updated_at", "stop_loss", "stop_source", "break_even_armed")
"""What marking a position to a price changes (`update_price`, then `exits.apply_evaluation`):
the engine writes only these after a tick (`Store.save_marks`); every other change of a
position is written whole by the code that makes it."""


@money_methods("direction", "base", "quote", "is_open", "favourable_water_mark", "time_held",
               "_require_open", "saved_state", "roll_back", "owe_follow_up", "mark_open",
               "mark_closing", "exit_failed", "_closed")
@dataclass(eq=False)
class Position:
    """The net exposure of one symbol (built by one or more fills), and its protection."""

    symbol: str
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    entry_fees: Decimal = ZERO
    opened_at: datetime | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: PositionStatus = PositionStatus.OPEN
    entry_order_id: str | None = None
    current_price: Decimal | None = None
    high_water_mark: Decimal | None = None
    low_water_mark: Decimal | None = None
    max_drawdown: Decimal = ZERO
    updated_at: datetime | None = None
    # protection
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    trailing_stop_percent: Decimal | None = None
    trailing_activation_percent: Decimal | None = None
    break_even_percent: Decimal | None = None
    liquidation_price: Decimal | None = None
    stop_source: ExitReason = ExitReason.STOP_LOSS
    break_even_armed: bool = False
    typed_stop_loss: Decimal | None = None  # the stop the trader set; `stop_loss` is what holds
    risk_thresholds: RiskThresholds = DEFAULT_RISK_THRESHOLDS
    # exit
    exit_order_id: str | None = None
    pending_exit_reason: ExitReason | None = None
    exit_price: Decimal | None = None
    exit_fees: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    close_reason: ExitReason | None = None
    closed_at: datetime | None = None
    dust: Decimal = ZERO
    """What was left when the position closed below the market's minimum amount: the account
    still holds it (or owes it, for a short) but no order can trade it."""

    def __post_init__(self) -> None:
        split_symbol(self.symbol)
        self.side = as_enum(PositionSide, self.side, "position side")
        self.status = as_enum(PositionStatus, self.status, "position status")
        self.amount = parse_amount(self.amount, "position amount")
        self.entry_price = parse_amount(self.entry_price, "entry price")
        self.entry_fees = parse_amount(self.entry_fees, "entry fees", allow_zero=True)
        self.dust = parse_amount(self.dust, "dust", allow_zero=True)
        if self.opened_at is None:
            self.opened_at = utcnow()
        if self.current_price is None:
            self.current_price = self.entry_price
        if self.high_water_mark is None:
            self.high_water_mark = self.entry_price
        if self.low_water_mark is None:
            self.low_water_mark = self.entry_price
        self.stop_source = parse_exit_reason(self.stop_source)
        # Rebuilt positions (store, engine) must stay exact too: no floats sneak in here.
        self.current_price = parse_amount(self.current_price, "current price")
        self.high_water_mark = parse_amount(self.high_water_mark, "high water mark")
        self.low_water_mark = parse_amount(self.low_water_mark, "low water mark")
        self.stop_loss = optional_amount(self.stop_loss, "stop loss")
        self.take_profit = optional_amount(self.take_profit, "take profit")
        self.trailing_stop_percent = optional_amount(self.trailing_stop_percent, "trailing stop %")
        self.trailing_activation_percent = optional_amount(
            self.trailing_activation_percent, "trailing activation %"
        )
        self.break_even_percent = optional_amount(self.break_even_percent, "break-even %")
        self.liquidation_price = optional_amount(self.liquidation_price, "liquidation price")

    # -- derived values -------------------------------------------------------------------
    @property
    def direction(self) -> int:
        return self.side.direction

    @property
    def base(self) -> str:
        return split_symbol(self.symbol)[0]

    @property
    def quote(self) -> str:
        return split_symbol(self.symbol)[1]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def entry_value(self) -> Decimal:
        return self.entry_price * self.amount

    def pnl_at(self, price: Decimal) -> Decimal:
        """What the position would be worth (after entry fees) if it were valued at `price`."""
        return self.direction * (price - self.entry_price) * self.amount - self.entry_fees

    @property
    def unrealized_pnl(self) -> Decimal:
        if not self.is_open:
            return ZERO
        assert self.current_price is not None
        return self.pnl_at(self.current_price)

    @property
    def unrealized_pnl_percent(self) -> Decimal:
        return self.unrealized_pnl / self.entry_value * HUNDRED

    @property
    def favourable_water_mark(self) -> Decimal:
        mark = self.high_water_mark if self.side is PositionSide.LONG else self.low_water_mark
        assert mark is not None
        return mark

    def profit_percent_at(self, price: Decimal) -> Decimal:
        """Price move in the position's favour since entry, in % (fees not included)."""
        return self.direction * (price - self.entry_price) / self.entry_price * HUNDRED

    def drawdown_at(self, price: Decimal) -> Decimal:
        """Retreat from the favourable water mark, in %."""
        mark = self.favourable_water_mark
        return max(ZERO, self.direction * (mark - price) / mark * HUNDRED)

    @property
    def drawdown(self) -> Decimal:
        assert self.current_price is not None
        return self.drawdown_at(self.current_price)

    @property
    def risk_level(self) -> RiskLevel:
        """How close the position is to hurting: by stop distance used, or by loss %."""
        assert self.current_price is not None
        t = self.risk_thresholds
        if self.stop_loss is not None:
            room = self.direction * (self.entry_price - self.stop_loss)
            if room > 0:
                used = self.direction * (self.entry_price - self.current_price) / room
                return _grade(max(used, ZERO), t.stop_share)
            # The stop sits at or beyond entry (trailed / break-even): there is no entry->stop
            # distance to use up. Grade by loss % instead, which reads LOW while the position
            # is in profit but does not hide a loss after a gap through the stop.
        loss = -self.unrealized_pnl_percent
        return _grade(max(loss, ZERO), t.loss_percent)

    def time_held(self, now: datetime | None = None) -> timedelta:
        assert self.opened_at is not None
        end = self.closed_at or now or utcnow()
        return end - self.opened_at

    # -- changes --------------------------------------------------------------------------
    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise DomainError(f"cannot {action}: position {self.symbol} is {self.status.value}")

    def update_price(self, price: Number, at: datetime | None = None) -> None:
        """Mark to market: moves water marks and the maximum drawdown."""
        self._require_open("update the price")
        p = parse_amount(price, "price")
        assert self.high_water_mark is not None and self.low_water_mark is not None
        self.current_price = p
        self.high_water_mark = max(self.high_water_mark, p)
        self.low_water_mark = min(self.low_water_mark, p)
        self.max_drawdown = max(self.max_drawdown, self.drawdown_at(p))
        self.updated_at = at or utcnow()

    def add_entry(self, amount: Number, price: Number, fees: Number = ZERO) -> None:
        """Grow the position with a fill on its side: entry = weighted average of all entry
        fills, entry fees add up."""
        self._require_open("add to the position")
        a = parse_amount(amount, "amount")
        p = parse_amount(price, "price")
        f = parse_amount(fees, "fees", allow_zero=True)
        total = self.amount + a
        self.entry_price = (self.entry_price * self.amount + p * a) / total
        self.amount = total
        self.entry_fees += f

    def set_protection(
        self,
        *,
        stop_loss: Number | None = None,
        take_profit: Number | None = None,
        trailing_stop_percent: Number | None = None,
        trailing_activation_percent: Number | None = None,
        break_even_percent: Number | None = None,
        reference_price: Decimal | None = None,
    ) -> None:
        """Replace the protection; levels must sit on the right side of the market."""
        self._require_open("change protection")
        sl = optional_amount(stop_loss, "stop loss")
        tp = optional_amount(take_profit, "take profit")
        tr = optional_amount(trailing_stop_percent, "trailing stop %")
        act = optional_amount(trailing_activation_percent, "trailing activation %")
        be = optional_amount(break_even_percent, "break-even %")
        check_protection(self.side, reference_price or self.current_price or self.entry_price,
                         sl, tp, tr)
        if sl != self.stop_loss:
            self.stop_source = ExitReason.STOP_LOSS
        self.stop_loss, self.take_profit = sl, tp
        self.typed_stop_loss = sl
        self.trailing_stop_percent, self.trailing_activation_percent = tr, act
        if be != self.break_even_percent:
            self.break_even_armed = False
        self.break_even_percent = be

    def apply_protection(self, protection: Protection) -> None:
        """Take the protection requested on the entry order, unchecked: if the market already
        crossed a level while the entry filled, the next evaluation exits, as the trader asked."""
        self.stop_loss = self.typed_stop_loss = protection.stop_loss
        self.take_profit = protection.take_profit
        self.trailing_stop_percent = protection.trailing_stop_percent
        self.trailing_activation_percent = protection.trailing_activation_percent
        self.break_even_percent = protection.break_even_percent
        self.stop_source = ExitReason.STOP_LOSS
        self.break_even_armed = False

    def saved_state(self) -> "Position":
        """A copy to `roll_back` to if what follows cannot be written to the store."""
        return copy.deepcopy(self)

    def roll_back(self, saved: "Position") -> None:
        """Undo changes the store refused to write, so memory matches the store."""
        if saved.id != self.id:
            raise DomainError("a position can only roll back to its own saved state")
        vars(self).update(vars(copy.deepcopy(saved)))

    def note_oversold(self, extra: Decimal) -> None:
        """The venue moved `extra` more than the position held (it closed): kept as dust, so
        the difference is on record rather than lost."""
        self.dust = parse_amount(extra, "dust", allow_zero=True)

    def owe_follow_up(self, reason: ExitReason | str) -> None:
        """The exit left part owed (a coin fee on the buy-back): open again, with the exit's
        reason kept so the tracker buys the rest for that reason."""
        self.exit_failed()
        self.pending_exit_reason = parse_exit_reason(reason)

    def mark_open(self) -> bool:
        """OPENING -> OPEN: the entry order finished, whatever filled is the position.
        Returns changed."""
        if self.status is not PositionStatus.OPENING:
            return False
        self.status = PositionStatus.OPEN
        return True

    def mark_closing(self, order_id: str, reason: ExitReason | str) -> None:
        """An exit order is on its way; no other exit may be decided until it resolves."""
        if self.status not in (PositionStatus.OPEN, PositionStatus.OPENING):
            raise DomainError(f"cannot close: position {self.symbol} is {self.status.value}")
        self.status = PositionStatus.CLOSING
        self.exit_order_id = order_id
        self.pending_exit_reason = parse_exit_reason(reason)

    def exit_failed(self) -> None:
        """The exit order was rejected or cancelled: the position is open and guarded again."""
        if self.status is PositionStatus.CLOSING:
            self.status = PositionStatus.OPEN
        self.exit_order_id = None
        self.pending_exit_reason = None

    def close(
        self,
        order_id: str | None = None,
        price: Number | None = None,
        reason: ExitReason | str = ExitReason.MANUAL,
        fees: Number = ZERO,
        at: datetime | None = None,
    ) -> Decimal:
        """Close at `price`; returns the realized P&L (entry and exit fees deducted)."""
        self._require_open("close")
        if price is None:
            raise DomainError("a close needs the exit price")
        x = parse_amount(price, "exit price")
        exit_fees = parse_amount(fees, "exit fees", allow_zero=True)
        why = parse_exit_reason(reason)
        self.update_price(x, at)
        self.exit_fees += exit_fees
        self.realized_pnl += self.pnl_at(x) - exit_fees
        self._closed(x, why, order_id)
        return self.realized_pnl

    def reduce(self, amount: Number, price: Number, fees: Number = ZERO,
               at: datetime | None = None, *, order_id: str | None = None,
               reason: ExitReason | str = ExitReason.MANUAL,
               min_amount: Decimal | None = None) -> Decimal:
        """A fill on the other side took `amount` off the position at `price`.

        That part's realized P&L is d·(x − entry)·q − entry fees·q/amount_before − its fees,
        so realized + unrealized still add up to what a single close would give. When nothing
        is left - or only dust below `min_amount`, which no order could trade - the position
        closes with `reason`, booking all of its remaining entry fees. More than the position
        holds is refused: no fill flips a position. Returns the P&L realized by this fill.
        """
        self._require_open("reduce the position")
        part = parse_amount(amount, "amount")
        x = parse_amount(price, "exit price")
        part_fees = parse_amount(fees, "exit fees", allow_zero=True)
        why = parse_exit_reason(reason)
        if part > self.amount:
            raise DomainError(
                f"cannot {self.side.exit_side.value} {part} {self.base}: the position holds "
                f"{self.amount}; no order may flip a position, close it first")
        rest = self.amount - part
        closes = rest == 0 or (min_amount is not None and rest < min_amount)
        fee_share = self.entry_fees if closes else self.entry_fees * part / self.amount
        realized = self.direction * (x - self.entry_price) * part - fee_share - part_fees
        self.update_price(x, at)
        self.exit_fees += part_fees
        self.realized_pnl += realized
        if closes:
            self.amount, self.dust = part, rest
            self._closed(x, why, order_id)
        else:
            self.entry_fees -= fee_share
            self.amount = rest
        return realized

    def write_off(self, order_id: str | None = None,
                  reason: ExitReason | str = ExitReason.MANUAL,
                  at: datetime | None = None) -> Decimal:
        """Close what the account turned out not to hold: the exit that sold everything the
        venue had filled, yet the position still shows a remainder (a fee the venue took in
        coin that we never saw). The venue is the truth: the remainder is closed as dust with
        no proceeds beyond its remaining entry fees, which were paid. Returns the P&L booked."""
        self._require_open("close")
        why = parse_exit_reason(reason)
        booked = -self.entry_fees
        self.realized_pnl += booked
        self.dust = self.amount
        self.updated_at = at or utcnow()
        self._closed(self.current_price or self.entry_price, why, order_id)
        return booked

    def apply_fill(self, side: OrderSide | str, amount: Number, price: Number,
                   fees: Number = ZERO, at: datetime | None = None, *,
                   order_id: str | None = None, reason: ExitReason | str = ExitReason.MANUAL,
                   min_amount: Decimal | None = None) -> FillEffect:
        """Net one fill of this symbol into the position: its side adds, the other reduces."""
        if OrderSide(side) is self.side.entry_side:
            self.add_entry(amount, price, fees)
            return FillEffect.ADDED
        self.reduce(amount, price, fees, at, order_id=order_id, reason=reason,
                    min_amount=min_amount)
        return FillEffect.CLOSED if not self.is_open else FillEffect.REDUCED

    def _closed(self, price: Decimal, why: ExitReason, order_id: str | None) -> None:
        self.exit_price = price
        self.close_reason = why
        self.exit_order_id = order_id or self.exit_order_id
        self.pending_exit_reason = None
        self.closed_at = self.updated_at
        self.status = (
            PositionStatus.LIQUIDATED if why is ExitReason.LIQUIDATION else PositionStatus.CLOSED
        )

    def liquidate(self, price: Number, at: datetime | None = None) -> Decimal:
        return self.close(price=price, reason=ExitReason.LIQUIDATION, at=at)


@in_money_context
def check_protection(
    side: PositionSide,
    reference: Decimal,
    stop_loss: Decimal | None,
    take_profit: Decimal | None,
    trailing_stop_percent: Decimal | None = None,
) -> None:
    """Refuse levels that would fire at once: a long's stop below the market, target above."""
    check_levels(side.direction, reference, stop_loss, take_profit, trailing_stop_percent)


@in_money_context
def hold_text(position: "Position | None", base: str) -> str:
    """'0.01 BTC' held (or 'short 0.01 BTC'), for refusals that name what the account holds."""
    if position is None or not position.is_open:
        return f"0 {base}"
    amount = position.amount.normalize()
    return f"{amount:f} {base}" if position.side is PositionSide.LONG else f"short {amount:f} {base}"


@in_money_context
def check_netting(position: "Position | None", side: OrderSide | str, amount: Decimal,
                  base: str, *, allow_short: bool, pending: Decimal = ZERO) -> None:
    """Refuse an order that would flip the symbol's net position, or open a short where the
    venue cannot hold one (every spot market, the paper exchange unless `allow_short`).

    `position` is the open position of the symbol (None when flat); `amount` is what the order
    would trade; `pending` what open orders on the same side will already take off it.
    """
    side = OrderSide(side)
    held = hold_text(position, base)
    if position is None or not position.is_open:
        if side is OrderSide.SELL and not allow_short:
            raise DomainError(f"you hold 0 {base}; this market cannot go short, so there is "
                              "nothing to sell")
        return
    if side is position.side.entry_side:
        return
    room = max(position.amount - pending, ZERO)
    if amount > room:
        waiting = (f" ({pending.normalize():f} already in open orders)" if pending else "")
        raise DomainError(f"you hold {held}; {side.value} at most {room.normalize():f}"
                          f"{waiting} or close the position")


@in_money_context
def position_terms(side: OrderSide | str, amount: Decimal, price: Decimal, fee: Decimal,
                   fee_currency: str | None, base: str, quote: str,
                   fee_price: Decimal | None = None) -> tuple[Decimal, Decimal]:
    """(base the account gained or gave, fee valued in quote) for one fill.

    The position must hold what the account holds: a fee charged in the base currency comes out
    of the coin - a buy receives amount − fee, a sell gives amount + fee - and is worth
    fee × fill price in quote. A fee in a third currency (BNB) is valued at `fee_price`, that
    currency's last price in quote (0 when unknown: it stays visible on the order's fees).
    """
    cur = fee_currency or quote
    prices = {f"{cur}/{quote}": fee_price} if fee_price is not None else None
    fill = Fill(fill_id="terms", amount=amount, price=price, fee=fee, fee_currency=cur)
    return fill_terms(side, fill, base, quote, prices)  # the one fee rule (domain.orders)
