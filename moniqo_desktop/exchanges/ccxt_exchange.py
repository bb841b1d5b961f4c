"""Real exchanges through ccxt (async), behind our `Exchange` protocol.

What this adapter adds on top of ccxt, and why:
- domain values out (Decimal, our enums, `ExchangeOrder`), never ccxt dicts (`ccxt_mapping`);
- our error family instead of ccxt's tree (`ccxt_errors`), secrets scrubbed from messages;
- orders checked and rounded to the market's rules before sending, so a refusal is explained
  locally instead of by an exchange error code;
- our `client_order_id` on every order, which is what makes a lost create recoverable: a create
  that timed out is never re-sent, it is looked up by client id;
- bounded retries for reads only (`ccxt_retry`).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt

from ..domain import Order, OrderSide, OrderType
from . import ccxt_mapping as mapping
from .base import Balance, Candle, ExchangeOrder, MarketInfo, Ticker, Trade
from .ccxt_errors import is_ccxt_error, map_error
from .ccxt_retry import RetryPolicy, Sleep, with_retries
from .errors import ExchangeError, ExchangeUnavailable, InvalidOrder, OrderNotFound, RateLimited
from .venues import ClientIdLookup, Lookup, StopStyle, VenueProfile, check_capabilities, profile_for

log = logging.getLogger(__name__)

# ccxt method -> its `has` feature
_FEATURES = {
    "fetch_open_orders": "fetchOpenOrders",
    "fetch_closed_orders": "fetchClosedOrders",
    "fetch_canceled_and_closed_orders": "fetchCanceledAndClosedOrders",
    "fetch_orders": "fetchOrders",
}

# ccxt methods that sign their request: without the venue's credentials they are refused here,
# by ccxt's own check, before any request (Coinbase's signer would otherwise raise TypeError)
_PRIVATE = frozenset({
    "create_order", "cancel_order", "fetch_order", "fetch_open_orders", "fetch_closed_orders",
    "fetch_canceled_and_closed_orders", "fetch_orders", "fetch_my_trades", "fetch_balance",
    "is_unified_enabled",
})


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def build_client(
    exchange_id: str,
    *,
    api_key: str | None = None,
    secret: str | None = None,
    password: str | None = None,
    sandbox: bool = False,
    ccxt_options: Mapping[str, Any] | None = None,
    module: Any = ccxt,
    credentials: Mapping[str, str | None] | None = None,
) -> Any:
    """A configured ccxt client (`module` may be `ccxt.pro` for streaming)."""
    cls = getattr(module, exchange_id, None)
    if cls is None or exchange_id not in getattr(module, "exchanges", [exchange_id]):
        raise ExchangeError(f"{exchange_id!r} is not an exchange ccxt knows")
    profile = profile_for(exchange_id)
    config: dict[str, Any] = {
        "enableRateLimit": True,
        "options": dict(profile.ccxt_options),
    }
    for key, value in (("apiKey", api_key), ("secret", secret), ("password", password),
                       *(credentials or {}).items()):
        if value:
            config[key] = value
    config = _merge(config, ccxt_options or {})
    client = cls(config)
    if profile.skip_currencies:
        client.has = {**client.has, "fetchCurrencies": False}
    if sandbox:
        try:
            client.set_sandbox_mode(True)
        except Exception as exc:  # ccxt raises NotSupported (or worse) when there is none
            log.debug("%s: set_sandbox_mode refused: %r", exchange_id, exc)
            raise ExchangeError(f"{exchange_id} has no sandbox/testnet") from None
    return client


class CcxtExchange:
    """The `Exchange` protocol on a ccxt exchange. The eight venues of `venues.PROFILES` are
    verified on recorded responses; any other id runs on a profile derived from ccxt."""

    always_on = True  # a real venue: stops resting there work while the app is closed

    def __init__(
        self,
        exchange_id: str,
        *,
        api_key: str | None = None,
        secret: str | None = None,
        password: str | None = None,
        sandbox: bool = False,
        ccxt_options: Mapping[str, Any] | None = None,
        client: Any = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        credentials: Mapping[str, str | None] | None = None,
    ) -> None:
        self.id = exchange_id
        self.sandbox = sandbox
        extra = {k: v for k, v in (credentials or {}).items() if v}
        self.client = client or build_client(
            exchange_id,
            api_key=api_key,
            secret=secret,
            password=password,
            sandbox=sandbox,
            ccxt_options=ccxt_options,
            credentials=extra,
        )
        self.profile: VenueProfile = profile_for(exchange_id, self.client)
        # what this venue lacks of what the engine needs: the app refuses on `missing`
        self.capabilities = check_capabilities(self.profile, self.client)
        self.name = getattr(self.client, "name", None) or exchange_id
        self._secrets = tuple(s for s in (api_key, secret, password, *extra.values()) if s)
        # kept only to build the ccxt.pro client for private streams (watch_orders)
        self._credentials = {"api_key": api_key, "secret": secret, "password": password}
        self._extra_credentials = extra
        # symbols we placed or looked up orders on: where per-symbol open-order reads go
        self._order_symbols: set[str] = set()
        self._unified_account: bool | None = None  # a venue with account kinds (Bybit)
        self._open_orders_need_symbol = self.profile.open_orders_need_symbol
        # declared to the engine (exchanges.base.features): prices always come as a stream
        # (ccxt.pro where the venue has it, else polled inside the stream); orders only where
        # ccxt.pro can push them
        self.features = frozenset(
            {"watch_tickers"} | ({"watch_orders"} if self.capabilities.streams_orders else set()))
        self._ccxt_options = dict(ccxt_options or {})
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._markets: dict[str, MarketInfo] = {}
        self._last_prices: dict[str, Decimal] = {}
        self._markets_lock = asyncio.Lock()

    @classmethod
    def from_keyring(cls, exchange_id: str, *, sandbox: bool = False, **kwargs: Any) -> "CcxtExchange":
        """Build with the keys stored in the OS keyring (public data only if there are none)."""
        from .keys import load_keys

        keys = load_keys(exchange_id, sandbox=sandbox)
        if keys is None:
            log.info("no API keys stored for %s; only public data will work", exchange_id)
            return cls(exchange_id, sandbox=sandbox, **kwargs)
        return cls(
            exchange_id,
            api_key=keys.api_key,
            secret=keys.secret,
            password=keys.password,
            sandbox=sandbox,
            credentials=keys.extra_credentials(),
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"CcxtExchange({self.id!r}, sandbox={self.sandbox})"

    # -- plumbing -------------------------------------------------------------------------
    async def _once(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One ccxt call with its exception translated (non-ccxt exceptions pass untouched)."""
        try:
            if method in _PRIVATE:
                self.client.check_required_credentials()  # AuthenticationError naming the key
            return await getattr(self.client, method)(*args, **kwargs)
        except Exception as exc:
            if is_ccxt_error(exc):
                raise self._venue_error(exc) from exc
            raise

    def _venue_error(self, exc: BaseException) -> ExchangeError:
        """Our error for a ccxt one, corrected where the profile knows ccxt's class is wrong
        for this venue (an unknown order that ccxt calls InvalidOrder or a bare error)."""
        mapped = map_error(exc, self._secrets)
        if type(mapped) not in (ExchangeError, InvalidOrder):
            return mapped
        last = getattr(self.client, "last_http_response", None)
        text = str(exc) + " " + (last if isinstance(last, str) else "")
        better: type[ExchangeError] | None = None
        if any(marker in text for marker in self.profile.not_found_errors):
            better = OrderNotFound
        elif type(mapped) is ExchangeError and any(
                marker in text for marker in self.profile.invalid_order_errors):
            better = InvalidOrder
        if better is None:
            return mapped
        corrected = better(str(mapped))
        corrected.ccxt_error = mapped.ccxt_error  # type: ignore[attr-defined]
        return corrected

    async def _read(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """A read: safe to repeat, so retried on `ExchangeUnavailable` with backoff."""
        return await with_retries(
            lambda: self._once(method, *args, **kwargs),
            policy=self._retry,
            sleep=self._sleep,
            what=f"{self.id} {method}",
        )

    def _has(self, feature: str) -> bool:
        return bool(getattr(self.client, "has", {}).get(feature))

    # -- markets --------------------------------------------------------------------------
    async def load_markets(self, reload: bool = False) -> dict[str, MarketInfo]:
        async with self._markets_lock:
            if self._markets and not reload:
                return dict(self._markets)
            raw = await self._read("load_markets", reload, dict(self.profile.load_markets_params))
            mode = getattr(self.client, "precisionMode", mapping.TICK_SIZE)
            has = getattr(self.client, "has", {})
            # spot only: a venue's derivatives (ccxt lists Coinbase's perpetuals beside its
            # spot products) are short-capable and sized in contracts, which this app is not
            self._markets = {
                symbol: mapping.market_info(self.id, market, has, mode, self.profile)
                for symbol, market in raw.items() if mapping.is_spot(market)
            }
            return dict(self._markets)

    def market(self, symbol: str) -> MarketInfo:
        if not self._markets:
            raise ExchangeError(f"{self.name} markets are not loaded yet")
        try:
            return self._markets[symbol]
        except KeyError:
            raise InvalidOrder(f"{symbol} is not a market on {self.name}") from None

    async def _ensure_markets(self) -> None:
        if not self._markets:
            await self.load_markets()

    # -- prices ---------------------------------------------------------------------------
    async def fetch_ticker(self, symbol: str) -> Ticker:
        await self._ensure_markets()
        result = mapping.ticker(await self._read("fetch_ticker", symbol))
        self._last_prices[result.symbol] = result.last
        return result

    async def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        """One request for all symbols where the exchange can; otherwise one per symbol."""
        await self._ensure_markets()
        if not symbols:
            return {}
        if self._has("fetchTickers"):
            raw = await self._read("fetch_tickers", list(symbols))
            out = {s: mapping.ticker(t) for s, t in raw.items() if s in symbols}
        else:
            found = await asyncio.gather(*(self.fetch_ticker(s) for s in symbols))
            out = {t.symbol: t for t in found}
        for t in out.values():
            self._last_prices[t.symbol] = t.last
        return out

    async def fetch_ohlcv(self, symbol: str, timeframe: str = "1m",
                          since: datetime | None = None, limit: int | None = None
                          ) -> list[Candle]:
        """The venue's candles through ccxt's fetchOHLCV ([ms, o, h, l, c, v] rows)."""
        await self._ensure_markets()
        if not self._has("fetchOHLCV"):
            raise ExchangeError(f"{self.id} does not serve candles")
        rows = await self._read("fetch_ohlcv", symbol, timeframe,
                                None if since is None else int(since.timestamp() * 1000), limit)
        return [Candle(datetime.fromtimestamp(r[0] / 1000, timezone.utc),
                       *(Decimal(str(v)) for v in r[1:5]),
                       Decimal(str(r[5])) if len(r) > 5 and r[5] is not None else Decimal(0))
                for r in rows if r[1] is not None]

    # -- orders ---------------------------------------------------------------------------
    async def _market_buy_by_cost(self) -> bool:
        """Whether a market buy must be sent in quote money (then ccxt needs a price)."""
        if self.profile.market_buy_by_cost:
            return True
        if not self.profile.market_buy_by_cost_unless_unified:
            return False
        if self._unified_account is None:  # asked once; ccxt keeps the answer in its options
            flags = await self._read("is_unified_enabled")
            self._unified_account = bool(flags[1])
        return not self._unified_account

    def _order_request(
        self, order: Order, by_cost: bool = False
    ) -> tuple[str, float, float | None, dict[str, Any], mapping.SentOrder]:
        """Check and round `order` against its market; return ccxt's (type, amount, price, params).

        Amount and prices are rounded as Decimals first; the float handed to ccxt is only the
        carrier of an already-exact value (ccxt formats it back to the same digits). What
        differs per venue comes from the profile: the client-id param and its form, the stop
        param, and whether a market buy is sized in quote money (ccxt then needs a price).
        """
        info = self.market(order.symbol)
        reference = order.price or order.stop_price or self._last_prices.get(order.symbol)
        amount = info.check_order(order.amount, reference)
        price = info.round_price(order.price) if order.price is not None else None
        stop = info.round_price(order.stop_price) if order.stop_price is not None else None
        try:
            venue_cid = self.profile.client_id.to_venue(order.client_order_id)
        except ValueError as exc:
            raise InvalidOrder(f"{self.name}: {exc}") from None
        params: dict[str, Any] = {self.profile.client_id.param: venue_cid}
        sent = mapping.SentOrder.of(order, amount, price, stop)
        if order.type is OrderType.MARKET:
            if order.side is OrderSide.BUY and by_cost:
                if reference is None:
                    raise InvalidOrder(
                        f"{self.name} sizes a market buy in {info.quote}: no price of "
                        f"{order.symbol} is known yet to turn {amount} {info.base} into a cost"
                    )
                # ccxt turns amount x price into the quote cost the venue wants
                return "market", float(amount), float(reference), params, sent
            return "market", float(amount), None, params, sent
        if order.type is OrderType.LIMIT:
            return "limit", float(amount), float(price), params, sent  # type: ignore[arg-type]
        # A stop must never leave as a plain market/limit order: only the profile's own
        # stop param makes ccxt build a stop on this venue; without one it is refused here.
        if not info.native_stop_orders or self.profile.stop_style is StopStyle.NONE:
            raise InvalidOrder(
                f"{order.symbol} cannot hold a "
                f"{'stop-market' if order.type is OrderType.STOP else 'stop-limit'} order on {self.name}"
                + (f" ({info.note})" if info.note else "")
            )
        params[self.profile.stop_style.value] = float(stop)  # type: ignore[arg-type]
        if order.type is OrderType.STOP:
            return "market", float(amount), None, params, sent
        return "limit", float(amount), float(price), params, sent  # type: ignore[arg-type]

    def _order(self, raw: Mapping, fallback: mapping.SentOrder | None = None) -> ExchangeOrder:
        """A ccxt order as ours, its client id written back in our form."""
        result = mapping.exchange_order(self.id, raw, fallback=fallback,
                                        trigger_fields=self.profile.trigger_fields)
        rule = self.profile.client_id
        ours = rule.from_venue(rule.reported(raw))
        if ours is None and fallback is not None:
            ours = fallback.client_order_id
        self._order_symbols.add(result.symbol)
        if ours != result.client_order_id:
            result = dataclasses.replace(result, client_order_id=ours)
        return result

    async def create_order(self, order: Order) -> ExchangeOrder:
        """Send `order` once. A create that may have reached the exchange (timeout, 5xx) is not
        re-sent: it is looked up by client order id and returned if it exists; otherwise
        `ExchangeUnavailable` tells the engine to reconcile later."""
        await self._ensure_markets()
        by_cost = (order.type is OrderType.MARKET and order.side is OrderSide.BUY
                   and await self._market_buy_by_cost())
        if by_cost and order.symbol not in self._last_prices:
            await self.fetch_ticker(order.symbol)  # the venue wants quote money: price it first
        ccxt_type, amount, price, params, sent = self._order_request(order, by_cost)
        try:
            raw = await self._once(
                "create_order", order.symbol, ccxt_type, order.side.value, amount, price, params
            )
        except RateLimited:
            raise  # refused before reaching the matching engine: nothing to look up
        except ExchangeUnavailable as exc:
            return await self._recover_create(order, exc)
        return self._order(raw, fallback=sent)

    async def _recover_create(self, order: Order, cause: ExchangeUnavailable) -> ExchangeOrder:
        log.warning(
            "create of %s on %s did not answer (%s); looking it up by client order id",
            order.client_order_id, self.id, cause,
        )
        try:
            return await self.fetch_order(order.symbol, client_order_id=order.client_order_id)
        except OrderNotFound:
            raise ExchangeUnavailable(
                f"order {order.client_order_id} was not confirmed by {self.name} ({cause}) and "
                "is not on the exchange yet; it will be reconciled"
            ) from cause
        except ExchangeUnavailable as exc:
            raise ExchangeUnavailable(
                f"order {order.client_order_id}: {self.name} did not answer the create ({cause}) "
                f"nor the look-up ({exc}); it will be reconciled"
            ) from cause
        except ExchangeError as exc:
            # Any other answer to the look-up proves nothing about the create: still unknown,
            # never a rejection (the order may be live).
            raise ExchangeUnavailable(
                f"order {order.client_order_id} was not confirmed by {self.name} ({cause}) and "
                f"its look-up failed ({exc}); it will be reconciled"
            ) from cause

    async def cancel_order(self, exchange_order_id: str, symbol: str) -> ExchangeOrder:
        """Not retried: a cancel that did land would be reported as OrderNotFound on repeat."""
        await self._ensure_markets()
        raw = await self._once("cancel_order", exchange_order_id, symbol)
        if not isinstance(raw, Mapping) or raw.get("status") is None or not raw.get("side"):
            # some exchanges acknowledge a cancel without the order: ask for the truth
            return await self.fetch_order(symbol, exchange_order_id=exchange_order_id)
        return self._order(raw)

    async def fetch_order(
        self,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> ExchangeOrder:
        await self._ensure_markets()
        if exchange_order_id:
            raw = await self._fetch_by_id(symbol, exchange_order_id)
        elif client_order_id:
            raw = await self._fetch_by_client_id(symbol, client_order_id)
        else:
            raise ValueError("fetch_order needs an exchange order id or a client order id")
        return self._order(raw)

    async def _open_then_finished(self, symbol: str, params: dict[str, Any],
                                  match: Any, what: str) -> Mapping:
        """The open orders, then the finished ones, each filtered by `params`, first `match`.

        Used where fetchOrder is unusable (Bybit) or cannot look up by client id (Kraken,
        Coinbase); never sends an id it does not have (no "orderId=None")."""
        for method in ("fetch_open_orders", self.profile.finished_orders_method):
            if not self._has(_FEATURES.get(method, "")):
                continue
            for raw in await self._read(method, symbol, None, None, dict(params)):
                if match(raw):
                    return raw
        raise OrderNotFound(f"no order {what} on {self.name}")

    async def _fetch_by_id(self, symbol: str, exchange_order_id: str) -> Mapping:
        if self.profile.lookup is Lookup.OPEN_THEN_CLOSED:
            return await self._open_then_finished(
                symbol, {self.profile.order_id_param: exchange_order_id},
                lambda raw: str(raw.get("id")) == exchange_order_id,
                f"with id {exchange_order_id}")
        return await self._read("fetch_order", exchange_order_id, symbol)

    async def _fetch_by_client_id(self, symbol: str, client_order_id: str) -> Mapping:
        """Find our order by client id, the way this venue allows (see the profile)."""
        rule = self.profile.client_id
        venue_cid = rule.to_venue(client_order_id)
        how = self.profile.client_id_lookup
        if not self._has("fetchOrder") and how is ClientIdLookup.FETCH_ORDER_PARAM:
            how = ClientIdLookup.SCAN_OPEN_AND_CLOSED
        if how is ClientIdLookup.FETCH_ORDER_PARAM:
            return await self._read("fetch_order", None, symbol, {rule.lookup_param: venue_cid})
        params = {rule.lookup_param: venue_cid} if how is ClientIdLookup.OPEN_THEN_CLOSED_PARAM else {}
        return await self._open_then_finished(
            symbol, params, lambda raw: rule.from_venue(raw.get("clientOrderId")) == client_order_id,
            f"with client id {client_order_id}")

    async def fetch_open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        """One request (for all symbols when `symbol` is None), or, where the venue needs a
        symbol, one per symbol we have placed or looked up orders on."""
        await self._ensure_markets()
        if symbol is None and not self._open_orders_need_symbol:
            try:
                raw = await self._read("fetch_open_orders", None)
            except ExchangeError as exc:
                if getattr(exc, "ccxt_error", "") != "ArgumentsRequired":
                    raise
                log.info("%s needs a symbol to list open orders; reading them per symbol", self.id)
                self._open_orders_need_symbol = True
            else:
                return [self._order(o) for o in raw]
        symbols = [symbol] if symbol is not None else sorted(self._order_symbols)
        out: list[ExchangeOrder] = []
        for s in symbols:
            out.extend(self._order(o) for o in await self._read("fetch_open_orders", s))
        return out

    async def fetch_my_trades(self, symbol: str, since: datetime | None = None) -> list[Trade]:
        await self._ensure_markets()
        raw = await self._read("fetch_my_trades", symbol, mapping.to_ms(since))
        quote = self.market(symbol).quote
        trades = (mapping.trade(self.id, t, quote) for t in raw)
        return [t for t in trades if t is not None]

    async def fetch_balance(self) -> dict[str, Balance]:
        return mapping.balances(await self._read("fetch_balance"))

    # -- streaming ------------------------------------------------------------------------
    def watch_tickers(
        self, symbols: list[str], *, poll_interval: float = 5.0
    ) -> AsyncIterator[dict[str, Ticker]]:
        """Ticker updates: ccxt.pro websockets where supported (reconnecting), else polling."""
        from .ccxt_stream import TickerStream

        return TickerStream.for_exchange(self, symbols, poll_interval=poll_interval).updates()

    @property
    def has_keys(self) -> bool:
        return bool(self._credentials["api_key"] and self._credentials["secret"])

    def build_pro_client(self) -> Any:
        """A ccxt.pro client configured like the REST one (keys, sandbox, options)."""
        import ccxt.pro as pro

        return build_client(self.id, sandbox=self.sandbox, ccxt_options=self._ccxt_options,
                            module=pro, credentials=self._extra_credentials, **self._credentials)

    def watch_orders(self, symbol: str | None = None) -> AsyncIterator[ExchangeOrder]:
        """Our orders as the exchange pushes them (ccxt.pro), one `ExchangeOrder` per update.

        Ends at once where the exchange cannot stream orders (or without keys), and after
        repeated network failures: polling `fetch_open_orders`/`fetch_order` stays the truth.
        """
        from .ccxt_stream import OrderStream

        return OrderStream.for_exchange(self, symbol).updates()

    async def close(self) -> None:
        await self.client.close()
