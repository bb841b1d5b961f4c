"""The chart's axes: prices as traders write them, times as a wall clock at every span."""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import datetime
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems import DateAxisItem as _date_axis

LABEL_GAP_PX = 30  # about this far between two value labels on an axis


def tick_places(spacing: float) -> int:
    """The fewest decimals that write every multiple of `spacing` exactly (0.25 -> 2, 500 -> 0)."""
    if not np.isfinite(spacing) or spacing <= 0:
        return 2
    for places in range(9):
        scaled = spacing * 10 ** places
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return places
    return 8


class _LabelRenderedWhenShown:
    """An axis whose title (pyqtgraph's axis label) is rendered only while it shows.

    pyqtgraph re-renders the title's HTML (`QGraphicsTextItem.setHtml`) on every range, pen,
    style and scale change, shown or not: 80 renders while the chart is built, ~17 ms of a
    start (#14), and one per axis whose range moves on every redraw after. Five of the chart's
    six axes never show a title; the one that does ("DD %") is rendered when it is shown
    (`showLabel`, which pyqtgraph's `setLabel` calls) and on every change while it shows, so
    what is drawn is pyqtgraph's own title, unchanged."""

    _label_shown = False

    def showLabel(self, show: bool = True) -> None:  # noqa: N802 (pyqtgraph's name)
        self._label_shown = show
        super().showLabel(show)  # type: ignore[misc]
        if show:
            self._updateLabel()

    def _updateLabel(self) -> None:  # noqa: N802
        if self._label_shown:
            super()._updateLabel()  # type: ignore[misc]
            return
        self._adjustSize()  # what pyqtgraph does besides the render
        self.picture = None
        self.update()  # type: ignore[attr-defined]


class NumberAxis(_LabelRenderedWhenShown, pg.AxisItem):
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


def _local_offset(timestamp: float) -> int:
    """Seconds the local wall clock is ahead of UTC at `timestamp` (0 outside the C library's
    range, as pyqtgraph's invalid `QDateTime` gives)."""
    try:
        return time.localtime(round(timestamp)).tm_gmtoff
    except (OverflowError, OSError, ValueError):
        return 0


def _utc_wall_read_as_local(timestamp: float) -> float:
    """The instant whose local wall time is `timestamp`'s UTC wall time (pyqtgraph's
    `applyOffsetFromUtc`)."""
    try:
        return time.mktime(time.gmtime(round(timestamp))[:8] + (-1,))
    except (OverflowError, OSError, ValueError):
        return timestamp


def _past_local_hour(timestamp: float) -> int:
    """Minus the seconds since the start of the local hour (pyqtgraph's `offsetToLocalHour`)."""
    try:
        local = time.localtime(round(timestamp))
    except (OverflowError, OSError, ValueError):
        return 0
    return -(local.tm_min * 60 + local.tm_sec)


class _LocalZoomLevel(_date_axis.ZoomLevel):
    """pyqtgraph's zoom level with the same local-time arithmetic done by Python's `time`
    module. pyqtgraph asks Qt for the time zone of every tick at an hour spacing or more
    (`QDateTime.timeZone()`: ~0.3 ms a tick, ~15 ms the first time in a process - on every
    repaint of an axis spanning days, and in the window's first paint, #14 start-up)."""

    def _offset_from_utc(self, timestamp: float) -> int:
        # pyqtgraph's sign: what is added to local wall time to get UTC
        return self.utcOffset if self.utcOffset is not None else -_local_offset(timestamp)

    def extendTimeRangeForSpacing(self, spacing: int, minVal: float, maxVal: float
                                  ) -> tuple[float, float]:
        if spacing < _date_axis.HOUR_SPACING:
            return minVal, maxVal
        return (minVal - abs(self._offset_from_utc(minVal)),
                maxVal + abs(self._offset_from_utc(maxVal)))

    def moveTicksToLocalTimeCoords(self, ticks: np.ndarray, spacing: int, skipFactor: int
                                   ) -> np.ndarray:
        if len(ticks) == 0:
            return ticks
        hour = _date_axis.HOUR_SPACING
        if (spacing == hour and skipFactor > 1) or spacing > hour:
            ticks += [self._offset_from_utc(_utc_wall_read_as_local(t)) for t in ticks]
        elif spacing == hour:
            ticks += [_past_local_hour(t) for t in ticks]
            ticks = np.array([t for t in ticks if _past_local_hour(t) == 0])
        return ticks


def _zoom(specs: list, example: str) -> _LocalZoomLevel:
    return _LocalZoomLevel(specs, example)


def _local(level: Any) -> _LocalZoomLevel:
    return _zoom(level.tickSpecs, level.exampleText)


_S, _M, _H, _D = 1, 60, 3600, 86400
# pyqtgraph's levels minus the millisecond one, with room for "Jan 05"-wide labels
_ZOOM_LEVELS = OrderedDict([
    (np.inf, _local(_date_axis.YEAR_MONTH_ZOOM_LEVEL)),
    (5 * _D, _zoom([_date_axis.TickSpec(_date_axis.MONTH_SPACING, _date_axis.makeMStepper(1), "%b"),
                    _date_axis.TickSpec(_D, _date_axis.makeSStepper(_D), "%d", autoSkip=[1, 5])],
                   "MMM 00")),
    (6 * _H, _local(_date_axis.DAY_HOUR_ZOOM_LEVEL)),
    (15 * _M, _local(_date_axis.HOUR_MINUTE_ZOOM_LEVEL)),
    (30 * _S, _local(_date_axis.HMS_ZOOM_LEVEL)),
])


class TimeAxis(_LabelRenderedWhenShown, pg.DateAxisItem):
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
