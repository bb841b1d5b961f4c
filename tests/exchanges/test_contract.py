"""One contract for every `Exchange`: the paper exchange and the eight first-class venues.

The engine has a single code path for paper and live trading, so every backend must answer the
same questions the same way. Each test is written once against a `Venue`: `venue.expect(step)`
queues what the next call needs — recorded response bodies for a ccxt venue (replayed through
real ccxt, only its HTTP fetch replaced), nothing for the paper exchange — so the assertions
never know which backend they run on. Where a venue cannot do something (a resting stop), the
test asserts the explicit refusal and that nothing was sent.

The scenario is shared: BTC/USDT at 60 000 with 10 000 USDT; a market buy of 0.01 BTC, a limit
buy of 0.01 BTC at 55 000 that rests, a 1 BTC buy the account cannot afford. Each venue's
recordings (tests/fixtures/<venue>) carry their source in a "source" field.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from ccxt_replay import TEST_PASSWORD, Replay, SleepRecorder, replayed

from moniqo_desktop.domain import Order, OrderSide, OrderStatus, OrderType
from moniqo_desktop.exchanges.base import Exchange
from moniqo_desktop.exchanges.errors import (
    AuthenticationFailed,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)

D = Decimal
PRICE = D("60000")
HEX_IDS = {kind: "mq" + f"{n:030x}" for n, kind in enumerate(("market", "limit", "stop", "big"), 1)}
DASH_IDS = {"market": "mq-market-0001", "limit": "mq-limit-0001", "stop": "mq-stop-0001",
            "big": "mq-too-big-01"}
BASE64_SECRET = "c2VjcmV0LWZvci10ZXN0cy1vbmx5LTEyMzQ1Njc4"  # Kraken signs with a base64 secret


@dataclass(frozen=True)
class Spec:
    """What one venue's recordings are and what its market rules say."""

    id: str
    steps: dict[str, tuple[str, ...]]
    amount_step: Decimal
    price_step: Decimal
    min_cost: Decimal | None
    native_stops: bool
    # the stop's outgoing request: (method, path, params that make it a stop, not a market order)
    stop_request: tuple[str, str, dict[str, Any]] | None = None
    cids: dict[str, str] = field(default_factory=lambda: dict(HEX_IDS))
    replay_kwargs: dict[str, Any] = field(default_factory=dict)
    # answered whenever asked (account-kind probes ccxt makes once, whatever the call)
    sticky: tuple[str, ...] = ()


