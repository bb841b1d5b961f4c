"""Start-up: `moniqo-desktop --quit-after 0.1` next to the floor, side by side (prints figures).

The floor is `shared/bench/startup_floor.py` (a bare PySide6 + pyqtgraph + qasync window with a
10 000-row table, quitting after 0.1 s). The app starts on a store of N open positions (one per
symbol: positions are net per symbol) with D days of hourly position updates each, the paper
exchange, offscreen. Both paint once before they quit (the app's `--quit-after` is due before its
window exists; its engine's first pass waits for the first paint, so the window paints whole,
with its data, then the app quits).

On a shared machine one start moves by a tenth of a second or more (the floor alone moved
0.15 s between runs of the same code), so every round runs each command once, in an order that
rotates from round to round (app, floor; then floor, app; ...), and the figures are the medians
over the rounds with their spread (lowest-highest) - and the ratio is also taken within each
round (app / floor of the same round), which cancels the load's slow swings. Wall time, CPU time
(user + system: what load on a shared machine inflates least) and peak RSS of each child are
measured. `--tree DIR` (repeatable) adds another source tree of the app to the same rounds, so a
"before" and an "after" run under the same load, back to back.

Bytecode is cached as on a user's machine (PYTHONDONTWRITEBYTECODE removed from the children's
environment, a temporary PYTHONPYCACHEPREFIX warmed by a first run of each command): with it set,
the app would recompile its own hundred modules on every start while the floor has none.

The store given with `--store DIR` is built there once and then only copied (each code runs on
its own copy: a start writes into its store - the window's state, the marks - and a shared one
would drift between codes).

`--imports` then runs the same rounds under `python -X importtime` and prints, per code, the
modules imported and their total import self time, and for the app the self time of the modules
the floor does not import, by top-level package (medians).

Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_startup.py [--positions 1000] [--days 7]
     [--runs 9] [--floor PATH] [--store DIR] [--tree DIR ...] [--imports]
     --store DIR keeps the built store in DIR and reuses it on the next run (building it takes
     minutes on a loaded machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

D = Decimal


async def build_store(data_dir: Path, positions: int, days: int) -> None:
    from moniqo_desktop.config import DB_FILENAME, Settings
    from moniqo_desktop.domain.orders import utcnow
    from moniqo_desktop.engine import Engine
    from moniqo_desktop.exchanges import DemoExchange
    from moniqo_desktop.store import PositionUpdate

    prices = {"BTC/USDT": D("50000"), "ETH/USDT": D("3000")}
    for i in range(len(prices), positions):
        prices[f"C{i:04d}/USDT"] = D(10 + i * 7)
    demo = DemoExchange(prices=prices, balances={"USDT": D("1000000000")})
    engine = await Engine.open(data_dir / DB_FILENAME, demo, settings=Settings())
    for symbol, price in prices.items():
        market = demo.market(symbol)
        await engine.place_order(symbol=symbol, side="buy", type="market",
                                 amount=market.round_amount(D(50) / price) or market.min_amount,
                                 stop_loss=market.round_price(price * D("0.5")))
    now = utcnow()
    rows = []
    for p in engine.positions(open_only=True):
        for h in range(days * 24):
            at = now - timedelta(hours=h)
            rows.append(PositionUpdate(position_id=p.id, at=at, price=p.entry_price,
                                       unrealized_pnl=D(0), drawdown=D(0),
                                       stop_loss=p.stop_loss, high_water_mark=p.entry_price,
                                       low_water_mark=p.entry_price))
        if len(rows) > 20_000:
            engine.ctx.store.add_position_updates(rows)
            rows = []
    engine.ctx.store.add_position_updates(rows)
    await engine.close()


Sample = tuple[float, float, float]
"""Wall seconds, CPU seconds, peak MiB of one start."""


def child_env(pycache: Path, path: str | None) -> dict[str, str]:
    """A start's environment: bytecode cached in `pycache`, the app imported from `path`.
    A start from a tree also runs in it (`cwd=path`): `python -m` puts the working directory
    ahead of PYTHONPATH, and from another checkout would start that checkout's code."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(pycache))
    if path is not None:
        env["PYTHONPATH"] = path
    return env


def measure(cmd: list[str], pycache: Path, path: str | None = None) -> Sample:
    """Run `cmd` under a tiny wrapper that reports its own child's wall time, CPU time and
    peak RSS. `path`: the source tree to import the app from (PYTHONPATH)."""
    wrapper = ("import resource,subprocess,sys,time;t=time.perf_counter();"
               "subprocess.run(sys.argv[1:],check=True,capture_output=True);"
               "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
               "print(time.perf_counter()-t, r.ru_utime+r.ru_stime, r.ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True,
                         capture_output=True, text=True, env=child_env(pycache, path),
                         cwd=path).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


Imports = dict[str, int]
"""Each module a start imported -> its own import time in microseconds (`-X importtime`)."""


def import_times(cmd: list[str], pycache: Path, path: str | None = None) -> Imports:
    """One start of `cmd` under `python -X importtime`: every module's self time."""
    err = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], check=True,
                         capture_output=True, text=True, env=child_env(pycache, path),
                         cwd=path).stderr
    times: Imports = {}
    for line in err.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own, _cumulative, name = line[len("import time:"):].split("|")
            times[name.strip()] = int(own)
    return times


