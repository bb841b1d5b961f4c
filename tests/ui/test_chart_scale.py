"""A scale that reads: the fit, edge markers, labels that never overlap, a long history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from moniqo_desktop.domain import check_exits
from moniqo_desktop.ui.widgets.chart_labels import DOWN, UP, spread
from moniqo_desktop.ui.widgets.position_chart import PositionChart

from test_position_chart import T0, history
from ui_factories import make_position, show_sized

D = Decimal


def shown_chart(qtbot, position, prices):
    chart = show_sized(qtbot, PositionChart(), 800, 420)
    chart.set_position(position, history(position, prices))
    chart.follow()
    return chart


def test_spread_keeps_order_and_distance_and_stays_inside():
    ys = spread([100.0, 101.0, 102.0, 300.0, 299.0], 20.0, 0.0, 310.0)
    ordered = sorted(ys)
    assert all(b - a >= 20.0 - 1e-9 for a, b in zip(ordered, ordered[1:]))
    assert ys[0] < ys[1] < ys[2] and ys[4] < ys[3]
    assert min(ys) >= 10.0 and max(ys) <= 300.0


def test_a_far_target_becomes_an_edge_marker_and_the_price_keeps_the_height(qtbot):
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49500"), take_profit=D("60000"))
    chart = shown_chart(qtbot, position, ["50000", "49700", "50300", "50600", "50200"])
    _, (y0, y1) = chart.price_plot.vb.viewRange()
    assert y1 < 60000  # the target is not squashing the price line
    assert (50600 - 49700) / (y1 - y0) > 0.6  # the price keeps most of the height
    assert chart.target_label.edge == UP
    assert chart.target_label.toPlainText() == "target 60,000.00 ↑"
    assert chart.stop_label.edge is None and y0 < 49500  # the stop always fits
    # the marker sits inside the view, at the top
    _, ly = chart.target_label.pos().x(), chart.target_label.pos().y()
    assert y0 < ly <= y1 and ly > (y0 + y1) / 2


def test_a_click_on_an_edge_marker_brings_the_level_into_view(qtbot):
    position = make_position(opened_at=T0)
    position.set_protection(take_profit=D("60000"))
    chart = shown_chart(qtbot, position, ["50000", "50300"])
    chart.recentre_on("target")
    _, (y0, y1) = chart.price_plot.vb.viewRange()
    assert y0 < 60000 < y1 and not chart.following
    assert chart.target_label.edge is None
    assert chart.price_label.edge == DOWN  # now the price is the one off screen


def test_no_two_value_labels_overlap_with_the_price_on_the_stop(qtbot):
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49990"), take_profit=D("50020"),
                            break_even_percent=D("0.01"))
    chart = shown_chart(qtbot, position, ["50000", "50010", "49995", "49991"])
    chart.grab()  # labels take their final transform when painted
    shown = [label for label in chart.value_labels if label.isVisible() and label.value]
    names = {label.name for label in shown}
    assert {"price", "stop", "entry", "target", "break_even"} <= names  # (marks may give way)
    rects = [(label.name, label.sceneBoundingRect()) for label in shown]
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            assert not ra.intersects(rb), f"{a} and {b} overlap"


def test_water_marks_are_labelled(qtbot):
    position = make_position(opened_at=T0)
    chart = shown_chart(qtbot, position, ["50000", "50800", "49600", "50100"])
    assert chart.hwm_label.toPlainText() == "HWM 50,800.00"
    assert chart.lwm_label.toPlainText() == "LWM 49,600.00"


def test_the_typed_stop_and_an_active_trail_are_both_shown(qtbot):
    """The trail's level used to replace the typed stop, which then appeared nowhere."""
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("48000"), trailing_stop_percent=D("2"))
    chart = shown_chart(qtbot, position, ["50000"])
    check_exits(position, D("51000"), T0 + timedelta(minutes=1))
    chart.update_position(position)
    assert position.stop_loss == D("49980.00")  # what holds
    assert chart.stop_line.value() == 48000.0 and chart.trailing_line.value() == 49980.0
    assert chart.stop_label.toPlainText() == "stop 48,000.00"
    assert chart.trailing_label.toPlainText() == "trailing 2 % 49,980.00 (active)"
    assert "stop 48,000.00 · trailing 49,980.00 (active)" in chart.title.text()


def test_a_week_of_seconds_is_clipped_and_downsampled(qtbot):
    import numpy as np

    position = make_position(opened_at=T0)
    chart = shown_chart(qtbot, position, ["50000"])
    n = 7 * 24 * 3600
    rows = np.empty((6, n))
    rows[0] = T0.timestamp() + np.arange(n)
    rows[1] = 50000 + np.cumsum(np.random.default_rng(1).normal(0, 5, n))
    rows[2] = np.nan
    rows[3] = np.maximum.accumulate(rows[1])
    rows[4] = np.minimum.accumulate(rows[1])
    rows[5] = 0
    chart.series.load(rows)
    chart._redraw()
    x, _ = chart.price_curve.getData()  # what is drawn: per pixel, not per sample
    assert len(x) < 10_000
    chart.price_plot.setXRange(rows[0][1000], rows[0][1600], padding=0)
    x, _ = chart.price_curve.getData()
    assert len(x) < 1000  # only what is in view
