"""Bounded memory: finished orders and closed positions leave memory after a window; the store
keeps them and hands them out on demand (history views, charts).

Every order and position used to stay in memory for the life of the process, so memory grew with
history (RSS 68 -> 82 MB over 10 000 cycles). What the engine needs live is what can still change:
open orders and positions, and finished orders young enough to receive a late fill (the 24 h
the sync keeps them for). Anything closed longer ago than `history_in_memory_days` (a setting,
default 7) is dropped from the working maps — never from the store — unless it still belongs to
an open position. The paper venue forgets its old orders the same way (its journal keeps them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..domain import Order, Position
from .context import EngineContext

LATE_FILL_WINDOW = timedelta(hours=24)


def cutoff(ctx: EngineContext, now: datetime) -> datetime:
    return working_since(ctx.settings, now)


def working_since(settings: Any, now: datetime) -> datetime:
    """Where the working set starts: finished orders and closed positions older than this are
    history (a window on a server keeps the same set as the engine: `remote.engine`)."""
    days = getattr(settings, "history_in_memory_days", 7)
    return now - max(timedelta(days=days), LATE_FILL_WINDOW)


def _finished_at(order: Order) -> datetime:
    return order.history[-1].at if order.history else order.created_at


def forget_old(ctx: EngineContext) -> tuple[int, int]:
    """Drop old finished orders and closed positions from memory; returns (orders, positions)."""
    limit = cutoff(ctx, ctx.clock())
    live_positions = {p.id for p in ctx.positions.values() if p.is_open}
    kept_by_position = {p.entry_order_id for p in ctx.positions.values() if p.is_open} | {
        p.exit_order_id for p in ctx.positions.values() if p.is_open}
    old_orders = [
        o for o in ctx.orders.values()
        if o.is_complete() and o.id not in ctx.inflight and _finished_at(o) < limit
        and o.id not in kept_by_position and o.position_id not in live_positions
    ]
    for order in old_orders:
        del ctx.orders[order.id]
        ctx.entry_index.pop(order.id, None)
    old_positions = [p for p in ctx.positions.values()
                     if not p.is_open and p.closed_at is not None and p.closed_at < limit]
    for position in old_positions:
        ctx.forget_position(position.id)
    forget = getattr(ctx.exchange, "forget_old_orders", None)
    if callable(forget):
        forget()
    return len(old_orders), len(old_positions)


def order_history(ctx: EngineContext) -> list[Order]:
    """Every order, from the store (memory holds only the recent ones), oldest first."""
    return ctx.store.load_orders()


def position_history(ctx: EngineContext) -> list[Position]:
    """Every position, from the store, with live objects for those still in memory."""
    stored = ctx.store.load_positions(risk_thresholds=ctx.risk_thresholds)
    return [ctx.positions.get(p.id, p) for p in stored]


def in_memory(ctx: EngineContext) -> dict[str, Any]:
    """Sizes of the working maps (tests and the soak watch them)."""
    exchange: Any = ctx.exchange
    return {"orders": len(ctx.orders), "positions": len(ctx.positions),
            "venue_orders": len(getattr(exchange, "_orders", ()))}
