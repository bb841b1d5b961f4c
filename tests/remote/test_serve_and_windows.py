"""End to end: `moniqo-desktop serve` as a real subprocess on the paper exchange, two windows'
engines (`RemoteEngine`) on the same PostgreSQL schema. A command from client A is executed
once and both clients hear of it through NOTIFY within one server poll; a refusal comes back to
A with the server's words; the clients hold no keys and take no lock."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from moniqo_desktop.domain import DomainError, OrderStatus
from moniqo_desktop.engine.events import ConnectionState, OrderChanged
from moniqo_desktop.remote import RemoteEngine

from server_harness import until

pytest.importorskip("moniqo_desktop.server.service", reason="needs `serve` (#16 part A)")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from serve_process import ServeProcess, serve_env  # noqa: E402


@pytest.fixture
def serving(pg_url, account, tmp_path):
    server = ServeProcess(["--database", pg_url, "--account", account, "--data-dir",
                           str(tmp_path)], serve_env(tmp_path))
    yield server
    server.kill()


def count(url: str, sql: str) -> int:
    db = create_engine(url)
    try:
        with db.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        db.dispose()


async def test_one_server_two_clients(serving, pg_url, account):
    await asyncio.to_thread(serving.wait_for, "serving account")
    a = await RemoteEngine.open(pg_url, account=account)
    b = await RemoteEngine.open(pg_url, account=account)
    heard: dict[str, float] = {}
    b.events.subscribe(lambda e: heard.setdefault(e.order.id, time.monotonic()), OrderChanged)
    try:
        assert a.server.pid == serving.pid and a.venue_mode.value == "paper"
        await until(lambda: a.connection_state is ConnectionState.CONNECTED, timeout=30)
        await until(lambda: "BTC/USDT" in a.markets(), timeout=30)

        order = await a.place_order(symbol="BTC/USDT", side="buy", type="market",
                                    amount="0.01")
        answered = time.monotonic()
        assert order.status is OrderStatus.FILLED and order.client_order_id.startswith("mq")
        await until(lambda: order.id in heard, timeout=b.poll_interval * 5)
        # B heard of it from the server's NOTIFY, no later than one poll after A's answer
        assert heard[order.id] - answered <= b.poll_interval
        await until(lambda: len(b.positions(open_only=True)) == 1, timeout=10)
        assert count(pg_url, "SELECT count(*) FROM commands WHERE status = 'done'") == 1
        assert count(pg_url, "SELECT count(*) FROM paper_orders") == 1  # once on the venue

        with pytest.raises(DomainError, match=r"you hold 0\.01 BTC; sell at most 0\.01"):
            await a.place_order(symbol="BTC/USDT", side="sell", type="market", amount="0.5")
        assert count(pg_url, "SELECT count(*) FROM commands WHERE status = 'refused'") == 1
        assert count(pg_url, "SELECT count(*) FROM paper_orders") == 1

        position = b.positions(open_only=True)[0]
        closing = await b.close_position(position.id)  # the other window closes it
        assert closing.status is OrderStatus.FILLED
        await until(lambda: not a.positions(open_only=True), timeout=10)
    finally:
        await a.close()
        await b.close()
    assert serving.stop(signal.SIGTERM) == 0
