"""The position chart plots what the position went through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np

from moniqo_desktop.ui.widgets.position_chart import PositionChart

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
    assert chart.price_plot.getAxis("bottom").__class__.__name__ == "DateAxisItem"


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
