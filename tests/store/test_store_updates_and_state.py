"""Position price samples (add, query by time, prune) and the app_state key/value documents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from moniqo_desktop.store import PositionUpdate, Store

from store_helpers import (
    ACCOUNT,
    T0,
    assert_columns_match_updates,
    assert_pages_match_columns,
    full_position,
    minimal_position,
    sample,
)

D = Decimal


@pytest.fixture
def two_positions(store: Store) -> tuple[str, str]:
    a, b = minimal_position(), minimal_position()
    store.save(a, b)
    return a.id, b.id


def test_updates_come_back_in_time_order_and_exact(store: Store, two_positions) -> None:
    a, b = two_positions
    rows = [sample(a, m, price=f"{100 + m}.10") for m in (5, 1, 3, 2, 4)]
    rows.append(sample(b, 0))
    rows.append(sample(a, 6, stop_loss=D("95.5"),
                       at=(T0 + timedelta(minutes=6)).astimezone(timezone(timedelta(hours=-5)))))
    assert store.add_position_updates(iter(rows)) == 7
    got = store.position_updates(a)
    assert [u.at for u in got] == [T0 + timedelta(minutes=m) for m in range(1, 7)]
    assert [str(u.price) for u in got[:5]] == [f"{100 + m}.10" for m in range(1, 6)]
    assert got[0] == sample(a, 1, price="101.10")  # frozen dataclass: == compares every field
    assert got[-1].stop_loss == D("95.5") and got[-1].at.utcoffset() == timedelta(0)
    assert all(u.at.tzinfo is not None for u in got)
    assert [u.position_id for u in store.position_updates(b)] == [b]
    assert store.position_updates("unknown") == []


def test_since_is_inclusive(store: Store, two_positions) -> None:
    a, _ = two_positions
    store.add_position_updates(sample(a, m) for m in range(10))
    got = store.position_updates(a, since=T0 + timedelta(minutes=7))
    assert [u.at for u in got] == [T0 + timedelta(minutes=m) for m in (7, 8, 9)]


def test_same_instant_keeps_insertion_order(store: Store, two_positions) -> None:
    a, _ = two_positions
    store.add_position_updates([sample(a, 1, price="1"), sample(a, 1, price="2")])
    assert [u.price for u in store.position_updates(a)] == [D(1), D(2)]


def test_prune_deletes_only_older_rows_and_counts_them(store: Store, two_positions) -> None:
    a, b = two_positions
    store.add_position_updates([sample(a, m) for m in range(10)] + [sample(b, m) for m in range(4)])
    assert store.prune_position_updates(T0 + timedelta(minutes=3)) == 6
    assert [u.at for u in store.position_updates(a)][0] == T0 + timedelta(minutes=3)
    assert len(store.position_updates(b)) == 1
    assert store.prune_position_updates(T0) == 0


def test_prune_refuses_a_naive_cutoff(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.prune_position_updates(datetime(2026, 1, 1))


def test_adding_nothing_is_fine(store: Store) -> None:
    assert store.add_position_updates([]) == 0


def test_snapshot_of_a_live_position(store: Store) -> None:
    position = full_position()
    store.save(position)
    update = PositionUpdate.of(position)
    assert update.at == position.updated_at
    assert update.price == position.current_price and update.stop_loss == position.stop_loss
    assert update.unrealized_pnl == position.unrealized_pnl
    assert update.drawdown == position.drawdown
    store.add_position_updates([update])
    assert store.position_updates(position.id) == [update]


def test_updates_persist_across_reopen(db_path: Path) -> None:
    position = minimal_position()
    with Store.open(db_path) as s:
        s.save(position)
        s.add_position_updates([sample(position.id, 1)])
    with Store.open(db_path) as s:
        assert s.position_updates(position.id) == [sample(position.id, 1)]


# -- app_state ------------------------------------------------------------------------------

def test_state_round_trips_decimals_datetimes_and_plain_json(store: Store) -> None:
    store.set_state("paper:demo", ACCOUNT)
    got = store.get_state("paper:demo")
    assert got == ACCOUNT
    usdt = got["balances"]["USDT"]["free"]
    assert isinstance(usdt, Decimal) and str(usdt) == "99950.123456789012345678"
    assert str(got["balances"]["BTC"]["total"]) == "1E-8"
    assert got["open_orders"][0]["at"] == T0 and got["open_orders"][0]["at"].tzinfo is not None


def test_state_overwrites_and_missing_keys_are_none(store: Store) -> None:
    assert store.get_state("nothing") is None
    store.set_state("k", [1, 2])
    store.set_state("k", {"v": D("2.50")})
    assert store.get_state("k") == {"v": D("2.50")}
    store.set_state("scalar", D("7"))
    assert store.get_state("scalar") == D("7")


@pytest.mark.parametrize("bad", [{1, 2}, object(), D("NaN"), float("nan"), datetime(2026, 1, 1)])
def test_unstorable_state_is_refused_before_writing(store: Store, bad: object) -> None:
    store.set_state("k", "before")
    with pytest.raises((TypeError, ValueError)):
        store.set_state("k", {"x": bad})
    assert store.get_state("k") == "before"


def test_state_persists_across_reopen(db_path: Path) -> None:
    with Store.open(db_path) as s:
        s.set_state("paper:demo", ACCOUNT)
    with Store.open(db_path) as s:
        assert s.get_state("paper:demo") == ACCOUNT


def test_the_chart_reads_the_same_samples_as_float_columns(store: Store, two_positions) -> None:
    a, b = two_positions
    rows = [sample(a, m, price=f"{50000 + m}.25", high_water_mark=D(f"{50000 + m}.25"))
            for m in (5, 1, 3, 2, 4)]
    rows += [sample(a, 6, stop_loss=D("49000.5")), sample(b, 0, price="7")]
    store.add_position_updates(rows)
    assert assert_columns_match_updates(store, a) == 6
    columns = store.position_update_columns(a)
    assert list(columns.price) == [50001.25, 50002.25, 50003.25, 50004.25, 50005.25, 100.0]
    assert columns.stop_loss[-1] == 49000.5 and all(v != v for v in columns.stop_loss[:-1])
    assert columns.at[0] == pytest.approx((T0 + timedelta(minutes=1)).timestamp(), abs=5e-4)
    assert assert_columns_match_updates(store, a, since=T0 + timedelta(minutes=4)) == 3
    assert list(store.position_update_columns(b).price) == [7.0]
    assert len(store.position_update_columns("unknown")) == 0


def test_a_sample_that_is_not_a_number_is_named_not_half_read(store: Store, two_positions,
                                                               db_path) -> None:
    import sqlite3

    from moniqo_desktop.store import StoreError

    a, _ = two_positions
    store.add_position_updates(sample(a, m) for m in range(3))
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE position_updates SET price = 'n/a' WHERE id = 2")
    with pytest.raises(StoreError, match="table position_updates, row id=2, column price"):
        store.position_update_columns(a)


def test_the_chart_reads_a_long_history_a_page_at_a_time_newest_first(
        store: Store, two_positions) -> None:
    """Issue #14: the chart's read of a week held the window for seconds in one call; the
    pages are short reads. Equal times straddle page edges (three samples per minute), and
    the key (at, id) must neither skip nor repeat one of them."""
    a, b = two_positions
    rows = [sample(a, m // 3, price=f"{50000 + m}.5",
                   stop_loss=D("49000") if m % 4 else None) for m in range(23)]
    store.add_position_updates(rows + [sample(b, 1, price="7")])
    for size in (1, 2, 3, 4, 5, 7, 23, 24, 100):
        pages = assert_pages_match_columns(store, a, size)
        assert len(pages) == -(-23 // size)
        assert pages[0].price[-1] == 50022.5  # the newest sample is in the first page
    assert [len(p) for p in assert_pages_match_columns(store, a, 4, since=T0 +
                                                       timedelta(minutes=6))] == [4, 1]
    assert list(store.position_update_pages("unknown")) == []
    with pytest.raises(ValueError):
        next(store.position_update_pages(a, rows=0))


def test_the_chart_read_is_answered_from_its_covering_index(store: Store, db_path: Path,
                                                            two_positions) -> None:
    """Migration 0007: SQLite reads a page from the index alone, no table lookup per sample."""
    import sqlite3

    a, _ = two_positions
    store.add_position_updates([sample(a, m) for m in range(5)])
    pages = store.position_update_pages(a, rows=2)
    next(pages)
    with sqlite3.connect(db_path) as conn:
        plan = " ".join(str(r) for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT at, id, price, drawdown, stop_loss, high_water_mark, "
            "low_water_mark FROM position_updates WHERE position_id = ? AND at <= ? "
            "ORDER BY at DESC, id DESC LIMIT 2", (a, "2030-01-01")))
    assert "COVERING INDEX ix_position_updates_chart" in plan
