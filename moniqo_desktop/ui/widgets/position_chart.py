"""The selected position over time: price, its protection levels, water marks, drawdown.

Floats are allowed here and only here (pyqtgraph draws numpy arrays); every number the crosshair
prints is still formatted from the Decimal it came from. The stop is drawn as a step line over
time because a trailing or break-even stop moves; entry, target and break-even are flat levels.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems import DateAxisItem as _date_axis
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ...domain import Position
from ...domain.exits import break_even_price
from .. import theme
from ..formatting import fmt_amount, fmt_decimal, fmt_percent, fmt_price, fmt_time
from .elided_label import ElidedLabel

EMPTY_TITLE = "CHART"
EMPTY_HINT = "Select a position to chart it"
MIN_SPAN_SECONDS = 120.0  # a young position's time axis shows at least this much
MIN_ZOOM_SECONDS = 20.0  # zooming in stops here: no sub-second ticks
MIN_PRICE_SPAN = 0.004  # the price axis spans at least 0.4 % of the price (flat start)
MIN_DRAWDOWN_SPAN = 0.1  # the drawdown axis shows at least 0 .. 0.1 %
RIGHT_ROOM = 0.15  # before layout: share of the span kept free right of the last sample
LABEL_GAP_PX = 30  # about this far between two value labels on an axis


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


def tick_places(spacing: float) -> int:
    """The fewest decimals that write every multiple of `spacing` exactly (0.25 -> 2, 500 -> 0)."""
    if not np.isfinite(spacing) or spacing <= 0:
        return 2
    for places in range(9):
        scaled = spacing * 10 ** places
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return places
    return 8


class NumberAxis(pg.AxisItem):
    """Prices and percents as a trader writes them: `50,250`, `0.25`; never a "(x0.001)"."""

    def __init__(self, orientation: str = "left", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:
        """One level of round steps about `LABEL_GAP_PX` apart (1, 2, 2.5, 5 × 10^k).

        pyqtgraph writes its major and minor levels separately (149.5 / 150 / 150.5); one level
        gives every label the same decimals and keeps the grid calm.
        """
        span = maxVal - minVal
        if not np.isfinite(span) or span <= 0 or size <= 0:
            return super().tickSpacing(minVal, maxVal, size)
        raw = span / max(2.0, size / LABEL_GAP_PX)
        power = 10.0 ** np.floor(np.log10(raw))
        step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
        return [(step, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        places = tick_places(spacing * scale)
        out = []
        for v in values:
            v *= scale
            if abs(v) < spacing * scale * 1e-6:
                v = 0.0  # no "-0"
            out.append(f"{v:,.{places}f}")
        return out


def _zoom(specs: list, example: str):
    return _date_axis.ZoomLevel(specs, example)


_S, _M, _H, _D = 1, 60, 3600, 86400
# pyqtgraph's levels minus the millisecond one, with room for "Jan 05"-wide labels
_ZOOM_LEVELS = OrderedDict([
    (np.inf, _date_axis.YEAR_MONTH_ZOOM_LEVEL),
    (5 * _D, _zoom([_date_axis.TickSpec(_date_axis.MONTH_SPACING, _date_axis.makeMStepper(1), "%b"),
                    _date_axis.TickSpec(_D, _date_axis.makeSStepper(_D), "%d", autoSkip=[1, 5])],
                   "MMM 00")),
    (6 * _H, _date_axis.DAY_HOUR_ZOOM_LEVEL),
    (15 * _M, _date_axis.HOUR_MINUTE_ZOOM_LEVEL),
    (30 * _S, _date_axis.HMS_ZOOM_LEVEL),
])


class TimeAxis(pg.DateAxisItem):
    """Local wall-clock ticks readable at every span.

    Seconds apart: `14:05:30`; minutes or hours apart: `14:05` (midnight shows the date);
    days apart: `Jan 05`; months: `Jan 2026`. Never milliseconds.
    """

    def __init__(self, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.zoomLevels = OrderedDict(_ZOOM_LEVELS)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for v in values:
            try:
                local = datetime.fromtimestamp(v)
            except (OverflowError, OSError, ValueError):
                out.append("")
                continue
            out.append(self.label_for(local, spacing))
        return out

    @staticmethod
    def label_for(local: datetime, spacing: float) -> str:
        if spacing >= _date_axis.YEAR_SPACING:
            return local.strftime("%Y")
        if spacing >= _date_axis.MONTH_SPACING:
            return local.strftime("%b %Y")
        if spacing >= _D:
            return local.strftime("%b %d")
        if spacing >= _M:
            if (local.hour, local.minute) == (0, 0):
                return local.strftime("%b %d")
            return local.strftime("%H:%M")
        return local.strftime("%H:%M:%S")


class PositionChart(QWidget):
    """The selected position's chart; `clear()` shows a clean empty state instead of axes.

    While "following" (the default, and again after a double-click) the view fits the whole
    history and every protection level; a pan or zoom by the trader stops that until the next
    position or double-click.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("positionChart")
        self.position: Position | None = None
        self.points: list[ChartPoint] = []
        self._times: list[float] = []
        self.following = True

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 8, 2)
        # elided, never wider than the panel: a long title or readout must not widen the window
        self.title = ElidedLabel(EMPTY_TITLE)
        self.title.setObjectName("panelTitle")
        self.readout = ElidedLabel("", elide=Qt.TextElideMode.ElideLeft)
        self.readout.setObjectName("muted")
        self.readout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.title, 3)
        header.addWidget(self.readout, 2)
        layout.addLayout(header)

        self.stack = QStackedWidget()
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setObjectName("chartHint")
        self.hint.setProperty("muted", True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.graphics = pg.GraphicsLayoutWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.graphics)
        layout.addWidget(self.stack, 1)

        self.price_plot: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, axisItems={"bottom": TimeAxis(), "left": NumberAxis("left"),
                                     "right": NumberAxis("right")})
        self.dd_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": TimeAxis(), "left": NumberAxis("left"),
                                     "right": NumberAxis("right")})
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
            plot.getAxis("left").setWidth(72)
            plot.showAxis("right")
            plot.getAxis("right").setStyle(showValues=False)
            plot.getAxis("right").setWidth(8)
            plot.vb.setLimits(minXRange=MIN_ZOOM_SECONDS)
            plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.price_plot.vb.sigResized.connect(self._fit)  # label room is in pixels
        self.dd_plot.setLabel("left", "DD %")
        self.dd_plot.invertY(True)  # a drawdown hangs down from zero

        self.price_curve = self.price_plot.plot(name="price", antialias=True)
        self.stop_curve = self.price_plot.plot(name="stop", stepMode="left")
        self.hwm_curve = self.price_plot.plot(name="hwm", stepMode="left")
        self.lwm_curve = self.price_plot.plot(name="lwm", stepMode="left")
        self.last_marker = pg.ScatterPlotItem(size=7, antialias=True)  # the latest price
        self.price_plot.addItem(self.last_marker)
        self.drawdown_curve = self.dd_plot.plot(name="drawdown", fillLevel=0, antialias=True)
        # "51,239.23" and "stop 50,272.15" right of the last sample, in the room `_fit` keeps
        self.price_label = pg.TextItem(anchor=(0, 0.5))
        self.stop_label = pg.TextItem(anchor=(0, 0.5))
        self.price_plot.addItem(self.price_label, ignoreBounds=True)
        self.price_plot.addItem(self.stop_label, ignoreBounds=True)
        # labels sit just above their line, left-anchored so they never clip at the edge, and
        # clear of both ends: a young history (and its price label) hugs the left edge, the
        # price and stop labels sit at the right; break-even is offset from entry (close by)
        label_opts = {"position": 0.28, "anchors": [(0, 1), (0, 1)]}
        self.entry_line = pg.InfiniteLine(angle=0, movable=False, label="entry",
                                          labelOpts=dict(label_opts))
        self.target_line = pg.InfiniteLine(angle=0, movable=False, label="target",
                                           labelOpts=dict(label_opts))
        self.break_even_line = pg.InfiniteLine(angle=0, movable=False, label="break-even",
                                               labelOpts={**label_opts, "position": 0.55})
        for line in (self.entry_line, self.target_line, self.break_even_line):
            self.price_plot.addItem(line, ignoreBounds=True)  # `_fit` frames them itself
            line.setZValue(-10)  # under the curves: the price line always wins
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
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.graphics.installEventFilter(self)  # the mouse leaving: no stale crosshair/readout
        self.graphics.setToolTip("Drag or scroll to pan and zoom; double-click to fit again")
        self.apply_theme()
        self.clear()

    # -- appearance -------------------------------------------------------------------------
    def apply_theme(self) -> None:
        t = theme.current()
        self.graphics.setBackground(t.chart_bg)
        for plot in (self.price_plot, self.dd_plot):
            for name in ("left", "bottom", "right"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(t.chart_grid))
                axis.setTextPen(pg.mkPen(t.muted))
        self.price_curve.setPen(pg.mkPen(t.chart_price, width=2))
        self.last_marker.setPen(pg.mkPen(t.chart_bg, width=1.5))
        self.last_marker.setBrush(pg.mkBrush(t.chart_price))
        self.stop_curve.setPen(pg.mkPen(t.chart_stop, width=1.5, style=Qt.PenStyle.DashLine))
        marks = pg.mkPen(t.chart_marks, width=1.5, style=Qt.PenStyle.DotLine)
        self.hwm_curve.setPen(marks)
        self.lwm_curve.setPen(marks)
        down = pg.mkColor(t.down)
        self.drawdown_curve.setPen(pg.mkPen(down, width=1.5))
        fill = pg.mkColor(t.down)
        fill.setAlpha(60)
        self.drawdown_curve.setBrush(pg.mkBrush(fill))
        for line, colour in ((self.entry_line, t.chart_entry),
                             (self.target_line, t.chart_target),
                             (self.break_even_line, t.chart_break_even)):
            line.setPen(pg.mkPen(colour, width=1.2, style=Qt.PenStyle.DashLine))
            line.label.setColor(colour)
        self.stop_label.setColor(t.chart_stop)
        self.price_label.setColor(t.chart_price)
        backdrop = pg.mkColor(t.chart_bg)
        backdrop.setAlpha(200)  # labels stay readable where a curve runs under them
        for label in (self.entry_line.label, self.target_line.label,
                      self.break_even_line.label, self.stop_label, self.price_label):
            label.fill = pg.mkBrush(backdrop)
            label.update()
        cross = pg.mkPen(t.muted, width=1, style=Qt.PenStyle.DotLine)
        for line in (self.v_line, self.h_line, self.dd_v_line):
            line.setPen(cross)

    # -- data -------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """True while the hint shows instead of the plots."""
        return self.stack.currentWidget() is self.hint

    def clear(self) -> None:
        """No position: no curves, no levels, no axes, just the hint."""
        self.position = None
        self.points = []
        self._times = []
        self.following = True
        self.title.setText(EMPTY_TITLE)
        for line in (self.entry_line, self.target_line, self.break_even_line):
            line.hide()
        self._crosshair(False)
        self._redraw()
        self.stack.setCurrentWidget(self.hint)

    def set_position(self, position: Position, updates: Iterable[Any] = ()) -> None:
        """Show `position` with its recorded history (`engine.position_updates(id)`)."""
        self.position = position
        self.points = sorted((ChartPoint.of(u) for u in updates), key=lambda p: _ts(p.at))
        if not self.points:
            self.points = [ChartPoint.from_position(position)]
        self._times = [_ts(p.at) for p in self.points]
        self.following = True
        self._crosshair(False)
        self.stack.setCurrentWidget(self.graphics)
        self._refresh_levels()
        self._redraw()

    def update_position(self, position: Position) -> None:
        """A live `PositionUpdated`: append the new sample (or replace one at the same time)."""
        if self.position is None or position.id != self.position.id:
            return
        self.position = position
        # a close is a sample too: its price is the exit price, so the line ends where it closed
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

    def follow(self) -> None:
        """Fit the whole history again and keep fitting as it grows."""
        self.following = True
        self._fit()

    def _price(self, value: Decimal | None) -> str:
        return fmt_price(value, self.position.symbol if self.position is not None else None)

    def _refresh_levels(self) -> None:
        p = self.position
        if p is None:
            return
        state = p.status.value
        if not p.is_open:
            if p.close_reason is not None:
                state += f" · {p.close_reason.value.replace('_', ' ')}"
            if p.exit_price is not None:
                state += f" @ {self._price(p.exit_price)}"
            if p.realized_pnl is not None:
                state += f"   ·   realized {fmt_decimal(p.realized_pnl, 2, sign=True)} {p.quote}"
        self.title.setText(
            f"{p.symbol}  {p.side.value.upper()}  {fmt_amount(p.amount)} @ "
            f"{self._price(p.entry_price)}   ·   {state}")
        levels = ((self.entry_line, "entry", p.entry_price),
                  (self.target_line, "target", p.take_profit),
                  (self.break_even_line, "break-even",
                   break_even_price(p) if p.break_even_percent is not None else None))
        for line, name, level in levels:
            if level is None:
                line.hide()
                continue
            line.show()  # first: a hidden line's label ignores a new format
            line.setValue(float(level))
            line.label.setFormat(f"{name} {self._price(level)}")

    def _redraw(self) -> None:
        if not self.points:
            for curve in (self.price_curve, self.stop_curve, self.hwm_curve, self.lwm_curve,
                          self.drawdown_curve):
                curve.setData([], [])
            self.last_marker.setData([], [])
            self.stop_label.setText("")
            self.price_label.setText("")
            return
        x = np.array(self._times, dtype=float)
        prices = _arr(p.price for p in self.points)
        self.price_curve.setData(x, prices)
        self.last_marker.setData([x[-1]], [prices[-1]])
        self.price_label.setText(self._price(self.points[-1].price))
        self.price_label.setPos(x[-1], prices[-1])
        stops = _arr(p.stop_loss for p in self.points)
        last_stop = self.points[-1].stop_loss
        if np.all(np.isnan(stops)):
            self.stop_curve.setData([], [])
        else:
            self.stop_curve.setData(x, stops, connect="finite")
        if last_stop is None:
            self.stop_label.setText("")
        else:
            self.stop_label.setText(f"stop {self._price(last_stop)}")
            self.stop_label.setPos(x[-1], float(last_stop))
        self.hwm_curve.setData(x, _arr(p.high_water_mark for p in self.points))
        self.lwm_curve.setData(x, _arr(p.low_water_mark for p in self.points))
        self.drawdown_curve.setData(x, _arr(p.drawdown for p in self.points))
        self._fit()

    def _fit(self, *_: object) -> None:
        """While following: frame the whole history, every level, and a sane minimum span.

        pyqtgraph's auto-range would zoom a one-sample history to a fraction of a second and
        a flat price to a fraction of a cent; a trader wants minutes and a readable scale.
        """
        if not self.following or not self.points:
            return
        x0, x1 = self._times[0], self._times[-1]
        x1 = max(x1, x0 + MIN_SPAN_SECONDS)
        ys = [float(v) for p in self.points
              for v in (p.price, p.stop_loss, p.high_water_mark, p.low_water_mark)
              if v is not None]
        ys += [line.value() for line in (self.entry_line, self.target_line, self.break_even_line)
               if line.isVisible()]
        ys = [y for y in ys if np.isfinite(y)]
        lo, hi = min(ys), max(ys)
        mid = (lo + hi) / 2
        least = abs(mid) * MIN_PRICE_SPAN or 1.0
        if hi - lo < least:
            lo, hi = mid - least / 2, mid + least / 2
        span = hi - lo
        # room on the right for the price and stop labels, as trading charts keep it
        left = x0 - 0.01 * (x1 - x0)
        width = self.price_plot.vb.width()
        labels = max(item.textItem.boundingRect().width()
                     for item in (self.price_label, self.stop_label)) + 10
        if width > 2 * labels:
            right = left + (x1 - left) * width / (width - labels)
        else:  # not laid out yet
            right = x1 + RIGHT_ROOM * (x1 - x0)
        self.price_plot.setXRange(left, right, padding=0)
        # level labels sit above their lines: more headroom than floor room
        self.price_plot.setYRange(lo - 0.08 * span, hi + 0.16 * span, padding=0)
        dd = _arr(p.drawdown for p in self.points)
        top = float(np.nanmax(dd)) if np.any(np.isfinite(dd)) else 0.0
        self.dd_plot.setYRange(0, max(top, MIN_DRAWDOWN_SPAN), padding=0.1)

    def _on_manual_range(self, *_: object) -> None:
        self.following = False

    def _on_mouse_clicked(self, event: Any) -> None:
        if event.double() and self.position is not None:
            self.follow()

    # -- crosshair ----------------------------------------------------------------------------
    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 (Qt name)
        if watched is self.graphics and event.type() == QEvent.Type.Leave:
            self._crosshair(False)
        return super().eventFilter(watched, event)

    def _crosshair(self, visible: bool) -> None:
        for item in (self.v_line, self.h_line, self.dd_v_line):
            item.setVisible(visible)
        if not visible:
            self.readout.setText("")
        self.readout.setVisible(visible)  # hidden, it leaves the title the whole row

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
        parts = [fmt_time(point.at, with_date=True), f"price {self._price(point.price)}"]
        if point.stop_loss is not None:
            parts.append(f"stop {self._price(point.stop_loss)}")
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
