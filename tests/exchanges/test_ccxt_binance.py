"""CcxtExchange on Binance spot, through real ccxt parsing of recorded Binance bodies.

Each test states the domain values that come out and the request that went out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from ccxt_replay import TEST_KEY, TEST_SECRET, replayed

from moniqo_desktop.domain import Order, OrderSide, OrderStatus, OrderType
from moniqo_desktop.exchanges.errors import (
    AuthenticationFailed,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)

D = Decimal


def limit_buy(**kw) -> Order:
    args = dict(symbol="BTC/USDT", side="buy", type="limit", amount=D("0.01"), price=D("55000"),
                client_order_id="mq-limit-0001")
    args.update(kw)
    return Order(**args)


def market_buy(**kw) -> Order:
    args = dict(symbol="BTC/USDT", side="buy", type="market", amount=D("0.01"),
                client_order_id="mq-market-0001")
    args.update(kw)
    return Order(**args)


# -- markets --------------------------------------------------------------------------------
async def test_markets_load_from_exchange_info_only(binance_replay, sleeps):
    exchange = replayed("binance", binance_replay, sleeps)
    binance_replay.add("exchange_info")
    markets = await exchange.load_markets()
    await exchange.close()

    assert [r.path for r in binance_replay.requests] == ["/api/v3/exchangeInfo"]
    assert set(markets) == {"BTC/USDT", "ETH/USDT", "BNB/USDT", "BCC/USDT"}
    btc = markets["BTC/USDT"]
    assert (btc.base, btc.quote) == ("BTC", "USDT")
    assert btc.amount_step == D("0.00001") and btc.price_step == D("0.01")
    assert btc.min_amount == D("0.00001") and btc.max_amount == D("9000")
    assert btc.min_cost == D("5")
    assert btc.active and btc.native_stop_orders and btc.note == ""
    assert btc.amount_decimals == 5 and btc.price_decimals == 2
    assert markets["ETH/USDT"].amount_step == D("0.0001")


async def test_halted_market_without_stop_market_is_explained(binance):
    bcc = binance.market("BCC/USDT")
    assert not bcc.active
    assert not bcc.native_stop_orders
    assert "stop-limit" in bcc.note


async def test_markets_are_cached(binance, binance_replay):
    await binance.load_markets()
    assert binance_replay.requests == []


# -- prices ---------------------------------------------------------------------------------
async def test_fetch_ticker_is_decimal(binance, binance_replay):
    binance_replay.add("ticker_btcusdt")
    t = await binance.fetch_ticker("BTC/USDT")
    assert (t.symbol, t.last, t.bid, t.ask) == (
        "BTC/USDT", D("60000"), D("59999.99"), D("60000.01"),
    )
    assert isinstance(t.last, Decimal)
    assert t.at == datetime(2025, 1, 23, 12, 32, 37, 417000, tzinfo=timezone.utc)
    req = binance_replay.last("GET", "/api/v3/ticker/24hr")
    assert req.params == {"symbol": "BTCUSDT"}


async def test_fetch_tickers_is_one_batched_request(binance, binance_replay):
    binance_replay.add("tickers")
    tickers = await binance.fetch_tickers(["BTC/USDT", "ETH/USDT"])
    assert {s: t.last for s, t in tickers.items()} == {"BTC/USDT": D("60000"), "ETH/USDT": D("3000")}
    assert len(binance_replay.requests) == 1
    assert binance_replay.requests[0].params == {"symbols": '["BTCUSDT","ETHUSDT"]'}


# -- placing orders -------------------------------------------------------------------------
async def test_limit_order_rests_open_with_our_client_id_and_rounded_values(binance, binance_replay):
    binance_replay.add("order_limit_new")
    # 0.0100099 BTC rounds down to the 0.00001 step; 55000.004 rounds to the 0.01 tick
    order = limit_buy(amount=D("0.0100099"), price=D("55000.004"))
    result = await binance.create_order(order)

    req = binance_replay.last("POST", "/api/v3/order")
    assert req.params["newClientOrderId"] == "mq-limit-0001"
    assert "clientOrderId" not in req.params
    assert req.params["symbol"] == "BTCUSDT" and req.params["side"] == "BUY"
    assert req.params["type"] == "LIMIT" and req.params["timeInForce"] == "GTC"
    assert req.params["quantity"] == "0.01"
    assert req.params["price"] == "55000"
    assert "signature" in req.params and req.headers["X-MBX-APIKEY"] == TEST_KEY

    assert result.exchange_order_id == "28457012345"
    assert result.client_order_id == "mq-limit-0001"
    assert (result.status, result.type, result.side) == (OrderStatus.OPEN, OrderType.LIMIT, OrderSide.BUY)
    assert (result.amount, result.filled, result.remaining) == (D("0.01"), D("0"), D("0.01"))
    assert result.price == D("55000") and result.average is None
    assert result.fees == {} and result.trades == ()


async def test_market_order_fills_with_fees_in_bnb(binance, binance_replay):
    binance_replay.add("order_market_filled")
    result = await binance.create_order(market_buy())

    req = binance_replay.last("POST", "/api/v3/order")
    assert req.params["type"] == "MARKET" and req.params["quantity"] == "0.01"
    assert "price" not in req.params and "quoteOrderQty" not in req.params
    assert req.params["newClientOrderId"] == "mq-market-0001"
    assert req.params["newOrderRespType"] == "FULL"

    assert result.status is OrderStatus.FILLED
    assert result.filled == D("0.01") and result.average == D("60000")
    assert result.price is None
    assert result.fees == {"BNB": D("0.00093750")}
    assert [(f.fill_id, f.amount, f.price, f.fee, f.fee_currency) for f in result.trades] == [
        ("4366210001", D("0.007"), D("60000"), D("0.00065625"), "BNB"),
        ("4366210002", D("0.003"), D("60000"), D("0.00028125"), "BNB"),
    ]


async def test_stop_loss_goes_out_as_binance_stop_loss(binance, binance_replay):
    binance_replay.add("order_stop_loss_new")
    order = Order(symbol="BTC/USDT", side="sell", type="stop", amount=D("0.01"),
                  stop_price=D("57000.001"), client_order_id="mq-stop-0001")
    result = await binance.create_order(order)

    req = binance_replay.last("POST", "/api/v3/order")
    assert req.params["type"] == "STOP_LOSS"
    assert req.params["stopPrice"] == "57000"
    assert req.params["side"] == "SELL" and req.params["quantity"] == "0.01"
    assert "price" not in req.params
    assert (result.type, result.status, result.stop_price) == (OrderType.STOP, OrderStatus.OPEN, D("57000"))


async def test_stop_limit_goes_out_as_binance_stop_loss_limit(binance, binance_replay):
    binance_replay.add("order_stop_limit_new")
    order = Order(symbol="BTC/USDT", side="sell", type="stop_limit", amount=D("0.010004"),
                  price=D("56900.004"), stop_price=D("57000.001"),
                  client_order_id="mq-stoplimit-0001")
    result = await binance.create_order(order)

    req = binance_replay.last("POST", "/api/v3/order")
    assert req.params["type"] == "STOP_LOSS_LIMIT"
    assert (req.params["stopPrice"], req.params["price"]) == ("57000", "56900")
    assert (req.params["quantity"], req.params["timeInForce"]) == ("0.01", "GTC")
    assert (req.params["side"], req.params["newClientOrderId"]) == ("SELL", "mq-stoplimit-0001")
    assert "triggerPrice" not in req.params
    assert (result.type, result.status) == (OrderType.STOP_LIMIT, OrderStatus.OPEN)
    assert (result.price, result.stop_price, result.amount) == (D("56900"), D("57000"), D("0.01"))
    assert result.client_order_id == "mq-stoplimit-0001"


async def test_stop_market_on_a_market_without_it_is_refused_locally_with_the_reason(
    binance, binance_replay
):
    binance._markets["BCC/USDT"] = replace(binance.market("BCC/USDT"), active=True)
    order = Order(symbol="BCC/USDT", side="sell", type="stop", amount=D("1"),
                  stop_price=D("100"), client_order_id="mq-stop-bcc")
    with pytest.raises(InvalidOrder, match="cannot hold a stop-market.*only offers stop-limit"):
        await binance.create_order(order)
    assert binance_replay.requests == []


@pytest.mark.parametrize(
    ("order", "words"),
    [
        (limit_buy(amount=D("0.000001")), "below the smallest step"),
        (limit_buy(amount=D("0.00005"), price=D("50000")), "below the minimum 5 USDT"),
        (limit_buy(symbol="BCC/USDT"), "not trading"),
        (limit_buy(symbol="DOGE/USDT"), "not a market"),
    ],
    ids=["below-step", "below-min-cost", "halted", "unknown-symbol"],
)
async def test_orders_the_exchange_would_refuse_are_refused_locally(binance, binance_replay, order, words):
    with pytest.raises(InvalidOrder, match=words):
        await binance.create_order(order)
    assert binance_replay.requests == []


async def test_market_order_below_min_cost_uses_the_last_known_price(binance, binance_replay):
    binance_replay.add("ticker_btcusdt")
    await binance.fetch_ticker("BTC/USDT")  # 60 000: 0.00005 BTC is 3 USDT < 5
    with pytest.raises(InvalidOrder, match="minimum 5 USDT"):
        await binance.create_order(market_buy(amount=D("0.00005")))
    assert binance_replay.sent("POST") == []


# -- following orders -----------------------------------------------------------------------
async def test_partially_filled_then_filled_with_exact_average(binance, binance_replay):
    binance_replay.add("order_limit_partially_filled", "order_limit_filled")

    part = await binance.fetch_order("BTC/USDT", exchange_order_id="28457012345")
    assert part.status is OrderStatus.PARTIALLY_FILLED
    assert (part.filled, part.remaining, part.average) == (D("0.004"), D("0.006"), D("55000"))
    assert binance_replay.last().params["orderId"] == "28457012345"
    assert binance_replay.last().params["symbol"] == "BTCUSDT"

    done = await binance.fetch_order("BTC/USDT", exchange_order_id="28457012345")
    assert done.status is OrderStatus.FILLED
    assert done.filled == D("0.01")
    assert done.average == D("54999.4")  # 549.994 / 0.01, computed in Decimal from the raw strings


async def test_my_trades_carry_fees_in_each_currency(binance, binance_replay):
    binance_replay.add("my_trades")
    since = datetime(2025, 1, 23, 12, 31, 40, tzinfo=timezone.utc)
    trades = await binance.fetch_my_trades("BTC/USDT", since)

    req = binance_replay.last("GET", "/api/v3/myTrades")
    assert req.params["symbol"] == "BTCUSDT" and req.params["startTime"] == "1737635500000"
    assert [(t.exchange_order_id, t.side, t.fill.fill_id) for t in trades] == [
        ("28457012345", OrderSide.BUY, "4366200001"),
        ("28457012345", OrderSide.BUY, "4366200002"),
    ]
    first, second = trades
    assert (first.fill.amount, first.fill.price, first.fill.fee, first.fill.fee_currency) == (
        D("0.004"), D("55000"), D("0.00029412"), "BNB",
    )
    assert (second.fill.amount, second.fill.price, second.fill.fee, second.fill.fee_currency) == (
        D("0.006"), D("54999"), D("0.000006"), "BTC",
    )
    assert first.fees == {"BNB": D("0.00029412")} and second.fees == {"BTC": D("0.000006")}
    assert first.fill.at == datetime(2025, 1, 23, 12, 33, 20, 123000, tzinfo=timezone.utc)


async def test_trades_feed_the_domain_order(binance, binance_replay):
    """The values we return are what the domain Order takes: fills add up, fees stay per currency."""
    binance_replay.add("my_trades")
    order = limit_buy()
    order.update_status(OrderStatus.SUBMITTED)
    for t in await binance.fetch_my_trades("BTC/USDT"):
        order.add_fill(t.fill)
    assert order.status is OrderStatus.FILLED
    assert order.average_fill_price == D("54999.4")
    assert order.fees == {"BNB": D("0.00029412"), "BTC": D("0.000006")}
    assert "startTime" not in binance_replay.last().params


async def test_fetch_order_by_client_order_id(binance, binance_replay):
    binance_replay.add("order_market_found_by_client_id")
    found = await binance.fetch_order("BTC/USDT", client_order_id="mq-market-0001")
    req = binance_replay.last("GET", "/api/v3/order")
    assert req.params["origClientOrderId"] == "mq-market-0001"
    assert "orderId" not in req.params
    assert (found.exchange_order_id, found.client_order_id, found.status) == (
        "28457012399", "mq-market-0001", OrderStatus.FILLED,
    )
    assert found.type is OrderType.MARKET and found.average == D("60000")


async def test_unknown_order_is_order_not_found(binance, binance_replay):
    binance_replay.add("error_order_not_found")
    with pytest.raises(OrderNotFound, match="Order does not exist"):
        await binance.fetch_order("BTC/USDT", exchange_order_id="1")
    assert len(binance_replay.requests) == 1  # not retried: it will not start existing


async def test_cancel(binance, binance_replay):
    binance_replay.add("order_limit_cancelled")
    result = await binance.cancel_order("28457012345", "BTC/USDT")
    req = binance_replay.last("DELETE", "/api/v3/order")
    assert req.params["orderId"] == "28457012345" and req.params["symbol"] == "BTCUSDT"
    assert result.status is OrderStatus.CANCELLED
    assert result.exchange_order_id == "28457012345" and result.filled == D("0")


async def test_cancel_of_unknown_order_is_order_not_found(binance, binance_replay):
    binance_replay.add("error_cancel_unknown_order")
    with pytest.raises(OrderNotFound, match="Unknown order sent"):
        await binance.cancel_order("1", "BTC/USDT")


async def test_open_orders_in_one_call_for_all_symbols(binance, binance_replay):
    binance_replay.add("open_orders")
    orders = await binance.fetch_open_orders()
    assert len(binance_replay.requests) == 1
    assert "symbol" not in binance_replay.last("GET", "/api/v3/openOrders").params
    assert [(o.symbol, o.status, o.filled, o.side) for o in orders] == [
        ("BTC/USDT", OrderStatus.PARTIALLY_FILLED, D("0.004"), OrderSide.BUY),
        ("ETH/USDT", OrderStatus.OPEN, D("0"), OrderSide.SELL),
    ]
    assert orders[1].client_order_id == "mq-eth-limit-01" and orders[1].price == D("3500")


async def test_balance(binance, binance_replay):
    binance_replay.add("account")
    balances = await binance.fetch_balance()
    assert binance_replay.last().path == "/api/v3/account"
    assert set(balances) == {"BTC", "USDT", "BNB"}  # all-zero ETH left out
    usdt = balances["USDT"]
    assert (usdt.free, usdt.used, usdt.total) == (D("9450.006"), D("550"), D("10000.006"))
    assert balances["BTC"].total == D("0.02234567")


# -- errors ---------------------------------------------------------------------------------
async def test_insufficient_balance(binance, binance_replay):
    binance_replay.add("error_insufficient_balance")
    with pytest.raises(InsufficientFunds, match="insufficient balance") as info:
        await binance.create_order(market_buy())
    assert not info.value.retryable
    assert len(binance_replay.requests) == 1


async def test_filter_failure_is_invalid_order(binance, binance_replay):
    binance_replay.add("error_filter_failure")
    with pytest.raises(InvalidOrder, match="Filter failure: NOTIONAL") as info:
        await binance.create_order(limit_buy())
    assert type(info.value) is InvalidOrder


@pytest.mark.parametrize("fixture", ["error_rate_limited", "error_ip_banned"])
async def test_429_and_418_are_rate_limited_and_retried_with_longer_backoff(
    binance, binance_replay, sleeps, fixture
):
    binance_replay.add(fixture, "ticker_btcusdt")
    t = await binance.fetch_ticker("BTC/USDT")
    assert t.last == D("60000")
    assert len(binance_replay.requests) == 2
    assert sleeps.delays == [2.0]  # 0.5 s base x4 for "slow down"


async def test_rate_limit_that_persists_is_raised_as_retryable(binance, binance_replay, sleeps):
    binance_replay.add("error_rate_limited", "error_rate_limited", "error_rate_limited")
    with pytest.raises(RateLimited, match="429") as info:
        await binance.fetch_ticker("BTC/USDT")
    assert info.value.retryable and isinstance(info.value, ExchangeUnavailable)
    assert len(binance_replay.requests) == 3
    assert sleeps.delays == [2.0, 4.0]


async def test_server_error_is_retried_for_reads(binance, binance_replay, sleeps):
    binance_replay.add("error_server_ticker", "ticker_btcusdt")
    assert (await binance.fetch_ticker("BTC/USDT")).last == D("60000")
    assert sleeps.delays == [0.5]


async def test_timeouts_on_reads_give_up_after_bounded_retries(binance, binance_replay, sleeps):
    binance_replay.add("timeout_account", "timeout_account", "timeout_account")
    with pytest.raises(ExchangeUnavailable) as info:
        await binance.fetch_balance()
    assert info.value.retryable
    assert len(binance_replay.requests) == 3
    assert sleeps.delays == [0.5, 1.0]


async def test_bad_keys_are_authentication_failed_without_secrets(binance, binance_replay):
    binance_replay.add("error_invalid_api_key")
    with pytest.raises(AuthenticationFailed, match="Invalid API-key") as info:
        await binance.fetch_balance()
    assert TEST_SECRET not in str(info.value) and TEST_KEY not in str(info.value)
    assert len(binance_replay.requests) == 1


# -- a create that may or may not have happened ---------------------------------------------
async def test_create_timeout_is_not_resent_but_looked_up_by_client_id(binance, binance_replay):
    binance_replay.add("timeout_create_order", "order_market_found_by_client_id")
    result = await binance.create_order(market_buy())

    assert len(binance_replay.sent("POST", "/api/v3/order")) == 1
    lookup = binance_replay.last("GET", "/api/v3/order")
    assert lookup.params["origClientOrderId"] == "mq-market-0001"
    assert (result.exchange_order_id, result.status) == ("28457012399", OrderStatus.FILLED)


async def test_create_timeout_and_order_absent_raises_unavailable_for_reconciliation(
    binance, binance_replay
):
    binance_replay.add("timeout_create_order", "error_order_not_found_by_client_id")
    with pytest.raises(ExchangeUnavailable, match="mq-market-0001.*reconciled"):
        await binance.create_order(market_buy())
    assert len(binance_replay.sent("POST")) == 1
    assert len(binance_replay.sent("GET", "/api/v3/order")) == 1


async def test_create_with_unknown_execution_status_is_looked_up_too(binance, binance_replay):
    # Binance -1007: "Send status unknown; execution status unknown."
    binance_replay.add("error_backend_timeout", "order_market_found_by_client_id")
    result = await binance.create_order(market_buy())
    assert result.status is OrderStatus.FILLED
    assert len(binance_replay.sent("POST")) == 1


async def test_create_timeout_and_lookup_down_raises_unavailable(binance, binance_replay):
    binance_replay.add("timeout_create_order").fail("GET", "/api/v3/order", times=3)
    with pytest.raises(ExchangeUnavailable, match="nor the look-up"):
        await binance.create_order(market_buy())
    assert len(binance_replay.sent("POST")) == 1
    assert len(binance_replay.sent("GET", "/api/v3/order")) == 3  # the look-up is a read: retried


async def test_create_timeout_and_lookup_refused_is_still_unknown(binance, binance_replay):
    """Issue #11: the create may have landed; a look-up answered with any other error (here
    -2015) proves nothing, so the outcome stays unknown (ExchangeUnavailable: reconcile later)
    instead of an error the engine would take as a rejection."""
    binance_replay.add("timeout_create_order", "error_lookup_invalid_api_key")
    with pytest.raises(ExchangeUnavailable, match="mq-market-0001.*reconciled"):
        await binance.create_order(market_buy())
    assert len(binance_replay.sent("POST")) == 1


async def test_unrecorded_requests_fail_loudly(binance, binance_replay):
    from ccxt_replay import UnrecordedRequest

    with pytest.raises(UnrecordedRequest, match="/api/v3/ticker/24hr"):
        await binance.fetch_ticker("BTC/USDT")
    binance_replay.unmatched.clear()


# -- candles --------------------------------------------------------------------------------
async def test_fetch_ohlcv_parses_klines_to_decimal_candles(binance, binance_replay):
    binance_replay.add("ohlcv_btcusdt_1m")
    since = datetime(2025, 1, 23, 12, 32, tzinfo=timezone.utc)
    candles = await binance.fetch_ohlcv("BTC/USDT", "1m", since=since, limit=3)
    assert [c.at for c in candles] == [since + timedelta(minutes=i) for i in range(3)]
    first = candles[0]
    assert (first.open, first.high, first.low, first.close, first.volume) == (
        D("60010"), D("60055.1"), D("59990"), D("60040.5"), D("12.503"))
    req = binance_replay.last("GET", "/api/v3/klines")
    assert req.params["symbol"] == "BTCUSDT" and req.params["interval"] == "1m"
    assert req.params["startTime"] == str(int(since.timestamp() * 1000))
