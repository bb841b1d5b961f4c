"""The window's copy of a position, kept so that the garbage collector has nothing to follow in it.

The window keeps one frozen copy per row (`event_pump.snapshot`): a thousand of them with a
book of 1 000 positions, replaced at the rate prices move. Every collection of the GUI thread
walked each copy's ~32 attributes, and that walk is a read of each attribute's object somewhere
in a heap of some 200 MB (a cache miss, ~100-250 ns here): copies were ~40 % of what a full
collection followed (`bench_lag.py`, #14 lag worst case), and most of what the frequent young
collections did.

CPython follows nothing inside a dict that holds only atoms (strings, Decimals, datetimes,
numbers, None): it stops tracking such a dict. A position's dict holds atoms except for a few
shared, long-lived values: its enums and its risk thresholds. A `PositionSnapshot` keeps those
as small ints into one table of such values (`SharedField`), so its dict is never tracked and a
collection follows two references per copy (its type and its dict) instead of ~32. Reading
`snapshot.side` gives the same enum member as the engine's position; setting it (as
`dataclasses.replace` or the domain's own methods do) stores the int again. Everything else is
the `Position` it copies: same fields, methods and properties.
"""

from __future__ import annotations

from typing import Any

from ..domain import Position

SHARED_FIELDS = ("side", "status", "stop_source", "risk_thresholds", "pending_exit_reason",
                 "close_reason")
"""The fields of a `Position` whose values are objects the collector tracks (enum members,
`RiskThresholds`): few distinct values, each shared by many positions."""

_values: list[Any] = []
_codes: dict[tuple[type, Any], int] = {}


def _code(value: Any) -> int:
    """The value's place in the table: an enum member is itself, and equal thresholds are one
    entry (keyed by type and value, so `PositionStatus.OPEN` and `OrderStatus.OPEN`, both equal
    to "open", stay apart). The table holds each distinct value once: it grows with the
    enum members and the thresholds settings in use, never with the positions."""
    key = (type(value), value)
    code = _codes.get(key)
    if code is None:
        code = _codes[key] = len(_values)
        _values.append(value)
    return code


class SharedField:
    """A field kept in the instance's dict as a code into the shared table (None stays None)."""

    __slots__ = ("name",)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        code = obj.__dict__[self.name]
        return None if code is None else _values[code]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = None if value is None else _code(value)


class PositionSnapshot(Position):
    """A `Position` whose shared fields are stored as codes (module docstring)."""

    side = SharedField()
    status = SharedField()
    stop_source = SharedField()
    risk_thresholds = SharedField()
    pending_exit_reason = SharedField()
    close_reason = SharedField()


def position_snapshot(position: Position) -> PositionSnapshot:
    """A frozen copy of `position` (no constructor or validation run: its state is copied)."""
    state = dict(vars(position))
    if not isinstance(position, PositionSnapshot):
        for name in SHARED_FIELDS:
            value = state[name]
            state[name] = None if value is None else _code(value)
    copy = object.__new__(PositionSnapshot)
    # Inserted pair by pair: a dict is tracked as soon as anything it holds may need it, and a
    # copy of a whole dict (the fast path) inherits the source's tracking, here the engine's.
    vars(copy).update(state.items())
    return copy
