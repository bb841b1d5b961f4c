"""Fill markers on the chart: ▲ for every entry fill, ▼ for every reduction and the exit.

The exit's marker is labelled with what fired it ("trailing stop @ 51,900.00 (level 51,940.00,
from HWM 53,000.00 − 2 %)") and carries the decision record as its tooltip; both come from the
exit order's stored `exit_decision`, so they are the same after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF

from ...domain import Order, Position
from ..exit_audit import exit_label, exit_tooltip
from ..formatting import fmt_amount, fmt_decimal, fmt_price, fmt_time

UP, DOWN = "▲", "▼"


@dataclass(frozen=True)
class FillMarker:
    at: float  # timestamp
    price: float
    arrow: str  # UP (adds to the position) or DOWN (reduces or closes it)
    label: str | None  # the exit's audit label, on the order's last fill only
    tooltip: str


def _ts(at: datetime) -> float:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp()


def belongs(order: Order, position: Position) -> bool:
    return order.id == position.entry_order_id or order.position_id == position.id


def fill_markers(position: Position, orders: Iterable[Order]) -> list[FillMarker]:
    """One marker per fill of every order of `position`, in time order."""
    out = []
    entry_side = position.side.entry_side
    for order in orders:
        if not belongs(order, position) or not order.fills:
            continue
        arrow = UP if order.side is entry_side else DOWN
        label = exit_label(order) if arrow == DOWN else None
        audit = exit_tooltip(order) if arrow == DOWN else None
        last = len(order.fills) - 1
        for i, fill in enumerate(order.fills):
            at = fill.at or order.history[-1].at
            tip = (f"{'Entry' if arrow == UP else 'Exit'} fill: {fmt_amount(fill.amount)} @ "
                   f"{fmt_price(fill.price, order.symbol)}\n"
                   f"Fee: {fmt_decimal(fill.fee, None)} {fill.fee_currency or ''}\n"
                   f"{fmt_time(at, with_date=True)}")
            if audit:
                tip = f"{audit}\n\n{tip}"
            out.append(FillMarker(_ts(at), float(fill.price), arrow,
                                  label if i == last else None, tip))
    return sorted(out, key=lambda m: m.at)


def _in_plot(item: pg.TextItem, marker: FillMarker) -> tuple[QRectF, QPointF, QRectF] | None:
    """The plot's rect and the marker's point (scene pixels), and the item's text box (pixels:
    a TextItem ignores the view's scale); None while the item is not in a plot."""
    vb = item.getViewBox()
    if not isinstance(vb, pg.ViewBox):  # not in a plot yet (pyqtgraph then names the view)
        return None
    return (vb.sceneBoundingRect(), vb.mapViewToScene(QPointF(marker.at, marker.price)),
            item.textItem.boundingRect())


def _anchor_within(home: float, before: float, after: float, size: float) -> float:
    """The anchor (0-1 along a box of `size`) nearest `home` that keeps the box within the
    `before` pixels of room before its point and the `after` pixels after it."""
    least, most = 1.0 - after / size, before / size
    return min(max(home, least), most) if 0 < size and least <= most else home


class _KeptInsidePlot(pg.TextItem):
    """A text item that re-places itself (`_keep_inside`) whenever the view moves or resizes:
    the plot clips whatever passes its edge, so a marker or label must be placed from the
    plot's current extent, not once."""

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph's name)
        self._keep_inside()
        super().viewTransformChanged()

    def _keep_inside(self) -> None:
        raise NotImplementedError


class MarkerItem(_KeptInsidePlot):
    """A ▲ under its fill price or a ▼ above it (the tip points at the price), whole inside
    the plot: the first entry sits at the plot's left edge, often under the lowest price of
    the chart too, and the plot clipped its left half and its base. A marker whose fill is
    inside the view slides along the edge instead (its tip then beside or over the price);
    one outside the view stays put, cut as it should be."""

    def __init__(self, marker: FillMarker, colour: str) -> None:
        self.home = (0.5, 0.0) if marker.arrow == UP else (0.5, 1.0)
        super().__init__(marker.arrow, color=colour, anchor=self.home)
        self.marker = marker
        self.setPos(marker.at, marker.price)
        self.setToolTip(marker.tooltip)
        self.setZValue(15)

    def _keep_inside(self) -> None:
        placed = _in_plot(self, self.marker)
        if placed is None:
            return
        plot, at, box = placed
        wanted = self.home
        if plot.contains(at):
            wanted = (_anchor_within(self.home[0], at.x() - plot.left(), plot.right() - at.x(),
                                     box.width()),
                      _anchor_within(self.home[1], at.y() - plot.top(),
                                     plot.bottom() - at.y(), box.height()))
        if wanted != (self.anchor[0], self.anchor[1]):
            self.setAnchor(wanted)


class MarkerLabel(_KeptInsidePlot):
    """The exit's audit text, above its ▼ marker, ending at it; where that would leave the
    plot it goes under the exit's price (or starts at the marker): a target exit is often the
    highest price of the chart, and the plot clips what passes its edge, so the label above
    showed as a one-pixel red sliver under the chart's header instead of being read."""

    ABOVE, BELOW = 1.6, -0.6  # anchor heights: over the ▼, or under the exit's price

    def __init__(self, marker: FillMarker, colour: str, backdrop) -> None:
        super().__init__(marker.label or "", color=colour, anchor=(1.0, self.ABOVE),
                         fill=backdrop)
        self.marker = marker
        self.setPos(marker.at, marker.price)
        self.setToolTip(marker.tooltip)
        self.setZValue(16)

    def _keep_inside(self) -> None:
        placed = _in_plot(self, self.marker)
        if placed is None:
            return
        plot, at, box = placed
        x = 1.0 if at.x() - box.width() >= plot.left() else 0.0
        y = self.ABOVE if at.y() - self.ABOVE * box.height() >= plot.top() else self.BELOW
        if (x, y) != (self.anchor[0], self.anchor[1]):
            self.setAnchor((x, y))
