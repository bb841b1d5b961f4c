"""Store throughput on a real SQLite file: the figures the engine's cycle budget depends on.

The engine saves every open position on every cycle (every ~2 s) and logs price samples, so
saving 1 000 positions must take a small fraction of a cycle. Prints figures; asserts nothing
(timing belongs in a benchmark, not in a unit test).

    python benchmarks/bench_store.py [--positions 1000] [--updates 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from moniqo_desktop.domain import Fill, Order, OrderStatus, Position
from moniqo_desktop.store import PositionUpdate, Store

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, best) wall time in milliseconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), min(runs)


def make_positions(n: int) -> list[Position]:
    out = []
    for i in range(n):
        p = Position(
            symbol="BTC/USDT" if i % 2 else "ETH/USDT",
            side="long" if i % 3 else "short",
            amount=Decimal("0.123456789") + i,
            entry_price=Decimal("50000.12345678") + i,
            entry_fees=Decimal("6.17283950617"),
            opened_at=T0 + timedelta(seconds=i),
        )
        p.trailing_stop_percent = Decimal("2.5")
        out.append(p)
    return out


def make_orders(n: int) -> list[Order]:
    out = []
    for i in range(n):
        o = Order(symbol="BTC/USDT", side="buy", type="limit", amount=Decimal("1"),
                  price=Decimal("50000.5"), created_at=T0 + timedelta(seconds=i))
        o.update_status(OrderStatus.SUBMITTED, "sent", T0)
        o.add_fill(Fill(fill_id=f"{i}-a", amount=Decimal("0.4"), price=Decimal("50000.5"),
                        fee=Decimal("0.0004"), fee_currency="BTC", at=T0))
        o.add_fill(Fill(fill_id=f"{i}-b", amount=Decimal("0.6"), price=Decimal("50000.4"),
                        fee=Decimal("30.00024"), fee_currency="USDT", at=T0))
        out.append(o)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, m, r = args.positions, args.updates, args.repeat

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        rows: list[tuple[str, float, float]] = []

        start = time.perf_counter()
        store = Store.open(path)
        rows.append(("open + migrate a new file", (time.perf_counter() - start) * 1000, 0.0))

        positions = make_positions(n)
        start = time.perf_counter()
        store.save(*positions)
        rows.append((f"save {n} new positions (insert)", (time.perf_counter() - start) * 1000, 0.0))

        # What the engine does each cycle: new prices on every position, then save them all.
        # Only the save is timed; the domain's mark-to-market happens before it.
        save_times = []
        for tick in range(1, r + 1):
            for i, p in enumerate(positions):
                p.update_price(p.entry_price + (i % 7) - 3 + tick, T0 + timedelta(seconds=tick))
            start = time.perf_counter()
            store.save(*positions)
            save_times.append((time.perf_counter() - start) * 1000)
        rows.append((f"save {n} changed positions (update)", statistics.median(save_times),
                     min(save_times)))
        rows.append((f"load {n} positions", *timed(store.load_positions, r)))
        rows.append((f"load open positions ({n})", *timed(lambda: store.load_positions(True), r)))

        updates = [
            PositionUpdate(
                position_id=positions[i % n].id, at=T0 + timedelta(seconds=i),
                price=Decimal("50123.45678") + i, unrealized_pnl=Decimal("-12.3456789"),
                drawdown=Decimal("0.12345"), stop_loss=Decimal("49000.1"),
                high_water_mark=Decimal("50200.5"), low_water_mark=Decimal("49900.25"),
            )
            for i in range(m)
        ]
        start = time.perf_counter()
        store.add_position_updates(updates)
        rows.append((f"save {m} position updates", (time.perf_counter() - start) * 1000, 0.0))
        per_position = m // n
        rows.append((f"query one position's updates ({per_position})",
                     *timed(lambda: store.position_updates(positions[0].id), r)))
        start = time.perf_counter()
        deleted = store.prune_position_updates(T0 + timedelta(seconds=m // 2))
        rows.append((f"prune {deleted} old updates", (time.perf_counter() - start) * 1000, 0.0))

        orders = make_orders(n)
        start = time.perf_counter()
        store.save(*orders)
        rows.append((f"save {n} new orders (2 fills, 4 status rows each)",
                     (time.perf_counter() - start) * 1000, 0.0))
        rows.append((f"re-save {n} unchanged orders", *timed(lambda: store.save(*orders), r)))
        rows.append((f"load {n} orders with fills and history", *timed(store.load_orders, r)))

        store.close()
        size = path.stat().st_size

    print(f"Store benchmark — SQLite file, {n} positions, {m} updates, median of {r} runs")
    print(f"{'operation':<52} {'median ms':>10} {'best ms':>9}")
    for name, median, best in rows:
        best_text = f"{best:9.1f}" if best else " " * 9
        print(f"{name:<52} {median:10.1f} {best_text}")
    print(f"database file after close: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
