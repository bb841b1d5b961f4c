"""Waiting helpers for the GUI tests that drive the real window on the qasync loop
(a helper module, not a test; the `qloop` and `run` fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from moniqo_desktop.ui import coalesce, event_pump, tasks


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
    await until_idle()


async def until_idle() -> None:
    """No spawned task running and no engine event waiting to reach the widgets; then the
    throttled figures (the strip's prices and P&L) show what the window knows."""
    while tasks.pending() or event_pump.pending():
        await asyncio.sleep(0.01)
    coalesce.flush_throttled()
