"""One writer on a server database: a session advisory lock keyed by the account.

Runs against the scratch PostgreSQL that CI starts (MONIQO_TEST_POSTGRES_URL); skipped without it.
"""

from __future__ import annotations

import os

import pytest

from moniqo_desktop.store.database import resolve
from moniqo_desktop.store.instance_lock import InstanceLock, StoreInUse

URL = os.environ.get("MONIQO_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not URL, reason="MONIQO_TEST_POSTGRES_URL is not set")


def test_advisory_lock_refuses_a_second_holder_naming_the_pid_and_frees_on_release():
    pytest.importorskip("psycopg")
    first = InstanceLock.acquire(resolve(URL), "demo")
    try:
        with pytest.raises(StoreInUse) as info:
            InstanceLock.acquire(resolve(URL), "demo")
        assert info.value.pid == os.getpid()
        other = InstanceLock.acquire(resolve(URL), "binance")  # another account: its own lock
        other.release()
    finally:
        first.release()
    again = InstanceLock.acquire(resolve(URL), "demo")
    again.release()


async def test_engine_on_postgres_journals_the_paper_account_and_refuses_a_second_engine():
    pytest.importorskip("psycopg")
    from decimal import Decimal

    from sqlalchemy import create_engine, text

    from moniqo_desktop.engine import Engine
    from moniqo_desktop.exchanges import DemoExchange

    sql = create_engine(URL)
    with sql.begin() as conn:  # a clean schema for this test
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    sql.dispose()

    def venue() -> DemoExchange:
        return DemoExchange(prices={"BTC/USDT": Decimal("50000")},
                            balances={"USDT": Decimal("10000")})

    engine = await Engine.open(URL, venue())
    try:
        order = await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                         amount="0.01")
        with pytest.raises(StoreInUse):
            await Engine.open(URL, venue())
    finally:
        await engine.close()
    fresh = venue()
    again = await Engine.open(URL, fresh)
    try:
        assert (await fresh.fetch_balance())["BTC"].total == Decimal("0.01")
        assert again.order(order.id).exchange_order_id == "1"
    finally:
        await again.close()


def test_the_holder_named_is_the_one_in_this_database_not_another_databases():
    """Advisory locks belong to one database: the same account's key held in another database
    of the same server (another store there) is not this store's holder. The holder lookup
    read every database's locks and could name that other process."""
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from moniqo_desktop.store.instance_lock import advisory_key

    server = create_engine(make_url(URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    other_db = f"{make_url(URL).database}_other"
    with server.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                            {"d": other_db}).scalar():
            conn.execute(text(f'CREATE DATABASE "{other_db}"'))
    server.dispose()
    elsewhere = create_engine(make_url(URL).set(database=other_db), connect_args={
        "application_name": "moniqo-desktop pid 999999 host elsewhere"})
    with elsewhere.connect() as conn:  # holds the same key, in the other database
        assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                            {"k": advisory_key("demo")}).scalar()
        first = InstanceLock.acquire(resolve(URL), "demo")
        try:
            with pytest.raises(StoreInUse) as info:
                InstanceLock.acquire(resolve(URL), "demo")
            assert info.value.pid == os.getpid()
        finally:
            first.release()
    elsewhere.dispose()
