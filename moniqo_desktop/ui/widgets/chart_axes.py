"""The chart's axes: prices as traders write them, times as a wall clock at every span."""

from __future__ import annotations

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
