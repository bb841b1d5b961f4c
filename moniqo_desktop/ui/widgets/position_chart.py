"""The selected position over time: price, its protection levels, water marks, drawdown.

Floats are allowed here and only here (pyqtgraph draws numpy arrays); every number the chart
prints is still formatted from the Decimal it came from. The stop is drawn as a step line over
time because a trailing or break-even stop moves; entry, target and break-even are flat levels.

What reads at a glance: the y-range fits the price, the stop and the level nearest the price
(a far target does not squash the price line to a sliver; it becomes an edge marker); every
value sits in a right-hand label column whose labels are spread so they never overlap; long
histories draw only what is in view, downsampled to the pixels (`Series` + pyqtgraph's
clip-to-view and peak downsampling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain import ExitReason, Order, Position
from ...domain.exits import break_even_price, trailing_stop_level
from .. import theme
from ..formatting import fmt_amount, fmt_decimal, fmt_percent, fmt_price, fmt_time, price_places
from .chart_audit import MarkerItem, MarkerLabel, belongs, fill_markers
from ...engine import TIMEFRAMES
from .chart_candles import CandleItem, timeframe_for
from .chart_axes import LABEL_GAP_PX, NumberAxis, TimeAxis, tick_places
from .chart_drag import LevelMove, check_move, describe, protection_kwargs, round_to_tick
from .chart_labels import DOWN, UP, ValueLabel, spread
from .chart_series import COLUMNS, STEP_COLUMNS, Series, as_float, in_view
from .elided_label import ElidedLabel
from ..coalesce import Coalesced

__all__ = ["ChartPoint", "LABEL_GAP_PX", "NumberAxis", "PositionChart", "TimeAxis",
           "tick_places"]

EMPTY_TITLE = "CHART"
REDRAW_MS = 200
"""How often live samples are drawn when redraws are throttled: 5 frames a second, what a
person follows on a price line; every sample is kept and drawn."""
EMPTY_HINT = "Select a position to chart it"
MIN_SPAN_SECONDS = 120.0  # a young position's time axis shows at least this much
MIN_ZOOM_SECONDS = 20.0  # zooming in stops here: no sub-second ticks
MIN_PRICE_SPAN = 0.004  # the price axis spans at least 0.4 % of the price (flat start)
MIN_DRAWDOWN_SPAN = 0.1  # the drawdown axis shows at least 0 .. 0.1 %
DRAWDOWN_MARGIN = 0.08  # of the DD span, above zero and below the deepest point: a line on
# the plot's edge (where a position spends most of its time, at zero) is hard to see
RIGHT_ROOM = 0.15  # before layout: share of the span kept free right of the last sample
Y_MARGIN = 0.08  # share of the fitted price span kept free above and below
LABEL_PAD_PX = 2  # between two stacked value labels
MARKER_ROOM_PX = 18  # kept above and below the fitted prices for the fill markers
DRAGGABLE = ("stop", "target", "trailing")
KEY_LEVELS = {Qt.Key.Key_S: "stop", Qt.Key.Key_T: "target", Qt.Key.Key_R: "trailing"}
FOLLOW_STEPS = 64  # while following, the time axis extends in steps of 1/64 of the span
MIN_STEP_SECONDS = 4.0  # ... and of at least 4 s (a young position's axis rescales that rarely)
LABEL_ROOM_SLACK_PX = 24  # the label column shrinks only when this much too wide
SMOOTH_UP_TO = 600  # samples in view drawn antialiased; more are drawn crisp (and fast)
NEAREST_LEVEL_ROOM = 2.0  # the nearest level may at most double the fitted span


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
    def from_row(cls, row: np.ndarray) -> "ChartPoint":
        """A drawn sample back as a point, for the hover readout of a history loaded as floats
        (`engine.position_update_columns`): `Decimal(repr(f))` gives back the stored text's
        value for every number of up to 15 significant digits, and the readout rounds to the
        symbol's decimals anyway."""
        def dec(value: float) -> Decimal | None:
            return None if np.isnan(value) else Decimal(repr(float(value)))

        at, price, stop, hwm, lwm, drawdown = (row[COLUMNS.index(n)] for n in COLUMNS)
        return cls(datetime.fromtimestamp(float(at), timezone.utc), dec(price) or Decimal(0),
                   dec(drawdown) or Decimal(0), dec(stop), dec(hwm) or Decimal(0),
                   dec(lwm) or Decimal(0))

    @classmethod
    def from_position(cls, position: Position) -> "ChartPoint":
        at = position.updated_at or position.opened_at or datetime.now(timezone.utc)
        return cls(at, position.current_price, position.drawdown, position.stop_loss,
                   position.high_water_mark, position.low_water_mark)

    def row(self) -> tuple[float, ...]:
        """The floats the curves draw, in `chart_series.COLUMNS` order."""
        return (_ts(self.at), as_float(self.price), as_float(self.stop_loss),
                as_float(self.high_water_mark), as_float(self.low_water_mark),
                as_float(self.drawdown))


# `chart_series.COLUMNS` <- the fields of a `PositionUpdate` / `UpdateColumns` they come from
FIELDS = {"at": "at", "price": "price", "stop": "stop_loss", "hwm": "high_water_mark",
          "lwm": "low_water_mark", "drawdown": "drawdown"}


def is_columnar(history: Any) -> bool:
    """True for `engine.position_update_columns(...)` (float columns, one per field) rather
    than `engine.position_updates(...)` (one object per sample)."""
    return hasattr(history, "high_water_mark") and not isinstance(history, (list, tuple))


def _columns(history: Any) -> np.ndarray:
    """Samples -> float columns in `chart_series.COLUMNS` order (NaN for a missing stop).

    Float columns (the store's `UpdateColumns`) are stacked as they are; a list
    of updates is converted value by value, which is fine for the hundreds a test or a young
    position has and is why the window loads the columns instead.
    """
    if is_columnar(history):
        return np.vstack([np.asarray(getattr(history, FIELDS[name]), dtype=float)
                          for name in COLUMNS])
    points = list(history)

    def col(name: str) -> np.ndarray:
        return np.array([as_float(getattr(p, name)) for p in points], dtype=float)

    return np.vstack([np.array([_ts(p.at) for p in points], dtype=float)]
                     + [col(FIELDS[name]) for name in COLUMNS[1:]])


