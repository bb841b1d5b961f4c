"""Shared fixtures for the GUI tests (headless: QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from qt_loop import qloop  # noqa: E402,F401  (the fixture)
from qt_questions import asked  # noqa: E402,F401  (the fixture)
from window_harness import until_idle  # noqa: E402

from moniqo_desktop.config import Settings  # noqa: E402
from moniqo_desktop.engine import Engine  # noqa: E402
from moniqo_desktop.exchanges import DemoExchange  # noqa: E402
from moniqo_desktop.ui import theme  # noqa: E402
from moniqo_desktop.ui.main_window import MainWindow  # noqa: E402
from moniqo_desktop.ui.notifier import Notifier  # noqa: E402


@pytest.fixture(autouse=True)
def dark_theme(qapp):
    theme.apply_theme(qapp, "dark")
    yield




@pytest.fixture
def run(qloop, qtbot, tmp_path):
    """Run `scenario(window, engine, exchange)` on the qasync loop with a fresh paper account."""

    def runner(scenario, prices: dict[str, Decimal] | None = None,
               exchange: DemoExchange | None = None):
        async def main():
            nonlocal exchange
            exchange = exchange or DemoExchange(
                prices=prices or {"BTC/USDT": Decimal("50000"), "ETH/USDT": Decimal("3000")},
                fee_rate=Decimal("0.001"))
            engine = await Engine.open(tmp_path / "moniqo.sqlite3", exchange)
            window = MainWindow(engine, Settings(),
                                qsettings=QSettings(str(tmp_path / "ui.ini"),
                                                    QSettings.Format.IniFormat),
                                notifier=Notifier(enabled=False), duration_refresh_ms=0)
            qtbot.addWidget(window)
            window.show()
            try:
                await scenario(window, engine, exchange)
            finally:
                await until_idle()
                window.close()
                await engine.close()

        qloop.run_until_complete(main())

    return runner
