"""The domain's error family.

`DomainError` subclasses `ValueError` so callers that only know "bad value" still catch it; its
message is written for a trader, because the UI shows it as it is.
"""

from enum import Enum
from typing import TypeVar


class DomainError(ValueError):
    """A rule of the trading domain was broken; nothing was changed."""


class InvalidTransition(DomainError):
    """An order was asked to move to a status its state table does not allow."""


E = TypeVar("E", bound=Enum)


def as_enum(cls: type[E], value: object, what: str) -> E:
    """`cls(value)`, or a DomainError naming what was expected (stored text, user input)."""
    if type(value) is cls:  # already a member (a row read back, the engine's own values):
        return value  # type: ignore[return-value]  # what cls(value) returns, without its cost
    try:
        return cls(value)
    except ValueError:
        names = [str(m.value) for m in cls]
        choices = " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
        raise DomainError(f"unknown {what} {value!r}: {what} must be {choices}") from None
