"""Chart with a long history: loading it from the store, and redrawing it (prints figures).

Seven days of one-second samples (604 800 rows) of one position in a real SQLite store, the
chart at 1 000 x 480 px, offscreen.

- Load: the window's path when a position is selected, read from the store then
  `set_position` plus the first paint, both ways: the list of `PositionUpdate`s
  (`engine.position_updates`, one object per row) and the float columns
  (`engine.position_update_columns`). The engine methods only flush pending samples and
  call these store methods, which is what is timed here.
- Paged load (#14, what the window does now): `position_update_pages`, newest page first,
  shown at once (`set_position` + paint); then every older page is one short read with the
  event loop free in between (CPU per read: what the GUI thread is held for at a time); then
  the older pages go in front (`prepend_history` + paint).
- Redraw: what a live tick costs, `update_position` (append the sample, aggregate what is
  in view, fit, lay out the labels) plus painting the whole chart (`grab()`), with the whole
  week in view (following), with the last hour in view (a trader who zoomed in), and the
  worst case of following: a redraw that also extends the time axis (once every 1/64 of
  the span, i.e. every 2.3 h for a week), so axes, grid and curves are all repainted; and an
  hour-old history, following, where that happens every 32 s.
  Target: <= 16 ms (one 60 Hz frame).

The store is built once (about a minute) and kept in the temp folder for later runs.
Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_chart.py [days] [redraws] [--with-list]
(the list of `PositionUpdate`s, the slowest way, takes half a minute and is only timed with
--with-list).

`--young` times only a new position's first two minutes (a sample a second, following): its
time axis ends at the last sample and moves every `MIN_STEP_SECONDS` (#14 follow-up; it used to
stand still two minutes ahead), so a share of its redraws rescale the axes.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from moniqo_desktop.domain import Position, check_exits  # noqa: E402
from moniqo_desktop.store import PositionUpdate, Store  # noqa: E402
from moniqo_desktop.ui import theme  # noqa: E402
from moniqo_desktop.ui.widgets.position_chart import FOLLOW_STEPS, PositionChart  # noqa: E402

D = Decimal
T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


def build_store(days: float) -> Path:
    """A store holding one long position with `days` of one-second samples (cached)."""
    n = int(days * 86400)
    # v3: schema 0007 (a store at a newer schema would stop an older checkout's run)
    path = Path(tempfile.gettempdir()) / f"moniqo-bench-chart-v3-{n}.sqlite3"
    if path.exists():
        with Store.open(path) as store:
            positions = store.load_positions()
            if positions and len(store.position_update_columns(positions[0].id)) == n:
                return path
        path.unlink()
    t = time.perf_counter()
    walk = 50000 + np.cumsum(np.random.default_rng(7).normal(0, 4, n))
    position = Position(symbol="BTC/USDT", side="long", amount=D("0.5"), entry_price=D("50000"),
                        entry_fees=D("25"), opened_at=T0)
    position.set_protection(trailing_stop_percent=D("3"), take_profit=D("60000"))
    # the position as the engine leaves it: water marks and trailing stop from the same walk
    for at, price in sorted([(int(np.argmax(walk)), walk.max()), (int(np.argmin(walk)), walk.min()),
                             (n - 1, walk[-1])]):
        check_exits(position, D(f"{price:.2f}"), T0 + timedelta(seconds=at))
    with Store.open(path) as store:
        store.save(position)
        hwm = lwm = 50000.0
        batch: list[PositionUpdate] = []
        for i, p in enumerate(walk):
            hwm, lwm = max(hwm, p), min(lwm, p)
            batch.append(PositionUpdate(
                position_id=position.id, at=T0 + timedelta(seconds=i), price=D(f"{p:.2f}"),
                unrealized_pnl=D(0), drawdown=D(f"{(hwm - p) / hwm * 100:.4f}"),
                stop_loss=D(f"{hwm * 0.97:.2f}"), high_water_mark=D(f"{hwm:.2f}"),
                low_water_mark=D(f"{lwm:.2f}")))
            if len(batch) == 50_000:
                store.add_position_updates(batch)
                batch = []
        store.add_position_updates(batch)
    print(f"built {path} ({n:,} samples) in {time.perf_counter() - t:.0f} s")
    return path


def load(chart: PositionChart, store: Store, position: Position, columnar: bool
         ) -> tuple[tuple[float, float], tuple[float, float], int]:
    """(wall, CPU) seconds to read the history and to show it (set_position + first paint)."""
    chart.clear()
    t, c = time.perf_counter(), time.process_time()
    history = (store.position_update_columns(position.id) if columnar
               else store.position_updates(position.id))
    read = (time.perf_counter() - t, time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    chart.set_position(position, history)
    chart.graphics.grab()
    return read, (time.perf_counter() - t, time.process_time() - c), len(history)


def paged(chart: PositionChart, store: Store, position: Position) -> None:
    """The window's path (`ui/chart_history.py`): the newest page shown at once, then one
    short read per older page (and its conversion to the chart's rows) with the loop free
    between, then the older pages in front."""
    chart.clear()
    t, c = time.perf_counter(), time.process_time()
    pages = store.position_update_pages(position.id)
    newest = next(pages)
    chart.set_position(position, newest)
    chart.graphics.grab()
    first = (time.perf_counter() - t, time.process_time() - c)
    reads: list[float] = []
    older: list[np.ndarray] = []
    t0, c0 = time.perf_counter(), time.process_time()
    while True:
        c = time.process_time()  # one turn of the window's loader: read a page, convert it
        page = next(pages, None)
        if page is not None:
            older.append(chart.history_rows(page))
        reads.append((time.process_time() - c) * 1000)
        if page is None:
            break
    read = (time.perf_counter() - t0, time.process_time() - c0)
    t, c = time.perf_counter(), time.process_time()
    chart.prepend_history(older[::-1])
    chart.graphics.grab()
    last = (time.perf_counter() - t, time.process_time() - c)
    rows = len(newest) + sum(p.shape[1] for p in older)
    print(f"paged load of {rows:,} samples (the window's path): newest page shown in "
          f"{first[0] * 1000:.0f} ms (CPU {first[1] * 1000:.0f}); {len(reads)} reads of "
          f"{len(newest)} samples, CPU per read (and conversion) median {statistics.median(reads):.1f} ms, "
          f"p95 {np.percentile(reads, 95):.1f} ms, max {max(reads):.1f} ms, "
          f"{read[0]:.2f} s wall (CPU {read[1]:.2f}) in all; older pages put in front and "
          f"painted: {last[0] * 1000:.0f} ms (CPU {last[1] * 1000:.0f})")


def redraws(chart: PositionChart, position: Position, n: int, gap: float = 1.0
             ) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per redraw, a new sample every `gap` seconds. CPU time is
    what the redraw costs this process; on a shared machine the wall time also holds the
    waits for a core."""
    wall, cpu = [], []
    price = position.current_price
    for i in range(n):
        at = position.updated_at + timedelta(seconds=gap)
        position.update_price(price + D(i % 5), at)
        t, c = time.perf_counter(), time.process_time()
        chart.update_position(position)
        chart.graphics.grab()  # paint
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def shown_chart() -> tuple[QApplication, PositionChart]:
    """The application (dark theme) and an empty 1000 x 480 chart on screen."""
    app = QApplication.instance() or QApplication(sys.argv)
    theme.apply_theme(app, "dark")
    chart = PositionChart()
    chart.resize(1000, 480)
    chart.show()
    app.processEvents()
    return app, chart


def main(days: float, n: int, with_list: bool = False) -> None:
    app, chart = shown_chart()
    path = build_store(days)
    with Store.open(path) as store:
        position = store.load_positions()[0]
        ways = [("float columns in one read (position_update_columns)", True)]
        if with_list:
            ways.insert(0, ("list of PositionUpdate (position_updates)", False))
        for label, columnar in ways:
            read, shown, rows = load(chart, store, position, columnar)
            print(f"load {rows:,} samples as {label}: read {read[0]:.2f} s (CPU {read[1]:.2f})"
                  f" + set_position and first paint {shown[0]:.2f} s (CPU {shown[1]:.2f}) = "
                  f"{read[0] + shown[0]:.2f} s (CPU {read[1] + shown[1]:.2f})")
        paged(chart, store, position)
    # following, the time axis extends once every 1/64 of the span (2.3 h for a week): the
    # third case gives every sample that gap, so every redraw repaints the axes and rescales
    span = float(chart.series.column("at")[-1] - chart.series.column("at")[0])
    extend = 2.0 ** np.floor(np.log2(span / FOLLOW_STEPS))
    for label, setup, gap in (("whole history in view", chart.follow, 1.0),
                              ("last hour in view", lambda: zoom_last_hour(chart), 1.0),
                              ("whole history, time axis extending on every sample",
                               chart.follow, extend)):
        setup()
        chart.graphics.grab()
        report(label, *redraws(chart, position, n, gap))
    # an hour of history, following: the axis extends every 32 s, so the mix is what a young
    # position's chart costs
    with Store.open(path) as store:
        start = datetime.fromtimestamp(float(chart.series.column("at")[-1]) - 3600, timezone.utc)
        chart.set_position(position, store.position_update_columns(position.id, since=start))
    chart.graphics.grab()
    report("an hour of history, following", *redraws(chart, position, max(n, 64)))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def young(n: int) -> None:
    """A new position's chart for its first `n` seconds, one sample a second, following."""
    app, chart = shown_chart()
    position = Position(symbol="BTC/USDT", side="long", amount=D("0.1"),
                        entry_price=D("50000"), opened_at=T0)
    position.update_price(D("50000"), T0)
    chart.set_position(position, [PositionUpdate.of(position)])
    chart.graphics.grab()
    ranges = []
    chart.price_plot.vb.sigXRangeChanged.connect(lambda *_: ranges.append(1))
    report(f"a new position's first {n} s, following", *redraws(chart, position, n))
    print(f"time axis rescaled {len(ranges)} times in {n} samples; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def report(label: str, wall: list[float], cpu: list[float]) -> None:
    print(f"redraw, {label}: CPU median {statistics.median(cpu):.1f} ms, "
          f"p95 {np.percentile(cpu, 95):.1f} ms; wall median {statistics.median(wall):.1f}"
          f" ms, p95 {np.percentile(wall, 95):.1f} ms  (target <= 16 ms; {len(cpu)} redraws)")


def zoom_last_hour(chart: PositionChart) -> None:
    x = chart.series.column("at")
    chart.following = False
    chart.price_plot.setXRange(x[-1] - 3600, x[-1] + 300, padding=0)


if __name__ == "__main__":
    if "--young" in sys.argv:
        young(120)
        sys.exit(0)
    args = [a for a in sys.argv[1:] if a != "--with-list"]
    main(float(args[0]) if args else 7.0, int(args[1]) if len(args) > 1 else 60,
         with_list="--with-list" in sys.argv)
