"""The real window on the paper exchange, with restarts (a helper module, not a test).

`ChartSession.open()` opens the engine and the main window on one store; `restart()` closes
both and opens them again on the same file, as a trader quitting and starting the app.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QSettings

from fake_clock import FakeClock
from window_harness import until_idle

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.ui.main_window import MainWindow
from moniqo_desktop.ui.notifier import Notifier

D = Decimal


class ChartSession:
    def __init__(self, qtbot, tmp_path: Path, price: str = "50000") -> None:
        self.qtbot = qtbot
        self.tmp_path = tmp_path
        self.price = D(price)
        self.clock = FakeClock()
        self.settings = Settings(update_log_min_seconds=0, native_stops=False)
        self.engine: Engine | None = None
        self.window: MainWindow | None = None
        self.exchange: DemoExchange | None = None

    async def open(self) -> "ChartSession":
        self.exchange = DemoExchange(prices={"BTC/USDT": self.price, "ETH/USDT": D("3000")},
                                     fee_rate=D("0.001"), clock=self.clock)  # one time
        self.engine = await Engine.open(self.tmp_path / "moniqo.sqlite3", self.exchange,
                                        settings=self.settings, clock=self.clock)
        self.window = MainWindow(self.engine, self.settings,
                                 qsettings=QSettings(str(self.tmp_path / "ui.ini"),
                                                     QSettings.Format.IniFormat),
                                 notifier=Notifier(enabled=False), duration_refresh_ms=0)
        self.qtbot.addWidget(self.window)
        self.window.resize(1440, 900)
        self.window.show()
        self.qtbot.waitExposed(self.window)
        return self

    async def close(self) -> None:
        await until_idle()
        if self.window is not None:
            self.window.close()
        if self.engine is not None:
            await self.engine.close()
        self.window = self.engine = None

    async def restart(self) -> None:
        await self.close()
        await self.open()

    @property
    def chart(self):
        return self.window.chart

    async def tick(self, price: str, seconds: float = 60) -> None:
        """The market moves to `price` a little later; one engine cycle sees it."""
        self.clock.advance(seconds=seconds)
        self.price = D(price)
        self.exchange.set_price("BTC/USDT", self.price)
        await self.engine.run_cycle()
        await until_idle()

    async def buy(self, amount: str = "0.01", **protection) -> str:
        """A filled long with `protection`; returns the position id, selected in the table."""
        await self.engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                      amount=amount, **protection)
        await self.engine.run_cycle()
        await until_idle()
        position = self.engine.positions(open_only=True)[-1]
        self.select(position.id)
        return position.id

    def select(self, position_id: str) -> None:
        assert self.window.positions.view.select_id(position_id)
        self.window._on_position_selected(position_id)


def _mouse(widget, kind, pos, buttons):
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    button = Qt.MouseButton.NoButton if kind == "move" else Qt.MouseButton.LeftButton
    local = QPointF(pos)
    event = QMouseEvent(types[kind], local, QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag_line(chart, kind: str, to_price: float) -> None:
    """Press on the `kind` line, move the mouse (button held) to `to_price`, release: the
    events a trader's hand makes, sent to the chart's viewport."""
    import pyqtgraph as pg
    from PySide6.QtCore import QPointF, Qt

    line = chart.level_lines[kind]
    assert line.isVisible() and line.movable, f"the {kind} line cannot be dragged"
    vb = chart.price_plot.vb
    (x0, x1), _ = vb.viewRange()
    x = x0 + (x1 - x0) * 0.4
    view = chart.graphics
    viewport = view.viewport()

    def at(price: float):
        return view.mapFromScene(vb.mapViewToScene(QPointF(x, price)))

    held = Qt.MouseButton.LeftButton
    rate = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=-1)  # every move counts, however fast the test is
    try:
        start, end = at(line.value()), at(to_price)
        _mouse(viewport, "move", start, Qt.MouseButton.NoButton)  # hover first, as a hand does
        _mouse(viewport, "press", start, held)
        for k in range(1, 6):
            p = start + (end - start) * (k / 5)
            _mouse(viewport, "move", p, held)
        _mouse(viewport, "release", end, Qt.MouseButton.NoButton)
    finally:
        pg.setConfigOptions(mouseRateLimit=rate)


class Spy:
    """Counts calls of an engine coroutine and passes them through to the real one."""

    def __init__(self, engine, name: str) -> None:
        self.calls: list[tuple[tuple, dict]] = []
        real = getattr(engine, name)

        async def spy(*args, **kwargs):
            self.calls.append((args, kwargs))
            return await real(*args, **kwargs)

        setattr(engine, name, spy)
