"""NOTIFY-to-table latency in a window connected to a server (`--connect`), with 1 000 open
positions (prints figures; offscreen; needs a PostgreSQL).

The trader's question is "when the server marks a position, how soon does my window show
it?". The server side here writes what a serving engine writes: a position's new mark through
the store, then one NOTIFY after the commit (the kind, and the id when few). The client is the
real `RemoteEngine` with the real `MainWindow` on the qasync loop. Each sample runs from just
before the server's write to the moment the window's positions model holds the new price
(the model's `dataChanged` for that row, checked against the value).

Two cases:
- one position marked, notification with its id (the common cycle: a few positions moved);
- every position marked at once, notification without ids (a cycle that moved everything:
  the window re-reads all open positions); the sample ends when the last row shows its price.

Run:   QT_QPA_PLATFORM=offscreen python benchmarks/bench_notify.py [--positions 1000]
       [--samples 50] [--url postgresql+psycopg://postgres@127.0.0.1:55432/DB]
The URL defaults to MONIQO_TEST_POSTGRES_URL; a fresh schema is made in it and dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from moniqo_desktop import __version__  # noqa: E402
from moniqo_desktop.config import Settings  # noqa: E402
from moniqo_desktop.domain import Position, PositionSide  # noqa: E402
from moniqo_desktop.domain.orders import utcnow  # noqa: E402
from moniqo_desktop.remote import RemoteEngine  # noqa: E402
from moniqo_desktop.store import Store, notify  # noqa: E402
from moniqo_desktop.store.commands import Heartbeat, write_heartbeat  # noqa: E402
from moniqo_desktop.ui.main_window import MainWindow  # noqa: E402
from moniqo_desktop.ui.notifier import Notifier  # noqa: E402

D = Decimal
ACCOUNT = "bench"


def fresh_schema(base: str) -> str:
    schema = "bench_" + uuid.uuid4().hex[:10]
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return make_url(base).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def drop_schema(base: str, url: str) -> None:
    schema = make_url(url).query["options"].split("=", 1)[1]
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def figures(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return (f"{name}: n={len(ms)} median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
            f"max {ms[-1]:.1f} ms")


class Server:
    """The server's writes: marks through the store, one NOTIFY per kind after the commit."""

    def __init__(self, url: str, count: int) -> None:
        self.store = Store.open(url)
        now = utcnow()
        write_heartbeat(self.store, Heartbeat(
            account=ACCOUNT, host="bench", pid=os.getpid(), exchange="demo", mode="paper",
            version=__version__, started_at=now, beat_at=now))
        self.positions = [
            Position(symbol=f"C{i:04d}/USDT", side=PositionSide.LONG, amount=D("1"),
                     entry_price=D("100"), entry_fees=D("0.1"), opened_at=now + timedelta(
                         microseconds=i))
            for i in range(count)]
        for p in self.positions:
            p.update_price(D("100"))
        self.store.save(*self.positions)

    def mark(self, positions: list[Position], price: Decimal, with_ids: bool) -> None:
        for p in positions:
            p.update_price(price)
        self.store.save(*positions)
        with self.store._transaction("notify", write=False) as conn:
            notify.send(conn, ACCOUNT, "positions",
                        [p.id for p in positions] if with_ids else None)


async def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window never showed the change")
        await asyncio.sleep(0)


async def run(url: str, count: int, samples: int) -> None:
    server = Server(url, count)
    engine = await RemoteEngine.open(url, account=ACCOUNT)
    tmp = tempfile.mkdtemp()
    window = MainWindow(engine, Settings(), qsettings=QSettings(
        str(Path(tmp) / "ui.ini"), QSettings.Format.IniFormat),
        notifier=Notifier(enabled=False), duration_refresh_ms=0)
    window.show()
    model = window.positions.model
    await wait_until(lambda: model.rowCount() == count)
    price_col = model.column_index("current_price")

    seen: dict[int, float] = {}
    wanted: dict[int, str] = {}

    def changed(top, bottom, *_args) -> None:
        now = time.perf_counter()
        for row in range(top.row(), bottom.row() + 1):
            if row in wanted and row not in seen and \
                    model.index(row, price_col).data() == wanted[row]:
                seen[row] = now

    model.dataChanged.connect(changed)
    shown = {p.id: model.row_of(p.id) for p in server.positions}

    one: list[float] = []
    one_notify: list[float] = []
    price = D("100")
    for i in range(samples):
        position = server.positions[(i * 37) % count]
        price += D("0.5")
        row = shown[position.id]
        seen.clear()
        wanted.clear()
        wanted[row] = f"{price:,.2f}"
        start = time.perf_counter()
        server.mark([position], price, with_ids=True)
        committed = time.perf_counter()
        await wait_until(lambda: row in seen)
        one.append(seen[row] - start)
        one_notify.append(seen[row] - committed)
        await asyncio.sleep(0.02)

    every: list[float] = []
    every_notify: list[float] = []
    for _ in range(max(3, samples // 10)):
        price += D("0.5")
        seen.clear()
        wanted.clear()
        wanted.update({shown[p.id]: f"{price:,.2f}" for p in server.positions})
        start = time.perf_counter()
        server.mark(server.positions, price, with_ids=False)
        committed = time.perf_counter()
        await wait_until(lambda: len(seen) == count)
        every.append(max(seen.values()) - start)
        every_notify.append(max(seen.values()) - committed)
        await asyncio.sleep(0.05)

    load = os.getloadavg()
    print(f"{count} open positions; PostgreSQL {make_url(url).host}; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(figures("one position, NOTIFY (after the commit) with its id -> its row shows it",
                  one_notify))
    print(figures("  the same from the start of the server's write", one))
    print(figures(f"all {count} marked, NOTIFY without ids -> the last row shows it",
                  every_notify))
    print(figures("  the same from the start of the server's write", every))
    window.close()
    await engine.close()
    server.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--url", default=os.environ.get("MONIQO_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    if not args.url:
        sys.exit("give --url or MONIQO_TEST_POSTGRES_URL (a scratch PostgreSQL database)")
    url = fresh_schema(args.url)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_until_complete(run(url, args.positions, args.samples))
    finally:
        drop_schema(args.url, url)


if __name__ == "__main__":
    main()
