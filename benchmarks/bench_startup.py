"""Start-up: `moniqo-desktop --quit-after 0.1` next to the floor, side by side (prints figures).

The floor is `shared/bench/startup_floor.py` (a bare PySide6 + pyqtgraph + qasync window with a
10 000-row table, quitting after 0.1 s). The app starts on a store of N open positions (one per
symbol: positions are net per symbol) with D days of hourly position updates each, the paper
exchange, offscreen. Runs alternate (app, floor, app, floor, ...) so load on the machine hits both
alike; wall time, CPU time (user + system: what load on a shared machine inflates least) and
peak RSS of each child process are reported as medians. Both paint once before they quit (the
app's `--quit-after` is due before its window exists; its engine's first pass waits for the
first paint, so the window paints, then the app quits).

Both run with compiled bytecode cached (in a temporary PYTHONPYCACHEPREFIX, warmed by a first
run), as an installed app does: with PYTHONDONTWRITEBYTECODE set, the app would otherwise
recompile its own hundred modules on every start while the floor has none.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_startup.py [--positions 1000] [--days 7]
     [--runs 5] [--floor PATH] [--store DIR]
     --store DIR keeps the built store in DIR and reuses it on the next run (building it takes
     minutes on a loaded machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

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


def measure(cmd: list[str], pycache: Path) -> tuple[float, float, float]:
    """Run `cmd` under a tiny wrapper that reports its own child's wall time, CPU time and
    peak RSS."""
    wrapper = ("import resource,subprocess,sys,time;t=time.perf_counter();"
               "subprocess.run(sys.argv[1:],check=True,capture_output=True);"
               "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
               "print(time.perf_counter()-t, r.ru_utime+r.ru_stime, r.ru_maxrss/1024)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(pycache))
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True,
                         capture_output=True, text=True, env=env).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5)
    floors = [base / "shared" / "bench" / "startup_floor.py"
              for base in (ROOT.parent, ROOT.parent.parent)]  # a clone's or a worktree's
    parser.add_argument("--floor", type=Path,
                        default=next((f for f in floors if f.exists()), floors[0]))
    parser.add_argument("--store", type=Path, default=None,
                        help="build the store here once and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.store or Path(tmp) / "store"
        if not (data / "built").exists():
            data.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            asyncio.run(build_store(data, args.positions, args.days))
            (data / "built").write_text(f"{args.positions} {args.days}\n")
            print(f"store built in {time.perf_counter() - t:.0f} s")
        positions, days = (int(v) for v in (data / "built").read_text().split())
        print(f"store: {positions} open positions, {days} days of hourly updates "
              f"({positions * days * 24} rows)")
        app = [sys.executable, "-m", "moniqo_desktop", "--data-dir", str(data),
               "--quit-after", "0.1"]
        floor = [sys.executable, str(args.floor)]
        pycache = Path(tmp) / "pycache"
        measure(app, pycache)  # compile and cache bytecode, warm the page cache
        measure(floor, pycache)
        results: dict[str, list[tuple[float, float, float]]] = {"app": [], "floor": []}
        for _ in range(args.runs):
            results["app"].append(measure(app, pycache))
            results["floor"].append(measure(floor, pycache))
    med = {k: tuple(statistics.median(run[i] for run in v) for i in range(3))
           for k, v in results.items()}
    (aw, ac, am), (fw, fc, fm) = med["app"], med["floor"]
    print(f"app   --quit-after 0.1: {aw:.2f} s wall, {ac:.2f} s CPU, {am:.0f} MiB peak "
          f"(median of {args.runs})")
    print(f"floor startup_floor.py: {fw:.2f} s wall, {fc:.2f} s CPU, {fm:.0f} MiB peak")
    print(f"ratio: {aw / fw:.2f}x wall, {ac / fc:.2f}x CPU, {am / fm:.2f}x memory")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
