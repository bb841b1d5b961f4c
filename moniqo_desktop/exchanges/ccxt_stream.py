"""Streaming tickers and orders: ccxt.pro websockets with reconnect, falling back to REST polling.

A monitor must keep showing prices when a websocket drops or an exchange has none, so the
stream never ends on a network error: it reconnects with backoff, and after a few failures in a
row it polls `fetch_tickers` for a while before trying the websocket again. Errors that are not
about the network (the exchange cannot stream at all) switch to polling for good.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..domain import Fill
from . import ccxt_mapping as mapping
from .base import ExchangeOrder, Ticker
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


# -- orders ---------------------------------------------------------------------------------
WatchOrders = Callable[[str | None], Awaitable[list[Any]]]


def ws_order(exchange_id: str, data: Any,
             trigger_fields: Iterable[str] = mapping.DEFAULT_TRIGGER_FIELDS) -> ExchangeOrder:
    """One streamed ccxt order as an `ExchangeOrder`.

    A streamed update's `fee` is the fee of the *last execution* (Binance's executionReport
    `n`/`N`), not the order's running total that `ExchangeOrder.fees` means, so `fees` is left
    empty; the execution itself comes out as the one entry of `trades` where the exchange says
    which trade it was (Binance `x == "TRADE"`). Cumulative fees come from `fetch_order` /
    `fetch_my_trades`.
    """
    order = mapping.exchange_order(exchange_id, data, trigger_fields=trigger_fields)
    info = data.get("info") if isinstance(data.get("info"), Mapping) else {}
    trades: tuple[Fill, ...] = ()
    if exchange_id.startswith("binance") and info.get("x") == "TRADE":
        amount, price = mapping.positive(info.get("l")), mapping.positive(info.get("L"))
        if amount is not None and price is not None:
            fee = mapping.dec(info.get("n")) or mapping.ZERO
            currency = (data.get("fee") or {}).get("currency") or info.get("N") or None
            trades = (Fill(fill_id=str(info.get("t")), amount=amount, price=price, fee=abs(fee),
                           fee_currency=currency,
                           at=mapping.from_ms(info.get("T"))),)
    return replace(order, fees={}, trades=trades)


class OrderStream:
    """Our orders as the exchange pushes them (ccxt.pro `watch_orders`).

    Yields one `ExchangeOrder` per update. Reconnects with backoff after a network error; after
    `max_failures` in a row, or at once when the exchange cannot stream orders, the stream
    simply ends — the engine's polling of `fetch_open_orders`/`fetch_order` stays the source of
    truth, the stream only makes it quicker.
    """

    def __init__(
        self,
        exchange_id: str,
        symbol: str | None = None,
        *,
        watch: WatchOrders | None,
        close: Callable[[], Awaitable[None]] | None = None,
        max_failures: int = 3,
        base_delay: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        trigger_fields: Iterable[str] = mapping.DEFAULT_TRIGGER_FIELDS,
    ) -> None:
        self.exchange_id = exchange_id
        self.symbol = symbol
        self.trigger_fields = tuple(trigger_fields)
        self._watch = watch
        self._close = close
        self.max_failures = max_failures
        self.base_delay = base_delay
        self._sleep = sleep
        self.mode = "websocket" if watch else "none"

    @classmethod
    def for_exchange(cls, exchange: "CcxtExchange", symbol: str | None = None) -> "OrderStream":
        """ccxt.pro `watch_orders` with the exchange's keys when both exist; else no stream."""
        watch = close = None
        if exchange.has_keys:
            try:
                import ccxt.pro as pro

                if exchange.id in pro.exchanges:
                    client = exchange.build_pro_client()
                    if client.has.get("watchOrders"):
                        watch, close = client.watch_orders, client.close
                    else:
                        close = client.close
            except Exception as exc:  # no ccxt.pro, or it cannot build this exchange
                log.info("no websocket orders for %s (%s)", exchange.id, exc)
        stream = cls(exchange.id, symbol, watch=watch, close=close, sleep=exchange._sleep,
                     trigger_fields=exchange.profile.trigger_fields)
        return stream

    async def updates(self) -> AsyncIterator[ExchangeOrder]:
        failures = 0
        try:
            while self._watch is not None:
                try:
                    raw = await self._watch(self.symbol)
                except Exception as exc:
                    error = map_error(exc) if is_ccxt_error(exc) else None
                    if error is None:
                        raise
                    if not isinstance(error, ExchangeUnavailable):
                        log.warning("order stream unsupported (%s); polling only", error)
                        break
                    failures += 1
                    if failures >= self.max_failures:
                        log.warning("order stream down (%s) %d times; polling only", error, failures)
                        break
                    await self._sleep(self.base_delay * 2 ** (failures - 1))
                    continue
                failures = 0
                for data in raw or ():
                    try:
                        yield ws_order(self.exchange_id, data, self.trigger_fields)
                    except ExchangeError as exc:  # one odd update must not end the stream
                        log.warning("skipping streamed order update: %s", exc)
        finally:
            self.mode = "none"
            if self._close is not None:
                await self._close()
