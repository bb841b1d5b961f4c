"""Qt event-loop lag while prices stream into a big book (prints figures; offscreen).

The trader's question is "does the window stutter?": a QTimer probe asks to run every
PROBE_MS and records how late each run was. Late = the Qt thread was busy with something else
(engine work, SQLite writes, event handlers, repaints).

Set-up: N open positions on the paper exchange (positions are net per symbol, so one symbol
each), the real MainWindow subscribed, the engine's own background jobs running, and a price
stream: TICKS batches per second, each moving MOVING symbols, handed to the engine exactly as
`engine.price_stream.PriceStream` does (apply prices, evaluate exits under the cycle lock).
Store: a real SQLite file in a temporary dir.

Run:   QT_QPA_PLATFORM=offscreen python benchmarks/bench_lag.py [--positions 1000]
       [--moving 50] [--ticks 20] [--seconds 60]
Short form (CI): --positions 100 --moving 10 --seconds 3
Profile:         add --profile lag.prof (the streaming phase only), then read it with pstats
Late steps:      add --trace-late 16 (what ran in each probe window later than 16 ms)

It also prints every garbage collection of the streaming phase per generation (count, median
and longest wall time, from `gc.callbacks`): a collection holds the GUI thread for as long as
it walks, and one was the worst step of a run (#14, lag worst case).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import qasync  # noqa: E402
from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from moniqo_desktop.config import Settings  # noqa: E402
from moniqo_desktop.engine import Engine  # noqa: E402
from moniqo_desktop.exchanges import DemoExchange  # noqa: E402
from moniqo_desktop.gc_pauses import settle_after_start  # noqa: E402
from moniqo_desktop.ui.main_window import MainWindow  # noqa: E402
from moniqo_desktop.ui.notifier import Notifier  # noqa: E402

D = Decimal
PROBE_MS = 5


class LagProbe:
    """A precise repeating QTimer; lag = how much later than asked each timeout ran."""

    def __init__(self, interval_ms: int = PROBE_MS, on_lag=None) -> None:
        self.interval = interval_ms / 1000
        self.lags: list[float] = []
        self.on_lag = on_lag  # (window start, end, lag ms): `--trace-late`'s hook
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        lag = max(0.0, (now - self._last) - self.interval) * 1000
        self.lags.append(lag)
        if self.on_lag is not None:
            self.on_lag(self._last, now, lag)
        self._last = now


class Collections:
    """Every garbage collection while recording: its generation, wall and CPU time (ms; the
    wall time includes waiting for a core on a loaded machine, the CPU time does not)."""

    def __init__(self) -> None:
        self.times: dict[int, list[tuple[float, float]]] = {0: [], 1: [], 2: []}
        self._start = (0.0, 0.0)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = (time.perf_counter(), time.thread_time())
        else:
            wall, cpu = self._start
            self.times[info["generation"]].append(
                (1000 * (time.perf_counter() - wall), 1000 * (time.thread_time() - cpu)))

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)

    @staticmethod
    def full() -> str:
        """Time one full collection now: what the next one would hold the GUI thread for."""
        t0, c0 = time.perf_counter(), time.thread_time()
        gc.collect()
        wall, cpu = 1000 * (time.perf_counter() - t0), 1000 * (time.thread_time() - c0)
        return (f"a full collection after the stream: {wall:.1f} ms (CPU {cpu:.1f} ms), "
                f"{len(gc.get_objects())} objects to walk, {gc.get_freeze_count()} frozen")

    def summary(self) -> str:
        parts = []
        for gen, times in self.times.items():
            walls, cpus = [t[0] for t in times], [t[1] for t in times]
            parts.append(f"gen{gen} {len(times)}" + (
                f" (median {statistics.median(walls):.1f} ms, longest {max(walls):.1f} ms; "
                f"CPU median {statistics.median(cpus):.1f}, longest {max(cpus):.1f} ms)"
                if times else ""))
        return "garbage collections while streaming: " + ", ".join(parts)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def symbols_for(n: int) -> dict[str, Decimal]:
    """n paper markets with prices of different magnitudes (different steps, as on a venue)."""
    out = {"BTC/USDT": D("50000"), "ETH/USDT": D("3000")}
    for i in range(len(out), n):
        out[f"C{i:04d}/USDT"] = D(10 + i * 7)
    return dict(list(out.items())[:n])


async def stream(engine: Engine, demo: DemoExchange, prices: dict[str, Decimal],
                 ticks_per_s: float, seconds: float, moving: int) -> int:
    """`ticks_per_s` batches a second of `moving` symbols' new prices, as PriceStream does."""
    rng = random.Random(7)
    period = 1 / ticks_per_s
    lock = engine._cycle_lock  # the stream shares the cycles' lock, as in the app
    start = time.perf_counter()
    n = 0
    symbols = list(prices)
    while time.perf_counter() - start < seconds:
        batch = {}
        for symbol in rng.sample(symbols, min(moving, len(symbols))):
            base = prices[symbol]
            # a wiggle of ±0.3 %: moves P&L on every row but never reaches the wide stops
            move = D(rng.randint(-30, 30)) / D(10000)
            batch[symbol] = demo.market(symbol).round_price(base * (1 + move))
        for symbol, price in batch.items():
            demo.set_price(symbol, price)
        async with lock:
            engine.tracker.apply_prices(batch)
            await evaluate_batch(engine, batch)
        n += 1
        next_at = start + n * period
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    return n


