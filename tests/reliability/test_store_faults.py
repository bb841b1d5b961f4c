"""Store faults: a full disk and a read-only store are reported, lose nothing, and the app
recovers when the cause goes. (The second instance is test_second_instance.py.)

A full disk is SQLite's own: `PRAGMA max_page_count` at the current size makes every write that
needs a new page fail with SQLITE_FULL, exactly as a full file system does.
"""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal

import pytest
from sqlalchemy import event

from fake_clock import FakeClock

from invariants import check_all
from readonly import read_only_dir

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import OrderStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import EngineError, Event
from moniqo_desktop.store import StoreError

from workload import paper_venue

D = Decimal


class DiskFull:
    """Cap the store's file at its current size on every connection (and lift the cap)."""

    def __init__(self, engine: Engine) -> None:
        self.sql = engine.ctx.store._engine
        self.path = engine.ctx.store.path

    def _on_connect(self, dbapi_conn, _record) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    def __enter__(self) -> "DiskFull":
        event.listen(self.sql, "connect", self._on_connect)
        self.sql.dispose()
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.sql, "connect", self._on_connect)
        self.sql.dispose()


async def test_full_disk_is_reported_nothing_lost_and_it_recovers(tmp_path):
    clock = FakeClock()
    venue = paper_venue()
    engine = await Engine.open(tmp_path / "m.sqlite3", venue,
                               settings=Settings(update_log_min_seconds=0), clock=clock)
    errors: list[Event] = []
    engine.events.subscribe(errors.append, EngineError)
    try:
        first = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                         amount="0.05", stop_loss="45000")
        resting = await engine.place_order(symbol="ETH/USDT", side="buy", type="limit",
                                           amount="1", price="2950", stop_loss="2800")
        assert first.status is OrderStatus.FILLED and resting.status is OrderStatus.OPEN
        sent_before = venue.calls["create_order"]
        with DiskFull(engine):
            # 1. a new order cannot be written: refused before it is sent
            with pytest.raises(StoreError):
                for _ in range(50):  # until a write needs a page the cap forbids
                    await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                             amount="0.01", stop_loss="45000")
            refused_sends = venue.calls["create_order"] - sent_before
            # 2. the market reaches the resting limit: the venue cannot book the fill, so the
            #    fill does not happen (the venue says so) instead of happening half-way
            venue_refused = 0
            for price in ("2960", "2940", "2930"):
                try:
                    venue.set_price("ETH/USDT", D(price))
                except Exception as exc:  # ExchangeUnavailable: the venue could not save
                    assert "could not save" in str(exc)
                    venue_refused += 1
                await engine.run_cycle()
            # whichever write hit the cap (the engine's or the venue's), it was reported
            assert errors or venue_refused
        # every order that reached the venue is in the store and vice versa, right now
        assert check_all(engine.ctx.store, venue, engine, synced=False) == []
        # 3. the cause goes: the fill happens at the next price, everything adds up
        venue.set_price("ETH/USDT", D("2940"))
        for _ in range(3):
            clock.advance(seconds=40)
            await engine.run_cycle()
        assert engine.order(resting.id).status is OrderStatus.FILLED
        again = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                         amount="0.01", stop_loss="45000")
        assert again.status is OrderStatus.FILLED
        assert check_all(engine.ctx.store, venue, engine) == []
        assert refused_sends <= 50
    finally:
        await engine.close()


def test_read_only_store_is_refused_untouched_and_opens_again(tmp_path):
    async def trade(path) -> None:
        engine = await Engine.open(path, paper_venue())
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.05",
                                 stop_loss="45000")
        await engine.close()

    async def reopen(path) -> list[str]:
        venue = paper_venue()
        engine = await Engine.open(path, venue)
        try:
            await engine.run_cycle()
            assert len(engine.orders()) == 1
            return check_all(engine.ctx.store, venue, engine)
        finally:
            await engine.close()

    with read_only_dir(tmp_path / "data") as ro:
        db = ro.path / "moniqo.sqlite3"
        asyncio.run(trade(db))
        before = db.read_bytes()
        ro.read_only()
        with pytest.raises(StoreError) as info:
            asyncio.run(reopen(db))
        assert "not writable" in str(info.value) or "read-only" in str(info.value)
        assert db.read_bytes() == before
        ro.writable()
        assert asyncio.run(reopen(db)) == []
