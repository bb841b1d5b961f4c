"""The orders monitor: only column declarations of the generic `MonitorModel`."""

from __future__ import annotations

from decimal import Decimal

from ...domain import Order, OrderType
from ...domain.figures import fmt_fees
from ...domain.orders import respell_fill_notes
from ..exit_audit import exit_tooltip
from ..formatting import fmt_amount, fmt_enum, fmt_price, fmt_time
from .monitor import CellKind, Column, MonitorModel

CANCEL_LABEL = "Cancel"


def _price_or_stop(order: Order) -> str:
    parts = []
    if order.price is not None:
        parts.append(fmt_price(order.price, order.symbol))
    if order.stop_price is not None:
        parts.append(f"stop {fmt_price(order.stop_price, order.symbol)}")
    return " / ".join(parts) if parts else "—"


def _price_sort(order: Order) -> Decimal | None:
    return order.price if order.price is not None else order.stop_price


def _history_tip(order: Order) -> str:
    def price(value: Decimal) -> str:
        return fmt_price(value, order.symbol)

    lines = [f"{fmt_time(h.at, with_date=True)}  {fmt_enum(h.status)}"
             + (f" — {respell_fill_notes(h.reason, order.fills, fmt_amount, price)}"
                if h.reason else "") for h in order.history]
    return "\n".join(lines)


def _fees(order: Order) -> Decimal | None:
    return order.fee_in_quote if order.fills else None


def _fees_tip(order: Order) -> str | None:
    if not order.fees:
        return None
    return "\n".join(fmt_fees(order.fees, order.quote))


def _cancel_action(order: Order) -> str | None:
    return CANCEL_LABEL if order.is_open() and order.type is not OrderType.MARKET else None


ORDER_COLUMNS: tuple[Column, ...] = (
    # the action first: always visible, however narrow the window
    Column("cancel", "", get=lambda o: None, kind=CellKind.ACTION, action=_cancel_action,
           width=72, hideable=False, label="Cancel button"),
    Column("created_at", "Time", kind=CellKind.TIME,
           tooltip=lambda o: fmt_time(o.created_at, with_date=True)),
    Column("symbol", "Symbol", hideable=False),
    Column("side", "Side", kind=CellKind.ENUM),
    Column("type", "Type", kind=CellKind.ENUM, width=78),
    Column("intent", "For", kind=CellKind.ENUM, tooltip=exit_tooltip, header_tip="Entry opens a position, exit closes one, protect is a stop resting on the exchange; hover an exit for why it fired"),
    Column("amount", "Amount", kind=CellKind.AMOUNT),
    Column("filled", "Filled", get=lambda o: o.filled_amount, kind=CellKind.AMOUNT),
    Column("avg_price", "Avg price", get=lambda o: o.average_fill_price, kind=CellKind.PRICE),
    Column("price", "Price / stop", get=_price_sort, kind=CellKind.PRICE,
           display=_price_or_stop),
    Column("status", "Status", kind=CellKind.ENUM, tooltip=_history_tip, width=112,
           header_tip="Hover a status for the order's history"),
    # money in the quote currency, to the cent as in History (`fmt_fee`'s rule); the tooltip
    # lists each fee in its own currency
    Column("fees", "Fees", get=_fees, kind=CellKind.MONEY,
           tooltip=_fees_tip, header_tip="Fees valued in the quote currency"),
    Column("client_order_id", "Client id", width=250, visible=False),
)


def make_orders_model(parent=None) -> MonitorModel:
    return MonitorModel(ORDER_COLUMNS, parent=parent)
