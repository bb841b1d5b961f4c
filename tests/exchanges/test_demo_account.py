"""The paper exchange as a venue: markets, funds, ids, cancels, failures and persistence."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, Order, OrderStatus
from moniqo_desktop.exchanges import (
    DemoExchange,
    Exchange,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)
from moniqo_desktop.exchanges.demo_markets import market_for

D = Decimal
BTC = "BTC/USDT"
START = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


def order(side: str, type_: str = "market", amount: str = "0.1", price: str | None = None,
          stop: str | None = None, symbol: str = BTC, **kw) -> Order:
    return Order(symbol=symbol, side=side, type=type_, amount=D(amount),
                 price=None if price is None else D(price),
                 stop_price=None if stop is None else D(stop), **kw)


def make(**kw) -> DemoExchange:
    kw.setdefault("balances", {"USDT": D("10000")})
    return DemoExchange(prices={BTC: D("50000"), "ETH/USDT": D("3000")}, **kw)


async def usdt(ex: DemoExchange) -> tuple[Decimal, Decimal, Decimal]:
    b = (await ex.fetch_balance())["USDT"]
    return b.free, b.used, b.total


# -- identity and markets --------------------------------------------------------------------
async def test_is_an_exchange_with_default_balance():
    ex = DemoExchange(prices={BTC: D("50000")})
    assert isinstance(ex, Exchange)
    assert (ex.id, ex.name) == ("demo", "Paper exchange")
    bal = await ex.fetch_balance()
    assert bal["USDT"].total == D("10000") and bal["USDT"].free == D("10000")
    assert ex.fee_rate == D("0.001")
    assert set(await ex.load_markets()) == {BTC}
    await ex.close()


@pytest.mark.parametrize("price,amount_step,price_step", [
    ("65000", "0.00001", "0.01"),
    ("3400", "0.0001", "0.01"),
    ("150", "0.001", "0.01"),
    ("15", "0.01", "0.001"),
    ("6", "0.1", "0.0001"),
    ("0.15", "1", "0.00001"),
])
def test_market_steps_follow_the_price_magnitude(price, amount_step, price_step):
    m = market_for("X/USDT", D(price))
    assert (m.amount_step, m.price_step, m.min_cost) == (D(amount_step), D(price_step), D(5))
    assert (m.base, m.quote) == ("X", "USDT")
    # one amount step is worth between 0.1 and 1 quote, whatever the coin (below 1 it is 1 coin)
    if D(price) >= 1:
        assert D("0.1") <= m.amount_step * D(price) < 1


async def test_unknown_symbol_and_too_small_orders_are_invalid():
    ex = make()
    with pytest.raises(InvalidOrder, match="unknown symbol DOGE/USDT"):
        await ex.create_order(order("buy", symbol="DOGE/USDT"))
    with pytest.raises(InvalidOrder, match="below the minimum 5"):
        await ex.create_order(order("buy", amount="0.00009"))  # 4.5 USDT
    with pytest.raises(InvalidOrder, match="smallest step"):
        await ex.create_order(order("buy", amount="0.000001"))
    with pytest.raises(InvalidOrder):
        ex.market("DOGE/USDT")
    with pytest.raises(ExchangeError):
        await ex.fetch_ticker("DOGE/USDT")
    assert await ex.fetch_open_orders() == [] and await usdt(ex) == (D(10000), 0, D(10000))


async def test_absurd_numbers_never_reach_the_paper_venue():
    """A 1E35 price is refused by the domain (the strict-number cap, issue #10) before any
    order exists to send, so the venue never has to survive one."""
    ex = DemoExchange(prices={BTC: D("50000")}, balances={"USDT": D("1E14")})
    with pytest.raises(DomainError, match="price is too large"):
        order("buy", "limit", amount="0.1", price="1E35")
    assert await ex.fetch_open_orders() == []


async def test_amounts_round_down_to_the_step_and_prices_to_the_tick():
    ex = make()
    placed = await ex.create_order(order("buy", "limit", amount="0.123456", price="40000.004"))
    assert placed.amount == D("0.12345") and placed.price == D("40000")


async def test_new_symbol_via_set_price_gets_a_market():
    ex = make()
    ex.set_price("SOL/USDT", D("150"))
    assert ex.market("SOL/USDT").amount_step == D("0.001")
    placed = await ex.create_order(order("buy", amount="1", symbol="SOL/USDT"))
    assert placed.status is OrderStatus.FILLED


async def test_tickers_are_decimals():
    clock = lambda: START  # noqa: E731
    ex = make(clock=clock)
    t = await ex.fetch_ticker(BTC)
    assert (t.last, t.bid, t.ask, t.at) == (D("50000"), D("50000"), D("50000"), START)
    tickers = await ex.fetch_tickers([BTC, "ETH/USDT"])
    assert tickers["ETH/USDT"].last == D("3000")
    assert set(await ex.fetch_tickers([])) == {BTC, "ETH/USDT"}


# -- funds -----------------------------------------------------------------------------------
async def test_insufficient_funds_counts_the_fee_and_leaves_nothing_behind():
    ex = make()
    o = order("buy", amount="0.2")  # 10 000 + 10 fee > 10 000
    with pytest.raises(InsufficientFunds, match="insufficient USDT"):
        await ex.create_order(o)
    assert await usdt(ex) == (D(10000), 0, D(10000))
    assert await ex.fetch_open_orders() == []
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(BTC, client_order_id=o.client_order_id)
    # the same client id may be sent again once it can be afforded: nothing was recorded
    o.amount = D("0.1")
    assert (await ex.create_order(o)).status is OrderStatus.FILLED


async def test_resting_orders_hold_funds_and_later_orders_see_only_free_funds():
    ex = make()
    await ex.create_order(order("buy", "limit", amount="0.15", price="40000"))  # holds 6006
    with pytest.raises(InsufficientFunds):
        await ex.create_order(order("buy", "limit", amount="0.1", price="40000"))  # needs 4004
    assert await usdt(ex) == (D("3994"), D("6006"), D("10000"))


async def test_cancel_releases_the_reserved_funds():
    ex = make()
    placed = await ex.create_order(order("buy", "limit", amount="0.1", price="40000"))
    assert (await usdt(ex))[1] == D("4004")
    cancelled = await ex.cancel_order(placed.exchange_order_id, BTC)
    assert cancelled.status is OrderStatus.CANCELLED
    assert await usdt(ex) == (D(10000), 0, D(10000))
    ex.set_price(BTC, D("39000"))
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).filled == 0


async def test_spot_only_sells_what_it_holds_when_shorts_are_off():
    ex = make(allow_short=False, balances={"USDT": D("10000"), "BTC": D("0.05")})
    with pytest.raises(InsufficientFunds, match="insufficient BTC"):
        await ex.create_order(order("sell", amount="0.1"))
    placed = await ex.create_order(order("sell", "limit", amount="0.05", price="60000"))
    btc = (await ex.fetch_balance())["BTC"]
    assert (btc.free, btc.used, btc.total) == (0, D("0.05"), D("0.05"))
    with pytest.raises(InsufficientFunds):  # the held coins are not free twice
        await ex.create_order(order("sell", amount="0.01"))
    await ex.cancel_order(placed.exchange_order_id, BTC)
    assert (await ex.fetch_balance())["BTC"].free == D("0.05")


async def test_short_sale_makes_the_base_negative_and_needs_quote_collateral():
    ex = make(allow_short=True)
    placed = await ex.create_order(order("sell", amount="0.1"))
    assert placed.status is OrderStatus.FILLED
    bal = await ex.fetch_balance()
    assert bal["BTC"].total == D("-0.1")
    assert bal["USDT"].total == D("14995")  # 10000 + 5000 − 5
    ex.set_price(BTC, D("48000"))
    cover = await ex.create_order(order("buy", amount="0.1"))
    bal = await ex.fetch_balance()
    assert bal["BTC"].total == 0
    assert bal["USDT"].total == D("14995") - D("4800") - D("4.8")  # profit 200 − fees 9.8
    assert cover.average == D("48000")
    with pytest.raises(InsufficientFunds, match="collateral"):
        await ex.create_order(order("sell", amount="0.25"))  # 12000 notional > free quote


async def test_resting_short_holds_collateral_until_cancelled():
    ex = make(balances={"USDT": D("10000"), "BTC": D("0.02")}, allow_short=True)
    placed = await ex.create_order(order("sell", "limit", amount="0.1", price="55000"))
    bal = await ex.fetch_balance()
    assert bal["BTC"].used == D("0.02")  # what is held is sold first
    assert bal["USDT"].used == D("0.08") * D("55000")  # the short part is backed by quote
    await ex.cancel_order(placed.exchange_order_id, BTC)
    bal = await ex.fetch_balance()
    assert bal["BTC"].used == 0 and bal["USDT"].used == 0


# -- ids, lookups and cancels ----------------------------------------------------------------
async def test_client_order_id_is_kept_and_found():
    ex = make()
    o = order("buy", "limit", amount="0.1", price="40000")
    placed = await ex.create_order(o)
    assert placed.client_order_id == o.client_order_id
    by_client = await ex.fetch_order(BTC, client_order_id=o.client_order_id)
    assert by_client.exchange_order_id == placed.exchange_order_id
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(BTC, client_order_id="mq-never-sent")
    with pytest.raises(OrderNotFound):
        await ex.fetch_order(BTC, "999")
    with pytest.raises(OrderNotFound):  # right id, wrong symbol
        await ex.fetch_order("ETH/USDT", placed.exchange_order_id)


async def test_duplicate_client_order_id_is_refused_and_changes_nothing():
    ex = make()
    first = order("buy", "limit", amount="0.1", price="40000")
    placed = await ex.create_order(first)
    again = order("buy", amount="0.01", client_order_id=first.client_order_id)
    with pytest.raises(InvalidOrder, match="duplicate client order id"):
        await ex.create_order(again)
    assert [o.exchange_order_id for o in await ex.fetch_open_orders()] == [
        placed.exchange_order_id
    ]
    assert (await ex.fetch_balance()).get("BTC") is None


async def test_cancel_race_fill_lands_first_then_cancel_is_unknown():
    ex = make()
    placed = await ex.create_order(order("buy", "limit", amount="0.1", price="49000"))
    ex.set_price(BTC, D("48900"))  # the tick fills it just before our cancel arrives
    with pytest.raises(OrderNotFound, match="already filled"):
        await ex.cancel_order(placed.exchange_order_id, BTC)
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED and got.filled == D("0.1")


async def test_cancel_of_cancelled_or_unknown_order_is_not_found():
    ex = make()
    placed = await ex.create_order(order("buy", "limit", amount="0.1", price="40000"))
    await ex.cancel_order(placed.exchange_order_id, BTC)
    with pytest.raises(OrderNotFound):
        await ex.cancel_order(placed.exchange_order_id, BTC)
    with pytest.raises(OrderNotFound):
        await ex.cancel_order("12345", BTC)
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).status is OrderStatus.CANCELLED


async def test_cancel_of_partially_filled_keeps_the_fills():
    ex = make(liquidity_per_tick=D("0.04"))
    placed = await ex.create_order(order("buy", "limit", amount="0.1", price="49000"))
    ex.set_price(BTC, D("49000"))
    got = await ex.cancel_order(placed.exchange_order_id, BTC)
    assert (got.status, got.filled) == (OrderStatus.CANCELLED, D("0.04"))
    assert await usdt(ex) == (D("8038.04"), 0, D("8038.04"))  # 10000 − 1960 − 1.96
    assert (await ex.fetch_balance())["BTC"].total == D("0.04")


async def test_trades_and_open_orders_listing():
    clock_now = [START]
    ex = make(clock=lambda: clock_now[0])
    await ex.create_order(order("buy", amount="0.01"))
    clock_now[0] = START + timedelta(minutes=5)
    await ex.create_order(order("buy", amount="0.1", symbol="ETH/USDT"))
    await ex.create_order(order("sell", amount="0.01"))
    resting = await ex.create_order(order("buy", "limit", amount="1", price="2000",
                                          symbol="ETH/USDT"))
    trades = await ex.fetch_my_trades(BTC)
    assert [t.side.value for t in trades] == ["buy", "sell"]
    assert trades[0].fees == {"USDT": D("0.5")}
    assert len({t.fill.fill_id for t in trades + await ex.fetch_my_trades("ETH/USDT")}) == 3
    assert [t.side.value for t in await ex.fetch_my_trades(BTC, since=clock_now[0])] == ["sell"]
    assert [o.exchange_order_id for o in await ex.fetch_open_orders("ETH/USDT")] == [
        resting.exchange_order_id
    ]
    assert await ex.fetch_open_orders(BTC) == []


# -- failure injection -----------------------------------------------------------------------
async def test_fail_next_fails_n_calls_then_recovers_and_a_failed_create_places_nothing():
    ex = make()
    ex.fail_next(2)
    for _ in range(2):
        with pytest.raises(ExchangeUnavailable) as info:
            await ex.create_order(order("buy", amount="0.01"))
        assert info.value.retryable
    assert await ex.fetch_open_orders() == [] and await usdt(ex) == (D(10000), 0, D(10000))
    assert (await ex.create_order(order("buy", amount="0.01"))).status is OrderStatus.FILLED
    assert ex.calls["create_order"] == 3


async def test_fail_next_with_a_chosen_error_and_only_some_methods():
    ex = make()
    ex.fail_next(1, RateLimited("slow down"), only={"fetch_order"})
    await ex.fetch_balance()  # not targeted
    placed = await ex.create_order(order("buy", amount="0.01"))
    with pytest.raises(RateLimited, match="slow down"):
        await ex.fetch_order(BTC, placed.exchange_order_id)
    assert (await ex.fetch_order(BTC, placed.exchange_order_id)).status is OrderStatus.FILLED


async def test_exchange_down_for_a_while_then_back_while_the_market_keeps_moving():
    ex = make()
    placed = await ex.create_order(order("buy", "limit", amount="0.1", price="49000"))
    ex.down = True
    for call in (ex.fetch_balance(), ex.fetch_ticker(BTC), ex.load_markets(),
                 ex.fetch_open_orders(), ex.cancel_order(placed.exchange_order_id, BTC)):
        with pytest.raises(ExchangeUnavailable):
            await call
    ex.set_price(BTC, D("48000"))  # the venue still matches while we cannot reach it
    ex.down = False
    got = await ex.fetch_order(BTC, placed.exchange_order_id)
    assert got.status is OrderStatus.FILLED


async def test_on_create_hook_failure_means_sent_but_response_lost():
    seen = []

    async def crash(view):
        seen.append(view.status)
        raise ExchangeUnavailable("connection dropped after sending")

    ex = make(on_create=crash)
    o = order("buy", amount="0.01")
    with pytest.raises(ExchangeUnavailable):
        await ex.create_order(o)
    assert seen == [OrderStatus.FILLED]
    found = await ex.fetch_order(BTC, client_order_id=o.client_order_id)  # reconciliation
    assert found.status is OrderStatus.FILLED
    ex.on_create = None
    with pytest.raises(InvalidOrder, match="duplicate"):  # a blind retry is refused
        await ex.create_order(o)


async def test_sync_on_create_hook_is_called():
    seen = []
    ex = make(on_create=seen.append)
    placed = await ex.create_order(order("buy", amount="0.01"))
    assert seen == [placed]


# -- persistence -----------------------------------------------------------------------------
async def test_snapshot_round_trip_through_json():
    clock = lambda: START  # noqa: E731
    ex = make(clock=clock, liquidity_per_tick=D("0.05"), expire_after=timedelta(hours=2),
              slippage_percent=D("0.05"))
    await ex.create_order(order("buy", amount="0.03"))
    resting = await ex.create_order(order("buy", "limit", amount="0.1", price="49000"))
    ex.set_price(BTC, D("49000"))  # 0.05 of the resting order fills
    stop = await ex.create_order(order("sell", "stop", amount="0.03", stop="45000"))
    cancelled = await ex.create_order(order("buy", "limit", amount="1", price="2000",
                                            symbol="ETH/USDT"))
    await ex.cancel_order(cancelled.exchange_order_id, "ETH/USDT")

    data = json.loads(json.dumps(ex.snapshot()))
    again = DemoExchange.restore(data, clock=clock)

    assert again.snapshot() == data
    assert await again.fetch_balance() == await ex.fetch_balance()
    assert await again.fetch_open_orders() == await ex.fetch_open_orders()
    assert await again.fetch_my_trades(BTC) == await ex.fetch_my_trades(BTC)
    assert again.prices == ex.prices and await again.load_markets() == await ex.load_markets()
    assert (again.fee_rate, again.slippage_percent, again.expire_after) == (
        D("0.001"), D("0.05"), timedelta(hours=2))

    # the restored account trades on: the resting order completes, ids never repeat
    again.set_price(BTC, D("48000"))
    got = await again.fetch_order(BTC, resting.exchange_order_id)
    assert got.status is OrderStatus.FILLED
    assert (await again.fetch_order(BTC, stop.exchange_order_id)).status is OrderStatus.OPEN
    new = await again.create_order(order("buy", amount="0.01"))
    old_ids = {o["id"] for o in data["orders"]}
    assert new.exchange_order_id not in old_ids
    fills = [t.fill.fill_id for t in await again.fetch_my_trades(BTC)]
    assert len(fills) == len(set(fills))
    with pytest.raises(InvalidOrder, match="duplicate"):
        await again.create_order(order("buy", amount="0.01",
                                       client_order_id=resting.client_order_id))


async def test_load_snapshot_replaces_the_account_and_restore_takes_overrides():
    ex = make()
    await ex.create_order(order("buy", amount="0.1"))
    snap = ex.snapshot()
    other = DemoExchange(prices={BTC: D("1")}, balances={"USDT": D("1")})
    other.load_snapshot(snap)
    assert (await other.fetch_balance())["BTC"].total == D("0.1")
    assert other.prices[BTC] == D("50000")
    cheap = DemoExchange.restore(snap, fee_rate=D("0"))
    assert cheap.fee_rate == 0
    with pytest.raises(ValueError, match="version"):
        DemoExchange.restore({**snap, "version": 99})


async def test_snapshot_leaves_out_orders_that_ended_long_ago_but_remembers_their_ids():
    now = [START]
    ex = make(clock=lambda: now[0])
    old_fill = await ex.create_order(order("buy", amount="0.01", client_order_id="old-fill"))
    old_cancel = await ex.create_order(order("buy", "limit", amount="0.01", price="40000",
                                             client_order_id="old-cancel"))
    await ex.cancel_order(old_cancel.exchange_order_id, BTC)
    resting = await ex.create_order(order("buy", "limit", amount="0.01", price="40000",
                                          client_order_id="resting"))
    now[0] = START + ex.keep_closed_for - timedelta(seconds=1)
    recent = await ex.create_order(order("buy", amount="0.01", client_order_id="recent"))
    assert len(ex.snapshot()["orders"]) == 4  # nothing is old enough yet

    now[0] = START + ex.keep_closed_for + timedelta(seconds=1)
    snap = json.loads(json.dumps(ex.snapshot()))
    kept = {o["id"] for o in snap["orders"]}
    assert kept == {resting.exchange_order_id, recent.exchange_order_id}  # open ones always stay
    again = DemoExchange.restore(snap, clock=lambda: now[0])
    assert again.snapshot() == snap
    assert await again.fetch_balance() == await ex.fetch_balance()
    for gone in (old_fill, old_cancel):
        with pytest.raises(OrderNotFound):
            await again.fetch_order(BTC, gone.exchange_order_id)
        with pytest.raises(OrderNotFound):
            await again.fetch_order(BTC, client_order_id=gone.client_order_id)
        with pytest.raises(InvalidOrder, match="duplicate"):
            await again.create_order(order("buy", amount="0.01",
                                           client_order_id=gone.client_order_id))
    new = await again.create_order(order("buy", amount="0.01"))
    assert int(new.exchange_order_id) > int(recent.exchange_order_id)  # ids never repeat

    ex.keep_closed_for = None  # keep everything
    assert len(ex.snapshot()["orders"]) == 4
