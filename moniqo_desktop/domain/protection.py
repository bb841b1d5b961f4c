"""Protection a trader asks for on an entry order, carried until the position exists.

It lives on the order because the position is only born when the entry fills; the levels are
checked against a reference price first, so a stop that would fire on the first tick is refused
while the trader can still fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .errors import DomainError
from .figures import fmt_given_price
from .money import HUNDRED, ZERO, Number, in_money_context, money_methods, optional_amount


@money_methods("is_empty")
@dataclass(frozen=True)
class Protection:
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    trailing_stop_percent: Decimal | None = None
    trailing_activation_percent: Decimal | None = None
    break_even_percent: Decimal | None = None

    @classmethod
    def build(
        cls,
        stop_loss: Number | None = None,
        take_profit: Number | None = None,
        trailing_stop_percent: Number | None = None,
        trailing_activation_percent: Number | None = None,
        break_even_percent: Number | None = None,
    ) -> "Protection":
        """Parse user values; each must be a positive exact number."""
        trailing = optional_amount(trailing_stop_percent, "trailing stop %")
        if trailing is not None and trailing >= HUNDRED:
            raise DomainError("trailing stop % must be between 0 and 100")
        activation = optional_amount(trailing_activation_percent, "trailing activation %")
        return cls(
            stop_loss=optional_amount(stop_loss, "stop loss"),
            take_profit=optional_amount(take_profit, "take profit"),
            trailing_stop_percent=trailing,
            trailing_activation_percent=activation,
            break_even_percent=optional_amount(break_even_percent, "break-even %"),
        )

    @property
    def is_empty(self) -> bool:
        return all(
            v is None
            for v in (self.stop_loss, self.take_profit, self.trailing_stop_percent,
                      self.break_even_percent)
        )

    def check(self, direction: int, reference: Decimal) -> None:
        check_levels(direction, reference, self.stop_loss, self.take_profit,
                     self.trailing_stop_percent)


@in_money_context
def check_levels(
    direction: int,
    reference: Decimal,
    stop_loss: Decimal | None,
    take_profit: Decimal | None,
    trailing_stop_percent: Decimal | None = None,
) -> None:
    """Refuse levels that would fire at once: a long's stop below the market, target above."""
    side = "long" if direction > 0 else "short"
    if stop_loss is not None and direction * (reference - stop_loss) <= 0:
        where = "below" if direction > 0 else "above"
        raise DomainError(
            f"stop loss {fmt_given_price(stop_loss, reference)} must be {where} the price "
            f"{fmt_given_price(reference)} for a {side} position"
        )
    if take_profit is not None and direction * (take_profit - reference) <= 0:
        where = "above" if direction > 0 else "below"
        raise DomainError(
            f"take profit {fmt_given_price(take_profit, reference)} must be {where} the price "
            f"{fmt_given_price(reference)} "
            f"for a {side} position"
        )
    if trailing_stop_percent is not None and not (ZERO < trailing_stop_percent < HUNDRED):
        raise DomainError("trailing stop % must be between 0 and 100")
