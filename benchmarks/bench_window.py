"""The window's build and first paint at start-up, by phase (prints figures; #14).

Each run starts the real app (`python -m moniqo_desktop --data-dir COPY --quit-after 0.1`, the
paper exchange, offscreen) in a fresh process on a fresh copy of the store, as
`bench_startup.py` does; the child marks, with wall and CPU clocks, `MainWindow.__init__` and
its phases (the widgets, menus, the saved layout, the rows, the saved selection and chart, the
stylesheet), `show()`, and the wait from `show()` to the window's first paint
(`ui/first_paint.py`). A fresh process each time: the first use of a Qt or pyqtgraph class
costs more than the second, and a start pays it. The figures are medians over the runs with
their lowest-highest spread; a shared machine moves single runs a lot, so the load average is
printed beside them.

The marks are wrappers put around those functions as their modules are imported (nothing in
the app knows of this script); a wrapper costs microseconds.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_window.py --store DIR [--runs 7]
     [--tree DIR ...]   (another source tree of the app, in the same rounds: before/after)
     [--mark MODULE:NAME ...]   (time one more function, e.g. a widget's __init__)
     [--profile FILE]   (cProfile of the build and first paint of one more run, to FILE)
     DIR: a store as bench_startup.py builds it (1 000 open positions, 7 days of updates);
     it is only copied, never written.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PHASES = ("init", "_build", "_build_menus", "_restore_layout", "_load_initial_state",
          "_subscribe", "_restore_state", "apply_stylesheet", "show", "first_paint")
"""What the child times: the whole `MainWindow.__init__`, its steps, `show()`, show -> paint."""


def child(data_dir: Path, root: Path, profile: str | None, extra: list[str]) -> None:
    """Start the app (from the source tree `root`) on `data_dir` with marks around the
    window's phases; print them (JSON)."""
    import importlib.machinery
    import time

    sys.path.insert(0, str(root))
    marks: dict[str, list[float]] = {}
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()

    def timed(name: str, fn):
        def run(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:  # summed over the calls
                before = marks.get(name, [0.0, 0.0])
                marks[name] = [before[0] + (time.perf_counter() - wall) * 1000,
                               before[1] + (time.process_time() - cpu) * 1000]
        return run

    def patch_window(module) -> None:
        cls = module.MainWindow
        for name in PHASES[1:7]:
            setattr(cls, name, timed(name, getattr(cls, name)))
        init = cls.__init__

        def profiled_init(self, *args, **kwargs):
            if profiler is not None:
                profiler.enable()
            init(self, *args, **kwargs)

        cls.__init__ = timed("init", profiled_init)
        show = cls.show

        def show_marked(self):
            marks["_shown_at"] = [time.perf_counter(), time.process_time()]
            timed("show", show)(self)

        cls.show = show_marked

    def patch_theme(module) -> None:
        module.apply_stylesheet = timed("apply_stylesheet", module.apply_stylesheet)

    def patch_first_paint(module) -> None:
        wait = module.first_paint

        async def first_paint(widget, *args, **kwargs):
            painted = await wait(widget, *args, **kwargs)
            wall0, cpu0 = marks.pop("_shown_at")
            marks["first_paint"] = [(time.perf_counter() - wall0) * 1000,
                                    (time.process_time() - cpu0) * 1000]
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            return painted

        module.first_paint = first_paint

    patches = {"moniqo_desktop.ui.main_window": patch_window,
               "moniqo_desktop.ui.theme": patch_theme,
               "moniqo_desktop.ui.first_paint": patch_first_paint}
    for target in extra:  # --mark module:Class.method or module:function
        module_name, _, qualname = target.partition(":")
        owner_name, _, attr = qualname.rpartition(".")

        def patch_extra(module, owner_name=owner_name, attr=attr, target=target,
                        before=patches.get(module_name)):
            if before is not None:
                before(module)
            owner = getattr(module, owner_name) if owner_name else module
            setattr(owner, attr, timed(target, getattr(owner, attr)))
        patches[module_name] = patch_extra

    class Marker:
        """Patches each watched module right after it has run (the app imports them lazily)."""

        def find_spec(self, name, path, target=None):
            if name not in patches:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            if spec is None or spec.loader is None:
                return spec
            execute = spec.loader.exec_module

            def exec_module(module):
                execute(module)
                patches[name](module)
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Marker())
    from moniqo_desktop.__main__ import main

    code = main(["--data-dir", str(data_dir), "--quit-after", "0.1"])
    print(json.dumps(marks))
    sys.exit(code)


def one_run(store: Path, root: Path = ROOT, profile: str | None = None,
            extra: list[str] = ()) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store"
        shutil.copytree(store, copy)
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
        env["QT_QPA_PLATFORM"] = "offscreen"
        cmd = [sys.executable, __file__, "--child", str(copy), "--root", str(root)]
        if profile:
            cmd += ["--profile", profile]
        for target in extra:
            cmd += ["--mark", target]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", default=None, help="also profile one run into this file")
    parser.add_argument("--mark", action="append", default=[], metavar="MODULE:NAME",
                        help="also time this function or Class.method (repeatable), e.g. "
                             "moniqo_desktop.ui.widgets.position_chart:PositionChart.__init__")
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="also start the app from this source tree, in the same rounds "
                             "(e.g. a checkout of the code before a change)")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.root, args.profile, args.mark)
        return
    if args.store is None or not (args.store / "moniqo.sqlite3").exists():
        parser.error("--store DIR: a store as bench_startup.py builds it")
    load = os.getloadavg()[0]
    trees = [ROOT, *(t.resolve() for t in args.tree)]
    for tree in trees:
        one_run(args.store, tree)  # warm the bytecode cache and the file cache
    runs: dict[Path, list[dict[str, list[float]]]] = {tree: [] for tree in trees}
    for i in range(args.runs):  # the order rotates from round to round: load swings even out
        for tree in trees[i % len(trees):] + trees[:i % len(trees)]:
            runs[tree].append(one_run(args.store, tree, extra=args.mark))
    print(f"window build and first paint, {args.runs} fresh starts of each tree on copies of "
          f"{args.store}; medians (lowest-highest), ms")
    for tree in trees:
        report(tree, runs[tree], args.mark)
    print(f"load average: {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    if args.profile:
        one_run(args.store, ROOT, args.profile)
        print(f"profile of one more run of {ROOT}: {args.profile}")


def report(tree: Path, runs: list[dict[str, list[float]]], extra: list[str]) -> None:
    print(f"{tree}:")
    for phase in (*PHASES, *extra):
        if not all(phase in r for r in runs):
            continue
        line = []
        for i, clock in enumerate(("wall", "CPU")):
            values = [r[phase][i] for r in runs]
            line.append(f"{clock} {statistics.median(values):6.1f} "
                        f"({min(values):.1f}-{max(values):.1f})")
        print(f"  {phase:>20}: " + ", ".join(line))
    for i, clock in enumerate(("wall", "CPU")):
        both = [r["init"][i] + r["first_paint"][i] for r in runs]
        print(f"  {'build + first paint':>20} {clock}: {statistics.median(both):6.1f} "
              f"({min(both):.1f}-{max(both):.1f})")


if __name__ == "__main__":
    main()
