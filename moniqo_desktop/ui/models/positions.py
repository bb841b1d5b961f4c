"""The positions monitor: only column declarations of the generic `MonitorModel`.

Values that mean nothing for a row (unrealized P&L of a closed position, realized P&L of an
open one nothing was taken off yet) are blank rather than zero, so a zero always means "flat".
Positions are net per symbol, so an open one that was partly closed shows what that booked.
"""

from __future__ import annotations


from ...domain import Position, PositionStatus
from ...domain.orders import utcnow
from ..formatting import fmt_decimal, fmt_enum, fmt_price, fmt_time
from .monitor import CellKind, Column, MonitorModel

CLOSE_LABEL = "Close"


def _is_open(p: Position) -> bool:
    return p.is_open


def _if_open(getter):
    return lambda p: getter(p) if p.is_open else None


def _if_closed(getter):
    return lambda p: None if p.is_open else getter(p)


def _stop_tip(p: Position) -> str | None:
    if p.stop_loss is None:
        return None
    return f"Stop {fmt_price(p.stop_loss, p.symbol)} (set by {fmt_enum(p.stop_source).lower()})"


def _trailing_tip(p: Position) -> str | None:
    if p.trailing_stop_percent is None:
        return None
    tip = f"Trailing {fmt_decimal(p.trailing_stop_percent, 2)} % behind the best price"
    if p.trailing_activation_percent is not None:
        tip += f", active after {fmt_decimal(p.trailing_activation_percent, 2)} % profit"
    if p.break_even_percent is not None:
        tip += f"\nBreak-even at {fmt_decimal(p.break_even_percent, 2)} % profit"
    return tip


def _status_tip(p: Position) -> str:
    tip = f"Opened {fmt_time(p.opened_at, with_date=True)}"
    if p.closed_at is not None:
        tip += f"\nClosed {fmt_time(p.closed_at, with_date=True)}"
        if p.close_reason is not None:
            tip += f" ({fmt_enum(p.close_reason).lower()})"
        if p.exit_price is not None:
            tip += f" at {fmt_price(p.exit_price, p.symbol)}"
        if p.dust:
            tip += f"\nDust left in the account: {p.dust.normalize():f} {p.base}"
    return tip


def _status(p: Position) -> str:
    """The status, with the close reason once closed: "Closed · manual"."""
    if p.close_reason is not None and not p.is_open:
        dust = " · dust" if p.dust else ""
        return f"{fmt_enum(p.status)} · {p.close_reason.value.replace('_', ' ')}{dust}"
    return fmt_enum(p.status)


def _close_action(p: Position) -> str | None:
    return CLOSE_LABEL if p.status is PositionStatus.OPEN else None


def _held(p: Position):
    return p.time_held(utcnow())


POSITION_COLUMNS: tuple[Column, ...] = (
    # the action first: always visible, however narrow the window
    Column("close", "", get=lambda p: None, kind=CellKind.ACTION, action=_close_action, width=64,
           hideable=False, label="Close button"),
    Column("symbol", "Symbol", hideable=False),
    Column("side", "Side", kind=CellKind.ENUM),
    Column("amount", "Amount", kind=CellKind.AMOUNT),
    Column("entry_price", "Entry", kind=CellKind.PRICE),
    # an open row's price and what follows from it (P&L, %, and Risk below) are marked stale
    # with the prices
    Column("current_price", "Price", kind=CellKind.PRICE,
           get=lambda p: p.current_price if p.is_open else p.exit_price, live=_is_open),
    Column("unrealized_pnl", "Open P&L", get=_if_open(lambda p: p.unrealized_pnl),
           kind=CellKind.PNL, header_tip="Unrealized P&L after entry fees", live=_is_open),
    Column("unrealized_pnl_percent", "Open %",
           get=_if_open(lambda p: p.unrealized_pnl_percent), kind=CellKind.SIGNED_PERCENT,
           live=_is_open),
    Column("realized_pnl", "Realized",
           get=lambda p: p.realized_pnl if not p.is_open or p.realized_pnl else None,
           kind=CellKind.PNL, header_tip="Realized P&L after entry and exit fees",
           visible=False, label="Realized P&L"),
    Column("high_water_mark", "HWM", kind=CellKind.PRICE, header_tip="Highest price since open",
           visible=False, label="HWM (highest price)"),
    Column("low_water_mark", "LWM", kind=CellKind.PRICE, header_tip="Lowest price since open",
           visible=False, label="LWM (lowest price)"),
    Column("max_drawdown", "Max DD", kind=CellKind.PERCENT,
           header_tip="Largest retreat from the best price, in %", visible=False,
           label="Max drawdown"),
    # judged on the last price: stale with it
    Column("risk_level", "Risk", get=_if_open(lambda p: p.risk_level), kind=CellKind.ENUM,
           live=_is_open),
    Column("stop_loss", "Stop", kind=CellKind.PRICE, tooltip=_stop_tip),
    Column("take_profit", "Target", kind=CellKind.PRICE),
    Column("trailing_stop_percent", "Trail", kind=CellKind.PERCENT, tooltip=_trailing_tip,
           visible=False, label="Trailing stop %"),
    Column("held", "Held", get=_held, kind=CellKind.DURATION),
    Column("status", "Status", kind=CellKind.ENUM, tooltip=_status_tip, display=_status,
           width=150),
)


def make_positions_model(parent=None) -> MonitorModel:
    return MonitorModel(POSITION_COLUMNS, parent=parent, dimmed=lambda p: not p.is_open)

