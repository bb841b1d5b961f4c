"""Streaming tickers: ccxt.pro websockets with reconnect, falling back to REST polling.

A monitor must keep showing prices when a websocket drops or an exchange has none, so the
stream never ends on a network error: it reconnects with backoff, and after a few failures in a
row it polls `fetch_tickers` for a while before trying the websocket again. Errors that are not
about the network (the exchange cannot stream at all) switch to polling for good.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import ccxt_mapping as mapping
from .base import Ticker
from .ccxt_errors import is_ccxt_error, map_error
from .ccxt_retry import Sleep
from .errors import ExchangeError, ExchangeUnavailable

if TYPE_CHECKING:
    from .ccxt_exchange import CcxtExchange

log = logging.getLogger(__name__)

Watch = Callable[[list[str]], Awaitable[dict[str, Any]]]
Poll = Callable[[list[str]], Awaitable[dict[str, Ticker]]]


class TickerStream:
    def __init__(
        self,
        symbols: list[str],
        *,
        poll: Poll,
        watch: Watch | None = None,
        close: Callable[[], Awaitable[None]] | None = None,
        poll_interval: float = 5.0,
        max_failures: int = 3,
        polls_before_retry: int = 12,
        base_delay: float = 1.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.symbols = list(symbols)
        self._poll = poll
        self._watch = watch
        self._close = close
        self.poll_interval = poll_interval
        self.max_failures = max_failures
        self.polls_before_retry = polls_before_retry
        self.base_delay = base_delay
        self._sleep = sleep
        self.mode = "websocket" if watch else "polling"

    @classmethod
    def for_exchange(
        cls, exchange: "CcxtExchange", symbols: list[str], *, poll_interval: float = 5.0
    ) -> "TickerStream":
        """Websockets when ccxt.pro streams this exchange's tickers, polling otherwise."""
        watch = close = None
        try:
            import ccxt.pro as pro

            from .ccxt_exchange import build_client

            if exchange.id in pro.exchanges:
                client = build_client(exchange.id, sandbox=exchange.sandbox, module=pro)
                if client.has.get("watchTickers"):
                    watch, close = client.watch_tickers, client.close
        except Exception as exc:  # no ccxt.pro, or it cannot build this exchange: poll
            log.info("no websocket tickers for %s (%s); polling", exchange.id, exc)
        return cls(
            symbols,
            poll=exchange.fetch_tickers,
            watch=watch,
            close=close,
            poll_interval=poll_interval,
            sleep=exchange._sleep,
        )

    async def _watch_once(self) -> dict[str, Ticker]:
        assert self._watch is not None
        try:
            raw = await self._watch(self.symbols)
        except Exception as exc:
            if is_ccxt_error(exc):
                raise map_error(exc) from exc
            raise
        return {s: mapping.ticker(t) for s, t in raw.items() if s in self.symbols}

    async def updates(self) -> AsyncIterator[dict[str, Ticker]]:
        failures = 0
        polls_left = 0
        try:
            while True:
                if self._watch is not None and polls_left == 0:
                    self.mode = "websocket"
                    try:
                        batch = await self._watch_once()
                    except ExchangeUnavailable as exc:
                        failures += 1
                        log.info("ticker stream dropped (%s); failure %d", exc, failures)
                        if failures >= self.max_failures:
                            polls_left = self.polls_before_retry
                            failures = 0
                        else:
                            await self._sleep(self.base_delay * 2 ** (failures - 1))
                        continue
                    except ExchangeError as exc:
                        log.warning("ticker stream unsupported (%s); polling from now on", exc)
                        self._watch = None
                        continue
                    failures = 0
                    if batch:
                        yield batch
                    continue
                self.mode = "polling"
                try:
                    batch = await self._poll(self.symbols)
                except ExchangeUnavailable as exc:
                    log.info("ticker poll failed (%s)", exc)
                    batch = {}
                if batch:
                    yield batch
                if polls_left:
                    polls_left -= 1
                await self._sleep(self.poll_interval)
        finally:
            if self._close is not None:
                await self._close()
