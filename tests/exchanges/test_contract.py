"""One contract for every `Exchange`: the paper exchange and ccxt (on recorded Binance bodies).

The engine has a single code path for paper and live trading, so both backends must answer the
same questions the same way. Each test is written once against a `Venue`: `venue.expect(step)`
prepares what the next call needs — recorded responses for ccxt, nothing (or a price move) for
the paper exchange — so the assertions themselves never know which backend they run on.

The scenario is shared: BTC/USDT at 60 000 with 10 000 USDT; a market buy of 0.01 BTC, a limit
buy of 0.01 BTC at 55 000 that rests, a 1 BTC buy the account cannot afford.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from ccxt_replay import SleepRecorder, replayed
from ccxt_replay import Replay

from moniqo_desktop.domain import Order, OrderSide, OrderStatus, OrderType
from moniqo_desktop.exchanges.base import Exchange
from moniqo_desktop.exchanges.errors import InsufficientFunds, OrderNotFound

D = Decimal
PRICE = D("60000")


class Venue:
    """A backend plus the means to set up each scenario step on it."""

    name: str
    exchange: Exchange

    async def expect(self, step: str) -> None:
        raise NotImplementedError

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


class BinanceVenue(Venue):
    """Binance spot through real ccxt; each step queues the recorded bodies it needs."""

    name = "binance"
    STEPS: dict[str, tuple[str, ...]] = {
        "markets": ("exchange_info",),
        "ticker": ("ticker_btcusdt",),
        "market_buy": ("order_market_filled_base_fee",),
        "limit_buy": ("order_limit_new",),
        "cancel": ("order_limit_cancelled",),
        "fetch_by_client_id": ("order_limit_open_by_client_id",),
        "open_orders": ("open_orders_btcusdt",),
        "fetch_unknown": ("error_order_not_found",),
        "cancel_unknown": ("error_cancel_unknown_order",),
        "unaffordable_buy": ("error_insufficient_balance",),
        "balance": ("account",),
        "stop_sell": ("order_stop_loss_new",),
        "my_trades": ("my_trades",),
    }

    def __init__(self) -> None:
        self.replay = Replay("binance")
        self.exchange = replayed("binance", self.replay, SleepRecorder())

    async def expect(self, step: str) -> None:
        self.replay.add(*self.STEPS[step])

    async def close(self) -> None:
        await super().close()
        assert not self.replay.unmatched, self.replay.unmatched
        assert not self.replay.pending(), f"recorded but never requested: {self.replay.pending()}"


@pytest.fixture(params=["demo", "binance"])
async def venue(request) -> AsyncIterator[Venue]:
    v: Venue = DemoVenue() if request.param == "demo" else BinanceVenue()
    await v.expect("markets")
    await v.exchange.load_markets()
    yield v
    await v.close()


def market_buy() -> Order:
    return Order(symbol="BTC/USDT", side="buy", type="market", amount=D("0.01"),
                 client_order_id="mq-market-0001")


def limit_buy() -> Order:
    return Order(symbol="BTC/USDT", side="buy", type="limit", amount=D("0.01"),
                 price=D("55000"), client_order_id="mq-limit-0001")


async def test_is_an_exchange(venue):
    assert isinstance(venue.exchange, Exchange)


async def test_markets_have_precision(venue):
    btc = venue.exchange.market("BTC/USDT")
    assert (btc.base, btc.quote) == ("BTC", "USDT")
    assert btc.amount_step == D("0.00001") and btc.price_step == D("0.01")
    assert btc.min_cost == D("5")
    assert btc.active and btc.native_stop_orders
    assert btc.round_amount(D("0.0123456")) == D("0.01234")


async def test_ticker_is_decimal(venue):
    await venue.expect("ticker")
    t = await venue.exchange.fetch_ticker("BTC/USDT")
    assert t.symbol == "BTC/USDT"
    assert isinstance(t.last, Decimal) and t.last == PRICE
    assert all(isinstance(x, Decimal) for x in (t.bid, t.ask) if x is not None)


async def test_market_order_fills_with_a_fee(venue):
    await venue.expect("market_buy")
    result = await venue.exchange.create_order(market_buy())
    assert result.status is OrderStatus.FILLED
    assert result.client_order_id == "mq-market-0001"
    assert (result.side, result.type) == (OrderSide.BUY, OrderType.MARKET)
    assert (result.amount, result.filled, result.remaining) == (D("0.01"), D("0.01"), D("0"))
    assert result.average == PRICE
    assert result.fees and all(fee > 0 for fee in result.fees.values())
    assert sum(f.amount for f in result.trades) == D("0.01")
    assert all(f.fee > 0 and f.fee_currency for f in result.trades)


async def test_limit_order_rests_then_cancels(venue):
    await venue.expect("limit_buy")
    placed = await venue.exchange.create_order(limit_buy())
    assert placed.status is OrderStatus.OPEN
    assert (placed.filled, placed.price, placed.average) == (D("0"), D("55000"), None)
    assert placed.exchange_order_id

    await venue.expect("open_orders")
    open_ids = [o.exchange_order_id for o in await venue.exchange.fetch_open_orders("BTC/USDT")]
    assert open_ids == [placed.exchange_order_id]

    await venue.expect("cancel")
    cancelled = await venue.exchange.cancel_order(placed.exchange_order_id, "BTC/USDT")
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.exchange_order_id == placed.exchange_order_id
    assert cancelled.filled == D("0")


async def test_fetch_by_client_order_id(venue):
    await venue.expect("limit_buy")
    placed = await venue.exchange.create_order(limit_buy())
    await venue.expect("fetch_by_client_id")
    found = await venue.exchange.fetch_order("BTC/USDT", client_order_id="mq-limit-0001")
    assert found.exchange_order_id == placed.exchange_order_id
    assert found.client_order_id == "mq-limit-0001"
    assert found.status is OrderStatus.OPEN and found.amount == D("0.01")


async def test_unknown_order_is_order_not_found(venue):
    await venue.expect("fetch_unknown")
    with pytest.raises(OrderNotFound):
        await venue.exchange.fetch_order("BTC/USDT", exchange_order_id="999999999")
    await venue.expect("cancel_unknown")
    with pytest.raises(OrderNotFound):
        await venue.exchange.cancel_order("999999999", "BTC/USDT")


async def test_unaffordable_order_is_insufficient_funds(venue):
    await venue.expect("unaffordable_buy")
    big = Order(symbol="BTC/USDT", side="buy", type="market", amount=D("1"),
                client_order_id="mq-too-big-01")
    with pytest.raises(InsufficientFunds) as info:
        await venue.exchange.create_order(big)
    assert not info.value.retryable


async def test_balance_is_decimal(venue):
    await venue.expect("balance")
    balances = await venue.exchange.fetch_balance()
    usdt = balances["USDT"]
    assert all(isinstance(x, Decimal) for x in (usdt.free, usdt.used, usdt.total))
    assert usdt.free + usdt.used == usdt.total
    assert usdt.total >= D("10000")


async def test_protective_stop_rests_on_the_venue(venue):
    assert venue.exchange.market("BTC/USDT").native_stop_orders
    if venue.name == "demo":  # a spot stop sell needs the coin, as on Binance
        venue.exchange._credit("BTC", D("0.01"))
    await venue.expect("stop_sell")
    stop = Order(symbol="BTC/USDT", side="sell", type="stop", amount=D("0.01"),
                 stop_price=D("57000.001"), client_order_id="mq-stop-0001")
    placed = await venue.exchange.create_order(stop)
    assert (placed.type, placed.status, placed.side) == (OrderType.STOP, OrderStatus.OPEN, OrderSide.SELL)
    assert (placed.stop_price, placed.amount, placed.filled) == (D("57000"), D("0.01"), D("0"))
    assert placed.client_order_id == "mq-stop-0001" and placed.exchange_order_id


async def test_my_trades_after_a_fill_add_up_with_fees(venue):
    await venue.expect("market_buy")
    await venue.exchange.create_order(market_buy())
    await venue.expect("my_trades")
    trades = await venue.exchange.fetch_my_trades("BTC/USDT")
    assert trades and sum(t.fill.amount for t in trades) == D("0.01")
    assert all(t.symbol == "BTC/USDT" and t.side is OrderSide.BUY for t in trades)
    assert all(isinstance(t.fill.price, Decimal) and t.fill.price > 0 for t in trades)
    assert all(t.fill.fee > 0 and t.fees.get(t.fill.fee_currency) == t.fill.fee for t in trades)
    assert len({t.fill.fill_id for t in trades}) == len(trades)
