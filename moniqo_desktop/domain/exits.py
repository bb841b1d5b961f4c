"""Exit rules: position + price + time -> a new stop and/or one exit decision.

Pure on purpose: the engine may evaluate the same tick twice (a retry, a restart) and must get
the same answer, so nothing here reads a clock or mutates anything; `apply_evaluation` is the one
place a decision's stop changes are written back onto the position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .money import HUNDRED, ONE, Number, in_money_context, money_methods, parse_amount
from .positions import ExitReason, Position, PositionStatus

STOP_REASONS = (ExitReason.STOP_LOSS, ExitReason.TRAILING_STOP, ExitReason.BREAK_EVEN)


@dataclass(frozen=True)
class ExitDecision:
    """Close the position now, because `reason`'s level (`level`) was reached at `price`."""

    reason: ExitReason
    level: Decimal
    price: Decimal
    at: datetime | None = None


@money_methods("to_dict", "from_dict")
@dataclass(frozen=True)
class ExitRecord:
    """Why an exit order exists, kept with the order so the audit survives restarts.

    The rule that fired, the level it had reached, the price that crossed it and, for a
    trailing stop, the water mark and distance the level came from ("trailing stop, level
    51 940, from HWM 53 000 − 2 %"). A manual close records the price it was asked at.
    """

    rule: ExitReason
    trigger_price: Decimal | None
    level: Decimal | None = None
    water_mark: Decimal | None = None
    trailing_percent: Decimal | None = None
    at: datetime | None = None

    @classmethod
    def of(cls, position: Position, reason: ExitReason,
           decision: ExitDecision | None = None) -> "ExitRecord":
        """The record of `position` exiting for `reason` now (before its water marks move)."""
        if decision is None:
            return cls(reason, position.current_price)
        trailing = decision.reason is ExitReason.TRAILING_STOP
        return cls(decision.reason, decision.price, decision.level,
                   position.favourable_water_mark if trailing else None,
                   position.trailing_stop_percent if trailing else None, decision.at)

    @classmethod
    def resting(cls, position: Position, level: Decimal) -> "ExitRecord":
        """The record of a stop left resting on the exchange at `level`: the venue decides
        when it triggers, so there is no trigger price, only the rule and where it came from."""
        trailing = position.stop_source is ExitReason.TRAILING_STOP
        return cls(position.stop_source, None, level,
                   position.favourable_water_mark if trailing else None,
                   position.trailing_stop_percent if trailing else None)

    def source_text(self, number=lambda d: str(d.quantize(Decimal("0.01")))) -> str:
        """Where the level came from: "level 51940.00, from HWM 53000.00 − 2 %" (`number`
        writes each value; the UI passes its own grouping)."""
        if self.level is None:
            return "by hand" if self.rule is ExitReason.MANUAL else self.rule.value
        text = f"level {number(self.level)}"
        if self.water_mark is not None and self.trailing_percent is not None:
            mark = "HWM" if self.trailing_percent is not None and self.level < self.water_mark \
                else "LWM"
            sign = "−" if mark == "HWM" else "+"
            text += (f", from {mark} {number(self.water_mark)} {sign} "
                     f"{self.trailing_percent.normalize():f} %")
        return text

    def to_dict(self) -> dict[str, str | None]:
        """Plain text values (exact Decimals, ISO times): what the store writes as JSON."""
        def text(value: object) -> str | None:
            return None if value is None else str(value)

        return {"rule": self.rule.value, "trigger_price": text(self.trigger_price),
                "level": text(self.level), "water_mark": text(self.water_mark),
                "trailing_percent": text(self.trailing_percent),
                "at": self.at.isoformat() if self.at is not None else None}

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> "ExitRecord":
        def number(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else Decimal(value)

        at = data.get("at")
        return cls(ExitReason(data["rule"]), number("trigger_price"), number("level"),
                   number("water_mark"), number("trailing_percent"),
                   datetime.fromisoformat(at) if at else None)


@money_methods()
@dataclass(frozen=True)
class ExitEvaluation:
    stop_loss: Decimal | None
    stop_source: ExitReason
    break_even_armed: bool
    trailing_active: bool
    decision: ExitDecision | None

    def stop_moved(self, position: Position) -> bool:
        return self.stop_loss != position.stop_loss


@in_money_context
def break_even_price(position: Position) -> Decimal:
    """The exit price at which realized P&L is exactly zero.

    Covers the entry fees and an exit fee charged at the same rate as the entry's
    (rate = entry fees / entry value): long x = (e·a + F)/(a·(1 − r)), short x = (e·a − F)/(a·(1 + r)).
    """
    a, e, f = position.amount, position.entry_price, position.entry_fees
    rate = f / (e * a)
    d = position.direction
    return (e * a + d * f) / (a * (ONE - d * rate))


@in_money_context
def trailing_stop_level(position: Position, distance_percent: Decimal) -> Decimal:
    return position.favourable_water_mark * (ONE - position.direction * distance_percent / HUNDRED)


@in_money_context
def _better(position: Position, candidate: Decimal, current: Decimal | None) -> bool:
    """Is `candidate` a stop more protective for the trader than `current`?"""
    return current is None or position.direction * (candidate - current) > 0


@in_money_context
def _crossed_stop(position: Position, price: Decimal, stop: Decimal) -> bool:
    return position.direction * (price - stop) <= 0


@in_money_context
def evaluate_exit(position: Position, price: Number, at: datetime | None = None) -> ExitEvaluation:
    """Decide what `price` means for `position` (whose water marks already include it).

    Only an OPEN (or still OPENING: its coins are real) position can decide an exit: one that
    is CLOSING already has its exit order in flight, which is what makes an exit fire once.
    """
    p = parse_amount(price, "price")
    stop, source = position.stop_loss, position.stop_source
    armed = position.break_even_armed
    favourable_profit = position.profit_percent_at(position.favourable_water_mark)

    if position.break_even_percent is not None and favourable_profit >= position.break_even_percent:
        armed = True
        level = break_even_price(position)
        # Only once the market has been past the fee-covering level: with X % below the
        # round-trip fees, a stop placed above the best price seen would fire at once and
        # realize exactly the loss break-even is meant to prevent. It stays armed and moves
        # as soon as the favourable water mark passes the level.
        reached = position.direction * (position.favourable_water_mark - level) > 0
        if reached and _better(position, level, stop):
            stop, source = level, ExitReason.BREAK_EVEN

    trailing_active = False
    if position.trailing_stop_percent is not None:
        activation = position.trailing_activation_percent
        trailing_active = activation is None or favourable_profit >= activation
        if trailing_active:
            level = trailing_stop_level(position, position.trailing_stop_percent)
            if _better(position, level, stop):
                stop, source = level, ExitReason.TRAILING_STOP

    decision: ExitDecision | None = None
    if position.status in (PositionStatus.OPEN, PositionStatus.OPENING):
        liq = position.liquidation_price
        if liq is not None and _crossed_stop(position, p, liq):
            decision = ExitDecision(ExitReason.LIQUIDATION, liq, p, at)
        elif stop is not None and _crossed_stop(position, p, stop):
            decision = ExitDecision(source, stop, p, at)
        elif position.take_profit is not None and _crossed_stop(
            position, position.take_profit, p
        ):
            decision = ExitDecision(ExitReason.TAKE_PROFIT, position.take_profit, p, at)
    return ExitEvaluation(stop, source, armed, trailing_active, decision)


@in_money_context
def apply_evaluation(position: Position, evaluation: ExitEvaluation) -> bool:
    """Write the ratcheted stop back; returns True if the stop moved."""
    moved = evaluation.stop_moved(position)
    position.stop_loss = evaluation.stop_loss
    position.stop_source = evaluation.stop_source
    position.break_even_armed = evaluation.break_even_armed
    return moved


@in_money_context
def check_exits(position: Position, price: Number, at: datetime | None = None) -> ExitDecision | None:
    """Mark to market, ratchet the stop, and return the exit to act on (if any)."""
    position.update_price(price, at)
    evaluation = evaluate_exit(position, price, at)
    apply_evaluation(position, evaluation)
    return evaluation.decision
