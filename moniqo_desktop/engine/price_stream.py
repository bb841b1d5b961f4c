"""Streamed prices: evaluate exits on every tick, not only every poll.

Where the exchange streams tickers (ccxt.pro websockets) the engine hears each price as it
happens; polling stays on as the safety net, and evaluation is idempotent, so the two never
double an exit. The stream follows the symbols we hold or watch, and comes back whatever broke it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..exchanges.errors import ExchangeError
from .context import EngineContext
from .events import EngineError
from .position_tracker import PositionTracker

log = logging.getLogger(__name__)


async def evaluate_batch(tracker: PositionTracker, prices: dict) -> None:
    """A streamed batch moves some symbols: evaluate only their positions (the others have
    nothing new to decide), so a tick costs what moved, not the whole book."""
    if prices:
        await tracker.evaluate(prices)


class PriceStream:
    def __init__(self, ctx: EngineContext, tracker: PositionTracker, lock: asyncio.Lock,
                 on_unavailable: Callable[[Exception, str], None]) -> None:
        self.ctx = ctx
        self.tracker = tracker
        self.lock = lock  # shared with the cycles: one evaluation at a time
        self.on_unavailable = on_unavailable

    async def run(self) -> None:
        exchange: Any = self.ctx.exchange
        while True:
            wait = self.ctx.settings.position_poll_seconds
            version = self.tracker.symbols_version
            symbols = self.tracker.symbols()
            if not symbols:  # nothing to stream yet: look again soon
                await asyncio.sleep(min(1.0, wait))
                continue
            stream = exchange.watch_tickers(symbols, poll_interval=wait)
            try:
                async for batch in stream:
                    prices = {s: t.last for s, t in batch.items() if t.last and t.last > 0}
                    async with self.lock:
                        self.tracker.apply_prices(prices)
                        await evaluate_batch(self.tracker, prices)
                    if self.tracker.symbols_version != version:  # else nothing to look at
                        version = self.tracker.symbols_version
                        if self.tracker.symbols() != symbols:
                            break  # restart with the new set
            except asyncio.CancelledError:
                raise
            except ExchangeError as exc:
                self.on_unavailable(exc, "price stream")
                await asyncio.sleep(wait)
            except Exception as exc:
                log.exception("price stream failed")
                self.ctx.bus.publish(EngineError(f"Price stream stopped: {exc}", "restarting it"))
                await asyncio.sleep(wait)
            finally:
                await stream.aclose()
