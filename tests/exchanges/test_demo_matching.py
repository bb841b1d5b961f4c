"""The paper exchange's matching engine: every order type, with worked numbers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from moniqo_desktop.domain import Order, OrderStatus
from moniqo_desktop.exchanges import DemoExchange

from fake_clock import START, FakeClock

D = Decimal
BTC = "BTC/USDT"


def order(side: str, type_: str = "market", amount: str = "0.1", price: str | None = None,
          stop: str | None = None, **kw) -> Order:
    return Order(symbol=BTC, side=side, type=type_, amount=D(amount),
                 price=None if price is None else D(price),
                 stop_price=None if stop is None else D(stop), **kw)


def make(price: str = "50000", **kw) -> DemoExchange:
    kw.setdefault("balances", {"USDT": D("10000"), "BTC": D("1")})
    return DemoExchange(prices={BTC: D(price)}, **kw)


async def balances(ex: DemoExchange) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {c: (b.free, b.used, b.total) for c, b in (await ex.fetch_balance()).items()}


# -- market orders ---------------------------------------------------------------------------
async def test_market_buy_fills_at_current_price_fee_in_quote():
    ex = make(balances={"USDT": D("10000")})
    placed = await ex.create_order(order("buy", amount="0.1"))
    assert placed.status is OrderStatus.FILLED
    assert placed.filled == D("0.1") and placed.average == D("50000")
    [fill] = placed.trades
    assert fill.price == D("50000") and fill.fee == D("5") and fill.fee_currency == "USDT"
    assert placed.fees == {"USDT": D("5")}
    bal = await balances(ex)
    assert bal["USDT"] == (D("4995"), D("0"), D("4995"))  # 10000 − 5000 − 5
    assert bal["BTC"] == (D("0.1"), D("0"), D("0.1"))  # the full amount arrives


async def test_market_sell_receives_cost_minus_fee():
    ex = make(balances={"USDT": D("0"), "BTC": D("1")})
    placed = await ex.create_order(order("sell", amount="0.5"))
    assert placed.status is OrderStatus.FILLED and placed.average == D("50000")
    bal = await balances(ex)
    assert bal["USDT"][2] == D("24975")  # 25000 − 25 fee
    assert bal["BTC"][2] == D("0.5")


@pytest.mark.parametrize("side,expected", [("buy", "50050"), ("sell", "49950")])
async def test_market_slippage_moves_the_price_against_the_trader(side, expected):
    ex = make(slippage_percent=D("0.1"))
    placed = await ex.create_order(order(side, amount="0.01"))
    assert placed.average == D(expected)


# -- limit orders ----------------------------------------------------------------------------
async def test_limit_buy_not_reached_rests_and_reserves_cost_plus_fee():
    ex = make()
    placed = await ex.create_order(order("buy", "limit", "0.1", price="49000"))
    assert placed.status is OrderStatus.OPEN and placed.filled == 0
    ex.set_price(BTC, D("49000.01"))
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).status is OrderStatus.OPEN
    free, used, total = (await balances(ex))["USDT"]
    assert used == D("4904.9") and total == D("10000") and free == D("5095.1")
    assert [o.exchange_order_id for o in await ex.fetch_open_orders(BTC)] == [
        placed.exchange_order_id
    ]


@pytest.mark.parametrize("side,limit,touch", [("buy", "49000", "49000"),
                                               ("sell", "51000", "51000")])
async def test_limit_exact_touch_fills_at_the_limit(side, limit, touch):
    ex = make()
    placed = await ex.create_order(order(side, "limit", "0.1", price=limit))
    ex.set_price(BTC, D(touch))
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.average == D(limit)
    assert (await balances(ex))["USDT"][1] == 0  # nothing held any more
    assert await ex.fetch_open_orders() == []


async def test_limit_crossed_by_a_gap_fills_at_the_limit_price():
    ex = make()
    placed = await ex.create_order(order("buy", "limit", "0.1", price="49000"))
    ex.set_price(BTC, D("48000"))  # our resting order was in the book on the way down
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.average == D("49000")
    bal = await balances(ex)
    assert bal["USDT"] == (D("5095.1"), D("0"), D("5095.1"))  # 10000 − 4900 − 4.9
    assert bal["BTC"][2] == D("1.1")


@pytest.mark.parametrize("side,limit", [("buy", "51000"), ("sell", "49000")])
async def test_limit_marketable_at_placement_fills_at_current_price(side, limit):
    ex = make()
    placed = await ex.create_order(order(side, "limit", "0.1", price=limit))
    assert placed.status is OrderStatus.FILLED
    assert placed.average == D("50000")  # better than the limit, as a taker


async def test_marketable_limit_with_slippage_never_worse_than_its_limit():
    ex = make(slippage_percent=D("1"))
    placed = await ex.create_order(order("buy", "limit", "0.1", price="50200"))
    assert placed.average == D("50200")  # 50000 + 1 % would be 50500: capped at the limit


# -- stop orders -----------------------------------------------------------------------------
async def test_sell_stop_triggers_on_touch_and_fills_as_market():
    ex = make()
    placed = await ex.create_order(order("sell", "stop", "0.1", stop="45000"))
    assert placed.status is OrderStatus.OPEN
    ex.set_price(BTC, D("45000.01"))
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).status is OrderStatus.OPEN
    ex.set_price(BTC, D("45000"))
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.average == D("45000")
    assert "triggered" in got.reason


async def test_gap_through_a_stop_fills_at_the_gap_price_not_the_stop():
    ex = make()
    placed = await ex.create_order(order("sell", "stop", "0.1", stop="45000"))
    ex.set_price(BTC, D("44000"))
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.average == D("44000")
    assert (await balances(ex))["USDT"][2] == D("10000") + D("4400") - D("4.4")


async def test_buy_stop_triggers_on_the_way_up():
    ex = make()
    placed = await ex.create_order(order("buy", "stop", "0.1", stop="55000"))
    ex.set_price(BTC, D("40000"))  # the wrong way: nothing happens
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).status is OrderStatus.OPEN
    ex.set_price(BTC, D("56000"))
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.average == D("56000")


@pytest.mark.parametrize("side,stop", [("sell", "50000"), ("sell", "51000"), ("buy", "49000")])
async def test_stop_that_would_trigger_immediately_is_refused(side, stop):
    from moniqo_desktop.exchanges import InvalidOrder

    ex = make()
    with pytest.raises(InvalidOrder, match="trigger immediately"):
        await ex.create_order(order(side, "stop", "0.1", stop=stop))
    assert await ex.fetch_open_orders() == []


async def test_stop_limit_triggered_and_marketable_fills_at_the_trigger_price():
    ex = make()
    placed = await ex.create_order(order("sell", "stop_limit", "0.1", price="44800",
                                         stop="45000"))
    ex.set_price(BTC, D("44900"))
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.average == D("44900")


async def test_stop_limit_gapping_below_its_limit_rests_then_fills_at_the_limit():
    ex = make()
    placed = await ex.create_order(order("sell", "stop_limit", "0.1", price="44800",
                                         stop="45000"))
    ex.set_price(BTC, D("44000"))  # triggered, but the limit is not reached
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.OPEN and "triggered" in got.reason
    ex.set_price(BTC, D("45500"))  # triggered once is triggered: now a plain limit sell
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.average == D("44800")


async def test_stop_buy_gapping_beyond_the_account_expires_with_the_reason():
    ex = make(balances={"USDT": D("1000")})
    placed = await ex.create_order(order("buy", "stop", "0.019", stop="50100"))
    ex.set_price(BTC, D("60000"))  # 0.019 × 60000 = 1140 > 1000
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.EXPIRED and "insufficient USDT" in got.reason
    assert (await balances(ex))["USDT"] == (D("1000"), D("0"), D("1000"))


# -- partial fills ---------------------------------------------------------------------------
async def test_liquidity_per_tick_splits_a_market_order_across_ticks():
    ex = make(liquidity_per_tick=D("0.1"), balances={"USDT": D("20000"), "BTC": D("1")})
    placed = await ex.create_order(order("buy", amount="0.25"))
    assert placed.status is OrderStatus.PARTIALLY_FILLED and placed.filled == D("0.1")
    ex.set_price(BTC, D("50100"))
    ex.set_price(BTC, D("50200"))
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED
    assert [f.amount for f in got.trades] == [D("0.1"), D("0.1"), D("0.05")]
    assert [f.price for f in got.trades] == [D("50000"), D("50100"), D("50200")]
    assert got.average == (D("5000") + D("5010") + D("2510")) / D("0.25")  # 50080
    assert got.average == D("50080")
    assert len({f.fill_id for f in got.trades}) == 3
    bal = await balances(ex)
    assert bal["BTC"][2] == D("1.25")
    assert bal["USDT"] == (D("7467.48"), D("0"), D("7467.48"))  # 20000 − 12520 − 12.52


async def test_liquidity_is_shared_first_come_first_served_per_symbol():
    ex = make(liquidity_per_tick={BTC: D("0.1")})
    first = await ex.create_order(order("buy", "limit", "0.08", price="49000"))
    second = await ex.create_order(order("buy", "limit", "0.08", price="49000"))
    ex.set_price(BTC, D("49000"))
    a = await ex.fetch_order(BTC, first.exchange_order_id)
    b = await ex.fetch_order(BTC, second.exchange_order_id)
    assert (a.status, a.filled) == (OrderStatus.FILLED, D("0.08"))
    assert (b.status, b.filled) == (OrderStatus.PARTIALLY_FILLED, D("0.02"))
    # the reservation shrinks with the fill: what is left holds 0.06 × 49000 × 1.001
    assert (await balances(ex))["USDT"][1] == D("0.06") * D("49000") * D("1.001")
    ex.set_price(BTC, D("48900"))
    b = await ex.fetch_order(BTC, second.exchange_order_id)
    assert b.status is OrderStatus.FILLED and b.average == D("49000")
    assert (await balances(ex))["USDT"][1] == 0


# -- time in force ---------------------------------------------------------------------------
async def test_resting_order_expires_after_its_time_by_the_injected_clock():
    clock = FakeClock()
    ex = make(expire_after=timedelta(hours=1), clock=clock)
    placed = await ex.create_order(order("buy", "limit", "0.1", price="49000"))
    clock.advance(minutes=59)
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).status is OrderStatus.OPEN
    clock.advance(minutes=1)
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.EXPIRED and "expired" in got.reason
    assert (await balances(ex))["USDT"] == (D("10000"), D("0"), D("10000"))
    ex.set_price(BTC, D("48000"))  # an expired order never fills
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).filled == 0


async def test_partially_filled_order_expires_keeping_its_fills():
    clock = FakeClock()
    ex = make(expire_after=timedelta(minutes=5), clock=clock, liquidity_per_tick=D("0.05"))
    placed = await ex.create_order(order("buy", "limit", "0.1", price="49000"))
    ex.set_price(BTC, D("49000"))
    clock.advance(minutes=5)
    ex.set_price(BTC, D("48000"))  # expiry is checked before matching
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.EXPIRED and got.filled == D("0.05")
    assert (await balances(ex))["USDT"][1] == 0
    assert placed.timestamp == START


async def test_immediately_filled_market_order_is_not_affected_by_expiry():
    clock = FakeClock()
    ex = make(expire_after=timedelta(seconds=1), clock=clock)
    placed = await ex.create_order(order("buy", amount="0.01"))
    clock.advance(hours=2)
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED
    assert got.trades[0].at == START
