"""Which venue we are on, in which mode, and whether it answered recently: the truth on screen.

"Connected" is a claim about the venue, so it is earned only by an answer: a request that came
back within the last poll interval. A cycle that asked nothing proves nothing, so when nothing
else was asked for a whole interval the engine sends a light heartbeat (one ticker). Every call
the engine makes goes through `AnsweredExchange`, which notes each answer and each failure, so
the state is derived from what happened rather than from the absence of errors.
"""

from __future__ import annotations

import functools
import inspect
from decimal import localcontext
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from ..domain.money import MONEY_CONTEXT
from ..exchanges.base import WATCH_ORDERS, WATCH_TICKERS
from ..exchanges.errors import ExchangeError, ExchangeUnavailable
from .events import ConnectionState

ALLOWANCE = 1.5
"""An answer counts as recent for 1.5 poll intervals: a poll that runs a little late must not
flap the badge, and silence still shows within two intervals."""
OFFLINE_INTERVALS = 10
"""Silent for this many intervals (or never answered and failing): Offline, not just Degraded."""


class VenueMode(str, Enum):
    PAPER = "paper"
    LIVE = "live"
    TESTNET = "testnet"

    @property
    def label(self) -> str:
        return self.value.upper()


def venue_mode(exchange: Any) -> VenueMode:
    """From the exchange actually in use (never from the settings, which may say otherwise)."""
    inner = getattr(exchange, "inner", exchange)
    if getattr(inner, "id", "") in ("demo", "paper") or not getattr(inner, "always_on", True):
        return VenueMode.PAPER
    if getattr(inner, "sandbox", False):
        return VenueMode.TESTNET
    return VenueMode.LIVE


def age_text(seconds: float) -> str:
    """'4 s ago', '3 min ago', '2 h ago'."""
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s ago"
    if s < 7200:
        return f"{s // 60} min ago"
    return f"{s // 3600} h ago"


@dataclass
class VenueHealth:
    """When the venue last answered and what the last failure was."""

    clock: Callable[[], datetime]
    last_answer: datetime | None = None
    last_failure: str = ""
    failing: bool = False

    def answered(self) -> None:
        self.last_answer = self.clock()
        self.failing = False

    def failed(self, exc: BaseException) -> None:
        self.last_failure = str(exc) or type(exc).__name__
        self.failing = True

    def age(self) -> float | None:
        """Seconds since the last answer (None: never answered)."""
        if self.last_answer is None:
            return None
        return (self.clock() - self.last_answer).total_seconds()

    def state(self, interval: float) -> ConnectionState:
        """CONNECTED only on a recent answer with no failure after it; a venue that never
        answered, or has been silent for OFFLINE_INTERVALS, is DISCONNECTED (shown "Offline")."""
        age = self.age()
        if age is None:
            return ConnectionState.DISCONNECTED if self.failing else ConnectionState.CONNECTING
        if age > interval * OFFLINE_INTERVALS:
            return ConnectionState.DISCONNECTED
        if self.failing or age > interval * ALLOWANCE:
            return ConnectionState.DEGRADED
        return ConnectionState.CONNECTED

    def detail(self, interval: float) -> str:
        age = self.age()
        parts = []
        if age is None:
            parts.append("no answer yet")
        elif self.failing or age > interval * ALLOWANCE:
            parts.append(f"last answer {age_text(age)}")
        if self.failing and self.last_failure:
            parts.append(self.last_failure)
        return "; ".join(parts)


def _answers(error: BaseException) -> bool:
    """A refusal (bad order, unknown id, wrong key) is still an answer; a timeout is not."""
    return isinstance(error, ExchangeError) and not isinstance(error, ExchangeUnavailable)


class AnsweredExchange:
    """The exchange as the engine sees it: every coroutine call notes its answer in `health`,
    and runs in a throw-away copy of the app's decimal context, so what the venue's library
    does to the context (ccxt's precision helpers switch it to ROUND_HALF_UP and trap
    Underflow) stays inside that call and never reaches the engine's arithmetic.

    Streams (`watch_tickers`, `watch_orders`) count each pushed item as an answer and take
    each step in such a copy too. Everything else (attributes, sync methods) passes through
    untouched, and setting an attribute sets it on the real exchange, so the wrapper adds
    observation (and the context guard) and nothing else.
    """

    def __init__(self, inner: Any, health: VenueHealth) -> None:
        object.__setattr__(self, "inner", inner)
        object.__setattr__(self, "health", health)
        object.__setattr__(self, "_wrapped", {})

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name in STREAMS and callable(attr):
            health = self.health

            @functools.wraps(attr)
            def stream(*args: Any, **kwargs: Any) -> AnsweredStream:
                return AnsweredStream(attr(*args, **kwargs), health)
            return stream
        if not inspect.iscoroutinefunction(attr):
            return attr
        wrapped = self._wrapped.get(name)
        if wrapped is None or wrapped.__wrapped__ != attr:
            health = self.health

            @functools.wraps(attr)
            async def call(*args: Any, **kwargs: Any) -> Any:
                try:
                    with localcontext(MONEY_CONTEXT):
                        result = await attr(*args, **kwargs)
                except BaseException as exc:
                    if _answers(exc):
                        health.answered()
                    elif isinstance(exc, Exception):
                        health.failed(exc)
                    raise
                if name != "close":
                    health.answered()
                return result

            wrapped = call
            self._wrapped[name] = wrapped
        return wrapped

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.inner, name, value)


STREAMS = frozenset({WATCH_TICKERS, WATCH_ORDERS})


class AnsweredStream:
    """A venue stream as the engine sees it: every item pushed is an answer, and every step
    runs in a throw-away copy of the app's decimal context (ccxt parses pushed messages with
    its precision helpers, which change the context they run in)."""

    def __init__(self, source: Any, health: VenueHealth) -> None:
        self.source = source
        self.health = health

    def __aiter__(self) -> "AnsweredStream":
        return self

    async def __anext__(self) -> Any:
        with localcontext(MONEY_CONTEXT):
            item = await self.source.__anext__()
        self.health.answered()
        return item

    async def aclose(self) -> None:
        close = getattr(self.source, "aclose", None)
        if close is not None:
            with localcontext(MONEY_CONTEXT):
                await close()

    def __repr__(self) -> str:
        return f"AnsweredExchange({self.inner!r})"
