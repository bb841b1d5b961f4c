"""The chart draws what a person sees, not every tick (issue #14, lag, painting side).

A charted symbol on a live feed ticks 20 times a second; each sample redrew levels, labels,
ranges, curves and axes (several ms of the GUI thread, more when a range moved). In the
window a burst of samples is kept at once and drawn at most every `REDRAW_MS`; a range that
did not move is not set again. Counts of work, never time.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pyqtgraph as pg

from moniqo_desktop.ui import coalesce
from moniqo_desktop.ui.widgets.position_chart import PositionChart

from test_chart_scale import shown_chart
from test_position_chart import T0
from ui_factories import make_position

D = Decimal


def counted(monkeypatch, cls, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)
    return calls


def test_a_burst_of_samples_is_drawn_once_with_every_sample_kept(qtbot, monkeypatch):
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49000"))
    chart = shown_chart(qtbot, position, ["50000", "50100"])
    chart.throttle_redraws = True
    chart._redraw_later._timer.setInterval(60_000)  # the test says when the time is up
    redraws = counted(monkeypatch, PositionChart, "_redraw")
    before = len(chart.series)
    for i in range(10):
        position.update_price(D(50100 + 10 * i), T0 + timedelta(minutes=2, seconds=i))
        chart.update_position(position)
    assert redraws == [] and chart._redraw_later.pending
    assert len(chart.series) == before + 10  # every sample kept
    coalesce.flush_throttled()
    assert len(redraws) == 1
    xs, ys = chart.price_curve.getData()
    assert ys[-1] == 50190.0 and len(ys) == before + 10  # drawn, the last one included
    assert chart.price_label.toPlainText() == "50,190.00"


def test_without_throttling_each_sample_is_drawn_at_once(qtbot, monkeypatch):
    position = make_position(opened_at=T0)
    chart = shown_chart(qtbot, position, ["50000"])
    assert not chart.throttle_redraws  # a chart on its own draws what it is given
    redraws = counted(monkeypatch, PositionChart, "_redraw")
    position.update_price(D("50200"), T0 + timedelta(minutes=1))
    chart.update_position(position)
    assert len(redraws) == 1 and chart.price_label.toPlainText() == "50,200.00"


def test_the_window_throttles_its_chart(run):
    async def scenario(window, engine, exchange):
        assert window.chart.throttle_redraws

    run(scenario)


def test_a_sample_that_moves_no_axis_sets_no_range(qtbot, monkeypatch):
    """pyqtgraph turns auto-range off, re-checks it and signals on every setRange call, even
    with the range it already has."""
    position = make_position(opened_at=T0)
    chart = shown_chart(qtbot, position, ["50000", "51000", "49000", "50500"])
    ranges = counted(monkeypatch, pg.ViewBox, "setRange")
    # inside the prices seen, and at the time of the last sample: neither axis moves
    position.update_price(D("50400"), T0 + timedelta(minutes=3))
    chart.update_position(position)
    assert ranges == []
    assert chart.price_curve.getData()[1][-1] == 50400.0
    # a new high moves the price axis: set, once per axis that moved
    position.update_price(D("53000"), T0 + timedelta(minutes=3))
    chart.update_position(position)
    assert 1 <= len(ranges) <= 2
    _, (y0, y1) = chart.price_plot.vb.viewRange()
    assert y1 > 53000
