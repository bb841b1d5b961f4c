"""Orders and positions come back from the store whole and exact, and saving is idempotent."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from moniqo_desktop.domain import (
    ExitReason,
    Fill,
    Order,
    OrderStatus,
    Position,
    PositionStatus,
    Protection,
    RiskThresholds,
    StatusChange,
)
from moniqo_desktop.store import Store, StoreError
from moniqo_desktop.store import mapping
from moniqo_desktop.store.models import order_fills, order_status_history, orders, positions

from store_helpers import (
    T0,
    assert_all_aware_utc,
    bare_order,
    closed_position,
    full_order,
    full_position,
    minimal_position,
    snapshot,
)

D = Decimal


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# -- orders ---------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [full_order, bare_order], ids=["full", "bare"])
def test_order_round_trips_every_field(store: Store, make) -> None:
    order = make()
    store.save(order)
    for loaded in (
        store.get_order(order.id),
        store.get_order_by_client_id(order.client_order_id),
        store.load_orders()[0],
    ):
        assert loaded is not None and loaded is not order
        assert snapshot(loaded) == snapshot(order)
        assert_all_aware_utc(loaded)


def test_full_order_details_survive(store: Store) -> None:
    order = full_order()
    store.save(order)
    loaded = store.get_order(order.id)
    assert loaded is not None
    assert loaded.price == D("123456789.123456789")
    assert loaded.stop_price == D("0.000000012345678901234567")
    # Same digits *and* exponent: the value and its precision (trailing zeros) both survive.
    assert loaded.stop_price.as_tuple() == D("0.000000012345678901234567").as_tuple()
    assert str(loaded.amount) == "1.000000000000000000"
    assert loaded.created_at == order.created_at and loaded.created_at.tzinfo is not None
    assert [f.fill_id for f in loaded.fills] == [f"trade-{i:03d}" for i in range(24)]
    assert loaded.fills[5].at is None
    assert loaded.fees == order.fees and set(loaded.fees) == {"USDT", "BTC", "BNB"}
    assert loaded.average_fill_price == order.average_fill_price
    assert len(loaded.history) == len(order.history) == 31
    assert [h.status for h in loaded.history] == [h.status for h in order.history]
    assert loaded.protection == order.protection
    assert loaded.status is OrderStatus.PARTIALLY_FILLED


def test_empty_protection_is_not_confused_with_none(store: Store) -> None:
    with_empty = bare_order(protection=Protection())
    without = bare_order()
    store.save(with_empty, without)
    assert store.get_order(with_empty.id).protection == Protection()  # type: ignore[union-attr]
    assert store.get_order(without.id).protection is None  # type: ignore[union-attr]


def test_money_is_stored_as_text_never_real(store: Store, db_path: Path) -> None:
    store.save(full_order(), full_position())
    with sqlite3.connect(db_path) as con:
        kinds = {
            row[0]
            for row in con.execute(
                "SELECT typeof(amount) FROM orders UNION SELECT typeof(price) FROM order_fills "
                "UNION SELECT typeof(entry_price) FROM positions "
                "UNION SELECT typeof(max_drawdown) FROM positions"
            )
        }
    assert kinds == {"text"}


def test_missing_ids_give_none(store: Store) -> None:
    assert store.get_order("nope") is None
    assert store.get_order_by_client_id("nope") is None
    assert store.get_position("nope") is None
    assert store.load_orders() == [] and store.load_positions() == []


def test_load_orders_open_only_and_oldest_first(store: Store) -> None:
    newer = bare_order(created_at=T0 + timedelta(minutes=2))
    older = bare_order(created_at=T0)
    done = bare_order(created_at=T0 + timedelta(minutes=1))
    done.update_status(OrderStatus.SUBMITTED)
    done.add_fill(Fill(fill_id="x", amount=D("2"), price=D("3000")))
    cancelled = bare_order(created_at=T0 + timedelta(minutes=3))
    cancelled.update_status(OrderStatus.CANCELLED)
    store.save(newer, done, cancelled, older)
    assert [o.id for o in store.load_orders()] == [older.id, done.id, newer.id, cancelled.id]
    assert [o.id for o in store.load_orders(open_only=True)] == [older.id, newer.id]


# -- positions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [full_position, closed_position, minimal_position], ids=["full", "closed", "minimal"]
)
def test_position_round_trips_every_field(store: Store, make) -> None:
    position = make()
    store.save(position)
    for loaded in (store.get_position(position.id), store.load_positions()[0]):
        assert loaded is not None and loaded is not position
        assert snapshot(loaded) == snapshot(position)
        assert_all_aware_utc(loaded)
        assert loaded.unrealized_pnl == position.unrealized_pnl
        assert loaded.risk_level is position.risk_level


def test_liquidated_position_round_trips(store: Store) -> None:
    position = minimal_position(liquidation_price=D("80"))
    position.liquidate(D("79.99"), T0 + timedelta(hours=1))
    store.save(position)
    loaded = store.get_position(position.id)
    assert loaded is not None and loaded.status is PositionStatus.LIQUIDATED
    assert snapshot(loaded) == snapshot(position)


def test_load_positions_open_only(store: Store) -> None:
    opening = minimal_position(status=PositionStatus.OPENING, opened_at=T0)
    open_ = minimal_position(opened_at=T0 + timedelta(seconds=1))
    closing = full_position(opened_at=T0 + timedelta(seconds=2))
    closed = closed_position(opened_at=T0 - timedelta(days=1))
    store.save(closing, closed, open_, opening)
    assert [p.id for p in store.load_positions()] == [closed.id, opening.id, open_.id, closing.id]
    open_ids = [p.id for p in store.load_positions(open_only=True)]
    assert open_ids == [opening.id, open_.id, closing.id]


def test_risk_thresholds_are_settings_applied_on_load(store: Store) -> None:
    position = minimal_position()
    position.update_price(D("96"))  # -4 %: MEDIUM by default
    store.save(position)
    assert store.get_position(position.id).risk_level.value == "medium"  # type: ignore[union-attr]
    strict = RiskThresholds(loss_percent=(D("1"), D("2"), D("3")))
    loaded = store.load_positions(risk_thresholds=strict)[0]
    assert loaded.risk_thresholds == strict and loaded.risk_level.value == "critical"
    assert store.get_position(position.id, risk_thresholds=strict).risk_level.value == "critical"  # type: ignore[union-attr]


def test_position_changes_overwrite_including_back_to_none(store: Store) -> None:
    position = full_position(status=PositionStatus.OPEN, exit_order_id=None,
                             pending_exit_reason=None)
    store.save(position)
    position.set_protection(stop_loss=None, take_profit=D("2800"))
    position.update_price(D("2890"), T0 + timedelta(minutes=9))
    position.mark_closing("exit-9", ExitReason.TAKE_PROFIT)
    store.save(position)
    loaded = store.get_position(position.id)
    assert loaded is not None
    assert loaded.stop_loss is None and loaded.trailing_stop_percent is None
    assert loaded.take_profit == D("2800")
    assert loaded.low_water_mark == D("2890")
    assert loaded.pending_exit_reason is ExitReason.TAKE_PROFIT
    assert snapshot(loaded) == snapshot(position)


# -- save semantics -------------------------------------------------------------------------


def test_save_mixes_orders_and_positions_in_one_call(store: Store) -> None:
    a, b = full_order(), bare_order()
    p, q = full_position(), closed_position()
    store.save(a, p, b, q)
    assert {o.id for o in store.load_orders()} == {a.id, b.id}
    assert {x.id for x in store.load_positions()} == {p.id, q.id}


def test_save_refuses_other_objects(store: Store) -> None:
    with pytest.raises(TypeError, match=r"save\(\*items\)"):
        store.save([bare_order()])  # type: ignore[arg-type]
    store.save()  # nothing to do is fine


def test_resaving_unchanged_objects_writes_no_duplicate_rows(store: Store, db_path: Path) -> None:
    order, position = full_order(), full_position()
    store.save(order, position)
    before = {t: count(db_path, t) for t in ("orders", "order_fills", "order_status_history",
                                             "positions")}
    assert before == {"orders": 1, "order_fills": 24, "order_status_history": 31, "positions": 1}
    for _ in range(3):
        store.save(order, position)
        store.save(order, order, position)
    assert {t: count(db_path, t) for t in before} == before
    assert snapshot(store.get_order(order.id)) == snapshot(order)


def test_resaving_a_changed_order_appends_only_what_is_new(store: Store, db_path: Path) -> None:
    order = bare_order(type="limit", price=D("3000"))
    order.update_status(OrderStatus.SUBMITTED, "sent", T0)
    store.save(order)
    order.exchange_order_id = "ex-1"
    order.update_status(OrderStatus.OPEN, "", T0 + timedelta(seconds=1))
    order.add_fill(Fill(fill_id="t1", amount=D("0.5"), price=D("3000"), fee=D("0.0005"),
                        fee_currency="ETH", at=T0 + timedelta(seconds=2)))
    store.save(order)
    order.add_fill(Fill(fill_id="t2", amount=D("1.5"), price=D("2999.5"), fee=D("4.49925"),
                        fee_currency="USDT", at=T0 + timedelta(seconds=3)))
    store.save(order)
    store.save(order)
    assert count(db_path, "order_fills") == 2
    assert count(db_path, "order_status_history") == 5
    loaded = store.get_order(order.id)
    assert loaded is not None and loaded.status is OrderStatus.FILLED
    assert loaded.exchange_order_id == "ex-1"
    assert snapshot(loaded) == snapshot(order)


def test_save_is_one_transaction(store: Store) -> None:
    first = bare_order()
    store.save(first)
    position = minimal_position()
    clash = bare_order(client_order_id=first.client_order_id)  # a different order, same cid
    with pytest.raises(StoreError, match="moniqo.sqlite3"):
        store.save(position, clash)
    assert store.get_position(position.id) is None
    assert [o.id for o in store.load_orders()] == [first.id]


def test_a_float_in_a_money_field_is_a_caller_bug_not_a_store_error(store: Store) -> None:
    position = minimal_position()
    position.stop_loss = 95.5  # type: ignore[assignment]  # bypasses the domain's checks
    with pytest.raises(TypeError, match="float"):
        store.save(position)
    assert store.load_positions() == []


def test_a_naive_datetime_is_refused(store: Store) -> None:
    position = minimal_position()
    position.updated_at = T0.replace(tzinfo=None)
    with pytest.raises(ValueError, match="naive"):
        store.save(position)


def test_saved_objects_persist_across_reopen(db_path: Path) -> None:
    order, position = full_order(), closed_position()
    with Store.open(db_path) as s:
        s.save(order, position)
    with Store.open(db_path) as s:
        assert snapshot(s.get_order(order.id)) == snapshot(order)
        assert snapshot(s.get_position(position.id)) == snapshot(position)


def test_many_objects_round_trip(store: Store) -> None:
    """More ids than one IN (...) chunk: the bulk paths split and rejoin correctly."""
    items = [minimal_position(opened_at=T0 + timedelta(seconds=i), amount=D(i + 1))
             for i in range(1203)]
    store.save(*items)
    for p in items[::7]:
        p.update_price(D("101.5"), T0 + timedelta(days=1))
    store.save(*items)
    loaded = store.load_positions()
    assert [snapshot(p) for p in loaded] == [snapshot(p) for p in items]
    many_orders = [bare_order(created_at=T0 + timedelta(seconds=i)) for i in range(1100)]
    store.save(*many_orders)
    for o in many_orders[::3]:
        o.update_status(OrderStatus.SUBMITTED, "", T0 + timedelta(hours=1))
    store.save(*many_orders)
    assert [snapshot(o) for o in store.load_orders()] == [snapshot(o) for o in many_orders]


# -- the mapping keeps up with the domain ---------------------------------------------------


def _field_names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_every_domain_field_has_a_column() -> None:
    """A new domain field needs a column (and a migration) or an explicit "not persisted"."""
    order_cols = {c.name for c in orders.columns}
    assert _field_names(Order) - mapping.UNPERSISTED_ORDER_FIELDS <= order_cols
    assert set(mapping.PROTECTION_FIELDS) == _field_names(Protection)
    assert {"protection_" + n for n in _field_names(Protection)} | {"has_protection"} <= order_cols
    assert set(mapping.FILL_FIELDS) == _field_names(Fill)
    assert set(mapping.FILL_FIELDS) <= {c.name for c in order_fills.columns}
    assert set(mapping.STATUS_FIELDS) == _field_names(StatusChange)
    assert set(mapping.STATUS_FIELDS) <= {c.name for c in order_status_history.columns}
    assert _field_names(Position) - mapping.UNPERSISTED_POSITION_FIELDS == {
        c.name for c in positions.columns
    }
