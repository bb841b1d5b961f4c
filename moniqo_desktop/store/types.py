"""Column types that keep money and time exact on every database.

- `DecimalText`: SQLite has no decimal type — a NUMERIC/REAL column silently turns
  "0.000000012345678901234567" into a 15-digit float. Storing `str(value)` in a TEXT column keeps
  every digit (and the exponent, so "1.10" comes back as "1.10"). The price is that SQL cannot
  compare or sum these columns; the store never needs to, the domain does the arithmetic.
- `UTCDateTime`: SQLite keeps no time zone, so an aware datetime would come back naive (and
  comparing naive with aware raises). We store UTC and re-attach UTC on the way out; naive input
  is refused because guessing its zone is how timestamps silently shift by hours.
- `EnumText`: enums stored by value in a plain string column (not a database ENUM type), so adding
  a status later is a code change, not a schema migration.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, Dialect, String, Text
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=Enum)

# Dialects whose DateTime(timezone=True) stores the offset (or normalises to UTC) and hands aware
# datetimes to the driver; everywhere else we pass naive UTC.
_TZ_AWARE_DIALECTS = frozenset({"postgresql"})


class DecimalText(TypeDecorator[Decimal]):
    """`Decimal` stored as its exact text (`str(value)`), read back with `Decimal(text)`."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if type(value) is Decimal and value.is_finite():  # the hot path: thousands per save
            return str(value)
        if value is None:
            return None
        if isinstance(value, bool) or isinstance(value, float):
            # A float has already lost digits; storing it would pretend otherwise.
            raise TypeError(f"money must be a Decimal, not {type(value).__name__} ({value!r})")
        if isinstance(value, int):
            value = Decimal(value)
        if not isinstance(value, Decimal):
            raise TypeError(f"expected a Decimal, got {type(value).__name__} ({value!r})")
        if not value.is_finite():
            raise ValueError(f"cannot store a non-finite Decimal ({value})")
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value)
        except (InvalidOperation, TypeError):  # name the value, not just "InvalidOperation"
            raise ValueError(f"not a number: {value!r}") from None

    def convert_column(self, values: list[Any]) -> list[Decimal | None]:
        """`process_result_value` over a whole column (`store.bulk_read`): `Decimal(text)` per
        value, called from C; a value that does not convert goes through the one-by-one path,
        which raises as it always did."""
        try:
            if None not in values:
                return list(map(Decimal, values))
            return [None if v is None else Decimal(v) for v in values]
        except (InvalidOperation, TypeError):
            return [self.process_result_value(v, None) for v in values]  # type: ignore[arg-type]


class FeeList(TypeDecorator[tuple]):
    """A fill's further fees, `((currency, Decimal), ...)`, as exact JSON text
    (`[["BNB", "0.01"]]`); the empty tuple is `[]`."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return "[]"
        pairs = []
        for currency, amount in value:
            if type(amount) is not Decimal or not amount.is_finite():
                raise TypeError(f"a fee must be a finite Decimal, not {amount!r}")
            pairs.append([str(currency), str(amount)])
        return json.dumps(pairs)

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple:
        if not value or value == "[]":  # nearly every fill: no JSON parse for it
            return ()
        return tuple((str(currency), Decimal(amount)) for currency, amount in json.loads(value))

    def convert_column(self, values: list[Any]) -> list[tuple]:
        """`process_result_value` over a whole column (`store.bulk_read`)."""
        convert = self.process_result_value
        return [() if v == "[]" else convert(v, None) for v in values]  # type: ignore[arg-type]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__} ({value!r})")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(
                f"refusing a naive datetime ({value.isoformat()}): give it a time zone"
            )
        utc = value.astimezone(timezone.utc)
        return utc if dialect.name in _TZ_AWARE_DIALECTS else utc.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)

    def convert_column(self, values: list[Any]) -> list[datetime | None]:
        """`process_result_value` over a whole column (`store.bulk_read`): the same rule,
        written as one comprehension instead of a call per value."""
        utc = timezone.utc
        try:
            return [None if m is None else m.replace(tzinfo=utc) if m.tzinfo is None
                    else m.astimezone(utc) for m in values]
        except AttributeError:  # not a datetime: the one-by-one path says what it is
            return [self.process_result_value(v, None) for v in values]  # type: ignore[arg-type]

    def bulk_reader(self, dialect: Dialect) -> tuple[Any, Any] | None:
        """How `store.bulk_read` reads this column on `dialect`: (the type to select it as,
        its column converter), or None for the usual (the implementation type, then
        `convert_column`). SQLite keeps our datetimes as naive UTC text; parsing that text
        with the UTC offset appended is one C call per value, where SQLAlchemy's parse and
        then `replace(tzinfo=utc)` were two and cost ten times more (a start reads some
        7 000). A text that does not come out aware that way (one with an offset of its
        own, or not a datetime at all) sends the whole column the usual way: SQLAlchemy's
        parse, then `process_result_value` - which convert, or refuse, as they always did."""
        if dialect.name != "sqlite":
            return None
        parse_text = self.impl_instance.dialect_impl(dialect).result_processor(dialect, None)
        utc = timezone.utc

        def convert(values: Sequence[Any]) -> list[datetime | None]:
            try:
                out = [None if v is None else datetime.fromisoformat(v + "+00:00")
                       for v in values]
                if all(m is None or m.tzinfo is utc for m in out):
                    return out
            except (TypeError, ValueError):
                pass
            return [None if v is None else self.process_result_value(
                v if parse_text is None else parse_text(v), dialect) for v in values]

        return Text(), convert


class EnumText(TypeDecorator[E], Generic[E]):
    """A `str`-valued Enum stored by its value in a VARCHAR, read back as the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int = 32) -> None:
        super().__init__(length)
        self.enum_class = enum_class
        self.length = length  # part of the cache key, with enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self.enum_class(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        if value is None:
            return None
        # the members by value (a dict look-up: an Enum call costs ten times more, and a start
        # reads some 15 000 of these); anything unknown goes through the call, which raises
        member = self.enum_class._value2member_map_.get(value)
        return member if member is not None else self.enum_class(value)  # type: ignore[return-value]

    def convert_column(self, values: list[Any]) -> list[E | None]:
        """`process_result_value` over a whole column (`store.bulk_read`): one dict look-up
        per value, called from C; when a value is no member's (more Nones out than in), the
        one-by-one path goes through the Enum call, which raises."""
        members = list(map(self.enum_class._value2member_map_.get, values))
        if members.count(None) == values.count(None):
            return members
        return [self.process_result_value(v, None) for v in values]  # type: ignore[arg-type]
