"""The paper account lives in our store, because the paper exchange lives in our process.

An always-on venue (a real exchange) is the truth about its own balances and orders; a venue
that only exists while the app runs (the paper exchange) would forget its account on restart,
so the engine keeps its `snapshot()` in the store's key/value table and loads it back on start.
"""

from __future__ import annotations

from typing import Any

from .context import EngineContext

STATE_KEY = "exchange:{id}"


def keeps_state_here(exchange: Any) -> bool:
    return hasattr(exchange, "snapshot") and hasattr(exchange, "load_snapshot") \
        and not getattr(exchange, "always_on", False)


def restore(ctx: EngineContext) -> None:
    exchange: Any = ctx.exchange
    if keeps_state_here(exchange):
        state = ctx.store.get_state(STATE_KEY.format(id=exchange.id))
        if state:
            exchange.load_snapshot(state)


def save(ctx: EngineContext) -> None:
    """Write the account when it changed since the last write (every cycle asks)."""
    exchange: Any = ctx.exchange
    if not keeps_state_here(exchange):
        return
    snapshot = exchange.snapshot()
    if ctx.venue_snapshot == snapshot:
        return
    ctx.store.set_state(STATE_KEY.format(id=exchange.id), snapshot)
    ctx.venue_snapshot = snapshot
