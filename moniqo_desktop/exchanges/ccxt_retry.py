"""Bounded retries with exponential backoff, for calls that are safe to repeat.

Only reads go through here: repeating a read changes nothing on the exchange. Order placement
never does (a timed-out create may have been accepted; see `CcxtExchange.create_order`). The sleep
is injectable so tests run instantly and can assert the delays.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import ExchangeUnavailable, RateLimited

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # total tries, the first one included
    base_delay: float = 0.5  # seconds before the 2nd try; doubles each time
    max_delay: float = 8.0
    rate_limit_factor: float = 4.0  # back off harder when the exchange said "too many requests"

    def delay(self, retry: int, error: Exception) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        delay = self.base_delay * (2 ** (retry - 1))
        if isinstance(error, RateLimited):
            delay *= self.rate_limit_factor
        return min(delay, self.max_delay)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
    what: str = "request",
) -> T:
    """Run `call`, retrying on `ExchangeUnavailable` up to `policy.attempts` tries in all."""
    attempt = 1
    while True:
        try:
            return await call()
        except ExchangeUnavailable as exc:
            if attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt, exc)
            log.info("%s failed (%s); retry %d in %.2fs", what, exc, attempt, delay)
            await sleep(delay)
            attempt += 1
