"""Exact money: parsing and checking `Decimal` values.

Floats are refused on purpose: a float has already lost digits before we ever see it, so the only
safe sources of money are text (what a user typed, what an exchange sent) and other Decimals.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    Underflow,
    getcontext,
    setcontext,
)
from functools import wraps
from typing import ParamSpec, TypeVar

from .errors import DomainError

Number = Decimal | int | str

MONEY_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, Emin=-999999, Emax=999999,
                        traps=[InvalidOperation, DivisionByZero, Overflow])
"""The app's own arithmetic: Python's defaults written out (28 digits, half-even), so a library
that changes the thread's context (ccxt's precision helpers set ROUND_HALF_UP and trap
Underflow) cannot change a result."""

_P = ParamSpec("_P")
_R = TypeVar("_R")
_C = TypeVar("_C", bound=type)

_working = MONEY_CONTEXT.copy()
"""The live copy money code computes in (`money_context`). Being current means being inside
money code, so nested calls cost one identity check, not a context copy."""


def _enter(saved: Context) -> None:
    """Make the working money context current (`saved` is the thread's, restored after)."""
    global _working
    if _working.rounding != ROUND_HALF_EVEN or _working.prec != MONEY_CONTEXT.prec \
            or _working.traps[Underflow]:
        _working = MONEY_CONTEXT.copy()  # someone changed it in place: start afresh
    setcontext(_working)


class money_context:  # noqa: N801 - used like the function it replaces: `with money_context():`
    """`with money_context():` - compute money in `MONEY_CONTEXT`, whatever the thread's
    context is, and give the thread its own back afterwards. Synchronous blocks only: across
    an `await` other tasks run, and one of them (ccxt) could change the context in use."""

    __slots__ = ("_saved",)

    def __enter__(self) -> Context:
        saved = getcontext()
        self._saved = None if saved is _working else saved
        if self._saved is not None:
            _enter(saved)
        return _working

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            setcontext(self._saved)


def in_money_context(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run a synchronous function in `MONEY_CONTEXT` (one identity check when it
    already is)."""
    if inspect.iscoroutinefunction(func):
        raise TypeError(f"{func.__qualname__} is async: compute money in a synchronous helper")

    @wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        saved = getcontext()
        if saved is _working:  # nested money code: already in
            return func(*args, **kwargs)
        _enter(saved)
        try:
            return func(*args, **kwargs)
        finally:
            setcontext(saved)
    return wrapper


def money_methods(*plain: str) -> Callable[[_C], _C]:
    """Class decorator: every method and property written in the class body (and
    `__post_init__`) computes in `MONEY_CONTEXT`, so a domain object gives the same figures
    whoever calls it - the engine, the UI or a test - whatever the thread's context is.
    `plain` names members that compute no Decimal (flags, names, status moves): left as they
    are, so the many small reads a table makes stay cheap. Put it above `@dataclass`."""
    def decorate(cls: _C) -> _C:
        for name, attr in list(vars(cls).items()):
            if name in plain:
                continue
            if isinstance(attr, property):
                setattr(cls, name, property(
                    attr.fget and in_money_context(attr.fget),
                    attr.fset and in_money_context(attr.fset), attr.fdel, attr.__doc__))
            elif isinstance(attr, (classmethod, staticmethod)):
                setattr(cls, name, type(attr)(in_money_context(attr.__func__)))
            elif inspect.isfunction(attr) and (not name.startswith("__")
                                               or name == "__post_init__"):
                setattr(cls, name, in_money_context(attr))
        return cls
    return decorate


ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def to_decimal(value: Number, field: str = "value") -> Decimal:
    """Turn text, int or Decimal into a finite Decimal, or explain why not."""
    if value is None:
        raise DomainError(f"{field} is missing")
    if isinstance(value, bool):
        # bool is an int subclass: True would silently become 1 BTC.
        raise DomainError(f"{field} must be a number, not {value!r}")
    if isinstance(value, float):
        raise DomainError(
            f"{field} must be given exactly (as text or Decimal), not as a float ({value!r})"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        result = parse_number(value, field)
    else:
        raise DomainError(f"{field} must be a number, not {type(value).__name__}")
    if not result.is_finite():
        raise DomainError(f"{field} must be a finite number, not {value}")
    return result


# "Numbers from people" (DESIGN.md): ASCII digits, at most one point, and thousands separators
# only in the exact grouping the app displays ("48,500.00"). No sign, exponent, "_", other
# scripts' digits, NaN or Infinity: each of those has turned a typo into a real order.
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+|[0-9]+\.", re.ASCII)
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII)
MAX_INTEGER_DIGITS = 15
"""No amount or price a person types has more than 15 integer digits; more is a slip of the
finger (or a paste) that would otherwise reach the venue as a 300-digit number."""
MAX_DECIMAL_DIGITS = 18
_SHOWN_MAX = 24


def parse_number(text: str, field: str = "value") -> Decimal:
    """The one parser for numbers typed (or pasted) by a person; refuses anything else.

    Leading and trailing ASCII spaces are ignored; the message names the field and quotes a
    short form of the text, so a 1e309 paste gives a one-line error.
    """
    if not isinstance(text, str):
        raise DomainError(f"{field} must be text, not {type(text).__name__}")
    stripped = text.strip(" \t\r\n")
    if not stripped:
        raise DomainError(f"{field} is empty")
    shown = stripped if len(stripped) <= _SHOWN_MAX else stripped[:_SHOWN_MAX - 1] + "…"
    if stripped[0] in "+-":
        raise DomainError(f"{field} cannot be negative or signed ({shown!r}): type the "
                          "number without a sign")
    if _PLAIN.fullmatch(stripped):
        digits = stripped
    elif _GROUPED.fullmatch(stripped):
        digits = stripped.replace(",", "")
    else:
        raise DomainError(f"{field} is not a number: {shown!r} (use digits 0-9 and one '.')")
    whole, _, frac = digits.partition(".")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise DomainError(f"{field} is too large: {shown!r}")
    if len(frac) > MAX_DECIMAL_DIGITS:
        raise DomainError(f"{field} has too many decimals: {shown!r} "
                          f"(at most {MAX_DECIMAL_DIGITS})")
    return Decimal(digits if not digits.endswith(".") else digits[:-1])


def decimal_places(value: Decimal) -> int:
    """How many digits a value carries after the point (trailing zeros count as typed)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def significant_decimals(value: Decimal) -> int:
    """Decimals that carry information: "0.10" has 1, "5" and "5E+2" have 0.

    Counted from the digits themselves rather than via `normalize()`, which rounds to the
    context precision (28 digits) and would let "0.1000…0001" pass a 8-decimal market check.
    """
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def parse_amount(
    value: Number,
    field: str = "amount",
    *,
    max_decimals: int | None = None,
    allow_zero: bool = False,
) -> Decimal:
    """Parse a quantity or price: finite, positive (or zero when allowed), within precision."""
    if type(value) is Decimal and max_decimals is None and value.is_finite() \
            and (value > 0 and value.adjusted() < MAX_INTEGER_DIGITS or allow_zero and not value):
        # the common case (thousands per start: every amount of every stored order and
        # position), checked as below in fewer steps
        return value
    result = to_decimal(value, field)
    if result != 0 and result.adjusted() >= MAX_INTEGER_DIGITS:
        # A Decimal given directly (place_order, a file) gets the same cap as typed text.
        raise DomainError(f"{field} is too large: {result:.6E}")
    if result < 0:
        raise DomainError(f"{field} cannot be negative ({result})")
    if result == 0 and not allow_zero:
        raise DomainError(f"{field} must be greater than zero")
    if max_decimals is not None and significant_decimals(result) > max_decimals:
        raise DomainError(
            f"{field} {result} has more decimals than the market allows ({max_decimals})"
        )
    return result


def optional_amount(value: Number | None, field: str) -> Decimal | None:
    """`parse_amount` for optional fields: None stays None."""
    return None if value is None else parse_amount(value, field)


def split_symbol(symbol: str) -> tuple[str, str]:
    """'BTC/USDT' or 'BTC/USDT:USDT' -> ('BTC', 'USDT'), the ccxt unified form."""
    if not isinstance(symbol, str) or "/" not in symbol:
        raise DomainError(f"symbol must look like BASE/QUOTE, e.g. BTC/USDT (got {symbol!r})")
    base, _, rest = symbol.partition("/")
    quote = rest.split(":", 1)[0]
    if not base or not quote:
        raise DomainError(f"symbol must look like BASE/QUOTE, e.g. BTC/USDT (got {symbol!r})")
    return base, quote