def report_imports(profiles: dict[str, list[Imports]]) -> None:
    """Modules and import self time per code; for the app, what the floor does not import,
    by top-level package (ours: moniqo_desktop). Medians over the rounds, in ms."""
    in_floor = set().union(*profiles["floor"])
    print(f"imports (-X importtime self times, medians of {len(profiles['floor'])} rounds):")
    for label, runs in profiles.items():
        count = statistics.median(len(p) for p in runs)
        total = statistics.median(sum(p.values()) for p in runs) / 1000
        line = f"{label:>24}: {count:.0f} modules, {total:.0f} ms in all"
        if label != "floor":
            groups: dict[str, list[float]] = {}
            for p in runs:
                sums: dict[str, float] = {}
                for module, own in p.items():
                    if module not in in_floor:
                        top = module.split(".")[0]
                        sums[top] = sums.get(top, 0.0) + own / 1000
                for top, ms in sums.items():
                    groups.setdefault(top, []).append(ms)
            beyond = statistics.median(sum(own for m, own in p.items() if m not in in_floor)
                                       for p in runs) / 1000
            top = sorted(((statistics.median(v), g) for g, v in groups.items()), reverse=True)
            line += (f"; {beyond:.0f} ms in modules the floor does not import: "
                     + ", ".join(f"{g} {ms:.1f}" for ms, g in top[:8]))
        print(line)


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """The median and the lowest-highest of `values`."""
    return (f"{fmt.format(statistics.median(values))} "
            f"({fmt.format(min(values))}-{fmt.format(max(values))})")


def report(results: dict[str, list[Sample]], runs: int) -> None:
    floor = results["floor"]
    print(f"medians of {runs} rounds (lowest-highest):")
    for label, samples in results.items():
        wall, cpu, peak = ([s[i] for s in samples] for i in range(3))
        print(f"{label:>24}: wall {spread(wall)} s, CPU {spread(cpu)} s, "
              f"peak {spread(peak, '{:.0f}')} MiB")
    for label, samples in results.items():
        if label == "floor":
            continue
        ratios = [[a[i] / f[i] for a, f in zip(samples, floor)] for i in range(3)]
        med = [statistics.median(s[i] for s in samples) / statistics.median(f[i] for f in floor)
               for i in range(3)]
        print(f"{label:>24} / floor: ratio of medians {med[0]:.2f}x wall, {med[1]:.2f}x CPU, "
              f"{med[2]:.2f}x memory; per round: wall {spread(ratios[0])}x, "
              f"CPU {spread(ratios[1])}x, memory {spread(ratios[2])}x")


T = TypeVar("T")


def rounds(commands: dict[str, tuple[list[str], str | None]], pycache: Path, runs: int,
           probe: Callable[[list[str], Path, str | None], T]) -> dict[str, list[T]]:
    """`runs` rounds of `probe(cmd, pycache, path)` for each command, in an order that rotates
    from round to round. (The rounds once passed the tree as the bytecode dir and the bytecode
    dir as the tree, so every `--tree` started the code of the working directory.)"""
    results: dict[str, list[T]] = {label: [] for label in commands}
    labels = list(commands)
    for round_ in range(runs):
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            cmd, path = commands[label]
            results[label].append(probe(cmd, pycache, path))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=9)
    floors = [base / "shared" / "bench" / "startup_floor.py"
              for base in (ROOT.parent, ROOT.parent.parent)]  # a clone's or a worktree's
    parser.add_argument("--floor", type=Path,
                        default=next((f for f in floors if f.exists()), floors[0]))
    parser.add_argument("--store", type=Path, default=None,
                        help="build the store here once and reuse it (never changed after)")
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="also start the app from this source tree, in the same rounds")
    parser.add_argument("--imports", action="store_true",
                        help="then the same rounds under -X importtime: modules and import self "
                             "time of each code, and what the app imports beyond the floor")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        built = args.store or Path(tmp) / "store"
        if not (built / "built").exists():
            built.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            asyncio.run(build_store(built, args.positions, args.days))
            (built / "built").write_text(f"{args.positions} {args.days}\n")
            print(f"store built in {time.perf_counter() - t:.0f} s")
        positions, days = (int(v) for v in (built / "built").read_text().split())
        print(f"store: {positions} open positions, {days} days of hourly updates "
              f"({positions * days * 24} rows)")
        trees = {"app": ROOT, **{f"app@{tree}": tree.resolve() for tree in args.tree}}
        commands: dict[str, tuple[list[str], str | None]] = {}
        for n, (label, tree) in enumerate(trees.items()):
            data = Path(tmp) / f"store{n}"
            shutil.copytree(built, data)
            commands[label] = ([sys.executable, "-m", "moniqo_desktop", "--data-dir", str(data),
                                "--quit-after", "0.1"], str(tree))
        commands["floor"] = ([sys.executable, str(args.floor)], None)
        pycache = Path(tmp) / "pycache"
        for cmd, path in commands.values():  # compile and cache bytecode, warm the page cache
            measure(cmd, pycache, path)
        results = rounds(commands, pycache, args.runs, measure)
        # apart: importtime slows a start
        profiles = rounds(commands, pycache, args.runs if args.imports else 0, import_times)
    report(results, args.runs)
    if args.imports:
        report_imports(profiles)
    print(f"load average: {load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
