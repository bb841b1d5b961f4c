"""Start-up: `moniqo-desktop --quit-after 0.1` next to the floor, side by side (prints figures).

The floor is `shared/bench/startup_floor.py` (a bare PySide6 + pyqtgraph + qasync window with a
10 000-row table, quitting after 0.1 s). The app starts on a store of N open positions (one per
symbol: positions are net per symbol) with D days of hourly position updates each, the paper
exchange, offscreen. Runs alternate (app, floor, app, floor, ...) so load on the machine hits both
alike; wall time and peak RSS of each child process are reported as medians.

Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_startup.py [--positions 1000] [--days 7]
     [--runs 5] [--floor PATH]
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


def measure(cmd: list[str]) -> tuple[float, float]:
    """Run `cmd` under a tiny wrapper that reports its own child's peak RSS."""
    wrapper = ("import resource,subprocess,sys,time;t=time.perf_counter();"
               "subprocess.run(sys.argv[1:],check=True,capture_output=True);"
               "print(time.perf_counter()-t, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5)
    floors = [base / "shared" / "bench" / "startup_floor.py"
              for base in (ROOT.parent, ROOT.parent.parent)]  # a clone's or a worktree's
    parser.add_argument("--floor", type=Path,
                        default=next((f for f in floors if f.exists()), floors[0]))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        t = time.perf_counter()
        asyncio.run(build_store(data, args.positions, args.days))
        print(f"store: {args.positions} open positions, {args.days} days of hourly updates "
              f"({args.positions * args.days * 24} rows), built in {time.perf_counter() - t:.0f} s")
        app = [sys.executable, "-m", "moniqo_desktop", "--data-dir", str(data),
               "--quit-after", "0.1"]
        floor = [sys.executable, str(args.floor)]
        measure(app)  # warm the page cache and the store's first open
        results: dict[str, list[tuple[float, float]]] = {"app": [], "floor": []}
        for _ in range(args.runs):
            results["app"].append(measure(app))
            results["floor"].append(measure(floor))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(m for _, m in v))
           for k, v in results.items()}
    (aw, am), (fw, fm) = med["app"], med["floor"]
    print(f"app   --quit-after 0.1: {aw:.2f} s wall, {am:.0f} MiB peak (median of {args.runs})")
    print(f"floor startup_floor.py: {fw:.2f} s wall, {fm:.0f} MiB peak")
    print(f"ratio: {aw / fw:.2f}x wall, {am / fm:.2f}x memory")


if __name__ == "__main__":
    main()
