"""The chart's time axis places its ticks without asking Qt for the time zone (#14, start-up).

pyqtgraph's `DateAxisItem` calls `QDateTime.timeZone()` for every tick at an hour spacing or
more: ~15 ms the first time in a process (in the window's first paint) and ~0.3 ms a tick on
every repaint of an axis spanning days. `TimeAxis` does the same local-time arithmetic with
Python's `time` module; the ticks must be exactly pyqtgraph's, in any time zone (a DST change
and a half-hour offset included: each zone runs in its own process, as Qt reads the zone once).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from PySide6.QtGui import QFont, QFontMetrics

from moniqo_desktop.ui.widgets.chart_axes import TimeAxis

WEEK = 7 * 86400
SPANS = (60, 20 * 60, 3 * 3600, 86400, 3 * 86400, WEEK, 90 * 86400, 800 * 86400)


def test_the_time_axis_asks_qt_for_no_time_zone(qapp, monkeypatch):
    from pyqtgraph.graphicsItems import DateAxisItem as date_axis

    def asked(*_args, **_kwargs):
        raise AssertionError("asked QDateTime for the local time zone")

    for name in ("applyOffsetFromUtc", "calculateUtcOffset", "offsetToLocalHour"):
        monkeypatch.setattr(date_axis, name, asked)
    axis = TimeAxis()
    axis.fontMetrics = QFontMetrics(QFont())  # what a paint sets before it asks for ticks
    end = datetime(2026, 11, 30, 22, 0, tzinfo=timezone.utc).timestamp()
    for span in SPANS:
        levels = axis.tickValues(end - span, end, 800)
        assert any(ticks for _spacing, ticks in levels), span


COMPARE = r"""
import sys
from collections import OrderedDict
from datetime import datetime, timezone
from PySide6.QtWidgets import QApplication
app = QApplication([])
import pyqtgraph as pg
from moniqo_desktop.ui.widgets import chart_axes
from moniqo_desktop.ui.widgets.chart_axes import TimeAxis

ours = TimeAxis()
theirs = pg.DateAxisItem()  # pyqtgraph's own arithmetic (Qt's time zone) on the same levels
theirs.zoomLevels = OrderedDict(
    (spacing, pg.graphicsItems.DateAxisItem.ZoomLevel(level.tickSpecs, level.exampleText))
    for spacing, level in chart_axes._ZOOM_LEVELS.items())
from PySide6.QtGui import QFont, QFontMetrics
ours.fontMetrics = theirs.fontMetrics = QFontMetrics(QFont())  # what a paint sets first
spans = [float(s) for s in sys.argv[1].split(",")]
compared = 0
for end in ("2026-03-29T04:30:00", "2026-10-25T03:10:00", "2026-11-30T22:00:00",
            "2026-04-05T09:00:00"):
    stop = datetime.fromisoformat(end).replace(tzinfo=timezone.utc).timestamp()
    for span in spans:
        for size in (300, 800, 1600):
            a = ours.tickValues(stop - span, stop, size)
            b = theirs.tickValues(stop - span, stop, size)
            assert a == b, (end, span, size, a, b)
            compared += 1
print("same", compared)
"""


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_the_ticks_are_pyqtgraphs_own_in_every_time_zone(zone: str):
    env = {**os.environ, "TZ": zone, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", COMPARE, ",".join(map(str, SPANS))],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"same {4 * len(SPANS) * 3}" in result.stdout
