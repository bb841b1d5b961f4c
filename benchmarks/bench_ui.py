"""GUI cost of live updates and start-up (prints figures; offscreen).

1. Cycle time with 1 000 open positions with and without the main window subscribed: the
   difference is what the tables, chart and account strip cost per tick on the Qt thread.
2. Start-up: wall time of `moniqo-desktop --quit-after 0.1` (process start to clean exit).
Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_ui.py [positions] [cycles]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from moniqo_desktop.config import Settings  # noqa: E402
from moniqo_desktop.engine import Engine  # noqa: E402
from moniqo_desktop.exchanges import DemoExchange  # noqa: E402
from moniqo_desktop.ui.main_window import MainWindow  # noqa: E402

D = Decimal


async def cycles(engine: Engine, demo: DemoExchange, n: int) -> list[float]:
    out = []
    for c in range(n):
        demo.set_price("BTC/USDT", D(50000 + (c % 7) * 25))
        demo.set_price("ETH/USDT", D(3000 + (c % 5) * 3))
        t = time.perf_counter()
        await engine.run_cycle()
        QApplication.processEvents()  # let the views repaint what changed
        out.append((time.perf_counter() - t) * 1000)
    return out


async def main(n_positions: int, n_cycles: int, tmp: Path) -> None:
    demo = DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")},
                        balances={"USDT": D("100000000")})
    engine = await Engine.open(tmp / "bench.sqlite3", demo,
                               settings=Settings(update_log_min_seconds=0))
    for i in range(n_positions):
        await engine.place_order(symbol="BTC/USDT" if i % 2 else "ETH/USDT", side="buy",
                                 type="market", amount="0.01" if i % 2 else "0.1",
                                 trailing_stop_percent="40")
    bare = await cycles(engine, demo, n_cycles)
    qs = QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat)
    t = time.perf_counter()
    window = MainWindow(engine, Settings(), qsettings=qs)
    window.resize(1440, 900)
    window.show()
    QApplication.processEvents()
    built = (time.perf_counter() - t) * 1000
    with_ui = await cycles(engine, demo, n_cycles)
    window.close()
    await engine.close()
    print(f"positions: {n_positions}, cycles: {n_cycles}")
    print(f"main window built and shown with {n_positions} positions: {built:.0f} ms")
    print(f"cycle without window: median {statistics.median(bare):.1f} ms")
    print(f"cycle with window (tables, chart, strip updated + repaint): median "
          f"{statistics.median(with_ui):.1f} ms, max {max(with_ui):.1f} ms")


def startup(runs: int = 5) -> None:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "moniqo_desktop", "--data-dir", tmp,
                            "--quit-after", "0.1"], check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    print(f"start-up to clean exit (--quit-after 0.1, warm): median "
          f"{statistics.median(times):.2f} s over {runs} runs")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as tmpdir, loop:
        loop.run_until_complete(main(n, k, Path(tmpdir)))
    startup()
