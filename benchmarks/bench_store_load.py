"""The store read at start: the pieces of `Engine.open`, in ms (prints figures, asserts nothing).

A start reads the store before the window can show anything: the file's check, opening the
store (lock, version read), the paper venue's journal (`venue_state.restore`), the working
orders and positions, then the exchange's markets, reconciliation and balances. This script
times each of them the way the app meets them: every run is a fresh process (cold caches, as
at a real start) on a fresh copy of the store, with the imports done before the clock starts
(they are `bench_startup.py`'s business), and the garbage collector paused as the app's entry
point pauses it. The file's check is timed on its own and its answer handed in, as the app
starts it on a thread ahead (`store.sqlite_file.FileCheck`).

The store is the start-up benchmark's (N open positions, one per symbol, D days of hourly
updates; built by `bench_startup.build_store`), given with `--store DIR` or built in a
temporary directory.

Run: python benchmarks/bench_store_load.py [--store DIR] [--runs 9] [--positions N --days D]
     [--profile]  (one more run under cProfile: the functions that cost most, by own time)
     [--tree DIR ...] (time these source trees' code instead of this one's, e.g. a "before"
                  and an "after", in alternating runs under the same load)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PHASES = ("file check", "open store", "venue restore", "working orders", "working positions",
          "markets+reconcile+balances", "Engine.open")
"""What one run reports; "Engine.open" is the whole (the file check not included)."""


def one_run(db: Path, profile: Path | None) -> dict[str, float]:
    """Time the phases of one `Engine.open` on `db`, in this (fresh) process."""
    from moniqo_desktop.gc_pauses import pause_for_start

    pause_for_start()  # as the app's entry point does: no collector passes during a start
    from moniqo_desktop.compose import make_exchange
    from moniqo_desktop.config import Settings
    from moniqo_desktop.engine import Engine, engine as engine_module, venue_state
    from moniqo_desktop.store.repository import Store
    from moniqo_desktop.store.sqlite_file import FileCheck

    import sqlalchemy.dialects.sqlite  # noqa: F401 - an import, not part of the read
    import moniqo_desktop.exchanges.demo  # noqa: F401

    spent: dict[str, float] = {}

    def timed(owner: object, name: str, phase: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[phase] = spent.get(phase, 0.0) + time.perf_counter() - start
                spent["cpu " + phase] = spent.get("cpu " + phase, 0.0) + time.thread_time() - cpu
        setattr(owner, name, wrapper)

    timed(engine_module, "open_store_for", "open store")
    timed(venue_state, "restore", "venue restore")
    timed(Store, "load_working_orders", "working orders")
    timed(Store, "load_working_positions", "working positions")

    async def main() -> None:
        settings = Settings()
        exchange, _ = make_exchange("demo", sandbox=False, settings=settings)
        start = time.perf_counter()
        check = FileCheck.start(db)
        check.wait()
        spent["file check"] = time.perf_counter() - start
        profiler = None
        if profile is not None:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        start, cpu = time.perf_counter(), time.thread_time()
        engine = await Engine.open(db, exchange, settings=settings, early_check=check)
        spent["Engine.open"] = time.perf_counter() - start
        spent["cpu Engine.open"] = time.thread_time() - cpu
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(profile))
        await engine.close()

    asyncio.run(main())
    spent["cpu file check"] = float("nan")  # on a thread of its own, as in the app
    for prefix in ("", "cpu "):
        known = sum(spent.get(prefix + p, 0.0) for p in PHASES[1:5])
        spent[prefix + "markets+reconcile+balances"] = spent[prefix + "Engine.open"] - known
    return {key: value * 1000 for key, value in spent.items()}


def build(store: Path, positions: int, days: int) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_startup import build_store

    store.mkdir(parents=True, exist_ok=True)
    asyncio.run(build_store(store, positions, days))
    (store / "built").write_text(f"{positions} {days}\n")


def child(tree: Path, data: Path, profile: Path | None = None) -> dict[str, float]:
    """One run in a fresh process, importing the app from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree), "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(data)]
    if profile is not None:
        cmd += ["--profile-to", str(profile)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None,
                        help="a data dir holding moniqo.sqlite3 (read only: copied per run)")
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="a source tree whose code runs (repeatable, the runs alternate; "
                        "default: this one)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_run(args.one, args.profile_to)))
        return

    from moniqo_desktop.config import DB_FILENAME  # this tree's name for the file

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "built"
            started = time.perf_counter()
            build(store, args.positions, args.days)
            print(f"store built in {time.perf_counter() - started:.0f} s")
        built = store / "built"
        what = built.read_text().split() if built.exists() else ["?", "?"]
        print(f"store {store}: {what[0]} open positions, {what[1]} days of hourly updates")
        trees = args.tree or [ROOT]
        runs: dict[Path, list[dict[str, float]]] = {tree: [] for tree in trees}
        for n in range(args.runs + 1):  # the first round warms the page and bytecode caches
            for tree in trees[n % len(trees):] + trees[:n % len(trees)]:  # rotating order
                data = Path(tmp) / f"run{n}"
                shutil.copytree(store, data, ignore=shutil.ignore_patterns("logs", "*.lock"))
                result = child(tree, data / DB_FILENAME)
                if n:
                    runs[tree].append(result)
                shutil.rmtree(data)
        for tree, results in runs.items():
            print(f"code {tree}: median of {len(results)} runs (lowest-highest), ms; wall "
                  "time, and CPU time of the thread that reads (what load inflates least):")
            for phase in PHASES:
                wall, cpu = ([r[key] for r in results] for key in (phase, "cpu " + phase))
                print(f"  {phase:>26}: wall {statistics.median(wall):6.1f} "
                      f"({min(wall):.1f}-{max(wall):.1f}), CPU {statistics.median(cpu):6.1f} "
                      f"({min(cpu):.1f}-{max(cpu):.1f})")
        if args.profile:
            data = Path(tmp) / "profiled"
            shutil.copytree(store, data, ignore=shutil.ignore_patterns("logs", "*.lock"))
            stats = Path(tmp) / "open.prof"
            child((args.tree or [ROOT])[0], data / DB_FILENAME, stats)
            import pstats

            print("\nEngine.open under cProfile, by own time:")
            pstats.Stats(str(stats)).sort_stats("tottime").print_stats(30)
    print(f"load average: {load_before[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
