"""Streamed order updates (ccxt.pro `watch_orders`) wake the monitor for that one order.

A pushed update says "something happened to order X" sooner than the next poll would; what
happened is then read with `fetch_order`, the same call polling uses, so fills and fees always
come from one source of truth (a pushed update carries one trade's fee, not the order's total).
Where the exchange cannot stream orders the stream ends at once, and is tried again later.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..domain import Order
from ..exchanges.base import ExchangeOrder
from ..exchanges.errors import ExchangeError
from .context import EngineContext
from .order_monitor import OrderMonitor

log = logging.getLogger(__name__)

RETRY_SECONDS = 60.0


class OrderStream:
    def __init__(self, ctx: EngineContext, monitor: OrderMonitor, lock: asyncio.Lock,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self.ctx = ctx
        self.monitor = monitor
        self.lock = lock
        self.retry_seconds = retry_seconds

    def _ours(self, snap: ExchangeOrder) -> Order | None:
        for order in self.ctx.orders.values():
            if (snap.exchange_order_id and order.exchange_order_id == snap.exchange_order_id) \
                    or (snap.client_order_id and order.client_order_id == snap.client_order_id):
                return order
        return None

    async def run(self) -> None:
        exchange: Any = self.ctx.exchange
        while True:
            try:
                async for snap in exchange.watch_orders():
                    order = self._ours(snap)
                    if order is None or order.is_complete() or order.id in self.ctx.inflight:
                        continue
                    async with self.lock:
                        await self.monitor.refresh(order)
            except asyncio.CancelledError:
                raise
            except ExchangeError as exc:
                log.info("order stream: %s", exc)
            except Exception:
                log.exception("order stream failed")
            await asyncio.sleep(self.retry_seconds)
