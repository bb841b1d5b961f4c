"""Engine cycle time with many open positions on the paper exchange (prints figures).

A cycle = sync open orders + one batched ticker call + mark every position, ratchet stops,
evaluate exits + write changed positions and the update log. Run:
    python benchmarks/bench_engine.py [positions] [cycles]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange

D = Decimal


async def main(n_positions: int, cycles: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # Positions are netted per symbol: n positions need n symbols (paper margin practice
        # on, so a third of them can be shorts).
        symbols = [f"C{i:04d}/USDT" for i in range(n_positions)]
        demo = DemoExchange(prices={s: D("100") for s in symbols},
                            balances={"USDT": D("100000000")}, allow_short=True)
        engine = await Engine.open(Path(tmp) / "bench.sqlite3", demo,
                                   settings=Settings(update_log_min_seconds=0))
        t0 = time.perf_counter()
        for i, symbol in enumerate(symbols):
            price = D("100")
            await engine.place_order(symbol=symbol, side="buy" if i % 3 else "sell",
                                     type="market", amount="1",
                                     stop_loss=str(price * D("0.5")) if i % 3 else str(price * 2),
                                     trailing_stop_percent="40")
        placed = time.perf_counter() - t0
        assert len(engine.positions(open_only=True)) == n_positions
        times = []
        for c in range(cycles):
            for i, symbol in enumerate(symbols):
                demo.set_price(symbol, D(100 + (c + i) % 7))
            t = time.perf_counter()
            await engine.run_cycle()
            times.append(time.perf_counter() - t)
        rows = sum(len(engine.position_updates(p.id)) for p in engine.positions()[:10])
        await engine.close()
    ms = [t * 1000 for t in times]
    print(f"positions: {n_positions}, cycles: {cycles}")
    print(f"placing {n_positions} market orders (write, send, fill, open): {placed:.2f} s "
          f"({placed / n_positions * 1000:.2f} ms each)")
    print(f"cycle time: median {statistics.median(ms):.1f} ms, mean {statistics.mean(ms):.1f} ms, "
          f"p95 {sorted(ms)[int(len(ms) * 0.95) - 1]:.1f} ms, max {max(ms):.1f} ms")
    print(f"update-log rows for 10 positions: {rows}")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    asyncio.run(main(n, k))
