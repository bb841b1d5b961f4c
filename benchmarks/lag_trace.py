"""What ran in a late loop step: a flight recorder for `bench_lag.py --trace-late`.

A lag figure says the Qt thread was busy; this says with what. Three recorders share one clock
(`time.perf_counter`):

- every asyncio handle the loop runs (qasync runs each as a Qt timer event): its start, wall
  and CPU (`time.thread_time`) duration and what it was (a task's coroutine and the line it
  stopped at, or the callback's name);
- every garbage collection (`gc.callbacks`): generation, duration, objects collected;
- a sampler thread that every `SAMPLE_MS` notes the GUI thread's innermost frames of our code
  (and the outermost Python frame), so time spent outside any handle (a Qt paint calling the
  model's `data()`, a QTimer slot) is named too.

When the probe sees a lag above `threshold_ms`, the window it spans is kept; `report()` prints
the worst windows with what overlapped them, then totals per cause over all late windows.
Diagnostics only: the recorders cost a little time themselves, so figures taken with
`--trace-late` are not the benchmark's figures.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_MS = 1.0
OURS = str(Path(__file__).resolve().parent.parent / "moniqo_desktop")


@dataclass
class Span:
    start: float
    end: float
    cpu: float
    label: str


@dataclass
class Window:
    start: float
    end: float
    lag: float
    cpu: float = 0.0  # the GUI thread's CPU time inside the window (ms): the rest was waiting
    spans: list[Span] = field(default_factory=list)
    gcs: list[Span] = field(default_factory=list)
    samples: Counter = field(default_factory=Counter)


def handle_label(handle: asyncio.Handle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = ""
        # the innermost awaiting frame: where this step stopped
        while coro is not None:
            frame = getattr(coro, "cr_frame", None) or frame
            coro = getattr(coro, "cr_await", None)
            if coro is not None and not hasattr(coro, "cr_frame"):
                break
        if frame is not None:
            where = f" @{Path(frame.f_code.co_filename).name}:{frame.f_lineno} " \
                    f"{frame.f_code.co_name}"
        return f"task {task.get_name()} {task.get_coro().__qualname__}{where}"
    return f"cb {getattr(callback, '__qualname__', repr(callback))}"


def frame_label(frame) -> str:
    """Innermost frame in our package (else innermost at all) with its caller chain of ours."""
    ours = []
    f = frame
    while f is not None and len(ours) < 3:
        if f.f_code.co_filename.startswith(OURS) or "benchmarks" in f.f_code.co_filename:
            ours.append(f"{Path(f.f_code.co_filename).stem}.{f.f_code.co_name}")
        f = f.f_back
    inner = f"{Path(frame.f_code.co_filename).stem}.{frame.f_code.co_name}"
    return " < ".join(ours) + f" [{inner}]" if ours else f"(no frame of ours) [{inner}]"


class PaintCounter:
    """Counts paint events per widget (class and object name): what repaints per tick."""

    def __init__(self) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint
        counts: Counter = Counter()

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802
                if event.type() == paint:
                    parent = obj.parent()
                    counts[f"{type(obj).__name__}#{obj.objectName()} in "
                           f"{type(parent).__name__}#{parent.objectName() if parent else ''}"
                           ] += 1
                return False

        self.counts = counts
        self._filter = Filter()

    def start(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.instance().installEventFilter(self._filter)

    def stop(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.instance().removeEventFilter(self._filter)


class LagTrace:
    def __init__(self, threshold_ms: float = 16.0) -> None:
        self.threshold = threshold_ms
        self.spans: deque[Span] = deque(maxlen=200_000)
        self.gcs: deque[Span] = deque(maxlen=50_000)
        self.samples: deque[tuple[float, str]] = deque(maxlen=400_000)
        self.windows: list[Window] = []
        self._gc_start: tuple[float, int] | None = None
        self._orig_run = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._main = threading.get_ident()
        self.paints = PaintCounter()
        self._cpu = time.thread_time()

    # -- recorders ------------------------------------------------------------------------
    def start(self) -> None:
        orig = asyncio.events.Handle._run
        trace = self

        def _run(handle):  # type: ignore[no-untyped-def]
            t0, c0 = time.perf_counter(), time.thread_time()
            label = None
            try:
                label = handle_label(handle)
            except Exception:
                label = "?"
            try:
                return orig(handle)
            finally:
                t1 = time.perf_counter()
                trace.spans.append(Span(t0, t1, time.thread_time() - c0, label))

        self._orig_run = orig
        asyncio.events.Handle._run = _run  # type: ignore[method-assign]
        from sqlalchemy.engine.default import DefaultDialect

        commit = DefaultDialect.do_commit
        self.commits: list[Span] = []

        def do_commit(dialect, connection):  # type: ignore[no-untyped-def]
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return commit(dialect, connection)
            finally:
                trace.commits.append(Span(t0, time.perf_counter(), time.thread_time() - c0,
                                          "commit"))

        self._orig_commit = commit
        DefaultDialect.do_commit = do_commit  # type: ignore[method-assign]
        gc.callbacks.append(self._on_gc)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self.paints.start()

    def stop(self) -> None:
        t0 = time.perf_counter()
        gc.collect()
        self.full_collection = (1000 * (time.perf_counter() - t0), len(gc.get_objects()),
                                gc.get_freeze_count())
        if self._orig_run is not None:
            from sqlalchemy.engine.default import DefaultDialect

            asyncio.events.Handle._run = self._orig_run  # type: ignore[method-assign]
            DefaultDialect.do_commit = self._orig_commit  # type: ignore[method-assign]
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        self._stop.set()
        self.paints.stop()

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = (time.perf_counter(), info["generation"])
        elif self._gc_start is not None:
            t0, gen = self._gc_start
            self.gcs.append(Span(t0, time.perf_counter(), 0.0,
                                 f"gc gen{gen} collected {info.get('collected', 0)}"))
            self._gc_start = None

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_MS / 1000):
            frame = sys._current_frames().get(self._main)
            if frame is not None:
                self.samples.append((time.perf_counter(), frame_label(frame)))

    # -- the probe's hook -----------------------------------------------------------------
    def late(self, start: float, end: float, lag_ms: float) -> None:
        cpu = time.thread_time()
        if lag_ms >= self.threshold:
            self.windows.append(Window(start, end, lag_ms, 1000 * (cpu - self._cpu)))
        self._cpu = cpu

    def _fill(self) -> None:
        spans = sorted(self.spans, key=lambda s: s.start)
        gcs = list(self.gcs)
        samples = list(self.samples)
        for w in self.windows:
            w.spans = [s for s in spans if s.end > w.start and s.start < w.end]
            w.gcs = [g for g in gcs if g.end > w.start and g.start < w.end]
            w.samples = Counter(label for t, label in samples if w.start <= t <= w.end)

    def report(self, worst: int = 12) -> None:
        self._fill()
        print(f"\n-- late windows (lag >= {self.threshold:.0f} ms): {len(self.windows)}")
        for w in sorted(self.windows, key=lambda w: -w.lag)[:worst]:
            print(f"\nlag {w.lag:.1f} ms (window {1000 * (w.end - w.start):.1f} ms, "
                  f"GUI thread CPU {w.cpu:.1f} ms)")
            for s in sorted(w.spans, key=lambda s: -(s.end - s.start))[:5]:
                print(f"  handle {1000 * (s.end - s.start):6.1f} ms wall "
                      f"{1000 * s.cpu:6.1f} ms cpu  {s.label}")
            for g in w.gcs:
                print(f"  {g.label}: {1000 * (g.end - g.start):.1f} ms")
            for label, n in w.samples.most_common(6):
                print(f"  sample x{n:3d} ({n * SAMPLE_MS:.0f} ms)  {label}")
        by_handle: Counter = Counter()
        by_sample: Counter = Counter()
        gc_ms: Counter = Counter()
        for w in self.windows:
            for s in w.spans:
                key = s.label.split(" @")[0] if s.label.startswith("task") else s.label
                by_handle[key] += 1000 * (min(s.end, w.end) - max(s.start, w.start))
            for g in w.gcs:
                gc_ms[g.label.split(" collected")[0]] += 1000 * (g.end - g.start)
            by_sample.update(w.samples)
        wall = sum(1000 * (w.end - w.start) for w in self.windows)
        print(f"\n-- over all late windows: {wall:.0f} ms wall, of it GUI thread CPU "
              f"{sum(w.cpu for w in self.windows):.0f} ms; windows with CPU >= "
              f"{self.threshold:.0f} ms: {sum(w.cpu >= self.threshold for w in self.windows)}")
        print("-- handle time (ms) by handle")
        for label, ms in by_handle.most_common(10):
            print(f"  {ms:8.1f}  {label}")
        print("-- garbage collections inside late windows (ms)")
        for label, ms in gc_ms.most_common():
            print(f"  {ms:8.1f}  {label}")
        print("-- samples (x 1 ms) by frame")
        for label, n in by_sample.most_common(15):
            print(f"  {n:6d}  {label}")
        all_gc = Counter()
        for g in self.gcs:
            all_gc[g.label.split(" collected")[0]] += 1
        long_gc = [g for g in self.gcs if g.end - g.start > 0.010]
        print("-- paint events per widget over the whole run")
        for label, n in self.paints.counts.most_common(12):
            print(f"  {n:6d}  {label}")
        walls = sorted(1000 * (c.end - c.start) for c in self.commits)
        if walls:
            print(f"-- store commits on the GUI thread: {len(walls)}, median {walls[len(walls) // 2]:.1f} "
                  f"ms, worst {walls[-5:]} ms wall, CPU of all "
                  f"{1000 * sum(c.cpu for c in self.commits):.0f} ms, wall of all {sum(walls):.0f} ms")
        ms, tracked, frozen = self.full_collection
        print(f"-- a full collection at the end: {ms:.1f} ms over {tracked} tracked objects "
              f"({frozen} frozen)")
        print(f"-- all collections: {dict(all_gc)}; over 10 ms: "
              f"{[round(1000 * (g.end - g.start), 1) for g in long_gc][:20]}")
