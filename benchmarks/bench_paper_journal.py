"""The paper account's persistence: the old whole-account JSON rewrite vs the journal.

Builds a paper account with a history of N finished orders (default 1 000, about the size the
issue measured: ~0.55 MB of JSON), then times, on a real SQLite file:
- "snapshot": the old way, `store.set_state(...)` of the whole `snapshot()` (done whenever anything
  in the account changed, prices included);
- "journal, trade": one market order accepted and filled, written by the journal (the order, its
  fill, two balances, the counters: one transaction);
- "journal, price tick": a price move with no trade (writes nothing).
Also prints bytes written per day at the default 2 s poll for a price-only day. Prints figures,
asserts nothing.

    python benchmarks/bench_paper_journal.py [--orders 1000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from moniqo_desktop.domain import Order
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.store import Store
from moniqo_desktop.store.paper_journal import PaperJournal

D = Decimal


async def build(orders: int) -> DemoExchange:
    ex = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000000")})
    ex.keep_closed_for = None  # keep the whole history, like a week of trading
    for i in range(orders):
        side = "buy" if i % 2 == 0 else "sell"
        await ex.create_order(Order(symbol="BTC/USDT", side=side, type="market", amount=D("0.01")))
    return ex


def ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.2f} ms, best {min(samples) * 1000:.2f} ms"


async def main(orders: int, repeat: int) -> None:
    ex = await build(orders)
    snapshot = ex.snapshot()
    size = len(json.dumps(snapshot))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.sqlite3")
        old = []
        for i in range(repeat):
            ex.set_price("BTC/USDT", D(50000 + i))
            t = time.perf_counter()
            store.set_state("exchange:demo", ex.snapshot())
            old.append(time.perf_counter() - t)
        journal = PaperJournal(store, "demo")
        t = time.perf_counter()
        ex.attach_journal(journal)
        first = time.perf_counter() - t
        trade, tick = [], []
        for i in range(repeat):
            writes = journal.writes
            t = time.perf_counter()
            await ex.create_order(Order(symbol="BTC/USDT", side="buy", type="market",
                                        amount=D("0.01")))
            trade.append(time.perf_counter() - t)
            assert journal.writes == writes + 1
            t = time.perf_counter()
            ex.set_price("BTC/USDT", D(51000 + i))
            tick.append(time.perf_counter() - t)
            assert journal.writes == writes + 1
        store.close()
    per_day = 86400 / 2
    print(f"paper account with {orders} orders: snapshot {size / 1e6:.2f} MB of JSON")
    print(f"snapshot rewrite (old, every change incl. prices): {ms(old)}")
    print(f"  at a 2 s poll on a price-only day: {size * per_day / 1e9:.1f} GB/day written")
    print(f"journal start (import of the account, once):        {first * 1000:.1f} ms")
    print(f"journal, one trade (order+fill+balances+counters):  {ms(trade)}")
    print(f"journal, price tick without a trade:                {ms(tick)} (0 bytes written)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.repeat))
