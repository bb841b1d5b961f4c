"""The same store on PostgreSQL — run only when MONIQO_TEST_POSTGRES_URL names a scratch database.

e.g. ``MONIQO_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:55432/moniqo_test``
(needs the psycopg package). The test drops the store's tables before and after: never point it
at a database that matters.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, create_engine, text

from moniqo_desktop.store import Store

from store_helpers import (
    ACCOUNT,
    T0,
    assert_columns_match_updates,
    assert_pages_match_columns,
    check_marks_round_trip,
    closed_position,
    full_order,
    full_position,
    sample,
    schema_diff,
    snapshot,
)

URL = os.environ.get("MONIQO_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not URL, reason="MONIQO_TEST_POSTGRES_URL is not set")


def _drop_everything() -> None:
    engine = create_engine(URL)
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
    engine.dispose()


@pytest.fixture
def pg_store() -> Iterator[Store]:
    pytest.importorskip("psycopg")
    _drop_everything()
    s = Store.open(URL)
    yield s
    s.close()
    _drop_everything()


def test_postgres_round_trip_and_schema(pg_store: Store) -> None:
    assert schema_diff(URL) == []
    order, position, closed = full_order(), full_position(), closed_position()
    pg_store.save(order, position, closed)
    pg_store.save(order, position, closed)
    assert snapshot(pg_store.get_order(order.id)) == snapshot(order)
    assert snapshot(pg_store.get_order_by_client_id(order.client_order_id)) == snapshot(order)
    assert [snapshot(p) for p in pg_store.load_positions()] == [
        snapshot(p) for p in sorted([position, closed], key=lambda p: p.opened_at)
    ]
    assert [p.id for p in pg_store.load_positions(open_only=True)] == [position.id]

    pg_store.add_position_updates([sample(position.id, m) for m in (3, 1, 2)])
    assert [u.at for u in pg_store.position_updates(position.id)] == [
        T0 + timedelta(minutes=m) for m in (1, 2, 3)
    ]
    pg_store.add_position_updates([sample(position.id, 4, stop_loss=position.stop_loss)])
    assert assert_columns_match_updates(pg_store, position.id) == 4  # the chart's float read
    assert assert_columns_match_updates(pg_store, position.id, since=T0 + timedelta(minutes=2)) == 3
    pg_store.add_position_updates([sample(position.id, 4, price="101")])  # a tie at minute 4
    assert [len(p) for p in assert_pages_match_columns(pg_store, position.id, 2)] == [2, 2, 1]
    assert pg_store.prune_position_updates(T0 + timedelta(minutes=2)) == 1
    pg_store.set_state("paper:demo", ACCOUNT)
    assert pg_store.get_state("paper:demo") == ACCOUNT

    engine = create_engine(URL)
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM order_fills),"
                " (SELECT count(*) FROM order_status_history)"
            )
        ).one()
    engine.dispose()
    assert tuple(counts) == (len(order.fills), len(order.history))


def test_postgres_save_marks(pg_store: Store) -> None:
    """psycopg counts the rows an executemany UPDATE touched, as SQLite does: `save_marks`'
    narrow write and its fallback for a position not stored yet work there too."""
    check_marks_round_trip(pg_store)