def _set_curve(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray, per_pixel: float,
               **opts: Any) -> None:
    """`curve.setData(x, y)` unless only its last point moved along x by less than a pixel
    (a step line running on to the newest sample): then its cached picture stays."""
    old_x, old_y = curve.xData, curve.yData
    if (old_x is not None and len(old_x) == len(x) and len(x)
            and curve.opts["antialias"] == opts.get("antialias", curve.opts["antialias"])
            and abs(old_x[-1] - x[-1]) < per_pixel and np.array_equal(old_x[:-1], x[:-1])
            and np.array_equal(old_y, y, equal_nan=True)):
        return
    curve.setData(x, y, **opts)


def _cache_picture(item: Any) -> None:
    """Keep `item`'s rendering as a pixmap until it changes (Qt's device-coordinate cache).

    A redraw for a new sample changes the price line's tail and a label or two; the axes,
    grid and the long price and drawdown lines do not change, and replaying their paint every
    frame cost more than the frame (measured: 20 ms for the whole chart, 6 ms with caches).
    """
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _axes() -> dict[str, Any]:
    """One plot's four axes: times below, prices (or percents) left, a narrow rule right, and
    the top one that pyqtgraph keeps hidden."""
    return {"bottom": TimeAxis(), "left": NumberAxis("left"), "right": NumberAxis("right"),
            "top": NumberAxis("top")}


def _ts(at: datetime) -> float:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.timestamp()


