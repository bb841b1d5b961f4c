"""A long history: what is drawn is what happened, however it was loaded and however it grew."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from pyqtgraph.graphicsItems.PlotCurveItem import PlotCurveItem

from moniqo_desktop.ui.widgets.chart_series import COLUMNS
from moniqo_desktop.ui.widgets.position_chart import PositionChart

from test_position_chart import T0, history
from ui_factories import make_position, show_sized

D = Decimal


def shown_chart(qtbot) -> PositionChart:
    return show_sized(qtbot, PositionChart(), 800, 420)


def drawn_at(curve, t: float) -> float:
    """The height of `curve`'s drawn line at time `t` (its step mode applied, as painted)."""
    x, y = curve.getData()
    mode = curve.opts["stepMode"]
    if mode:
        x, y = PlotCurveItem._generateStepModeData(mode, x, y, None)
    for i in range(len(x) - 1):
        if x[i] <= t < x[i + 1] and y[i] == y[i + 1]:
            return float(y[i])
    raise AssertionError(f"nothing drawn at {t}")


def week_rows(n: int, seed: int = 3) -> np.ndarray:
    rows = np.empty((len(COLUMNS), n))
    rows[0] = T0.timestamp() + np.arange(n)
    rows[1] = 50000 + np.cumsum(np.random.default_rng(seed).normal(0, 5, n))
    rows[3] = np.maximum.accumulate(rows[1])
    rows[4] = np.minimum.accumulate(rows[1])
    rows[2] = np.floor(rows[3] * 0.98)  # a trailing stop: a step line with a few corners
    rows[5] = (rows[3] - rows[1]) / rows[3] * 100
    return rows


def test_a_step_line_holds_each_stop_from_the_moment_it_was_set(qtbot):
    """Reproduction: with more samples than `SMOOTH_UP_TO` only the corners are drawn, and the
    step mode drew each new stop back to the previous corner (the stop seemed to rise before
    the price did) and dropped the last stretch."""
    chart = shown_chart(qtbot)
    position = make_position(opened_at=T0)
    chart.set_position(position, history(position, ["50000"]))
    n = 2000
    rows = week_rows(n)
    rows[2, :1000], rows[2, 1000:] = 49000.0, 49500.0
    chart.series.load(rows)
    chart.follow()
    chart._draw_curves()
    assert len(chart.stop_curve.getData()[0]) < 10  # the corners, not every sample
    assert drawn_at(chart.stop_curve, rows[0, 500]) == 49000.0
    assert drawn_at(chart.stop_curve, rows[0, 999]) == 49000.0
    assert drawn_at(chart.stop_curve, rows[0, 1500]) == 49500.0
    assert drawn_at(chart.stop_curve, rows[0, n - 2]) == 49500.0


