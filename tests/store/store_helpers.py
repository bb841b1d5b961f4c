"""Store test helpers: domain objects with every field set, an exact comparison, sample price
updates and app state, and the models-vs-database schema diff.

Order and Position compare by identity (eq=False), so "loaded equals saved" is checked with
`snapshot`, which flattens an object to plain values and keeps what `==` would hide: a Decimal's
exact text ("1.10" is not "1.1") and whether a datetime is aware.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, event

from moniqo_desktop.domain import (
    ExitReason,
    Fill,
    Order,
    OrderIntent,
    OrderStatus,
    Position,
    PositionStatus,
    Protection,
)
from moniqo_desktop.domain.positions import MARK_FIELDS
from moniqo_desktop.store import PositionUpdate
from moniqo_desktop.store.models import metadata as store_metadata

D = Decimal
UTC = timezone.utc
IST = timezone(timedelta(hours=5, minutes=30))
T0 = datetime(2026, 1, 5, 12, 0, 0, 123456, tzinfo=UTC)


def snapshot(value: Any) -> Any:
    """A plain, exactness-preserving picture of a domain value (for == in tests)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            {f.name: snapshot(getattr(value, f.name)) for f in dataclasses.fields(value)},
        )
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"naive datetime {value!r}"
        return ("datetime", value.astimezone(UTC).isoformat())
    if isinstance(value, Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, (list, tuple)):
        return [snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    return value


def assert_all_aware_utc(value: Any) -> None:
    """Every datetime inside a loaded object is aware and in UTC."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            assert_all_aware_utc(getattr(value, f.name))
    elif isinstance(value, datetime):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), value
    elif isinstance(value, (list, tuple)):
        for v in value:
            assert_all_aware_utc(v)


def full_order(**overrides: Any) -> Order:
    """A stop-limit exit order with every optional field set, mixed-currency fills and a long
    history (partial fills and a refused cancel)."""
    order = Order(
        symbol="BTC/USDT",
        side="sell",
        type="stop_limit",
        amount=D("1.000000000000000000"),
        price=D("123456789.123456789"),
        stop_price=D("0.000000012345678901234567"),
        exchange_order_id="binance-8389765498765432",
        intent=OrderIntent.EXIT,
        position_id="pos-42",
        created_at=datetime(2026, 1, 5, 17, 30, 0, 1, tzinfo=IST),
        protection=Protection(
            stop_loss=D("49000.5"),
            take_profit=None,
            trailing_stop_percent=D("2.50"),
            trailing_activation_percent=D("1E+1"),
            break_even_percent=D("0.75"),
        ),
        **overrides,
    )
    order.update_status(OrderStatus.SUBMITTED, "sent", T0 + timedelta(seconds=1))
    order.update_status(OrderStatus.OPEN, "accepted by the exchange", T0 + timedelta(seconds=2))
    currencies = ["USDT", "BTC", "BNB", None]
    for i in range(24):
        order.add_fill(
            Fill(
                fill_id=f"trade-{i:03d}",
                amount=D("0.0400000000000000"),
                price=D("50000.01") + i,
                fee=D("0") if currencies[i % 4] is None else D("0.0000400000001"),
                fee_currency=currencies[i % 4],
                at=None if i == 5 else T0 + timedelta(seconds=10 + i),
                other_fees=(("USDT", D("5.000000000000000000001")),) if i == 3 else (),
            ),
            reason=f"fill #{i} — “quoted” ünïcode",
        )
        if i in (3, 11):
            asked, refused = T0 + timedelta(seconds=40 + i), T0 + timedelta(seconds=41 + i)
            order.update_status(OrderStatus.CANCELLING, "user asked", asked)
            order.update_status(OrderStatus.OPEN, "cancel refused", refused)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    return order


def bare_order(**overrides: Any) -> Order:
    """A market entry with every optional field left None and no protection, fills or changes."""
    kwargs: dict[str, Any] = dict(symbol="ETH/USDT", side="buy", type="market", amount=D("2"))
    kwargs.update(overrides)
    return Order(**kwargs)


def full_position(**overrides: Any) -> Position:
    """An open short with every protection field set and a pending exit."""
    kwargs: dict[str, Any] = dict(
        symbol="ETH/USDT:USDT",
        side="short",
        amount=D("3.141592653589793238462643"),
        entry_price=D("3000.000000001"),
        entry_fees=D("9.4247779607693797"),
        opened_at=datetime(2026, 1, 5, 8, 0, tzinfo=IST),
        status=PositionStatus.CLOSING,
        entry_order_id="order-entry-1",
        current_price=D("2950.5"),
        high_water_mark=D("3010.25"),
        low_water_mark=D("2900.125"),
        max_drawdown=D("1.7241379310344827586206896"),
        updated_at=T0 + timedelta(minutes=5),
        stop_loss=D("2990"),
        take_profit=D("2500.00"),
        trailing_stop_percent=D("3"),
        trailing_activation_percent=D("1.5"),
        break_even_percent=D("0.5"),
        liquidation_price=D("3600"),
        stop_source=ExitReason.TRAILING_STOP,
        break_even_armed=True,
        exit_order_id="order-exit-1",
        pending_exit_reason=ExitReason.TRAILING_STOP,
        exit_price=None,
        exit_fees=D("0"),
        realized_pnl=D("0"),
        close_reason=None,
        closed_at=None,
    )
    kwargs.update(overrides)
    return Position(**kwargs)


def closed_position(**overrides: Any) -> Position:
    """A long closed by take profit: the exit fields set, protection fields None."""
    kwargs: dict[str, Any] = dict(
        symbol="BTC/USDT",
        side="long",
        amount=D("0.5"),
        entry_price=D("50000"),
        entry_fees=D("25"),
        opened_at=T0,
    )
    kwargs.update(overrides)
    position = Position(**kwargs)
    position.update_price(D("51000"), T0 + timedelta(minutes=1))
    position.close(order_id="exit-7", price=D("51500"), reason=ExitReason.TAKE_PROFIT,
                   fees=D("25.75"), at=T0 + timedelta(hours=2))
    assert position.realized_pnl == D("699.25")
    return position


def minimal_position(**overrides: Any) -> Position:
    kwargs: dict[str, Any] = dict(
        symbol="SOL/USDT", side="long", amount=D("10"), entry_price=D("100"), opened_at=T0
    )
    kwargs.update(overrides)
    return Position(**kwargs)


def sample(position_id: str, minutes: float, price: str = "100", **kw: object) -> PositionUpdate:
    values: dict[str, object] = dict(
        position_id=position_id,
        at=T0 + timedelta(minutes=minutes),
        price=D(price),
        unrealized_pnl=D("-0.000000012345678901234567"),
        drawdown=D("1.25"),
        stop_loss=None,
        high_water_mark=D("101.5"),
        low_water_mark=D("99.000"),
    )
    values.update(kw)
    return PositionUpdate(**values)  # type: ignore[arg-type]


ACCOUNT = {
    "balances": {
        "USDT": {"free": D("99950.123456789012345678"), "total": D("100000.00")},
        "BTC": {"free": D("0.000000012345678901234567"), "total": D("1E-8")},
    },
    "next_id": 42,
    "fee_rate": D("0.001"),
    "open_orders": [{"id": "o-1", "price": D("50000"), "at": T0}, {"id": "o-2", "price": None}],
    "ratio": 0.5,
    "enabled": True,
    "note": "naïve “quotes”",
}


def schema_diff(url: str, metadata: MetaData = store_metadata) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


def assert_columns_match_updates(store: Any, position_id: str, **kw: Any) -> int:
    """`store.position_update_columns` holds, as floats, exactly what `position_updates` holds
    (times to the millisecond: SQLite's date functions keep no more); returns the row count."""
    import math

    updates = store.position_updates(position_id, **kw)
    columns = store.position_update_columns(position_id, **kw)
    assert len(columns) == len(updates)
    assert all(abs(t - u.at.timestamp()) <= 0.0005 for t, u in zip(columns.at, updates))
    for name in ("price", "drawdown", "stop_loss", "high_water_mark", "low_water_mark"):
        got = list(getattr(columns, name))
        want = [getattr(u, name) for u in updates]
        assert all((math.isnan(g) and w is None) or g == float(w) for g, w in zip(got, want)), \
            name
    return len(updates)


def assert_pages_match_columns(store: Any, position_id: str, rows: int, **kw: Any) -> list:
    """`store.position_update_pages` gives, newest page first, pages of at most `rows`
    samples, each in time order, which put back oldest first are exactly
    `position_update_columns` (none lost, none twice, ties at a page edge included); returns
    the pages."""
    import numpy as np

    from moniqo_desktop.store import UpdateColumns
    from moniqo_desktop.store.updates import COLUMN_FIELDS

    pages = list(store.position_update_pages(position_id, rows=rows, **kw))
    assert all(0 < len(page) <= rows for page in pages)
    assert all(np.all(np.diff(page.at) >= 0) for page in pages)
    assert all(older.at[-1] <= newer.at[0] for newer, older in zip(pages, pages[1:]))
    whole, joined = store.position_update_columns(position_id, **kw), \
        UpdateColumns.joined(pages[::-1])
    for name in COLUMN_FIELDS:
        assert np.array_equal(getattr(joined, name), getattr(whole, name), equal_nan=True), name
    return pages


def corrupt_page(data: bytes) -> bytes:
    """A SQLite file's bytes with one b-tree page header overwritten: `quick_check` fails."""
    page_size = int.from_bytes(data[16:18], "big")
    b = bytearray(data)
    b[page_size * 3 : page_size * 3 + 64] = b"\xff" * 64  # a b-tree page header
    return bytes(b)


def statements(store: Any) -> list[tuple[str, int]]:
    """(SQL, rows) of every statement the store runs from now on."""
    seen: list[tuple[str, int]] = []

    def before(conn, cursor, sql, params, context, executemany):  # noqa: ANN001
        seen.append((sql.split()[0].upper(), len(params) if executemany else 1))

    event.listen(store._engine, "before_cursor_execute", before)
    return seen


def check_marks_round_trip(store: Any) -> None:
    """`save_marks` writes the eight mark columns of stored positions in one UPDATE (no
    existence check, other columns untouched) and a position not stored yet whole."""
    stored = [full_position(), full_position(entry_order_id="order-entry-2")]
    store.save(*stored)
    seen = statements(store)
    for i, p in enumerate(stored):
        p.current_price = D("2940.75") + i
        p.low_water_mark = D("2890.5")
        p.max_drawdown = D("2.5")
        p.stop_loss = D("2980")
        p.break_even_armed = False
        p.updated_at = T0 + timedelta(minutes=9)
        p.take_profit = D("2400")  # not a mark: written by whoever changes it, not here
    store.save_marks(stored)
    writes = [(sql, rows) for sql, rows in seen if sql in ("INSERT", "UPDATE", "SELECT")]
    assert writes == [("UPDATE", 2)]  # one statement, no existence check
    for p in stored:
        back = store.get_position(p.id)
        for name in MARK_FIELDS:
            assert getattr(back, name) == getattr(p, name), name
        assert back.take_profit == D("2500.00")

    new = full_position(entry_order_id="order-entry-3")  # never saved: written whole
    store.save_marks([new, stored[0]])
    assert snapshot(store.get_position(new.id)) == snapshot(new)
    store.save_marks([])  # nothing to do, no transaction
