"""Chart redraw with a long history (prints figures; offscreen).

Seven days of one-second samples (604 800 rows) for one position, the chart at 1 000 x 480 px.
A "redraw" is what a live tick costs: `update_position` (append the sample, set the curves,
fit, lay out labels) plus painting the chart (`grab()`), measured for the whole week in view
and for the last hour in view (a trader who zoomed in). Target: <= 16 ms (one 60 Hz frame).
Also printed: loading the week (`set_position` from the store's rows), a one-off cost.
Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_chart.py [days] [redraws]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from moniqo_desktop.domain import Position  # noqa: E402
from moniqo_desktop.store import PositionUpdate  # noqa: E402
from moniqo_desktop.ui import theme  # noqa: E402
from moniqo_desktop.ui.widgets.position_chart import PositionChart  # noqa: E402

D = Decimal
T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


def week(days: float) -> tuple[Position, list[PositionUpdate]]:
    n = int(days * 86400)
    walk = 50000 + np.cumsum(np.random.default_rng(7).normal(0, 4, n))
    position = Position(symbol="BTC/USDT", side="long", amount=D("0.5"), entry_price=D("50000"),
                        entry_fees=D("25"), opened_at=T0)
    position.set_protection(trailing_stop_percent=D("3"), take_profit=D("60000"))
    updates = []
    hwm = lwm = 50000.0
    for i, p in enumerate(walk):
        hwm, lwm = max(hwm, p), min(lwm, p)
        price = D(f"{p:.2f}")
        updates.append(PositionUpdate(
            position_id=position.id, at=T0 + timedelta(seconds=i), price=price,
            unrealized_pnl=D(0), drawdown=D(f"{(hwm - p) / hwm * 100:.4f}"),
            stop_loss=D(f"{hwm * 0.97:.2f}"), high_water_mark=D(f"{hwm:.2f}"),
            low_water_mark=D(f"{lwm:.2f}")))
    position.update_price(updates[-1].price, updates[-1].at)
    return position, updates


def redraws(chart: PositionChart, position: Position, n: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per redraw. CPU time is what the redraw costs this process;
    on a shared machine the wall time also holds the waits for a core."""
    wall, cpu = [], []
    price = position.current_price
    for i in range(n):
        at = position.updated_at + timedelta(seconds=1)
        position.update_price(price + D(i % 5), at)
        t, c = time.perf_counter(), time.process_time()
        chart.update_position(position)
        chart.graphics.grab()  # paint
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def main(days: float, n: int) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    theme.apply_theme(app, "dark")
    chart = PositionChart()
    chart.resize(1000, 480)
    chart.show()
    app.processEvents()
    t = time.perf_counter()
    position, updates = week(days)
    built = time.perf_counter() - t
    t = time.perf_counter()
    chart.set_position(position, updates)
    chart.graphics.grab()
    loaded = (time.perf_counter() - t) * 1000
    print(f"history: {len(updates):,} samples ({days:g} days at 1 s; built in {built:.1f} s)")
    print(f"load (set_position + first paint): {loaded:.0f} ms")
    for label, setup in (("whole history in view", chart.follow),
                         ("last hour in view", lambda: zoom_last_hour(chart))):
        setup()
        chart.graphics.grab()
        wall, cpu = redraws(chart, position, n)
        print(f"redraw, {label}: CPU median {statistics.median(cpu):.1f} ms, "
              f"p95 {np.percentile(cpu, 95):.1f} ms; wall median {statistics.median(wall):.1f}"
              f" ms, p95 {np.percentile(wall, 95):.1f} ms  (target <= 16 ms; {n} redraws)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def zoom_last_hour(chart: PositionChart) -> None:
    x = chart.series.column("at")
    chart.following = False
    chart.price_plot.setXRange(x[-1] - 3600, x[-1] + 300, padding=0)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 7.0,
         int(sys.argv[2]) if len(sys.argv) > 2 else 60)