def drawn(chart: PositionChart, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Everything drawn of `name`: its curve, then its newest part (which starts on the
    curve's last point)."""
    x, y = chart.series_curves[name].getData()
    x, y = (np.empty(0), np.empty(0)) if x is None else (x, y)
    tail = chart.tails.get(name)
    if tail is not None and tail.getData()[0] is not None and len(tail.getData()[0]):
        tx, ty = tail.getData()
        skip = 1 if len(x) else 0
        x, y = np.concatenate((x, tx[skip:])), np.concatenate((y, ty[skip:]))
    return x, y


def test_a_week_drawn_keeps_every_high_and_low_in_a_few_points_a_pixel(qtbot):
    chart = shown_chart(qtbot)
    position = make_position(opened_at=T0)
    chart.set_position(position, history(position, ["50000"]))
    rows = week_rows(7 * 86400)
    chart.series.load(rows)
    chart.follow()
    chart._draw_curves()
    pixels = chart.price_plot.vb.width()
    for name, row in (("price", 1), ("drawdown", 5)):
        x, y = drawn(chart, name)
        assert len(x) <= 4 * pixels + 3
        assert y.min() == rows[row].min() and y.max() == rows[row].max()
        assert y[-1] == rows[row][-1] and x[-1] == rows[0][-1]  # it ends on the newest sample


def test_a_history_grown_tick_by_tick_is_drawn_as_if_loaded_at_once(qtbot):
    """The buckets and corners kept between redraws are extended as samples arrive (and cut
    back when the newest is replaced): the picture must not depend on how it was built."""
    n, grown = 60_000, 700
    rows = week_rows(n, seed=11)
    rows[2, 30_000:] = np.nan  # the stop removed for a while
    rows[2, 59_800:] = 49_000.0
    position = make_position(opened_at=T0)
    live = shown_chart(qtbot)
    live.set_position(position, history(position, ["50000"]))
    live.series.load(rows[:, :n - grown])
    live.follow()
    for i in range(n - grown, n):
        if i % 50 == 0:  # a sample replaced at the same instant (a second event that tick)
            live.series.append(tuple(rows[:, i] + [0, 7, 0, 0, 0, 0]))
            live.series.replace_last(tuple(rows[:, i]))
        else:
            live.series.append(tuple(rows[:, i]))
        live._redraw()
    loaded = shown_chart(qtbot)
    loaded.set_position(position, history(position, ["50000"]))
    loaded.series.load(rows)
    loaded.follow()
    loaded._draw_curves()
    (x0, x1), _ = loaded.price_plot.vb.viewRange()
    assert live.price_plot.vb.viewRange()[0] == [x0, x1]
    pixel = (x1 - x0) / loaded.price_plot.vb.width()
    for name in ("price", "drawdown", "stop", "hwm", "lwm"):
        (lx, ly), (fx, fy) = drawn(live, name), drawn(loaded, name)
        assert np.array_equal(ly, fy, equal_nan=True), name
        # a step line is not redrawn just to run on by less than a pixel to the newest sample
        assert np.array_equal(lx[:-1], fx[:-1]) and abs(lx[-1] - fx[-1]) < pixel, name


def test_the_float_columns_from_the_store_chart_what_the_updates_chart(qtbot, tmp_path):
    """The window loads `engine.position_update_columns` (fast); the chart must read exactly
    as it does from `engine.position_updates`: same samples, same labels, same readout."""
    from moniqo_desktop.domain import check_exits
    from moniqo_desktop.store import PositionUpdate, Store

    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49500"), trailing_stop_percent=D("2"))
    samples = []
    for i, price in enumerate(["50000", "50250.5", "49800.25", "51000", "50900.75"]):
        check_exits(position, D(price), T0 + timedelta(minutes=i))
        samples.append(PositionUpdate.of(position))
    with Store.open(tmp_path / "moniqo.sqlite3") as store:
        store.save(position)
        store.add_position_updates(samples)
        updates = store.position_updates(position.id)
        columns = store.position_update_columns(position.id)
    charts = []
    for hist in (updates, columns):
        chart = shown_chart(qtbot)
        chart.set_position(position, hist)
        charts.append(chart)
    listed, columnar = charts
    assert len(columnar.series) == len(listed.series) == 5
    for name in COLUMNS:
        assert np.allclose(columnar.series.column(name), listed.series.column(name),
                           equal_nan=True, rtol=0, atol=1e-3), name
    texts = [[label.toPlainText() for label in chart.value_labels] for chart in charts]
    assert texts[0] == texts[1] and "51,000.00" in " ".join(texts[0])  # the HWM label
    at = (T0 + timedelta(minutes=2)).timestamp()
    assert columnar.readout_text(columnar.point_near(at)) == \
        listed.readout_text(listed.point_near(at))
    assert "price 49,800.25" in columnar.readout_text(columnar.point_near(at))


def test_the_cached_pictures_paint_what_a_full_repaint_paints(qtbot):
    """The chart keeps the axes and the long lines as pixmaps between ticks (Qt's item
    cache). Reproduction of what that can break: a cached step line growing to the right was
    painted with a gap. After live ticks, every pixel inside the plots must be what painting
    everything from scratch gives (the frame's corner pixels may differ: they are the edge
    of an axis's cached pixmap)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QGraphicsItem

    chart = shown_chart(qtbot)
    position = make_position(opened_at=T0)
    position.set_protection(stop_loss=D("49000"), trailing_stop_percent=D("2"))
    chart.set_position(position, history(position, ["50000"]))
    n = 20_000
    rows = week_rows(n, seed=5)
    chart.series.load(rows)
    chart.follow()
    last = T0 + timedelta(seconds=n)
    for i in range(120):
        position.update_price(D(f"{rows[1, -1]:.2f}") + D((i % 7) - 3),
                              last + timedelta(seconds=i))
        chart.update_position(position)
        chart.graphics.grab()
    cached = chart.graphics.grab().toImage()
    for item in chart.graphics.scene().items():
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    fresh = chart.graphics.grab().toImage()
    view = chart.graphics
    inside = [view.mapFromScene(plot.vb.sceneBoundingRect()).boundingRect().adjusted(2, 2, -2, -2)
              for plot in (chart.price_plot, chart.dd_plot)]
    differ = [(x, y) for y in range(cached.height()) for x in range(cached.width())
              if cached.pixel(x, y) != fresh.pixel(x, y)
              and any(r.contains(QPoint(x, y)) for r in inside)]
    assert differ == []


def test_the_engine_hands_the_window_its_samples_as_columns(qloop, qtbot, tmp_path):
    """`engine.position_update_columns` (what the window loads) holds what
    `engine.position_updates` holds, and from `since` on when asked; the chart drawn from it
    after a restart has the same samples and ends on the same price."""
    from chart_session import ChartSession

    s = ChartSession(qtbot, tmp_path)

    async def main():
        await s.open()
        try:
            position_id = await s.buy(stop_loss="49000")
            for price in ("50100", "50300.5", "50200.25"):
                await s.tick(price)
            columns = s.engine.position_update_columns(position_id)
            updates = s.engine.position_updates(position_id)
            assert len(columns) == len(updates) >= 4
            assert list(columns.price) == [float(u.price) for u in updates]
            assert list(columns.stop_loss) == [float(u.stop_loss) for u in updates]
            assert list(columns.at) == pytest.approx([u.at.timestamp() for u in updates],
                                                     abs=5e-4)
            since = updates[-2].at
            assert list(s.engine.position_update_columns(position_id, since=since).price) == \
                [float(u.price) for u in updates[-2:]]
            await s.restart()
            assert list(s.chart.series.column("price")) == list(columns.price)
            assert s.chart.price_label.toPlainText() == "50,200.25"
        finally:
            await s.close()

    qloop.run_until_complete(main())


def test_selecting_a_long_history_reads_it_in_pages_with_the_loop_free_between(qloop, qtbot,
                                                                               tmp_path):
    """Issue #14: selecting a week-old position read its 604 800 samples in one call on the
    GUI thread (about 2.6 s of CPU: no paint, no tick, no key meanwhile). The window now shows
    the newest page at once and reads the older pages with the event loop turning between
    them; the chart ends with every sample, and picking another position drops the read."""
    import asyncio

    from chart_session import ChartSession

    from window_harness import until, until_idle

    s = ChartSession(qtbot, tmp_path)

    async def main():
        await s.open()
        try:
            first = await s.buy(stop_loss="49000")
            for i in range(23):
                await s.tick(str(50000 + 10 * i))
            whole = s.engine.position_update_columns(first)
            assert len(whole) >= 24
            loader = s.window.chart_history
            loader.page_rows = 5
            turns = [0]

            def turn():  # counts turns of the event loop while the pages are read
                turns[0] += 1
                if loader.loading:
                    asyncio.get_running_loop().call_soon(turn)

            s.window._on_position_selected(None)
            s.select(first)
            # at once: the newest page, ending on the newest sample
            assert len(s.chart.series) == 5
            assert s.chart.series.column("price")[-1] == whole.price[-1]
            assert loader.loading
            asyncio.get_running_loop().call_soon(turn)
            await until(lambda: not loader.loading)
            pages = -(-len(whole) // 5)
            assert loader.pages_read == pages
            assert turns[0] >= pages - 1  # the loop ran between every two reads
            assert list(s.chart.series.column("price")) == list(whole.price)
            assert list(s.chart.series.column("at")) == list(whole.at)

            # another position picked while the first is still loading: the first is dropped
            await s.engine.place_order(symbol="ETH/USDT", side="buy", type="market",
                                       amount="0.1")
            await s.engine.run_cycle()
            await until_idle()
            second = next(p.id for p in s.engine.positions(open_only=True) if p.id != first)
            s.select(first)
            assert loader.loading
            s.select(second)
            await until_idle()
            assert s.chart.position.id == second
            assert list(s.chart.series.column("price")) == \
                list(s.engine.position_update_columns(second).price)
        finally:
            await s.close()

    qloop.run_until_complete(main())
