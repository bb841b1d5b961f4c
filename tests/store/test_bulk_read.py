"""The column-at-a-time read (`store.bulk_read`) gives exactly what the column types give one
value at a time: the same values of the same types (every digit, aware UTC datetimes, enum
members), and the same refusal of a value that does not convert - on a real SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, insert, select

from moniqo_desktop.domain import OrderStatus
from moniqo_desktop.store import bulk_read
from moniqo_desktop.store.types import DecimalText, EnumText, FeeList, UTCDateTime

D = Decimal
UTC = timezone.utc

metadata = MetaData()
samples = Table(
    "samples", metadata,
    Column("id", Integer, primary_key=True),
    Column("money", DecimalText()),
    Column("at", UTCDateTime()),
    Column("status", EnumText(OrderStatus)),
    Column("fees", FeeList()),
    Column("note", String(32)),
)
COLUMNS = list(samples.columns)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = create_engine(f"sqlite:///{tmp_path / 'bulk.sqlite3'}")
    metadata.create_all(eng)
    yield eng
    eng.dispose()


def both_ways(engine: Engine) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The table read by the column types one value at a time, and by `bulk_read`."""
    with engine.connect() as conn:
        typed = [dict(r) for r in conn.execute(select(samples).order_by(samples.c.id)).mappings()]
        bulk = bulk_read.read(conn, COLUMNS, lambda q: q.order_by(samples.c.id))
    return typed, bulk


def same(a: object, b: object) -> bool:
    """Equal, of the same type, and for Decimals with the same digits and exponent."""
    if isinstance(a, Decimal):
        return type(b) is Decimal and a.as_tuple() == b.as_tuple()
    if isinstance(a, datetime):
        return type(b) is datetime and a == b and a.tzinfo is b.tzinfo
    if isinstance(a, tuple):
        return type(b) is tuple and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


ROWS = [
    {"money": D("0.000000012345678901234567"), "at": datetime(2024, 2, 29, 23, 59, 59, 999999,
                                                              tzinfo=UTC),
     "status": OrderStatus.PARTIALLY_FILLED, "fees": (("BNB", D("0.0100")),), "note": "x"},
    {"money": D("1.10"), "at": datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=-5))),
     "status": OrderStatus.OPEN, "fees": (), "note": None},
    {"money": D("2.5E+4"), "at": None, "status": None, "fees": None, "note": ""},
    {"money": None, "at": datetime(1999, 12, 31, tzinfo=UTC), "status": OrderStatus.FILLED,
     "fees": (("USDT", D("5")), ("BNB", D("1E-8"))), "note": "y"},
]


def test_bulk_read_gives_the_values_and_types_the_column_types_give(engine):
    with engine.begin() as conn:
        conn.execute(insert(samples), ROWS)
    typed, bulk = both_ways(engine)
    assert len(bulk) == len(ROWS)
    for one, many in zip(typed, bulk):
        assert set(one) == set(many)
        for name in one:
            assert same(one[name], many[name]), (name, one[name], many[name])
    assert bulk[1]["at"] == datetime(2024, 1, 1, 17, tzinfo=UTC)  # aware, in UTC
    assert all(type(key) is str for key in bulk[0])  # plain names (dataclass keywords)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(
    st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False)),
    st.one_of(st.none(), st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC))),
    st.one_of(st.none(), st.sampled_from(OrderStatus)),
), min_size=1, max_size=20))
def test_any_stored_values_read_the_same_both_ways(tmp_path_factory, rows):
    eng = create_engine(f"sqlite:///{tmp_path_factory.mktemp('bulk') / 'b.sqlite3'}")
    try:
        metadata.create_all(eng)
        with eng.begin() as conn:
            conn.execute(insert(samples), [{"money": m, "at": a, "status": s}
                                           for m, a, s in rows])
        typed, bulk = both_ways(eng)
        for one, many in zip(typed, bulk):
            assert all(same(one[name], many[name]) for name in one)
    finally:
        eng.dispose()