SPECS: dict[str, Spec] = {
    "binance": Spec(
        "binance",
        {
            "markets": ("exchange_info",),
            "ticker": ("ticker_btcusdt",),
            "market_buy": ("order_market_filled_base_fee",),
            "limit_buy": ("order_limit_new",),
            "cancel": ("order_limit_cancelled",),
            "fetch_by_client_id": ("order_limit_open_by_client_id",),
            "open_orders": ("open_orders_btcusdt",),
            "open_orders_all": ("open_orders",),
            "fetch_unknown": ("error_order_not_found",),
            "cancel_unknown": ("error_cancel_unknown_order",),
            "unaffordable_buy": ("error_insufficient_balance",),
            "invalid_order": ("error_filter_failure",),
            "balance": ("account",),
            "stop_sell": ("order_stop_loss_new",),
            "my_trades": ("my_trades",),
            "create_timeout": ("timeout_create_order", "order_limit_open_by_client_id"),
            "auth_error": ("error_invalid_api_key",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.00001"), D("0.01"), D("5"), True,
        stop_request=("POST", "/api/v3/order", {"type": "STOP_LOSS", "stopPrice": "57000"}),
        cids=DASH_IDS,
    ),
    "kraken": Spec(
        "kraken",
        {
            "markets": ("asset_pairs",),
            "ticker": ("ticker",),
            "market_buy": ("add_order_market",),
            "market_buy_lookup": ("query_market_filled",),
            "limit_buy": ("add_order_limit",),
            "cancel": ("cancel_order", "query_limit_cancelled"),
            "fetch_by_client_id": ("open_orders",),
            "open_orders": ("open_orders",),
            "open_orders_all": ("open_orders",),
            "fetch_unknown": ("error_unknown_order",),
            "cancel_unknown": ("error_cancel_unknown_order",),
            "unaffordable_buy": ("error_insufficient_funds",),
            "invalid_order": ("error_order_minimum",),
            "balance": ("balance",),
            "stop_sell": ("add_order_stop",),
            "stop_lookup": ("query_stop_open",),
            "my_trades": ("trades_history",),
            "create_timeout": ("timeout_add_order", "open_orders"),
            "auth_error": ("error_invalid_key",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.00000001"), D("0.1"), D("0.5"), True,
        stop_request=("POST", "/0/private/AddOrder", {"ordertype": "stop-loss", "price": "57000"}),
        replay_kwargs={"secret": BASE64_SECRET},
    ),
    "bybit": Spec(
        "bybit",
        {
            "markets": ("instruments_spot",),
            "ticker": ("ticker",),
            "market_buy": ("create_market",),
            "market_buy_lookup": ("realtime_empty", "history_market_filled"),
            "limit_buy": ("create_limit",),
            "cancel": ("cancel_order", "realtime_empty", "history_limit_cancelled"),
            "fetch_by_client_id": ("realtime_limit",),
            "open_orders": ("realtime_limit",),
            "open_orders_all": ("realtime_limit",),
            "fetch_unknown": ("realtime_empty", "history_empty"),
            "cancel_unknown": ("error_cancel_unknown_order",),
            "unaffordable_buy": ("error_insufficient_balance",),
            "invalid_order": ("error_order_value_too_low",),
            "balance": ("wallet_balance",),
            "my_trades": ("executions",),
            "create_timeout": ("timeout_create_order", "realtime_limit"),
            "auth_error": ("error_invalid_api_key",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.000001"), D("0.01"), D("1"), False,
        sticky=("query_api", "account_info"),
    ),
    "gate": Spec(
        "gate",
        {
            "markets": ("margin_currency_pairs", "currency_pairs"),
            "ticker": ("ticker",),
            # a market buy is sized in USDT: priced from a fresh ticker first
            "market_buy": ("ticker", "create_market"),
            "limit_buy": ("create_limit",),
            "cancel": ("cancel_order",),
            "fetch_by_client_id": ("order_limit",),
            "open_orders": ("open_orders_pair",),
            "open_orders_all": ("open_orders",),
            "fetch_unknown": ("error_order_not_found",),
            "cancel_unknown": ("error_cancel_not_found",),
            "unaffordable_buy": ("ticker", "error_balance_not_enough"),
            "invalid_order": ("error_amount_too_little",),
            "balance": ("accounts",),
            "my_trades": ("my_trades",),
            "create_timeout": ("timeout_create_order", "order_limit"),
            "auth_error": ("error_invalid_key",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.000001"), D("0.1"), D("3"), False,
        sticky=("account_detail",),
    ),
    "coinbase": Spec(
        "coinbase",
        {
            "markets": ("products", "products_future"),
            "ticker": ("ticker",),
            # a market buy is sized in USDT: priced from a fresh ticker first
            "market_buy": ("ticker", "create_market"),
            "market_buy_lookup": ("order_market_filled",),
            "limit_buy": ("create_limit",),
            "cancel": ("cancel_ok", "order_limit_cancelled"),
            "fetch_by_client_id": ("open_orders",),
            "open_orders": ("open_orders",),
            "open_orders_all": ("open_orders",),
            "fetch_unknown": ("error_order_not_found",),
            "cancel_unknown": ("cancel_unknown",),
            "unaffordable_buy": ("ticker", "error_insufficient_fund"),
            "invalid_order": ("error_invalid_limit_price",),
            "balance": ("accounts",),
            "my_trades": ("fills",),
            "create_timeout": ("timeout_create_order", "open_orders"),
            "auth_error": ("error_unauthorized",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.00000001"), D("0.01"), D("1"), False,
        sticky=("transaction_summary",),
    ),
    "kucoin": Spec(
        "kucoin",
        {
            "markets": ("symbols",),
            "ticker": ("ticker",),
            "market_buy": ("create_market",),
            "market_buy_lookup": ("order_market_filled",),
            "limit_buy": ("create_limit",),
            "cancel": ("cancel_order", "order_limit_cancelled"),
            "fetch_by_client_id": ("order_limit_by_client_id",),
            "open_orders": ("open_orders",),
            "open_orders_all": ("open_orders",),
            "fetch_unknown": ("error_order_not_exist",),
            "cancel_unknown": ("error_cancel_not_exist",),
            "unaffordable_buy": ("error_insufficient_balance",),
            "invalid_order": ("error_price_limit",),
            "balance": ("accounts",),
            "my_trades": ("fills",),
            "create_timeout": ("timeout_create_order", "order_limit_by_client_id"),
            "auth_error": ("error_invalid_key",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.00000001"), D("0.1"), D("0.1"), False,
        sticky=("account_mode", "hf_accounts_opened"),
        replay_kwargs={"password": TEST_PASSWORD},
    ),
    "bitget": Spec(
        "bitget",
        {
            "markets": ("symbols", "margin_currencies"),
            "ticker": ("ticker",),
            # a market buy is sized in USDT: priced from a fresh ticker first
            "market_buy": ("ticker", "create_market"),
            "market_buy_lookup": ("order_market_filled",),
            "limit_buy": ("create_limit",),
            "cancel": ("cancel_order", "order_limit_cancelled"),
            "fetch_by_client_id": ("order_limit_by_client_id",),
            "open_orders": ("open_orders",),
            "open_orders_all": ("open_orders",),
            "fetch_unknown": ("error_order_not_found",),
            "cancel_unknown": ("error_cancel_not_found",),
            "unaffordable_buy": ("ticker", "error_insufficient_balance"),
            "invalid_order": ("error_minimum_amount",),
            "balance": ("assets",),
            "my_trades": ("fills",),
            "create_timeout": ("timeout_create_order", "order_limit_by_client_id"),
            "auth_error": ("error_invalid_key",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.000001"), D("0.01"), D("1"), False,
        sticky=("uta_settings_classic",),
        replay_kwargs={"password": TEST_PASSWORD},
    ),
    "okx": Spec(
        "okx",
        {
            "markets": ("instruments_spot",),
            "ticker": ("ticker_btcusdt",),
            "market_buy": ("order_market_placed",),
            "market_buy_lookup": ("order_market_filled",),
            "limit_buy": ("order_placed",),
            "cancel": ("cancel_order", "order_cancelled_unfilled"),
            "fetch_by_client_id": ("order_live",),
            "open_orders": ("orders_pending",),
            "open_orders_all": ("orders_pending",),
            "fetch_unknown": ("error_order_not_found",),
            "cancel_unknown": ("error_cancel_unknown_order",),
            "unaffordable_buy": ("error_insufficient_balance",),
            "invalid_order": ("error_order_too_small",),
            "balance": ("balance",),
            "my_trades": ("fills",),
            "create_timeout": ("timeout_create_order", "order_live"),
            "auth_error": ("error_invalid_key",),
            "rate_limited": ("error_rate_limited",) * 3,
        },
        D("0.00000001"), D("0.1"), None, False,
        cids={"market": "mqmarket0001", "limit": "mqlimit0001", "stop": "mqstop0001",
              "big": "mqlimit0001"},
        replay_kwargs={"password": TEST_PASSWORD},
    ),
}


class Venue:
    """A backend plus the means to set up each scenario step on it."""

    name: str
    exchange: Exchange
    native_stops: bool = True
    cids: dict[str, str] = DASH_IDS

    async def expect(self, step: str) -> None:
        raise NotImplementedError

    def has_step(self, step: str) -> bool:
        return True

    def sent_count(self) -> int:
        return 0

    async def close(self) -> None:
        await self.exchange.close()


class DemoVenue(Venue):
    name = "demo"

    def __init__(self) -> None:
        from moniqo_desktop.exchanges.demo import DemoExchange

        self.exchange = DemoExchange(
            prices={"BTC/USDT": PRICE}, fee_rate=D("0.001"), balances={"USDT": D("10000")}
        )

    async def expect(self, step: str) -> None:
        pass  # the paper exchange answers from its own state

    def has_step(self, step: str) -> bool:
        return step not in ("market_buy_lookup", "stop_lookup", "fetch_unknown_error_only")


class RecordedVenue(Venue):
    """A first-class venue through real ccxt; each step queues the recorded bodies it needs."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.name = spec.id
        self.native_stops = spec.native_stops
        self.cids = spec.cids
        self.replay = Replay(spec.id)
        kwargs = dict(spec.replay_kwargs)
        self.exchange = replayed(spec.id, self.replay, SleepRecorder(), **kwargs)
        self.replay.add(*spec.sticky, sticky=True)

    async def expect(self, step: str) -> None:
        self.replay.add(*self.spec.steps[step])

    def has_step(self, step: str) -> bool:
        return step in self.spec.steps

    def sent_count(self) -> int:
        return len(self.replay.requests)

    async def close(self) -> None:
        await super().close()
        assert not self.replay.unmatched, self.replay.unmatched
        assert not self.replay.pending(), f"recorded but never requested: {self.replay.pending()}"


VENUES = ["demo", *SPECS]


@pytest.fixture(params=VENUES)
async def venue(request) -> AsyncIterator[Venue]:
    v: Venue = DemoVenue() if request.param == "demo" else RecordedVenue(SPECS[request.param])
    await v.expect("markets")
    await v.exchange.load_markets()
    yield v
    await v.close()


def market_buy(venue: Venue, amount: str = "0.01", kind: str = "market") -> Order:
    return Order(symbol="BTC/USDT", side="buy", type="market", amount=D(amount),
                 client_order_id=venue.cids[kind])


def limit_buy(venue: Venue) -> Order:
    return Order(symbol="BTC/USDT", side="buy", type="limit", amount=D("0.01"),
                 price=D("55000"), client_order_id=venue.cids["limit"])


async def settled(venue: Venue, placed, step: str):
    """A venue that acknowledges with ids only is asked what became of the order."""
    if placed.status is not OrderStatus.SUBMITTED:
        return placed
    await venue.expect(step)
    return await venue.exchange.fetch_order("BTC/USDT", exchange_order_id=placed.exchange_order_id)


async def test_is_an_exchange(venue):
    assert isinstance(venue.exchange, Exchange)


async def test_markets_have_precision(venue):
    btc = venue.exchange.market("BTC/USDT")
    assert (btc.base, btc.quote) == ("BTC", "USDT")
    assert btc.active
    assert btc.native_stop_orders is venue.native_stops
    if isinstance(venue, RecordedVenue):
        spec = venue.spec
        assert (btc.amount_step, btc.price_step, btc.min_cost) == (
            spec.amount_step, spec.price_step, spec.min_cost)
    else:
        assert btc.amount_step == D("0.00001") and btc.price_step == D("0.01")
    assert btc.round_amount(D("0.0123456789")) <= D("0.0123456789")


async def test_ticker_is_decimal(venue):
    await venue.expect("ticker")
    t = await venue.exchange.fetch_ticker("BTC/USDT")
    assert t.symbol == "BTC/USDT"
    assert isinstance(t.last, Decimal) and t.last == PRICE
    assert all(isinstance(x, Decimal) for x in (t.bid, t.ask) if x is not None)


async def test_market_order_fills_with_a_fee(venue):
    await venue.expect("market_buy")
    placed = await venue.exchange.create_order(market_buy(venue))
    assert placed.client_order_id == venue.cids["market"]
    result = await settled(venue, placed, "market_buy_lookup")
    assert result.status is OrderStatus.FILLED
    assert result.client_order_id == venue.cids["market"]
    assert (result.side, result.type) == (OrderSide.BUY, OrderType.MARKET)
    assert (result.amount, result.filled, result.remaining) == (D("0.01"), D("0.01"), D("0"))
    assert result.average == PRICE
    assert result.fees and all(fee > 0 for fee in result.fees.values())


async def test_limit_order_rests_then_cancels(venue):
    await venue.expect("limit_buy")
    placed = await venue.exchange.create_order(limit_buy(venue))
    assert placed.status in (OrderStatus.OPEN, OrderStatus.SUBMITTED)
    assert (placed.filled, placed.price, placed.average) == (D("0"), D("55000"), None)
    assert placed.exchange_order_id and placed.client_order_id == venue.cids["limit"]

    await venue.expect("open_orders")
    open_orders = await venue.exchange.fetch_open_orders("BTC/USDT")
    assert [o.exchange_order_id for o in open_orders] == [placed.exchange_order_id]
    assert open_orders[0].status is OrderStatus.OPEN
    assert open_orders[0].client_order_id == venue.cids["limit"]

    await venue.expect("cancel")
    cancelled = await venue.exchange.cancel_order(placed.exchange_order_id, "BTC/USDT")
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.exchange_order_id == placed.exchange_order_id
    assert cancelled.filled == D("0")


async def test_open_orders_of_every_symbol_in_one_call(venue):
    await venue.expect("limit_buy")
    placed = await venue.exchange.create_order(limit_buy(venue))
    await venue.expect("open_orders_all")
    open_orders = await venue.exchange.fetch_open_orders()
    assert placed.exchange_order_id in [o.exchange_order_id for o in open_orders]


async def test_fetch_by_client_order_id(venue):
    await venue.expect("limit_buy")
    placed = await venue.exchange.create_order(limit_buy(venue))
    await venue.expect("fetch_by_client_id")
    found = await venue.exchange.fetch_order("BTC/USDT", client_order_id=venue.cids["limit"])
    assert found.exchange_order_id == placed.exchange_order_id
    assert found.client_order_id == venue.cids["limit"]
    assert found.status is OrderStatus.OPEN and found.amount == D("0.01")


async def test_a_create_that_timed_out_is_found_by_client_id_not_resent(venue):
    if isinstance(venue, DemoVenue):
        venue.exchange.fail_next(1, ExchangeUnavailable("timeout"), only=["create_order"])
        with pytest.raises(ExchangeUnavailable):
            await venue.exchange.create_order(limit_buy(venue))
        return  # the paper venue refused before accepting: nothing to look up
    await venue.expect("create_timeout")
    before = venue.sent_count()
    found = await venue.exchange.create_order(limit_buy(venue))
    create = venue.replay.requests[before]
    creates = venue.replay.sent(create.method, create.path)
    assert len(creates) == 1, "a create whose answer was lost is never sent again"
    assert found.client_order_id == venue.cids["limit"]
    assert found.status is OrderStatus.OPEN and found.exchange_order_id


async def test_unknown_order_is_order_not_found(venue):
    await venue.expect("fetch_unknown")
    with pytest.raises(OrderNotFound):
        await venue.exchange.fetch_order("BTC/USDT", exchange_order_id="999999999")
    await venue.expect("cancel_unknown")
    with pytest.raises(OrderNotFound):
        await venue.exchange.cancel_order("999999999", "BTC/USDT")


async def test_unaffordable_order_is_insufficient_funds(venue):
    await venue.expect("unaffordable_buy")
    with pytest.raises(InsufficientFunds) as info:
        await venue.exchange.create_order(market_buy(venue, "1", kind="big"))
    assert not info.value.retryable


async def test_refused_order_is_invalid_order(venue):
    if isinstance(venue, DemoVenue):
        pytest.skip("the paper venue refuses the same orders locally (test_demo_matching)")
    await venue.expect("invalid_order")
    with pytest.raises(InvalidOrder) as info:
        await venue.exchange.create_order(limit_buy(venue))
    assert not isinstance(info.value, InsufficientFunds)


async def test_balance_is_decimal(venue):
    await venue.expect("balance")
    balances = await venue.exchange.fetch_balance()
    usdt = balances["USDT"]
    assert all(isinstance(x, Decimal) for x in (usdt.free, usdt.used, usdt.total))
    assert usdt.free + usdt.used == usdt.total
    assert usdt.total >= D("10000")


async def test_auth_and_rate_limit_errors(venue):
    if isinstance(venue, DemoVenue):
        pytest.skip("the paper venue has no keys and no rate limit")
    await venue.expect("auth_error")
    with pytest.raises(AuthenticationFailed):
        await venue.exchange.fetch_balance()
    await venue.expect("rate_limited")
    with pytest.raises(RateLimited):
        await venue.exchange.fetch_ticker("BTC/USDT")


async def test_protective_stop_rests_on_the_venue_as_a_stop_or_is_refused(venue):
    stop = Order(symbol="BTC/USDT", side="sell", type="stop", amount=D("0.01"),
                 stop_price=D("57000.001"), client_order_id=venue.cids["stop"])
    if not venue.native_stops:
        before = venue.sent_count()
        with pytest.raises(InvalidOrder, match="cannot hold a stop-market order"):
            await venue.exchange.create_order(stop)
        assert venue.sent_count() == before, "a refused stop sends nothing"
        return
    if isinstance(venue, DemoVenue):  # a spot stop sell needs the coin, as on a real venue
        venue.exchange._credit("BTC", D("0.01"))
    await venue.expect("stop_sell")
    placed = await settled(venue, await venue.exchange.create_order(stop), "stop_lookup")
    assert (placed.type, placed.status, placed.side) == (OrderType.STOP, OrderStatus.OPEN, OrderSide.SELL)
    assert (placed.stop_price, placed.amount, placed.filled) == (D("57000"), D("0.01"), D("0"))
    assert placed.client_order_id == venue.cids["stop"] and placed.exchange_order_id
    if isinstance(venue, RecordedVenue):
        method, path, expected = venue.spec.stop_request  # type: ignore[misc]
        sent = venue.replay.sent(method, path)[0].params
        assert {k: sent.get(k) for k in expected} == expected
        assert str(sent.get("type", sent.get("ordertype", ""))).lower() != "market"


async def test_my_trades_after_a_fill_add_up_with_fees(venue):
    await venue.expect("market_buy")
    placed = await venue.exchange.create_order(market_buy(venue))
    await settled(venue, placed, "market_buy_lookup")
    await venue.expect("my_trades")
    trades = await venue.exchange.fetch_my_trades("BTC/USDT")
    assert trades and sum(t.fill.amount for t in trades) == D("0.01")
    assert all(t.symbol == "BTC/USDT" and t.side is OrderSide.BUY for t in trades)
    assert all(isinstance(t.fill.price, Decimal) and t.fill.price > 0 for t in trades)
    assert all(t.fill.fee > 0 and t.fees.get(t.fill.fee_currency) == t.fill.fee for t in trades)
    assert len({t.fill.fill_id for t in trades}) == len(trades)