class PositionChart(QWidget):
    """The selected position's chart; `clear()` shows a clean empty state instead of axes.

    While "following" (the default, and again after a double-click) the view fits the whole
    history, the stop and the nearest level; a pan or zoom by the trader stops that until the
    next position or double-click.

    Trading from the chart: the stop, target and trailing lines of an open position can be
    dragged (or selected with S / T / R and moved with the arrow keys, one tick a press, ten
    with Shift); a right-click offers "Set stop here" / "Set target here". A place that is not
    allowed shows red and snaps back with the reason (`statusMessage`); an allowed one asks for
    a confirmation (Enter / Esc, unless `confirm_changes` is off) and then emits
    `protectionRequested(position_id, update_protection kwargs)`. The line stays where it was
    put from then on; `change_failed` puts it back if the engine refuses.
    """

    protectionRequested = Signal(str, dict)
    statusMessage = Signal(str)
    candlesWanted = Signal(str, str, object)  # symbol, timeframe, since (the opening time)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("positionChart")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.markets: dict[str, Any] = {}  # symbol -> MarketInfo (for the price tick)
        self.confirm_changes = True
        self.pending: LevelMove | None = None  # placed, waiting for Enter / Esc
        self.applied: LevelMove | None = None  # sent to the engine, not yet back as an event
        self.selected_level: str | None = None  # for the keyboard
        self._held: set[str] = set()  # lines the trader holds: live updates leave them be
        self.position: Position | None = None
        self.orders: dict[str, Order] = {}  # the charted position's orders (fill markers)
        self.marker_items: list[Any] = []
        self.last_point: ChartPoint | None = None  # the newest sample, exact (value labels)
        self.series = Series()
        self.following = True
        self._label_room = 0.0  # pixels kept right of the newest sample for the labels
        self._labels_laid_out: tuple | None = None  # what `_layout_labels` last placed
        self._line_style: tuple | None = None  # what `_style_lines` last drew
        # live samples are kept at once; drawing them (levels, ranges, curves, axes: several
        # ms) at most every REDRAW_MS when `throttle_redraws` is on (the window turns it on:
        # a charted symbol on a live feed ticks 20 times a second)
        self.throttle_redraws = False
        self._redraw_later = Coalesced(self._show_samples, self, interval_ms=REDRAW_MS)

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
        self.confirm_bar = self._build_confirm_bar()
        layout.addWidget(self.confirm_bar)

        self.stack = QStackedWidget()
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setObjectName("chartHint")
        self.hint.setProperty("muted", True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.graphics = pg.GraphicsLayoutWidget()
        # clicked, it takes the keys (pyqtgraph's own); Tab stops once, on the chart itself
        self.graphics.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.graphics)
        layout.addWidget(self.stack, 1)

        # no pyqtgraph menus (the chart has its own, `context_menu`): not built at all, rather
        # than built and switched off (two ViewBox menus were ~10 ms of the start, #14); all
        # four axes ours, the hidden top one too: pyqtgraph's own renders its hidden title on
        # every range change (`chart_axes._LabelRenderedWhenShown`)
        self.price_plot: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, axisItems=_axes(), enableMenu=False)
        self.dd_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems=_axes(), enableMenu=False)
        for plot in (self.price_plot, self.dd_plot):
            plot.hideAxis("top")  # given, pyqtgraph shows it; its own top axis was hidden
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
            for side in ("left", "bottom", "right"):
                _cache_picture(plot.getAxis(side))  # with its grid: redrawn on a new range
            plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.price_plot.vb.sigResized.connect(self._fit)  # label room is in pixels
        self.price_plot.vb.sigRangeChanged.connect(self._layout_labels)
        self.dd_plot.setLabel("left", "DD %")
        self.dd_plot.invertY(True)  # a drawdown hangs down from zero

        self.price_curve = self.price_plot.plot(name="price")
        # "right": each value holds from its own time to the next one's (drawn from corners
        # only, pyqtgraph's "left" would draw every new stop back to the previous corner)
        self.stop_curve = self.price_plot.plot(name="stop", stepMode="right")
        self.hwm_curve = self.price_plot.plot(name="hwm", stepMode="right")
        self.lwm_curve = self.price_plot.plot(name="lwm", stepMode="right")
        self.drawdown_curve = self.dd_plot.plot(name="drawdown", fillLevel=0)
        # a long history's newest part (`Series.split_envelope`): drawn anew on every tick
        # while the curve above keeps its cached picture of everything before it
        self.price_tail = self.price_plot.plot(name="price, newest")
        self.drawdown_tail = self.dd_plot.plot(name="drawdown, newest", fillLevel=0)
        self.tails = {"price": self.price_tail, "drawdown": self.drawdown_tail}
        self.curves = (self.price_curve, self.stop_curve, self.hwm_curve, self.lwm_curve,
                       self.drawdown_curve, self.price_tail, self.drawdown_tail)
        self.series_curves = {"price": self.price_curve, "stop": self.stop_curve,
                              "hwm": self.hwm_curve, "lwm": self.lwm_curve,
                              "drawdown": self.drawdown_curve}
        self.stop_curve.setData([], [], connect="finite")  # no stop for a while: a gap
        for curve in self.curves:
            # `_draw_curves` hands them what is in view, already aggregated to the pixels;
            # pyqtgraph's own clip and peak downsampling keep a pan between two of its calls
            # just as cheap
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
        for curve in (self.price_curve, self.drawdown_curve):
            # the long lines that change only every `FROZEN_CHUNK` buckets; the step lines
            # (a few corners, cheaper to draw than to blit) and the tails (new every tick)
            # are not cached: a cached step line growing to the right left a gap in it
            _cache_picture(curve.curve)
        self._curves_drawn = 0  # a week of seconds: `_draw_curves` clips and decimates
        self.price_plot.vb.sigXRangeChanged.connect(self._draw_curves)
        self.candle_item = CandleItem()  # behind everything; toggled in the right-click menu
        self.price_plot.addItem(self.candle_item, ignoreBounds=True)
        self.show_candles = True
        self.timeframe: str | None = None
        self._candle_end: float | None = None  # when the newest candle closes (refetch then)
        self.last_marker = pg.ScatterPlotItem(size=7, antialias=True)  # the latest price
        self.price_plot.addItem(self.last_marker)

        # flat levels across the plot, under the curves: the price line always wins
        self.entry_line = pg.InfiniteLine(angle=0, movable=False)
        self.target_line = pg.InfiniteLine(angle=0, movable=False)
        self.break_even_line = pg.InfiniteLine(angle=0, movable=False)
        self.stop_line = pg.InfiniteLine(angle=0, movable=False)
        self.trailing_line = pg.InfiniteLine(angle=0, movable=False)
        self.level_lines = {"entry": self.entry_line, "target": self.target_line,
                            "break_even": self.break_even_line, "stop": self.stop_line,
                            "trailing": self.trailing_line}
        for line in self.level_lines.values():
            self.price_plot.addItem(line, ignoreBounds=True)  # `_fit` frames them itself
            line.setZValue(-10)
            line.hide()
        for kind in DRAGGABLE:
            line = self.level_lines[kind]
            line.setZValue(5)  # above the curves: it has to be caught by the mouse
            line.sigDragged.connect(lambda _l, k=kind: self._on_line_dragged(k))
            line.sigPositionChangeFinished.connect(lambda _l, k=kind: self._on_line_released(k))

        # the right-hand label column: one label per value, spread so none overlap
        self.price_label = ValueLabel("price")
        self.stop_label = ValueLabel("stop")
        self.trailing_label = ValueLabel("trailing")
        self.entry_label = ValueLabel("entry")
        self.target_label = ValueLabel("target")
        self.break_even_label = ValueLabel("break_even")
        self.hwm_label = ValueLabel("hwm")
        self.lwm_label = ValueLabel("lwm")
        self.value_labels = (self.price_label, self.stop_label, self.trailing_label,
                             self.entry_label, self.target_label, self.break_even_label,
                             self.hwm_label, self.lwm_label)
        for label in self.value_labels:
            self.price_plot.addItem(label, ignoreBounds=True)
            label.setZValue(20)
            label.on_click = self.recentre_on
            label.hide()

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
        for curve in (self.price_curve, self.price_tail):
            curve.setPen(pg.mkPen(t.chart_price, width=2))
        self.last_marker.setPen(pg.mkPen(t.chart_bg, width=1.5))
        self.last_marker.setBrush(pg.mkBrush(t.chart_price))
        # solid pens: a dashed path of thousands of vertices costs several ms a paint; the
        # flat level lines (two points each) keep their dashes
        self.stop_curve.setPen(pg.mkPen(t.chart_stop, width=1.5))
        marks_colour = pg.mkColor(t.chart_marks)
        marks_colour.setAlpha(150)
        marks = pg.mkPen(marks_colour, width=1)
        self.hwm_curve.setPen(marks)
        self.lwm_curve.setPen(marks)
        down = pg.mkColor(t.down)
        for curve in (self.drawdown_curve, self.drawdown_tail):
            curve.setPen(pg.mkPen(down, width=1.5))
        fill = pg.mkColor(t.down)
        fill.setAlpha(60)
        for curve in (self.drawdown_curve, self.drawdown_tail):
            curve.setBrush(pg.mkBrush(fill))
        self.level_colours = {"entry": t.chart_entry, "target": t.chart_target,
                              "break_even": t.chart_break_even, "stop": t.chart_stop,
                              "trailing": t.chart_stop, "price": t.chart_price,
                              "hwm": t.chart_marks, "lwm": t.chart_marks}
        for name, line in self.level_lines.items():
            style = Qt.PenStyle.DotLine if name == "trailing" else Qt.PenStyle.DashLine
            line.setPen(pg.mkPen(self.level_colours[name], width=1.2, style=style))
        self._line_style = None
        self._style_lines()
        backdrop = pg.mkColor(t.chart_bg)
        backdrop.setAlpha(220)  # labels stay readable where a curve runs under them
        for label in self.value_labels:
            colour = pg.mkColor(self.level_colours[label.name])
            label.setColor(colour)
            label.fill = pg.mkBrush(backdrop)
            label.border = pg.mkPen(colour, width=1)
            label.update()
        cross = pg.mkPen(t.muted, width=1, style=Qt.PenStyle.DotLine)
        for line in (self.v_line, self.h_line, self.dd_v_line):
            line.setPen(cross)
        if getattr(self, "marker_items", None):
            self._draw_markers()  # their colours come from the theme
        if hasattr(self, "candle_item"):
            self.candle_item.set_colours(t.up, t.down)

    # -- data -------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """True while the hint shows instead of the plots."""
        return self.stack.currentWidget() is self.hint

    def clear(self) -> None:
        """No position: no curves, no levels, no axes, just the hint."""
        self._redraw_later.cancel()
        self.position = None
        self.pending = self.applied = None
        self.selected_level = None
        self._held.clear()
        self.confirm_bar.hide()
        self.orders = {}
        self._draw_markers()
        self.candle_item.set_candles([], 60)
        self.timeframe = self._candle_end = None
        self.last_point = None
        self.series.clear()
        self.following = True
        self.title.setText(EMPTY_TITLE)
        for line in self.level_lines.values():
            line.hide()
        for label in self.value_labels:
            label.set_level(None, "")
        self._crosshair(False)
        self._redraw()
        self.stack.setCurrentWidget(self.hint)

    def set_position(self, position: Position, updates: Iterable[Any] | Any = ()) -> None:
        """Show `position` with its recorded history: `engine.position_update_columns(id)`
        (float columns: a week of seconds, 600 000 samples, loads without an object per
        sample) or `engine.position_updates(id)` (a list of updates).

        Only floats are kept; `point_near` rebuilds a `ChartPoint` for the one sample it
        needs, and the newest sample is kept exact (`last_point`) for the value labels.
        """
        self._redraw_later.cancel()  # drawn in full below
        if self.position is None or self.position.id != position.id:
            self.pending = self.applied = None
            self.selected_level = None
            self._held.clear()
            self.confirm_bar.hide()
            self.orders = {}
            self.candle_item.set_candles([], 60)
            self.timeframe = self._candle_end = None
        self.position = position
        if not is_columnar(updates):
            updates = list(updates)
        rows = _columns(updates)
        if not rows.shape[1]:
            updates = [ChartPoint.from_position(position)]
            rows = _columns(updates)
        if np.any(rows[0, 1:] < rows[0, :-1]):  # the store sends them in time order
            order = np.argsort(rows[0], kind="stable")
            rows = rows[:, order]
            if not is_columnar(updates):
                updates = [updates[i] for i in order]
        self.series.load(rows)
        self.last_point = (ChartPoint.of(updates[-1]) if not is_columnar(updates)
                           else self._exact_last(position))
        self.following = True
        self._crosshair(False)
        self.stack.setCurrentWidget(self.graphics)
        self._refresh_levels()
        self._redraw()
        self.request_candles()

    @staticmethod
    def history_rows(history: Any) -> np.ndarray:
        """Samples as the chart holds them (float rows in `chart_series.COLUMNS` order, time
        order): what `prepend_history` takes, made a page at a time while a history loads."""
        rows = _columns(history)
        if np.any(rows[0, 1:] < rows[0, :-1]):
            rows = rows[:, np.argsort(rows[0], kind="stable")]
        return rows

    def prepend_history(self, blocks: list[np.ndarray]) -> None:
        """Samples older than everything drawn (the pages of a long history, read after its
        newest page was shown; `history_rows` blocks, oldest first) go in front, copied once.
        What the trader is looking at stays in view unless the chart follows the position,
        which then shows the whole history."""
        if not len(self.series):
            return
        first = self.series.column("at")[0]
        blocks = [b if not b.shape[1] or b[0, -1] < first else b[:, b[0] < first]
                  for b in blocks]  # never a sample twice
        if not any(b.shape[1] for b in blocks):
            return
        self.series.prepend(blocks)
        self._redraw()

    def update_position(self, position: Position) -> None:
        """A live `PositionUpdated`: append the new sample (or replace one at the same time)."""
        if self.position is None or position.id != self.position.id:
            return
        self.position = position
        # a close is a sample too: its price is the exit price, so the line ends where it closed
        point = ChartPoint.from_position(position)
        ts = _ts(point.at)
        if len(self.series) and ts <= self.series.last("at"):
            if ts == self.series.last("at"):
                self.last_point = point
                self.series.replace_last(point.row())
        else:
            self.last_point = point
            self.series.append(point.row())
        if self.throttle_redraws:
            self._redraw_later.request()
        else:
            self._show_samples()
        span_grew = self.timeframe != self._timeframe_now()
        if self._candle_end is not None and (ts >= self._candle_end or span_grew):
            self.request_candles()  # a candle closed (or the life outgrew the timeframe)

    def _show_samples(self) -> None:
        """Draw what the samples say now: levels and labels, ranges, curves."""
        self._refresh_levels()
        self._redraw()

    def _exact_last(self, position: Position) -> ChartPoint:
        """The newest sample of a float history, exact: the position's own snapshot when it is
        that sample (it usually is), else the sample rebuilt from its floats."""
        live = ChartPoint.from_position(position)
        if abs(_ts(live.at) - self.series.last("at")) < 0.001 and \
                float(live.price) == self.series.last("price"):
            return live
        return ChartPoint.from_row(self.series.row(len(self.series) - 1))

    def _timeframe_now(self) -> str:
        x = self.series.column("at")
        opened = self.position.opened_at if self.position is not None else None
        start = _ts(opened) if opened is not None else float(x[0])
        return timeframe_for(float(x[-1]) - start if len(x) else 0.0)

    def request_candles(self) -> None:
        """Ask (through `candlesWanted`) for the candles of the position's life."""
        p = self.position
        if p is None or not len(self.series):
            return
        self.timeframe = self._timeframe_now()
        since = p.opened_at or datetime.fromtimestamp(float(self.series.column("at")[0]),
                                                      timezone.utc)
        self._candle_end = None  # until they arrive: one request per closed candle
        self.candlesWanted.emit(p.symbol, self.timeframe, since)

    def set_candles(self, symbol: str, timeframe: str, candles: list[Any]) -> None:
        """The venue's candles (for the charted symbol and timeframe; others are late)."""
        p = self.position
        if p is None or symbol != p.symbol or timeframe != self.timeframe:
            return
        seconds = TIMEFRAMES[timeframe]
        self.candle_item.set_candles(candles, seconds)
        self.candle_item.setVisible(self.show_candles)
        last = candles[-1].at if candles else None
        self._candle_end = (_ts(last) + seconds) if last is not None else \
            float(self.series.column("at")[-1]) + seconds
        self._fit()

    def set_show_candles(self, show: bool) -> None:
        """The chart menu's toggle: candles behind the line, or the line alone."""
        self.show_candles = show
        self.candle_item.setVisible(show)
        self._fit()

    def set_orders(self, orders: Iterable[Order]) -> None:
        """The orders of the charted position: ▲/▼ markers for their fills."""
        p = self.position
        self.orders = {o.id: o for o in orders if p is not None and belongs(o, p)}
        self._draw_markers()

    def order_changed(self, order: Order) -> None:
        """A live order event: redraw the markers if it is one of this position's orders."""
        p = self.position
        if p is None or not belongs(order, p):
            return
        self.orders[order.id] = order
        self._draw_markers()

    def _draw_markers(self) -> None:
        for item in self.marker_items:
            self.price_plot.removeItem(item)
        self.marker_items = []
        if self.position is None:
            return
        t = theme.current()
        backdrop = pg.mkColor(t.chart_bg)
        backdrop.setAlpha(220)
        for marker in fill_markers(self.position, self.orders.values()):
            colour = t.up if marker.arrow == "▲" else t.down
            items = [MarkerItem(marker, colour)]
            if marker.label:
                items.append(MarkerLabel(marker, colour, pg.mkBrush(backdrop)))
            for item in items:
                self.price_plot.addItem(item, ignoreBounds=True)
                self.marker_items.append(item)

    def exit_labels(self) -> list[str]:
        """The texts of the exit markers' labels (what a trader reads on the chart)."""
        return [item.toPlainText() for item in self.marker_items
                if isinstance(item, MarkerLabel)]

    def follow(self) -> None:
        """Fit the whole history again and keep fitting as it grows."""
        self.following = True
        self._fit()

    def _price(self, value: Decimal | None) -> str:
        return fmt_price(value, self.position.symbol if self.position is not None else None)

    def levels(self) -> dict[str, Decimal | None]:
        """The position's protection levels as the chart draws them (None: not set)."""
        p = self.position
        if p is None:
            return {}
        trailing = None
        if p.is_open and p.trailing_stop_percent is not None:
            trailing = trailing_stop_level(p, p.trailing_stop_percent)
        # the stop line is the trader's typed stop; one a trail moved is the trailing line
        stop = p.typed_stop_loss
        if stop is None and p.stop_source is not ExitReason.TRAILING_STOP:
            stop = p.stop_loss
        return {
            "entry": p.entry_price,
            "stop": stop if p.is_open else None,
            "target": p.take_profit if p.is_open else None,
            "break_even": (break_even_price(p)
                           if p.break_even_percent is not None and p.is_open else None),
            "trailing": trailing,
        }

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
        stops = self.stops_text()
        if stops:
            state += f"   ·   {stops}"
        title = (f"{p.symbol}  {p.side.value.upper()}  {fmt_amount(p.amount)} @ "
                 f"{self._price(p.entry_price)}   ·   {state}")
        if title != self.title.text():
            self.title.setText(title)
        levels = self.levels()
        if self.applied is not None and levels.get(self.applied.kind) == self.applied.price:
            self.applied = None  # the engine's answer is here: it draws itself from now on
        for name, level in levels.items():
            line = self.level_lines[name]
            if name in self._held:
                continue
            if self.applied is not None and name == self.applied.kind:
                level = self.applied.price  # drawn at once, before the engine's event
            if level is None:
                line.hide()
            else:
                line.setValue(float(level))
                line.show()
        for kind in DRAGGABLE:
            if self.level_lines[kind].movable != p.is_open:
                self.level_lines[kind].setMovable(p.is_open)
        self._style_lines()
        self._refresh_labels()

    def trailing_state(self) -> str:
        """'active' while the trail sets the stop, else 'armed' or 'waiting for +X %'."""
        p = self.position
        if p is None or p.trailing_stop_percent is None:
            return ""
        if p.stop_source is ExitReason.TRAILING_STOP:
            return "active"
        activation = p.trailing_activation_percent
        if activation is not None and \
                p.profit_percent_at(p.favourable_water_mark) < activation:
            return f"from +{activation.normalize():f} %"
        return "behind the stop"

    def stops_text(self) -> str:
        """The typed stop and the trailing level, both, when they differ:
        "stop 48,000.00 · trailing 49,000.00 (active)"."""
        p = self.position
        if p is None or not p.is_open:
            return ""
        levels = self.levels()
        stop, trailing = levels.get("stop"), levels.get("trailing")
        parts = []
        if stop is not None:
            parts.append(f"stop {self._price(stop)}")
        if trailing is not None and trailing != stop:
            parts.append(f"trailing {self._price(trailing)} ({self.trailing_state()})")
        return " · ".join(parts) if len(parts) > 1 else ""

    def _level_texts(self) -> dict[str, tuple[Decimal | None, str]]:
        """Each value label's level and text."""
        p = self.position
        last = self.last_point
        if p is None or last is None:
            return {}
        levels = self.levels()
        out: dict[str, tuple[Decimal | None, str]] = {
            "price": (last.price, self._price(last.price)),
            "entry": (levels["entry"], f"entry {self._price(levels['entry'])}"),
            "hwm": (last.high_water_mark, f"HWM {self._price(last.high_water_mark)}"),
            "lwm": (last.low_water_mark, f"LWM {self._price(last.low_water_mark)}"),
        }
        stop = levels["stop"] if p.is_open else last.stop_loss
        out["stop"] = (stop, f"stop {self._price(stop)}")
        if levels["target"] is not None:
            out["target"] = (levels["target"], f"target {self._price(levels['target'])}")
        if levels["break_even"] is not None:
            out["break_even"] = (levels["break_even"],
                                 f"break-even {self._price(levels['break_even'])}")
        trailing = levels["trailing"]
        if trailing is not None and p.trailing_stop_percent is not None:
            pct = format(p.trailing_stop_percent.normalize(), "f")
            out["trailing"] = (trailing, f"trailing {pct} % {self._price(trailing)} "
                                         f"({self.trailing_state()})")
        # a water mark equal to the price or the entry says nothing their labels do not
        for mark in ("hwm", "lwm"):
            if out[mark][0] in (last.price, p.entry_price):
                out[mark] = (None, "")
        return out

    def _refresh_labels(self) -> None:
        texts = self._level_texts()
        for move in (self.applied, self.pending):
            if move is not None and self.position is not None:
                texts[move.kind] = (move.price, describe(self.position, move)
                                    if move is self.pending else
                                    f"{move.kind} {self._price(move.price)}")
        for label in self.value_labels:
            dragging = label.name in self._held and (
                self.pending is None or self.pending.kind != label.name)
            if dragging:
                continue  # `_preview` writes it while the mouse moves
            value, text = texts.get(label.name, (None, ""))
            label.set_colour(pg.mkColor(self.level_colours[label.name]))
            label.set_level(None if value is None else float(value), text)

    def _redraw(self) -> None:
        n = len(self.series)
        if n == 0:
            for curve in self.curves:
                curve.setData([], [])
            self.last_marker.setData([], [])
            return
        x, prices = self.series.column("at"), self.series.column("price")
        self.last_marker.setData([x[-1]], [prices[-1]])
        drawn = self._curves_drawn
        self._fit()  # a new x-range draws the curves itself (`_draw_curves`)
        if self._curves_drawn == drawn:
            self._draw_curves()
        self._layout_labels()

    def _draw_curves(self, *_: object) -> None:
        """What is in view, aggregated to the pixels (`Series.envelope` and `steps`, kept
        between redraws): a week of seconds costs a redraw what an hour does. Called on every
        new sample and every pan or zoom; a curve whose drawing would not change by a pixel
        is left alone, so its cached picture stays valid."""
        self._curves_drawn += 1
        s = self.series
        if not len(s):
            return
        vb = self.price_plot.vb
        (x0, x1), _ = vb.viewRange()
        view = in_view(s.column("at"), x0, x1)
        pixels = max(int(vb.width()), 200)
        per_pixel = (x1 - x0) / pixels
        # antialiasing a long path costs more than a frame; at a pixel per sample it adds
        # nothing a trader can see
        smooth = view.stop - view.start < SMOOTH_UP_TO
        for name, curve in self.series_curves.items():
            frozen = None  # all of it in `curve`
            if smooth:
                x, y = s.column("at")[view], s.column(name)[view]
            elif name in STEP_COLUMNS:
                x, y = s.steps(name, view, pixels)
            else:
                x, y, frozen = s.split_envelope(name, view, pixels)
            if name == "stop" and np.all(np.isnan(y)):
                x, y = x[:0], y[:0]
            tail = self.tails.get(name)
            if tail is not None:
                start = 0 if frozen is None else max(frozen - 1, 0)  # joined at one point
                end = len(x) if frozen is None else frozen
                _set_curve(tail, x[start:] if frozen is not None else x[:0],
                           y[start:] if frozen is not None else y[:0], per_pixel,
                           antialias=smooth)
                x, y = x[:end], y[:end]
            _set_curve(curve, x, y, per_pixel, antialias=smooth)

    def fit_levels(self) -> tuple[float, float]:
        """The price range to show: all prices, the stop, the entry and the nearest level.

        Any other level stays out of the fit (it is shown as an edge marker): a target at
        60 000 on a 50 000 entry must not squash the price line to a sliver.
        """
        prices = self.series.column("price")
        lowest, highest, _ = self.series.extremes()
        ys = [lowest, highest]
        levels = self.levels()
        for name in ("stop", "entry"):
            if levels.get(name) is not None:
                ys.append(float(levels[name]))
        if self.last_point is not None and not (self.position and self.position.is_open):
            stop = self.last_point.stop_loss
            if stop is not None:
                ys.append(float(stop))
        wicks = self.candle_item.range() if self.show_candles else None
        if wicks is not None:
            ys.extend(wicks)  # the wick that triggered an exit must be in view
        ys = [y for y in ys if np.isfinite(y)]
        lo, hi = min(ys), max(ys)
        price = float(prices[-1])
        others = [float(levels[n]) for n in ("target", "break_even", "trailing")
                  if levels.get(n) is not None]
        if others:
            # the nearest level joins the fit unless it would take most of the height
            nearest = min(others, key=lambda v: abs(v - price))
            least = abs(price) * MIN_PRICE_SPAN
            if max(hi, nearest) - min(lo, nearest) <= NEAREST_LEVEL_ROOM * max(hi - lo, least):
                lo, hi = min(lo, nearest), max(hi, nearest)
        mid = (lo + hi) / 2
        least = abs(mid) * MIN_PRICE_SPAN or 1.0
        if hi - lo < least:
            lo, hi = mid - least / 2, mid + least / 2
        span = hi - lo
        pad = Y_MARGIN * span
        height = self.price_plot.vb.height()
        if height > 4 * MARKER_ROOM_PX:  # room for a ▲ under / ▼ over a fill at either end
            pad = max(pad, span * MARKER_ROOM_PX / (height - 2 * MARKER_ROOM_PX))
        return lo - pad, hi + pad

    def _fit(self, *_: object) -> None:
        """While following: frame the whole history, the stop, the nearest level.

        pyqtgraph's auto-range would zoom a one-sample history to a fraction of a second and
        a flat price to a fraction of a cent; a trader wants minutes and a readable scale.
        """
        if not self.following or not len(self.series):
            return
        x = self.series.column("at")
        x0, x1 = float(x[0]), float(x[-1])
        # the right end moves in steps (1/FOLLOW_STEPS of the span, ~13 px), not with every
        # sample: a range that did not change keeps the axes', grid's and curves' cached
        # pictures, which is most of what a frame costs (a rescale repaints them all: 3-4
        # times a normal frame, so it should be rare; the time axis also stops creeping)
        step = max(2.0 ** math.floor(math.log2(max(x1 - x0, MIN_SPAN_SECONDS) / FOLLOW_STEPS)),
                   MIN_STEP_SECONDS)
        x1 = math.ceil(x1 / step) * step
        # a young position's minimum span reaches back before its first sample, never ahead
        # of the last: minutes of empty future read as "no data yet"
        x0 = min(x0, x1 - MIN_SPAN_SECONDS)
        # room on the right for the label column, as trading charts keep it
        left = x0 - 0.01 * (x1 - x0)
        width = self.price_plot.vb.width()
        # a level being placed writes a long text (distance, P&L if hit): it may cover the
        # curve for a moment rather than rescale the time axis under the trader's hand
        moving = set(self._held) | {m.kind for m in (self.pending,) if m is not None}
        needed = max((item.textItem.boundingRect().width() for item in self.value_labels
                      if item.value is not None and item.name not in moving),
                     default=0.0) + 12
        # grown at once, shrunk only by a clear margin: a price that gains a digit for a
        # moment does not rescale the time axis back and forth
        if needed > self._label_room or needed < self._label_room - LABEL_ROOM_SLACK_PX:
            self._label_room = needed
        labels = self._label_room
        if width > 2 * labels:
            right = left + (x1 - left) * width / (width - labels)
        else:  # not laid out yet
            right = x1 + RIGHT_ROOM * (x1 - x0)
        top = self.series.extremes()[2]
        span = max(top, MIN_DRAWDOWN_SPAN)
        margin = DRAWDOWN_MARGIN * span
        # only a range that changed is set: pyqtgraph turns auto-range off, re-checks it and
        # tells its listeners on every call, even with the same range (most samples move
        # neither axis)
        for plot, axis, wanted in ((self.price_plot, 0, [left, right]),
                                   (self.price_plot, 1, list(self.fit_levels())),
                                   (self.dd_plot, 1, [-margin, span + margin])):
            if plot.vb.viewRange()[axis] != wanted:
                (plot.setXRange if axis == 0 else plot.setYRange)(*wanted, padding=0)
        self._layout_labels()

    def _layout_labels(self, *_: object) -> None:
        """Put each value label at its level on the right edge, spread so none overlap; a
        level outside the view is pinned to the top or bottom edge with an arrow."""
        shown = [label for label in self.value_labels if label.value is not None]
        vb = self.price_plot.vb
        (_, x1), (y0, y1) = vb.viewRange()
        height = vb.height()
        if not shown or height <= 0 or y1 <= y0:
            return
        placed = (x1, y0, y1, height, tuple((lb.name, lb.value, lb.toPlainText())
                                            for lb in shown))
        if placed == self._labels_laid_out:
            return  # nothing moved: every label is where it should be
        self._labels_laid_out = placed
        row = max(label.textItem.boundingRect().height() for label in shown) + LABEL_PAD_PX

        def displaced(labels: list[ValueLabel]) -> dict[str, float]:
            desired = [(y1 - min(max(lb.value, y0), y1)) / (y1 - y0) * height for lb in labels]
            return {lb.name: abs(a - b) for lb, a, b in
                    zip(labels, spread(desired, row, 0.0, height), desired)}

        # the water marks give way: if they push a level's label off its line, they go
        levels_only = [lb for lb in shown if lb.name not in ("hwm", "lwm")]
        with_marks, without = displaced(shown), displaced(levels_only)
        if any(with_marks[name] > without[name] + row / 2 for name in without):
            shown = levels_only
            for label in (self.hwm_label, self.lwm_label):
                label.hide()
        for label in shown:
            value = label.value
            label.show()
            label.set_edge(UP if value > y1 else DOWN if value < y0 else None)
        ys = spread([(y1 - min(max(lb.value, y0), y1)) / (y1 - y0) * height for lb in shown],
                    row, 0.0, height)
        for label, py in zip(shown, ys):
            label.setPos(x1, y1 - py / height * (y1 - y0))

    def recentre_on(self, name: str) -> None:
        """Bring the level `name` into the middle of the view (a click on its edge marker)."""
        label = next((lb for lb in self.value_labels if lb.name == name), None)
        if label is None or label.value is None:
            return
        self.following = False
        _, (y0, y1) = self.price_plot.vb.viewRange()
        half = (y1 - y0) / 2
        self.price_plot.setYRange(label.value - half, label.value + half, padding=0)


    # -- trading from the chart ---------------------------------------------------------------
    def _build_confirm_bar(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("chartConfirm")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 2, 8, 2)
        self.confirm_text = QLabel("")
        self.confirm_apply = QPushButton("Apply  ⏎")
        self.confirm_cancel = QPushButton("Cancel  Esc")
        self.confirm_apply.clicked.connect(self.apply_pending)
        self.confirm_cancel.clicked.connect(lambda: self.cancel_pending())
        for button in (self.confirm_apply, self.confirm_cancel):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter / Esc stay with the chart
        row.addWidget(self.confirm_text, 1)
        row.addWidget(self.confirm_apply)
        row.addWidget(self.confirm_cancel)
        bar.hide()
        return bar

    def tick(self) -> Decimal:
        """The position's price step on its venue (or its displayed decimals)."""
        symbol = self.position.symbol if self.position is not None else None
        market = self.markets.get(symbol) if symbol else None
        step = getattr(market, "price_step", None)
        if step:
            return Decimal(step)
        return Decimal(1).scaleb(-price_places(symbol))

    def move_for(self, kind: str, value: float | Decimal) -> LevelMove:
        """`kind` placed at `value`, rounded to the tick and judged."""
        assert self.position is not None
        return check_move(self.position, kind, round_to_tick(value, self.tick()), self.tick())

    def _preview(self, kind: str, value: float | Decimal) -> LevelMove:
        """Show where `kind` would go: its text (price, distance, P&L if hit), red if refused."""
        move = self.move_for(kind, value)
        label = self._label_of(kind)
        label.set_level(float(move.price), describe(self.position, move)
                        if move.valid else f"{describe(self.position, move)} · not allowed")
        colour = self.level_colours["stop"] if not move.valid else self.level_colours[kind]
        invalid = pg.mkColor(theme.current().down)
        label.set_colour(invalid if not move.valid else pg.mkColor(colour))
        line = self.level_lines[kind]
        line.setPen(pg.mkPen(invalid if not move.valid else colour, width=2.5,
                             style=Qt.PenStyle.DashLine))
        self._line_style = None  # restyled when it is let go
        self._layout_labels()
        return move

    def _label_of(self, kind: str) -> ValueLabel:
        return next(label for label in self.value_labels if label.name == kind)

    def _on_line_dragged(self, kind: str) -> None:
        if self.position is None:
            return
        if self.pending is not None and self.pending.kind != kind:
            self.cancel_pending(quiet=True)
        self._held.add(kind)
        self.pending = None
        self.confirm_bar.hide()
        self._preview(kind, self.level_lines[kind].value())

    def _on_line_released(self, kind: str) -> None:
        if self.position is None or kind not in self._held:
            return
        move = self._preview(kind, self.level_lines[kind].value())
        self.level_lines[kind].setValue(float(move.price))  # on the tick
        self.propose(move)

    def propose(self, move: LevelMove) -> None:
        """A level placed by mouse, keyboard or menu: refuse it, ask, or send it."""
        if not move.valid:
            self.cancel_pending(reason=f"{move.kind.capitalize()} not moved: {move.reason}")
            return
        self._held.add(move.kind)
        self.pending = move
        if not self.confirm_changes:
            self.apply_pending()
            return
        self.confirm_text.setText(f"{describe(self.position, move)}  —  apply?")
        self.confirm_bar.show()
        self._refresh_labels()
        self._layout_labels()
        self.setFocus()

    def apply_pending(self) -> None:
        """Enter / Apply: send the pending change and keep drawing it where it was put."""
        move, position = self.pending, self.position
        if move is None or position is None or not move.valid:
            return
        kwargs = protection_kwargs(position, move)
        self.pending = None
        self.applied = move
        self._held.discard(move.kind)
        self.confirm_bar.hide()
        self._refresh_levels()
        self._layout_labels()
        self.protectionRequested.emit(position.id, kwargs)

    def cancel_pending(self, reason: str = "Change cancelled", quiet: bool = False) -> None:
        """Esc / Cancel / a refused place: every line back where the position has it."""
        self.pending = None
        self._held.clear()
        self.confirm_bar.hide()
        if self.position is not None:
            self._refresh_levels()
            self._layout_labels()
        if not quiet:
            self.statusMessage.emit(reason)

    def change_failed(self, reason: str) -> None:
        """The engine refused a change sent from here: draw the position as it is."""
        self.applied = None
        self.cancel_pending(reason=reason)

    def nudge(self, kind: str, ticks: int) -> None:
        """Keyboard: move `kind` by `ticks` of the venue's tick, then Enter / Esc."""
        if self.position is None or not self.position.is_open:
            return
        line = self.level_lines[kind]
        if self.pending is not None and self.pending.kind == kind:
            start = self.pending.price
        elif line.isVisible():
            start = round_to_tick(line.value(), self.tick())
        else:
            start = self.position.current_price or self.position.entry_price
        if self.pending is not None and self.pending.kind != kind:
            self.cancel_pending(quiet=True)
        self._held.add(kind)
        line.show()
        move = self._preview(kind, start + ticks * self.tick())
        line.setValue(float(move.price))
        if move.valid:
            self.propose(move)
        else:
            self.pending = None
            self.confirm_bar.hide()
            self.statusMessage.emit(f"{kind.capitalize()} cannot go there: {move.reason}")

    def select_level(self, kind: str | None) -> None:
        self.selected_level = kind
        self._style_lines()

    def _style_lines(self) -> None:
        style_key = (self.selected_level, frozenset(self._held))
        if style_key == self._line_style:
            return  # restyling every tick would repaint the lines for nothing
        self._line_style = style_key
        for kind in DRAGGABLE:
            if kind in self._held:
                continue
            line = self.level_lines[kind]
            style = Qt.PenStyle.DotLine if kind == "trailing" else Qt.PenStyle.DashLine
            width = 2.5 if kind == self.selected_level else 1.2
            line.setPen(pg.mkPen(self.level_colours[kind], width=width, style=style))
            line.setHoverPen(pg.mkPen(self.level_colours[kind], width=2.5, style=style))
            line.setCursor(Qt.CursorShape.SizeVerCursor)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.pending is not None:
            self.apply_pending()
        elif key == Qt.Key.Key_Escape and (self.pending is not None or self._held):
            self.cancel_pending()
        elif key in KEY_LEVELS and self.position is not None and self.position.is_open:
            self.select_level(KEY_LEVELS[key])
            self.statusMessage.emit(f"{KEY_LEVELS[key].capitalize()} line selected: ↑/↓ move "
                                    f"it one tick (Shift: 10), Enter applies, Esc cancels")
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.selected_level is not None:
            step = 10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
            self.nudge(self.selected_level, step if key == Qt.Key.Key_Up else -step)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def context_menu(self, price: float) -> QMenu:
        """The right-click menu at `price`: set the stop or the target there."""
        menu = QMenu(self)
        if self.position is not None and self.position.is_open:
            at = self._price(round_to_tick(price, self.tick()))
            for kind in ("stop", "target"):
                action = QAction(f"Set {kind} here ({at})", menu)
                action.triggered.connect(lambda _c=False, k=kind: self.place_level(k, price))
                menu.addAction(action)
            menu.addSeparator()
        candles = QAction("Candles behind the line", menu, checkable=True)
        candles.setChecked(self.show_candles)
        candles.toggled.connect(self.set_show_candles)
        menu.addAction(candles)
        return menu

    def place_level(self, kind: str, price: float | Decimal) -> None:
        """Menu: put `kind` at `price` (refused with the reason, or confirmed as a drag)."""
        if self.position is None:
            return
        if self.pending is not None:
            self.cancel_pending(quiet=True)
        move = self.move_for(kind, price)
        if move.valid:
            self.level_lines[kind].setValue(float(move.price))
            self.level_lines[kind].show()
        self.propose(move)

    def _on_manual_range(self, *_: object) -> None:
        self.following = False

    def _on_mouse_clicked(self, event: Any) -> None:
        if self.position is None:
            return
        if event.double():
            self.follow()
        elif event.button() == Qt.MouseButton.RightButton and \
                self.price_plot.sceneBoundingRect().contains(event.scenePos()):
            price = self.price_plot.vb.mapSceneToView(event.scenePos()).y()
            menu = self.context_menu(price)
            if not menu.isEmpty():
                event.accept()
                menu.popup(event.screenPos().toPoint())

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
        if not len(self.series):
            return None
        times = self.series.column("at")
        i = int(np.searchsorted(times, ts))
        if i >= len(times):
            i = len(times) - 1
        elif i > 0 and ts - times[i - 1] < times[i] - ts:
            i -= 1
        if i == len(times) - 1 and self.last_point is not None:
            return self.last_point
        return ChartPoint.from_row(self.series.row(i))

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
        if plot is None or not len(self.series):
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
