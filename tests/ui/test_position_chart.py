"""The position chart plots what the position went through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics

from moniqo_desktop.ui.widgets.position_chart import (
    EMPTY_HINT,
    EMPTY_TITLE,
    MIN_PRICE_SPAN,
    MIN_SPAN_SECONDS,
    NumberAxis,
    PositionChart,
    TimeAxis,
    tick_places,
)

from ui_factories import make_position

D = Decimal
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


@dataclass
class Update:  # the shape of store.PositionUpdate
    position_id: str
    at: datetime
    price: Decimal
    unrealized_pnl: Decimal
    drawdown: Decimal
    stop_loss: Decimal | None
    high_water_mark: Decimal
    low_water_mark: Decimal


def history(position, prices):
    out = []
    for i, price in enumerate(prices):
        at = T0 + timedelta(minutes=i)
        position.update_price(D(price), at)
        out.append(Update(position.id, at, position.current_price, position.unrealized_pnl,
                          position.drawdown, position.stop_loss, position.high_water_mark,
                          position.low_water_mark))
    return out


def shown_chart(qtbot, width: int, height: int) -> PositionChart:
    """An empty chart of this size, on screen."""
    chart = PositionChart()
    qtbot.addWidget(chart)
    chart.resize(width, height)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_chart_holds_price_levels_water_marks_and_drawdown(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49000"), take_profit=D("53000"),
                            break_even_percent=D("1"))
    updates = history(position, ["50000", "51000", "50500", "52000"])
    chart.set_position(position, updates)

    x, y = chart.price_curve.getData()
    assert list(y) == [50000.0, 51000.0, 50500.0, 52000.0]
    assert x[0] == T0.timestamp() and x[-1] == (T0 + timedelta(minutes=3)).timestamp()
    assert list(chart.hwm_curve.getData()[1]) == [50000.0, 51000.0, 51000.0, 52000.0]
    assert list(chart.lwm_curve.getData()[1]) == [50000.0] * 4
    dd = chart.drawdown_curve.getData()[1]
    assert np.allclose(dd, [0, 0, float(D(500) / D(51000) * 100), 0])
    assert list(chart.stop_curve.getData()[1]) == [49000.0] * 4
    assert chart.entry_line.value() == 50000.0 and chart.entry_line.isVisible()
    assert chart.target_line.value() == 53000.0
    assert chart.break_even_line.isVisible()
    assert isinstance(chart.price_plot.getAxis("bottom"), pg.DateAxisItem)


def test_live_update_appends_and_stop_moves_with_trailing(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    position.set_protection(trailing_stop_percent=D("1"))
    chart.set_position(position, history(position, ["50000"]))
    from moniqo_desktop.domain import check_exits

    for i, price in enumerate(["51000", "52000"], start=1):
        check_exits(position, D(price), T0 + timedelta(minutes=i))
        chart.update_position(position)
    stops = chart.stop_curve.getData()[1]
    assert len(chart.price_curve.getData()[1]) == 3
    assert stops[-1] == 52000.0 * 0.99 and stops[-2] == 51000.0 * 0.99


def test_crosshair_readout_formats_from_decimals(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    updates = history(position, ["50000", "51000"])
    chart.set_position(position, updates)
    point = chart.point_near((T0 + timedelta(seconds=50)).timestamp())
    assert point.price == D("51000")
    text = chart.readout_text(point)
    assert "price 51,000.00" in text and "P&L +475.00" in text


def test_clear_empties_the_curves(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    chart.set_position(position, history(position, ["50000", "50100"]))
    chart.clear()
    assert chart.price_curve.getData()[0] is None or len(chart.price_curve.getData()[0]) == 0


def test_a_new_chart_shows_a_hint_not_empty_axes(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    assert chart.is_empty() and chart.stack.currentWidget() is chart.hint
    assert chart.hint.text() == EMPTY_HINT and chart.title.text() == EMPTY_TITLE


def test_clear_drops_everything_of_the_previous_position(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49000"), take_profit=D("53000"),
                            break_even_percent=D("1"))
    chart.set_position(position, history(position, ["50000", "50100"]))
    assert not chart.is_empty() and "BTC/USDT" in chart.title.text()
    chart.clear()
    assert chart.is_empty() and chart.position is None and len(chart.series) == 0
    assert chart.title.text() == EMPTY_TITLE and chart.readout.text() == ""
    for curve in (chart.price_curve, chart.stop_curve, chart.hwm_curve, chart.lwm_curve,
                  chart.drawdown_curve):
        x, _ = curve.getData()
        assert x is None or len(x) == 0
    assert not any(line.isVisible() for line in
                   (chart.entry_line, chart.target_line, chart.break_even_line))
    assert chart.stop_label.toPlainText() == "" and chart.price_label.toPlainText() == ""
    chart.update_position(position)  # a late event for the old position changes nothing
    assert chart.is_empty() and len(chart.series) == 0


def test_no_axis_uses_an_si_prefix_and_ticks_read_like_prices(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    chart.set_position(position, history(position, ["50000", "50000.5", "49999.8"]))
    chart.resize(700, 360)
    chart.show()
    qtbot.waitExposed(chart)
    for plot in (chart.price_plot, chart.dd_plot):
        for name in ("left", "bottom", "right"):
            axis = plot.getAxis(name)
            assert axis.autoSIPrefix is False and axis.autoSIPrefixScale == 1.0
    dd_axis = chart.dd_plot.getAxis("left")
    assert "x0.001" not in dd_axis.labelString() and "DD %" in dd_axis.labelString()
    price_axis = chart.price_plot.getAxis("left")
    assert price_axis.tickStrings([50250.0, 50500.0], 1.0, 250.0) == ["50,250", "50,500"]
    assert price_axis.tickStrings([149.5, 150.0], 1.0, 0.5) == ["149.5", "150.0"]
    assert dd_axis.tickStrings([0.0, 0.001, 0.002], 1.0, 0.001) == ["0.000", "0.001", "0.002"]
    assert dd_axis.tickStrings([-1e-12], 1.0, 0.5) == ["0.0"]  # never "-0.0"


def test_one_level_of_value_ticks_so_labels_share_their_decimals():
    axis = NumberAxis("left")
    levels = axis.tickSpacing(149.3, 150.7, 200)
    assert len(levels) == 1 and levels[0][0] in (0.1, 0.2, 0.25, 0.5)
    assert tick_places(0.25) == 2 and tick_places(500.0) == 0 and tick_places(0.1) == 1


def test_time_axis_is_readable_at_every_span(qapp):
    local = datetime(2026, 1, 5, 14, 5, 30)
    assert TimeAxis.label_for(local, 1) == "14:05:30"
    assert TimeAxis.label_for(local, 15) == "14:05:30"
    assert TimeAxis.label_for(local, 60) == "14:05"
    assert TimeAxis.label_for(local, 3600) == "14:05"
    assert TimeAxis.label_for(datetime(2026, 1, 5), 3600) == "Jan 05"  # midnight: the date
    assert TimeAxis.label_for(local, 86400) == "Jan 05"
    axis = TimeAxis()
    axis.fontMetrics = QFontMetrics(QFont())  # set by pyqtgraph when it first paints
    assert all(not zoom.tickSpecs[-1].spacing < 1 for zoom in axis.zoomLevels.values())
    # a few seconds across 600 px: whole seconds only, written as a clock
    start = T0.timestamp()
    levels = axis.tickValues(start, start + 8, 600)
    values = [v for _, vs in levels for v in vs]
    assert values and all(float(v).is_integer() for v in values)
    texts = [t for spacing, vs in levels for t in axis.tickStrings(vs, 1.0, spacing)]
    assert all(len(t) == 8 and t.count(":") == 2 for t in texts)  # HH:MM:SS, no "27.000"


def test_a_single_sample_gets_minutes_and_a_readable_price_span(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    chart.set_position(position, history(position, ["50000"]))
    (x0, x1), (y0, y1) = chart.price_plot.vb.viewRange()
    assert x1 - x0 >= MIN_SPAN_SECONDS
    assert y0 < 50000 < y1 and y1 - y0 >= 50000 * MIN_PRICE_SPAN
    assert chart.last_marker.data["x"][0] == T0.timestamp()


def test_fit_frames_levels_until_the_trader_pans_and_double_click_fits_again(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49000"), take_profit=D("50900"))
    chart.set_position(position, history(position, ["50000", "50100"]))
    _, (y0, y1) = chart.price_plot.vb.viewRange()
    assert y0 < 49000 and y1 > 50900  # stop and (the nearest level) target both in view
    chart.price_plot.vb.sigRangeChangedManually.emit([True, True])
    assert not chart.following
    chart.price_plot.setYRange(50000, 50010, padding=0)
    position.update_price(D("50200"), T0 + timedelta(minutes=5))
    chart.update_position(position)
    assert chart.price_plot.vb.viewRange()[1] == [50000, 50010]  # the trader's view stays
    chart.follow()
    assert chart.following and chart.price_plot.vb.viewRange()[1][1] > 50900


def test_closed_position_title_shows_how_it_ended(qtbot):
    chart = PositionChart()
    qtbot.addWidget(chart)
    position = make_position(symbol="SOL/USDT", entry="143.73", amount="10", fees="1.4373",
                             opened_at=T0)
    chart.set_position(position, history(position, ["143.73", "144.1"]))
    position.close(price=D("144.5"), fees=D("1.445"), at=T0 + timedelta(minutes=3))
    chart.update_position(position)
    text = chart.title.text()
    assert "143.73" in text and "143.7300" not in text
    assert "closed" in text and "manual @ 144.50" in text and "realized +4.82 USDT" in text
    assert chart.price_curve.getData()[1][-1] == 144.5  # the line ends at the exit
    assert chart.price_label.toPlainText() == "144.50"
    assert not chart.is_empty()


def test_the_drawdown_line_stays_clear_of_the_plot_edges(qtbot):
    """The drawdown line was drawn on the DD plot's edges: the deepest point on the bottom
    edge (its tip cut off) and zero, where a position spends most of its time, on the top
    edge against the price plot's frame. Both levels keep a few pixels inside the plot."""
    from PySide6.QtCore import QPointF

    chart = shown_chart(qtbot, 700, 420)
    position = make_position(opened_at=T0)
    updates = history(position, ["50000", "51000", "50500", "50200", "52000", "51500"])
    chart.set_position(position, updates)
    vb = chart.dd_plot.vb
    box = vb.sceneBoundingRect()
    x, dd = chart.drawdown_curve.getData()
    deepest = float(np.max(dd))
    assert deepest > 1
    for level in (0.0, deepest):
        y = vb.mapViewToScene(QPointF(float(x[0]), level)).y()
        assert box.top() + 3 <= y <= box.bottom() - 3, (level, y, box)


def test_a_new_positions_time_axis_ends_at_its_last_sample_not_minutes_ahead(qtbot):
    """A young position still gets `MIN_SPAN_SECONDS` of axis, taken from before its first
    sample: the axis ran about 2.5 minutes into the future (an empty future on the right
    reads as "no data yet"). It ends at the last sample plus the value labels' column."""
    chart = shown_chart(qtbot, 1000, 500)
    position = make_position(opened_at=T0)
    chart.set_position(position, history(position, ["50000"]))
    for seconds in (0, 5, 30):  # samples a few seconds apart, as a fresh position gets them
        at = T0 + timedelta(seconds=seconds)
        position.update_price(D("50000") + seconds, at)
        chart.update_position(position)
        last = at.timestamp()
        (x0, x1), _ = chart.price_plot.vb.viewRange()
        assert x1 - x0 >= MIN_SPAN_SECONDS
        label_room = (x1 - x0) * chart._label_room / chart.price_plot.vb.width()
        assert x1 - last <= label_room + 0.05 * (x1 - x0), (seconds, x1 - last)
