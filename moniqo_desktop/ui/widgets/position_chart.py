"""The selected position over time: price, its protection levels, water marks, drawdown.

Floats are allowed here and only here (pyqtgraph draws numpy arrays); every number the crosshair
prints is still formatted from the Decimal it came from. The stop is drawn as a step line over
time because a trailing or break-even stop moves; entry, target and break-even are flat levels.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...domain import Position
from ...domain.exits import break_even_price
from .. import theme
from ..formatting import fmt_amount, fmt_decimal, fmt_percent, fmt_time


@dataclass(frozen=True)
class ChartPoint:
    """One sample: what `engine.position_updates` returns, or a live snapshot of a position."""

    at: datetime
    price: Decimal
    drawdown: Decimal
    stop_loss: Decimal | None
    high_water_mark: Decimal
    low_water_mark: Decimal

    @classmethod
    def of(cls, update: Any) -> "ChartPoint":
        return cls(update.at, update.price, update.drawdown, update.stop_loss,
                   update.high_water_mark, update.low_water_mark)

    @classmethod
    def from_position(cls, position: Position) -> "ChartPoint":
        at = position.updated_at or position.opened_at or datetime.now(timezone.utc)
        return cls(at, position.current_price, position.drawdown, position.stop_loss,
                   position.high_water_mark, position.low_water_mark)


def _ts(at: datetime) -> float:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.timestamp()


def _arr(values: Iterable[Decimal | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


class PositionChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("positionChart")
        self.position: Position | None = None
        self.points: list[ChartPoint] = []
        self._times: list[float] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 8, 2)
        self.title = QLabel("Select a position to chart it")
        self.title.setObjectName("panelTitle")
        self.readout = QLabel("")
        self.readout.setObjectName("muted")
        self.readout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.readout)
        layout.addLayout(header)
        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics, 1)

        self.price_plot: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.dd_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 1)
        self.graphics.ci.layout.setSpacing(0)
        self.dd_plot.setXLink(self.price_plot)
        self.price_plot.getAxis("bottom").setStyle(showValues=False)
        self.price_plot.getAxis("bottom").setHeight(4)
        for plot in (self.price_plot, self.dd_plot):
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(64)
            plot.showAxis("right")
            plot.getAxis("right").setStyle(showValues=False)
            plot.getAxis("right").setWidth(8)
        self.price_plot.getViewBox().setDefaultPadding(0.08)  # room for the level labels
        self.dd_plot.setLabel("left", "DD %")
        self.dd_plot.invertY(True)  # a drawdown hangs down from zero

        self.price_curve = self.price_plot.plot(name="price")
        self.stop_curve = self.price_plot.plot(name="stop", stepMode="left")
        self.hwm_curve = self.price_plot.plot(name="hwm", stepMode="left")
        self.lwm_curve = self.price_plot.plot(name="lwm", stepMode="left")
        self.drawdown_curve = self.dd_plot.plot(name="drawdown", fillLevel=0)
        self.stop_label = pg.TextItem(anchor=(1, 0))  # "stop 50,272.15" under the stop's end
        self.price_plot.addItem(self.stop_label, ignoreBounds=True)
        # labels sit just above their line, left-anchored so they never clip at the edge
        label_opts = {"position": 0.01, "anchors": [(0, 1), (0, 1)]}
        self.entry_line = pg.InfiniteLine(angle=0, movable=False, label="entry",
                                          labelOpts=dict(label_opts))
        self.target_line = pg.InfiniteLine(angle=0, movable=False, label="target",
                                           labelOpts=dict(label_opts))
        self.break_even_line = pg.InfiniteLine(angle=0, movable=False, label="break-even",
                                               labelOpts={**label_opts, "position": 0.35})
        for line in (self.entry_line, self.target_line, self.break_even_line):
            self.price_plot.addItem(line, ignoreBounds=False)
            line.hide()

        self.v_line = pg.InfiniteLine(angle=90, movable=False)
        self.h_line = pg.InfiniteLine(angle=0, movable=False)
        self.dd_v_line = pg.InfiniteLine(angle=90, movable=False)
        self.price_plot.addItem(self.v_line, ignoreBounds=True)
        self.price_plot.addItem(self.h_line, ignoreBounds=True)
        self.dd_plot.addItem(self.dd_v_line, ignoreBounds=True)
        self._crosshair(False)
        self._mouse_proxy = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30,
                                           slot=self._on_mouse_moved)
        self.apply_theme()

    # -- appearance -------------------------------------------------------------------------
    def apply_theme(self) -> None:
        t = theme.current()
        self.graphics.setBackground(t.chart_bg)
        for plot in (self.price_plot, self.dd_plot):
            for name in ("left", "bottom", "right"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(t.chart_grid))
                axis.setTextPen(pg.mkPen(t.muted))
        self.price_curve.setPen(pg.mkPen(t.chart_price, width=1.5))
        self.stop_curve.setPen(pg.mkPen(t.chart_stop, width=1.2, style=Qt.PenStyle.DashLine))
        marks = pg.mkPen(t.chart_marks, width=1, style=Qt.PenStyle.DotLine)
        self.hwm_curve.setPen(marks)
        self.lwm_curve.setPen(marks)
        down = pg.mkColor(t.down)
        self.drawdown_curve.setPen(pg.mkPen(down, width=1))
        fill = pg.mkColor(t.down)
        fill.setAlpha(60)
        self.drawdown_curve.setBrush(pg.mkBrush(fill))
        for line, colour in ((self.entry_line, t.chart_entry),
                             (self.target_line, t.chart_target),
                             (self.break_even_line, t.chart_break_even)):
            line.setPen(pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine))
            line.label.setColor(colour)
        self.stop_label.setColor(t.chart_stop)
        cross = pg.mkPen(t.muted, width=1, style=Qt.PenStyle.DotLine)
        for line in (self.v_line, self.h_line, self.dd_v_line):
            line.setPen(cross)

    # -- data -------------------------------------------------------------------------------
    def clear(self) -> None:
        self.position = None
        self.points = []
        self._times = []
        self.title.setText("Select a position to chart it")
        for line in (self.entry_line, self.target_line, self.break_even_line):
            line.hide()
        self._redraw()

    def set_position(self, position: Position, updates: Iterable[Any] = ()) -> None:
        """Show `position` with its recorded history (`engine.position_updates(id)`)."""
        self.position = position
        self.points = sorted((ChartPoint.of(u) for u in updates), key=lambda p: _ts(p.at))
        if not self.points:
            self.points = [ChartPoint.from_position(position)]
        self._times = [_ts(p.at) for p in self.points]
        self._refresh_levels()
        self._redraw()
        self.price_plot.enableAutoRange()
        self.dd_plot.enableAutoRange()

    def update_position(self, position: Position) -> None:
        """A live `PositionUpdated`: append the new sample (or replace one at the same time)."""
        if self.position is None or position.id != self.position.id:
            return
        self.position = position
        if position.is_open or not self.points:
            point = ChartPoint.from_position(position)
            ts = _ts(point.at)
            if self._times and ts <= self._times[-1]:
                if ts == self._times[-1]:
                    self.points[-1] = point
            else:
                self.points.append(point)
                self._times.append(ts)
        self._refresh_levels()
        self._redraw()

    def _refresh_levels(self) -> None:
        p = self.position
        if p is None:
            return
        state = p.status.value
        self.title.setText(
            f"{p.symbol}  {p.side.value.upper()}  {fmt_amount(p.amount)} @ "
            f"{fmt_decimal(p.entry_price)}   ·   {state}")
        self.entry_line.setValue(float(p.entry_price))
        self.entry_line.label.setFormat(f"entry {fmt_decimal(p.entry_price)}")
        self.entry_line.show()
        if p.take_profit is not None:
            self.target_line.setValue(float(p.take_profit))
            self.target_line.label.setFormat(f"target {fmt_decimal(p.take_profit)}")
            self.target_line.show()
        else:
            self.target_line.hide()
        if p.break_even_percent is not None:
            level = break_even_price(p)
            self.break_even_line.setValue(float(level))
            self.break_even_line.label.setFormat(f"break-even {fmt_decimal(level)}")
            self.break_even_line.show()
        else:
            self.break_even_line.hide()

    def _redraw(self) -> None:
        if not self.points:
            for curve in (self.price_curve, self.stop_curve, self.hwm_curve, self.lwm_curve,
                          self.drawdown_curve):
                curve.setData([], [])
            self.stop_label.setText("")
            return
        x = np.array(self._times, dtype=float)
        self.price_curve.setData(x, _arr(p.price for p in self.points))
        stops = _arr(p.stop_loss for p in self.points)
        last_stop = self.points[-1].stop_loss
        if np.all(np.isnan(stops)):
            self.stop_curve.setData([], [])
        else:
            self.stop_curve.setData(x, stops, connect="finite")
        if last_stop is None:
            self.stop_label.setText("")
        else:
            self.stop_label.setText(f"stop {fmt_decimal(last_stop)}")
            self.stop_label.setPos(x[-1], float(last_stop))
        self.hwm_curve.setData(x, _arr(p.high_water_mark for p in self.points))
        self.lwm_curve.setData(x, _arr(p.low_water_mark for p in self.points))
        self.drawdown_curve.setData(x, _arr(p.drawdown for p in self.points))

    # -- crosshair ----------------------------------------------------------------------------
    def _crosshair(self, visible: bool) -> None:
        for item in (self.v_line, self.h_line, self.dd_v_line):
            item.setVisible(visible)
        if not visible:
            self.readout.setText("")

    def point_near(self, ts: float) -> ChartPoint | None:
        if not self.points:
            return None
        i = bisect_left(self._times, ts)
        if i >= len(self._times):
            i = len(self._times) - 1
        elif i > 0 and ts - self._times[i - 1] < self._times[i] - ts:
            i -= 1
        return self.points[i]

    def readout_text(self, point: ChartPoint) -> str:
        parts = [fmt_time(point.at, with_date=True), f"price {fmt_decimal(point.price)}"]
        if point.stop_loss is not None:
            parts.append(f"stop {fmt_decimal(point.stop_loss)}")
        parts.append(f"DD {fmt_percent(point.drawdown, sign=False)}")
        if self.position is not None:
            parts.append(f"P&L {fmt_decimal(self.position.pnl_at(point.price), 2, sign=True)}")
        return "   ".join(parts)

    def _on_mouse_moved(self, args: tuple[QPointF]) -> None:
        pos = args[0]
        plot = None
        for candidate in (self.price_plot, self.dd_plot):
            if candidate.sceneBoundingRect().contains(pos):
                plot = candidate
        if plot is None or not self.points:
            self._crosshair(False)
            return
        mouse = plot.vb.mapSceneToView(pos)
        point = self.point_near(mouse.x())
        if point is None:
            self._crosshair(False)
            return
        ts = _ts(point.at)
        self.v_line.setPos(ts)
        self.dd_v_line.setPos(ts)
        self.h_line.setPos(float(point.price))
        self._crosshair(True)
        self.readout.setText(self.readout_text(point))
