"""Opening the store as its one writer: a database that cannot be opened leaves no lock behind."""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.store import StoreError

D = Decimal


async def test_an_unusable_database_leaves_the_data_dir_unlocked(db_path, settings, clock):
    """The file is not a database (a wrong file in the data dir): the open fails with the
    store's own message - and once the trader moves it aside, the next open works at once
    instead of refusing with 'held by process <our own pid>'."""
    db_path.write_bytes(b"this is not a database, it is someone's notes" * 100)
    demo = DemoExchange(prices={"BTC/USDT": D("50000")})
    with pytest.raises(StoreError, match="not a SQLite database"):
        await Engine.open(db_path, demo, settings=settings, clock=clock)
    assert db_path.read_bytes().startswith(b"this is not a database")  # left untouched
    db_path.rename(db_path.with_suffix(".notes"))
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        assert engine.orders() == []
    finally:
        await engine.close()