async def evaluate_batch(engine: Engine, batch: dict[str, Decimal]) -> None:
    """What PriceStream does with a batch (the engine's own code path, whichever it is)."""
    from moniqo_desktop.engine import price_stream

    step = getattr(price_stream, "evaluate_batch", None)
    if step is not None:
        await step(engine.tracker, batch)
    else:  # the design before this benchmark: every position on every batch
        await engine.tracker.evaluate()


async def main(args: argparse.Namespace, tmp: Path) -> None:
    prices = symbols_for(args.positions)
    demo = DemoExchange(prices=prices, balances={"USDT": D("1000000000")})
    settings = Settings()
    engine = await Engine.open(tmp / "bench.sqlite3", demo, settings=settings)
    t = time.perf_counter()
    symbols = list(prices)
    for i in range(args.positions):
        symbol = symbols[i % len(symbols)]
        market = demo.market(symbol)
        amount = market.round_amount(D(50) / prices[symbol]) or market.min_amount
        await engine.place_order(symbol=symbol, side="buy", type="market", amount=amount,
                                 stop_loss=market.round_price(prices[symbol] * D("0.5")))
    opened = time.perf_counter() - t
    window = MainWindow(engine, settings,
                        qsettings=QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat),
                        notifier=Notifier(enabled=False))
    window.resize(1440, 900)
    window.show()
    # Let the window paint and its start-up tasks run through the loop. (Not
    # `processEvents()`: that would step the window's tasks from inside this one.)
    await asyncio.sleep(0.2)
    engine.start()
    settle_after_start()  # as the app does once its window is up
    profiler = cProfile.Profile() if args.profile else None
    trace = None
    if args.trace_late:
        from lag_trace import LagTrace

        trace = LagTrace(args.trace_late)
        trace.start()
    probe = LagProbe(on_lag=trace.late if trace else None)
    collections = Collections()
    collections.start()
    probe.start()
    if profiler is not None:
        profiler.enable()
    ticks = await stream(engine, demo, prices, args.ticks, args.seconds, args.moving)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    probe.stop()
    collections.stop()
    full = collections.full()  # the probe is stopped: not part of the lag figures
    if trace is not None:
        trace.stop()
    window.close()
    await engine.close()
    lags = probe.lags
    print(f"positions {len(engine.positions(open_only=True))} on {len(prices)} symbols, "
          f"{args.moving} moving per tick; "
          f"{ticks} ticks in {args.seconds:.0f} s (asked {args.ticks}/s); "
          f"set-up {opened:.0f} s")
    print(f"event-loop lag ({len(lags)} probes of {PROBE_MS} ms): "
          f"median {statistics.median(lags):.1f} ms, p99 {percentile(lags, 99):.1f} ms, "
          f"worst {max(lags):.1f} ms")
    print(collections.summary())
    print(full)
    if trace is not None:
        trace.report()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--moving", type=int, default=50)
    parser.add_argument("--ticks", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile the streaming phase into FILE (pstats format)")
    parser.add_argument("--trace-late", metavar="MS", type=float, default=0,
                        help="name what ran in every probe window later than MS "
                             "(benchmarks/lag_trace.py; its figures are not the benchmark's)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as tmp, loop:
        loop.run_until_complete(main(args, Path(tmp)))