@pytest.mark.parametrize(("column", "bad", "words"), [
    ("money", "0.01abc", "not a number: '0.01abc'"),
    ("status", "halfway", "'halfway' is not a valid OrderStatus"),
    ("fees", '[["BNB", "lots"]]', "InvalidOperation"),
])
def test_a_value_that_does_not_convert_is_refused_as_one_at_a_time(engine, tmp_path, column,
                                                                   bad, words):
    with engine.begin() as conn:
        conn.execute(insert(samples), ROWS)
    with sqlite3.connect(tmp_path / "bulk.sqlite3") as con:  # a value we never wrote
        con.execute(f"UPDATE samples SET {column} = ? WHERE id = 2", (bad,))
    errors = []
    for read in (lambda conn: conn.execute(select(samples)).all(),
                 lambda conn: bulk_read.read(conn, COLUMNS, lambda q: q)):
        with engine.connect() as conn, pytest.raises(Exception) as info:
            read(conn)
        errors.append(info.value)
    one, many = errors
    # SQLAlchemy wraps nothing here: the type's own error comes out of both reads
    assert type(one) is type(many) and str(one) == str(many)
    assert words in f"{type(many).__name__} {many}"


def test_a_column_of_one_type_converts_as_its_values_one_by_one():
    """`convert_column` against `process_result_value`, for raw values a driver hands over."""
    cases = [
        (DecimalText(), ["1", "1.10", "-0", "1E+2", None, " 7 "]),
        (UTCDateTime(), [datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=timezone(
            timedelta(hours=3))), None]),
        (EnumText(OrderStatus), ["open", None, "filled"]),
        (FeeList(), ["[]", "", None, '[["BNB", "0.5"]]']),
    ]
    for type_, raw in cases:
        expected = [type_.process_result_value(v, None) for v in raw]
        got = type_.convert_column(raw)
        assert len(got) == len(expected)
        assert all(same(e, g) for e, g in zip(expected, got)), (type_, expected, got)


def test_many_app_state_documents_parse_as_each_alone():
    """`state_codec.loads_many` (the paper venue's markets, read in one go) against `loads`."""
    from moniqo_desktop.store import state_codec

    docs = [state_codec.dumps(v) for v in (
        {"symbol": "BTC/USDT", "amount_step": "0.00001"}, [D("1.10"), None], "text", 3, None,
        {"at": datetime(2024, 1, 1, tzinfo=UTC), "fee": D("-0E-8")}, {"__decimal__": "7"})]
    assert state_codec.loads_many(docs) == [state_codec.loads(d) for d in docs]
    assert state_codec.loads_many([]) == []
    # one broken document: the error is the one reading it alone gives, not the array's
    for broken in (['{"a": 1}', '{"a": '], ['1, 2'], ['']):
        with pytest.raises(ValueError) as alone:
            for text in broken:
                state_codec.loads(text)
        with pytest.raises(ValueError) as many:
            state_codec.loads_many(broken)
        assert str(many.value) == str(alone.value)


@pytest.mark.parametrize("stored", [
    "2024-02-29 23:59:59.999999",  # what SQLAlchemy writes for us
    "2024-02-29 23:59:59",
    "2024-02-29T23:59:59.123",
    "2024-02-29 23:59:59+02:00",  # an offset of its own: converted, not re-labelled
    "2024-02-29",  # a bare date (with "+00:00" appended it would read back naive)
])
def test_a_stored_datetime_text_reads_as_the_column_type_reads_it(engine, tmp_path, stored):
    """SQLite keeps our datetimes as text; the column-at-a-time read parses that text itself
    (`UTCDateTime.bulk_reader`). Whatever text is there, it gives what the type gives."""
    with engine.begin() as conn:
        conn.execute(insert(samples), ROWS)
    with sqlite3.connect(tmp_path / "bulk.sqlite3") as con:
        con.execute("UPDATE samples SET at = ? WHERE id = 2", (stored,))
    typed, bulk = both_ways(engine)
    assert same(typed[1]["at"], bulk[1]["at"]) and bulk[1]["at"].tzinfo is UTC
    assert all(same(t["at"], b["at"]) for t, b in zip(typed, bulk))


def test_a_stored_datetime_that_is_no_datetime_is_refused_as_one_at_a_time(engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(insert(samples), ROWS)
    with sqlite3.connect(tmp_path / "bulk.sqlite3") as con:
        con.execute("UPDATE samples SET at = 'yesterday-ish' WHERE id = 2")
    with engine.connect() as conn, pytest.raises(ValueError) as one:
        conn.execute(select(samples)).all()
    with engine.connect() as conn, pytest.raises(ValueError) as many:
        bulk_read.read(conn, COLUMNS, lambda q: q)
    assert str(many.value) == str(one.value)
