"""Turn what the trader typed into an order request, or say exactly which field is wrong.

Kept free of widgets so every rule is a plain function test: text is parsed by the domain's one
strict parser for numbers people type (through `parse_amount`: ASCII digits, one point, the
app's own thousands grouping such as a pasted "48,500.00"; no exponent, NaN, sign or other
scripts' digits; no more decimals than the market allows; amounts, prices and the stop loss on
the market's step and tick, as the engine checks them), and protection levels are checked
against the price the order will most likely fill at, with the same domain rule the engine
applies later. A buy whose cost is above the free quote balance is stopped here with "not
enough USDT: available …" (a plausibility cap; the venue still has the final word).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ..domain import DomainError, OrderSide, OrderType, PositionSide
from ..domain.market_rules import check_on_grid
from ..domain.money import parse_amount
from ..domain.positions import check_protection
from ..engine import InvalidOrder, MarketInfo
from .formatting import fmt_decimal

# field names (also the keys of `TicketErrors.fields`)
AMOUNT, PRICE, STOP_PRICE = "amount", "price", "stop_price"
STOP_LOSS, TAKE_PROFIT, TRAILING, BREAK_EVEN = (
    "stop_loss", "take_profit", "trailing_stop_percent", "break_even_percent")
SYMBOL = "symbol"

NEEDS_PRICE = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
NEEDS_STOP = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})


@dataclass(frozen=True)
class OrderTicket:
    """A validated order request, ready for `engine.place_order(**ticket.kwargs())`."""

    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    trailing_stop_percent: Decimal | None = None
    break_even_percent: Decimal | None = None

    def kwargs(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol, "side": self.side, "type": self.type, "amount": self.amount,
            "price": self.price, "stop_price": self.stop_price, "stop_loss": self.stop_loss,
            "take_profit": self.take_profit,
            "trailing_stop_percent": self.trailing_stop_percent,
            "break_even_percent": self.break_even_percent,
        }


@dataclass
class TicketErrors(Exception):
    """Every field that is wrong, with a reason a trader can act on."""

    fields: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(self.fields.values())

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def reference_price(order_type: OrderType, price: Decimal | None, stop_price: Decimal | None,
                    last: Decimal | None) -> Decimal | None:
    """The price the order will most likely fill at: what cost and protection are judged by."""
    if order_type in NEEDS_PRICE and price is not None:
        return price
    if order_type in NEEDS_STOP and stop_price is not None:
        return stop_price
    return last


def build_ticket(
    *,
    symbol: str,
    side: OrderSide,
    order_type: OrderType,
    texts: dict[str, str],
    market: MarketInfo | None,
    last_price: Decimal | None,
    balances: dict[str, tuple[Decimal, Decimal]] | None = None,
    fee_rate: Decimal = Decimal("0.001"),
) -> OrderTicket:
    """Validate `texts` (field name -> typed text); raise `TicketErrors` naming every bad field."""
    errors = TicketErrors()
    if market is None:
        errors.add(SYMBOL, f"Unknown symbol {symbol!r}: pick one from the list")
    amount_decimals = market.amount_decimals if market else None
    price_decimals = market.price_decimals if market else None

    amount_grid = (market.amount_step, "step") if market else None
    tick = (market.price_step, "tick") if market else None

    def number(name: str, label: str, decimals: int | None = None,
               missing: str | None = None,
               grid: tuple[Decimal | None, str] | None = None) -> Decimal | None:
        """The field's value, None when blank; `missing` makes a blank field an error; `grid`
        (step, its name) refuses a value the venue would not take as typed."""
        text = texts.get(name, "").strip()
        if not text:
            if missing is not None:
                errors.add(name, missing)
            return None
        try:
            value = parse_amount(text, label, max_decimals=decimals)
            if grid is not None:
                check_on_grid(value, grid[0], label, grid[1])
            return value
        except DomainError as exc:
            errors.add(name, _capital(str(exc)))
            return None

    amount = number(AMOUNT, "amount", amount_decimals, "Enter an amount", amount_grid)
    price = stop_price = None
    if order_type in NEEDS_PRICE:
        price = number(PRICE, "price", price_decimals, "Enter a limit price", tick)
    if order_type in NEEDS_STOP:
        stop_price = number(STOP_PRICE, "stop price", price_decimals, "Enter a stop price",
                            tick)
    # the stop loss rests on the venue as typed; the take profit is watched by the app
    stop_loss = number(STOP_LOSS, "stop loss", price_decimals, grid=tick)
    take_profit = number(TAKE_PROFIT, "take profit", price_decimals)
    trailing = number(TRAILING, "trailing stop %")
    break_even = number(BREAK_EVEN, "break-even %")
    if trailing is not None and trailing >= 100:
        errors.add(TRAILING, "Trailing stop % must be below 100")
    if break_even is not None and break_even >= 100:
        errors.add(BREAK_EVEN, "Break-even % must be below 100")

    ref = reference_price(order_type, price, stop_price, last_price)
    if market is not None and amount is not None and AMOUNT not in errors.fields:
        try:
            market.check_order(amount, ref)
            market.check_maximums(amount, ref, market_order=order_type is OrderType.MARKET)
        except InvalidOrder as exc:
            errors.add(AMOUNT, _capital(str(exc)))
    if (market is not None and amount is not None and ref is not None and balances is not None
            and side is OrderSide.BUY and AMOUNT not in errors.fields):
        free = balances.get(market.quote, (Decimal(0), Decimal(0)))[0]
        if amount * ref * (1 + fee_rate) > free:
            errors.add(AMOUNT, f"not enough {market.quote}: available "
                               f"{fmt_decimal(free, 2)} {market.quote}")
    if ref is not None:
        position_side = PositionSide.from_entry(side)
        # each level checked on its own, so each bad one is named on its own field
        for name, levels in ((STOP_LOSS, (stop_loss, None)), (TAKE_PROFIT, (None, take_profit))):
            if levels == (None, None):
                continue
            try:
                check_protection(position_side, ref, *levels)
            except DomainError as exc:
                errors.add(name, _capital(str(exc)))

    if errors.fields:
        raise errors
    assert amount is not None
    return OrderTicket(symbol=symbol, side=side, type=order_type, amount=amount, price=price,
                       stop_price=stop_price, stop_loss=stop_loss, take_profit=take_profit,
                       trailing_stop_percent=trailing, break_even_percent=break_even)


def amount_for_fraction(
    *,
    fraction: Decimal,
    side: OrderSide,
    market: MarketInfo,
    balances: dict[str, tuple[Decimal, Decimal]],
    price: Decimal | None,
    fee_rate: Decimal,
) -> Decimal | None:
    """The amount that spends `fraction` of the free balance (fees included), rounded down.

    A buy spends the quote currency, so it needs a price; a sell spends the base.
    """
    if side is OrderSide.BUY:
        free = balances.get(market.quote, (Decimal(0), Decimal(0)))[0]
        if price is None or price <= 0:
            return None
        raw = free * fraction / (price * (1 + fee_rate))
    else:
        raw = balances.get(market.base, (Decimal(0), Decimal(0)))[0] * fraction
    if market.amount_step is None:
        rounded = raw.quantize(Decimal("0.00000001"), rounding=ROUND_DOWN).normalize()
    else:
        rounded = market.round_amount(raw)
    return rounded if rounded > 0 else None
