"""Why an exit fired, in words: the label on the chart's ▼ marker, the tooltip with the
decision record, and the orders table's tooltip — one wording everywhere.

"trailing stop @ 51,900.00 (level 51,940.00, from HWM 53,000.00 − 2 %)": the rule, the price
the exit filled at (the trigger price until it fills), and where the level came from.
"""

from __future__ import annotations

from decimal import Decimal

from ..domain import ExitReason, Order
from ..domain.figures import fmt_fees
from .formatting import fmt_percent, fmt_price, fmt_time

RULES = {
    ExitReason.STOP_LOSS: "stop loss",
    ExitReason.TAKE_PROFIT: "take profit",
    ExitReason.TRAILING_STOP: "trailing stop",
    ExitReason.BREAK_EVEN: "break-even stop",
    ExitReason.LIQUIDATION: "liquidation",
    ExitReason.MANUAL: "closed by hand",
}


def rule_name(reason: ExitReason) -> str:
    return RULES.get(reason, reason.value.replace("_", " "))


def exit_label(order: Order) -> str | None:
    """The one-line label of an exit order, or None for an order with no decision record."""
    record = order.exit_decision
    if record is None:
        return None
    price = order.average_fill_price or record.trigger_price
    text = rule_name(record.rule)
    if price is not None:
        text += f" @ {fmt_price(price, order.symbol)}"
    if record.level is not None:
        text += f" ({record.source_text(lambda d: fmt_price(d, order.symbol))})"
    return text


def exit_tooltip(order: Order) -> str | None:
    """The decision record: rule, level, trigger price, fill price, slippage, fees, time."""
    record = order.exit_decision
    if record is None:
        return None
    symbol = order.symbol
    lines = [f"Exit: {rule_name(record.rule)}"]
    if record.level is not None:
        lines.append(f"Level: {fmt_price(record.level, symbol)}")
    if record.water_mark is not None and record.trailing_percent is not None:
        lines.append(f"From: {record.source_text(lambda d: fmt_price(d, symbol))}")
    if record.trigger_price is not None:
        lines.append(f"Trigger price: {fmt_price(record.trigger_price, symbol)}")
    fill = order.average_fill_price
    if fill is not None:
        lines.append(f"Fill price: {fmt_price(fill, symbol)}")
        if record.trigger_price:
            slip = fill - record.trigger_price
            pct = slip / record.trigger_price * Decimal(100)
            lines.append(f"Slippage: {fmt_price(slip, symbol, sign=True)} ({fmt_percent(pct)})")
    if order.fees:
        lines.append("Fees: " + ", ".join(fmt_fees(order.fees, order.quote)))
    if record.at is not None:
        lines.append(f"Decided: {fmt_time(record.at, with_date=True)}")
    last_fill = max((f.at for f in order.fills if f.at is not None), default=None)
    if last_fill is not None:
        lines.append(f"Filled: {fmt_time(last_fill, with_date=True)}")
    return "\n".join(lines)
