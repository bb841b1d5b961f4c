"""Run engine coroutines from Qt slots without blocking the Qt thread.

Under qasync the asyncio loop *is* the Qt event loop, so a slot only schedules the coroutine
and returns; the result (or the error) comes back through callbacks on the same thread. Tasks
are kept referenced until done, because asyncio holds only weak references to them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_running: set[asyncio.Future[Any]] = set()


def spawn(
    awaitable: Awaitable[T],
    *,
    on_result: Callable[[T], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_finally: Callable[[], None] | None = None,
) -> asyncio.Future[T]:
    """Schedule `awaitable` on the running (qasync) loop and report back by callbacks."""
    future = asyncio.ensure_future(awaitable)
    _running.add(future)

    def done(f: asyncio.Future[T]) -> None:
        _running.discard(f)
        try:
            if f.cancelled():
                return
            exc = f.exception()
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("background task failed", exc_info=exc)
            elif on_result is not None:
                on_result(f.result())
        finally:
            if on_finally is not None:
                on_finally()

    future.add_done_callback(done)
    return future


def pending() -> int:
    """How many spawned tasks are still running (tests wait for zero)."""
    return len(_running)
