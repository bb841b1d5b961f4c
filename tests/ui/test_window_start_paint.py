"""What a start builds and paints before the window is idle (#14 start-up): the window paints
once, settled; widgets nobody sees are not polished; hidden axis titles are not rendered.

Counts of work (paints, polishes, renders), never times: speed is measured in
`benchmarks/bench_window.py`."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from moniqo_desktop.ui.first_paint import first_paint
from moniqo_desktop.ui.main_window import MainWindow
from moniqo_desktop.ui.widgets.chart_axes import NumberAxis, TimeAxis
from moniqo_desktop.ui.widgets.position_chart import PositionChart


class _Paints(QObject):
    """Counts the paint events each watched class of widget receives."""

    def __init__(self, *kinds: type) -> None:
        super().__init__()
        self.kinds = kinds
        self.count = 0

    def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and isinstance(watched, self.kinds):
            self.count += 1
        return False


def test_a_shown_window_paints_once_before_it_is_idle(run):
    """Shown, the window delivers what its build left queued (polish and layout requests, the
    central widget's geometry) before its first paint: that paint shows it settled, and
    nothing lays it out and paints it whole again. It painted three times (stale geometry
    first), each a paint of every widget."""
    app = QApplication.instance()
    paints = _Paints(MainWindow)
    app.installEventFilter(paints)

    async def scenario(window, engine, exchange):
        assert await first_paint(window, timeout=30)
        for _ in range(10):  # posted events arrive within a few turns of the loop
            await asyncio.sleep(0.02)
        assert paints.count == 1

    try:
        run(scenario)
    finally:
        app.removeEventFilter(paints)


def test_a_hidden_axis_title_is_not_rendered_on_a_range_change(qtbot, monkeypatch):
    """pyqtgraph rendered every axis's title (HTML) on each range change, shown or not; the
    chart's axes render only the one that shows (the drawdown plot's "DD %")."""
    chart = PositionChart()
    qtbot.addWidget(chart)
    axes = [plot.getAxis(side) for plot in (chart.price_plot, chart.dd_plot)
            for side in ("left", "bottom", "right", "top")]
    assert all(isinstance(a, (NumberAxis, TimeAxis)) for a in axes)
    renders: list[object] = []
    for axis in axes:
        original = axis.label.setHtml
        monkeypatch.setattr(axis.label, "setHtml",
                            lambda html, a=axis, o=original: (renders.append(a), o(html)))
    chart.price_plot.vb.setRange(xRange=(0, 100), yRange=(10, 20), padding=0)
    chart.dd_plot.vb.setRange(yRange=(0, 5), padding=0)
    dd_title = chart.dd_plot.getAxis("left")
    assert set(renders) <= {dd_title}
    assert dd_title.label.isVisible() and "DD %" in dd_title.label.toHtml()
    assert not chart.price_plot.getAxis("left").label.isVisible()
