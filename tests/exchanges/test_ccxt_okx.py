"""A second venue on recordings (OKX spot): the adapter is not Binance-shaped.

OKX answers a create with only ids (status unknown until fetched), reports fees as negative
numbers, and wraps errors in `data[].sCode` — all of which must still come out as our values.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from ccxt_replay import Replay
from ccxt_replay import TEST_PASSWORD, replayed

from moniqo_desktop.domain import Order, OrderStatus, OrderType
from moniqo_desktop.exchanges.errors import (
    ExchangeUnavailable,
    InsufficientFunds,
    OrderNotFound,
    RateLimited,
)

D = Decimal


@pytest.fixture
async def okx(sleeps):
    replay = Replay("okx")
    exchange = replayed("okx", replay, sleeps, password=TEST_PASSWORD)
    replay.add("instruments_spot")
    await exchange.load_markets()
    yield exchange, replay
    await exchange.close()
    assert not replay.unmatched


def limit_buy() -> Order:
    return Order(symbol="BTC/USDT", side="buy", type="limit", amount=D("0.010000004"),
                 price=D("55000.04"), client_order_id="mqlimit0001")


async def test_markets(okx):
    exchange, replay = okx
    [request] = replay.sent()
    assert (request.path, request.params) == ("/api/v5/public/instruments", {"instType": "SPOT"})
    btc = exchange.market("BTC/USDT")
    assert (btc.amount_step, btc.price_step, btc.min_amount) == (D("0.00000001"), D("0.1"), D("0.00001"))
    assert btc.active
    # OKX holds stops as algo orders that fetch/cancel by id do not see: not claimed as native
    assert not btc.native_stop_orders and "trigger book" in btc.note


async def test_ticker(okx):
    exchange, replay = okx
    replay.add("ticker_btcusdt")
    t = await exchange.fetch_ticker("BTC/USDT")
    assert (t.last, t.bid, t.ask) == (D("60000"), D("59999.9"), D("60000.1"))
    assert replay.last().params == {"instId": "BTC-USDT"}


async def test_order_placed_then_filled(okx):
    exchange, replay = okx
    replay.add("order_placed", "order_filled")
    placed = await exchange.create_order(limit_buy())

    [sent] = replay.last("POST", "/api/v5/trade/batch-orders").body["_"]
    assert sent["clOrdId"] == "mqlimit0001"
    assert (sent["sz"], sent["px"], sent["ordType"], sent["side"]) == ("0.01", "55000", "limit", "buy")
    # OKX acknowledges with ids only: what we know comes from the order we sent
    assert placed.exchange_order_id == "2197366436912345678"
    assert placed.status is OrderStatus.SUBMITTED
    assert (placed.amount, placed.price, placed.type) == (D("0.01"), D("55000"), OrderType.LIMIT)

    filled = await exchange.fetch_order("BTC/USDT", exchange_order_id=placed.exchange_order_id)
    assert replay.last().params == {"instId": "BTC-USDT", "ordId": "2197366436912345678"}
    assert filled.status is OrderStatus.FILLED
    assert (filled.filled, filled.average) == (D("0.01"), D("55000"))
    assert filled.fees == {"BTC": D("0.00001")}  # OKX sends -0.00001: a fee is a positive cost


async def test_insufficient_balance(okx):
    exchange, replay = okx
    replay.add("error_insufficient_balance")
    with pytest.raises(InsufficientFunds, match="Insufficient USDT balance"):
        await exchange.create_order(limit_buy())


async def test_not_found_by_client_id(okx):
    exchange, replay = okx
    replay.add("error_order_not_found")
    with pytest.raises(OrderNotFound, match="Order does not exist"):
        await exchange.fetch_order("BTC/USDT", client_order_id="mqnothere01")
    assert replay.last().params == {"instId": "BTC-USDT", "clOrdId": "mqnothere01"}


async def test_live_then_partially_filled_with_a_negative_fee_made_positive(okx):
    exchange, replay = okx
    replay.add("order_live", "order_partially_filled")
    live = await exchange.fetch_order("BTC/USDT", client_order_id="mqlimit0001")
    assert replay.last().params == {"instId": "BTC-USDT", "clOrdId": "mqlimit0001"}
    assert (live.status, live.filled, live.average, live.fees) == (OrderStatus.OPEN, D("0"), None, {})
    assert (live.client_order_id, live.price, live.amount) == ("mqlimit0001", D("55000"), D("0.01"))

    part = await exchange.fetch_order("BTC/USDT", exchange_order_id="2197366436912345678")
    assert part.status is OrderStatus.PARTIALLY_FILLED
    assert (part.filled, part.remaining, part.average) == (D("0.004"), D("0.006"), D("55000"))
    assert part.fees == {"BTC": D("0.000004")}


async def test_cancel_acknowledged_with_ids_only_is_looked_up(okx):
    exchange, replay = okx
    replay.add("cancel_order", "order_cancelled")
    result = await exchange.cancel_order("2197366436912345678", "BTC/USDT")

    cancel = replay.last("POST", "/api/v5/trade/cancel-order")
    assert cancel.body == {"instId": "BTC-USDT", "ordId": "2197366436912345678"}
    assert replay.last("GET", "/api/v5/trade/order").params["ordId"] == "2197366436912345678"
    assert (result.status, result.filled, result.exchange_order_id) == (
        OrderStatus.CANCELLED, D("0.004"), "2197366436912345678",
    )


@pytest.mark.parametrize(
    ("fixture", "delay"), [("error_rate_limited", 2.0), ("error_server_busy", 0.5)],
    ids=["429", "503"],
)
async def test_429_and_5xx_are_retried_for_reads(okx, sleeps, fixture, delay):
    exchange, replay = okx
    replay.add(fixture, "ticker_btcusdt")
    assert (await exchange.fetch_ticker("BTC/USDT")).last == D("60000")
    assert len(replay.sent("GET", "/api/v5/market/ticker")) == 2
    assert sleeps.delays == [delay]


async def test_429_that_persists_is_rate_limited(okx, sleeps):
    exchange, replay = okx
    replay.add(*["error_rate_limited"] * 3)
    with pytest.raises(RateLimited, match="Too Many Requests"):
        await exchange.fetch_ticker("BTC/USDT")
    assert sleeps.delays == [2.0, 4.0]


async def test_create_timeout_is_looked_up_by_client_id_not_resent(okx):
    exchange, replay = okx
    replay.fail("POST", "/api/v5/trade/batch-orders").add("order_live")
    result = await exchange.create_order(limit_buy())
    assert len(replay.sent("POST")) == 1
    assert replay.last("GET", "/api/v5/trade/order").params == {
        "instId": "BTC-USDT", "clOrdId": "mqlimit0001",
    }
    assert (result.exchange_order_id, result.status) == ("2197366436912345678", OrderStatus.OPEN)


async def test_read_timeouts_give_up_as_unavailable(okx, sleeps):
    exchange, replay = okx
    replay.fail("GET", "/api/v5/market/ticker", times=3)
    with pytest.raises(ExchangeUnavailable) as info:
        await exchange.fetch_ticker("BTC/USDT")
    assert info.value.retryable and not isinstance(info.value, RateLimited)
    assert sleeps.delays == [0.5, 1.0]
