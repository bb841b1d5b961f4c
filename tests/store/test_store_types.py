"""The column types keep every digit of money and every instant of time, on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from moniqo_desktop.domain import OrderStatus
from moniqo_desktop.store.types import DecimalText, EnumText, UTCDateTime

D = Decimal
UTC = timezone.utc

metadata = MetaData()
samples = Table(
    "samples",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("money", DecimalText()),
    Column("at", UTCDateTime()),
    Column("status", EnumText(OrderStatus)),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("types") / "types.sqlite3"
    eng = create_engine(f"sqlite:///{path}")

    @event.listens_for(eng, "connect")
    def _fast(dbapi_conn: object, _record: object) -> None:  # a scratch file: no fsync needed
        dbapi_conn.execute("PRAGMA synchronous = OFF")  # type: ignore[attr-defined]

    metadata.create_all(eng)
    yield eng
    eng.dispose()


def round_trip(engine: Engine, **values: object) -> dict[str, object]:
    with engine.begin() as conn:
        row_id = conn.execute(insert(samples).values(**values)).inserted_primary_key[0]
        row = conn.execute(select(samples).where(samples.c.id == row_id)).mappings().one()
    return dict(row)


# -- Decimal --------------------------------------------------------------------------------

EXAMPLES = [
    "0.000000012345678901234567",
    "123456789.123456789",
    "1.10",
    "0",
    "-0",
    "-42.000",
    "1E+30",
    "1.2345678901234567890123456789012345678901234567890E-40",
    "99999999999999999999999999999999999.99999999999999999999",
]


@pytest.mark.parametrize("text_value", EXAMPLES)
def test_decimal_examples_round_trip_exactly(engine: Engine, text_value: str) -> None:
    value = D(text_value)
    back = round_trip(engine, money=value)["money"]
    assert isinstance(back, Decimal)
    assert back.as_tuple() == value.as_tuple()  # digits, sign and exponent: not just ==


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(allow_nan=False, allow_infinity=False)
    | st.builds(
        lambda digits, exp, neg: Decimal((neg, tuple(int(c) for c in str(digits)), exp)),
        st.integers(min_value=0, max_value=10**40),
        st.integers(min_value=-60, max_value=30),
        st.integers(min_value=0, max_value=1),
    )
)
def test_any_finite_decimal_round_trips_through_the_column(engine: Engine, value: Decimal) -> None:
    back = round_trip(engine, money=value)["money"]
    assert back.as_tuple() == value.as_tuple()


def test_decimal_is_stored_as_text(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(samples).values(id=10_000, money=D("0.1")))
        kind, raw = conn.execute(
            text("SELECT typeof(money), money FROM samples WHERE id = 10000")
        ).one()
    assert (kind, raw) == ("text", "0.1")


def test_decimal_column_is_text_in_ddl() -> None:
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert DecimalText().impl_instance.compile(dialect=dialect) == "TEXT"


@pytest.mark.parametrize("bad", [1.5, True, "1.5", D("NaN"), D("Infinity"), D("-Infinity")])
def test_decimal_column_refuses_floats_text_and_non_finite(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        DecimalText().process_bind_param(bad, sqlite.dialect())


def test_decimal_column_accepts_int_and_none() -> None:
    t = DecimalText()
    assert t.process_bind_param(7, sqlite.dialect()) == "7"
    assert t.process_bind_param(None, sqlite.dialect()) is None
    assert t.process_result_value(None, sqlite.dialect()) is None


# -- datetime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 5, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 1, 5, 17, 30, 0, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-8))),
    ],
)
def test_datetime_comes_back_aware_utc_and_equal(engine: Engine, moment: datetime) -> None:
    back = round_trip(engine, at=moment)["at"]
    assert isinstance(back, datetime)
    assert back == moment
    assert back.tzinfo is not None and back.utcoffset() == timedelta(0)


def test_datetimes_in_different_zones_sort_by_instant_in_sql(engine: Engine) -> None:
    base = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    zones = [timezone(timedelta(hours=h)) for h in (-11, -3, 0, 4, 9, 14)]
    moments = [(base + timedelta(minutes=7 * i)).astimezone(zones[i % 6]) for i in range(12)]
    with engine.begin() as conn:
        for i, m in enumerate(reversed(moments)):
            conn.execute(insert(samples).values(id=20_000 + i, at=m))
        got = conn.scalars(
            select(samples.c.at).where(samples.c.id >= 20_000).order_by(samples.c.at)
        ).all()
    assert got == moments


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


def test_postgresql_gets_aware_utc_and_sqlite_naive_utc() -> None:
    moment = datetime(2026, 1, 5, 17, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    pg = UTCDateTime().process_bind_param(moment, postgresql.dialect())
    lite = UTCDateTime().process_bind_param(moment, sqlite.dialect())
    assert pg == datetime(2026, 1, 5, 12, 0, tzinfo=UTC) and pg.tzinfo is not None
    assert lite == datetime(2026, 1, 5, 12, 0) and lite.tzinfo is None


# -- enums ----------------------------------------------------------------------------------


def test_enum_is_stored_by_value_and_read_back_as_member(engine: Engine) -> None:
    back = round_trip(engine, status=OrderStatus.PARTIALLY_FILLED)
    assert back["status"] is OrderStatus.PARTIALLY_FILLED
    with engine.begin() as conn:
        raw = conn.execute(
            text("SELECT status FROM samples WHERE status IS NOT NULL LIMIT 1")
        ).scalar()
    assert raw == "partially_filled"
