"""One real server process (`moniqo-desktop serve`, paper exchange, PostgreSQL) and two window
engines (`RemoteEngine`, what `--connect` runs): an order client A asks for is executed once by
the server and reaches both clients through NOTIFY alone (a `RemoteEngine` has no polling loop:
whatever it shows came from a notification and the re-read it triggered)."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

from moniqo_desktop.domain import OrderStatus
from moniqo_desktop.engine.events import OrderChanged
from moniqo_desktop.remote import RemoteEngine
from moniqo_desktop.store import Store
from moniqo_desktop.store.paper_journal import PaperJournal

from serve_process import DEADLINE, ServeProcess, serve_env


async def until(predicate, what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"{what}: not within {DEADLINE} s")
        await asyncio.sleep(0.05)


async def test_one_server_two_windows_an_order_runs_once_and_both_see_it(
        pg_url: str, account: str, tmp_path: Path) -> None:
    server = ServeProcess(["--database", pg_url, "--account", account, "--data-dir",
                           str(tmp_path)], serve_env(tmp_path))
    a = b = None
    try:
        server.wait_for("serving account")
        a = await RemoteEngine.open(pg_url, account=account)
        b = await RemoteEngine.open(pg_url, account=account)
        heard: list[str] = []
        b.events.subscribe(lambda e: heard.append(e.order.id), OrderChanged)
        assert a.server_text == b.server_text and str(server.pid) in a.server_text
        await until(lambda: "BTC/USDT" in a.markets(), "the server's markets")

        order = await asyncio.wait_for(
            a.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01"),
            DEADLINE)
        assert order.status is OrderStatus.FILLED
        await until(lambda: order.id in heard, "client B told of the order")
        assert [o.id for o in b.orders()] == [order.id]
        await until(lambda: len(b.positions(open_only=True)) == 1, "client B's position")

        with Store.open(pg_url) as store:  # one order on the server and on the paper venue
            assert [o.id for o in store.load_orders()] == [order.id]
            venue = PaperJournal(store, "demo").all_orders()
            assert [v["client_order_id"] for v in venue] == [order.client_order_id]
    finally:
        for client in (a, b):
            if client is not None:
                await client.close()
        if server.proc.poll() is None:
            assert server.stop(signal.SIGTERM) == 0
        server.kill()
