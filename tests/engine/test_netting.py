"""Positions that match the account (issue #10), as engine scenarios on the paper exchange.

The venue's own balance is the witness: after every scenario the open position's amount is
what `fetch_balance()` says the account holds, and refusals leave the venue untouched.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, ExitReason, OrderIntent, PositionStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import AccountUpdated
from moniqo_desktop.exchanges import DemoExchange

D = Decimal


async def coin(demo: DemoExchange, currency: str = "BTC") -> Decimal:
    held = (await demo.fetch_balance()).get(currency)
    return held.total if held is not None else D(0)


@pytest.fixture
def demo() -> DemoExchange:
    return DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")},
                        fee_rate=D("0.001"), balances={"USDT": D("100000")})


async def test_buy_then_sell_leaves_no_position_and_never_a_short(engine, demo):
    """The issue's first report: a Long and a Short while the account held 0 BTC."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01")
    demo.set_price("BTC/USDT", D("50100"))
    await engine.run_cycle()
    await engine.place_order(symbol="BTC/USDT", side="sell", type="market", amount="0.01")
    assert engine.positions(open_only=True) == []
    [position] = engine.positions()
    assert position.status is PositionStatus.CLOSED and position.close_reason is ExitReason.MANUAL
    # (50100 − 50000)·0.01 − 0.5 entry fee − 0.501 exit fee
    assert position.realized_pnl == D("1") - D("0.5") - D("0.501")
    assert await coin(demo) == 0


async def test_sell_more_than_held_is_refused_before_anything_is_stored_or_sent(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01")
    sent, orders = demo.calls["create_order"], len(engine.ctx.store.load_orders())
    with pytest.raises(DomainError,
                       match=r"you hold 0.01 BTC; sell at most 0.01 or close the position"):
        await engine.place_order(symbol="BTC/USDT", side="sell", type="market", amount="0.02")
    assert demo.calls["create_order"] == sent
    assert len(engine.ctx.store.load_orders()) == orders
    assert await coin(demo) == D("0.01")
    [position] = engine.positions(open_only=True)
    assert position.amount == D("0.01")


async def test_sell_with_nothing_held_is_refused(engine, demo):
    with pytest.raises(DomainError, match="you hold 0 ETH"):
        await engine.place_order(symbol="ETH/USDT", side="sell", type="market", amount="1")
    assert demo.calls["create_order"] == 0 and engine.orders() == []


async def test_open_sells_count_against_what_is_held(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.02")
    await engine.place_order(symbol="BTC/USDT", side="sell", type="limit", amount="0.015",
                             price="60000")
    with pytest.raises(DomainError, match=r"sell at most 0.005 \(0.015 already in open orders\)"):
        await engine.place_order(symbol="BTC/USDT", side="sell", type="market", amount="0.01")


async def test_paper_margin_practice_allows_a_short_but_never_a_flip(db_path, settings, clock):
    demo = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")},
                        allow_short=True)
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        await engine.place_order(symbol="BTC/USDT", side="sell", type="market", amount="0.01")
        [position] = engine.positions(open_only=True)
        assert position.side.value == "short" and await coin(demo) == D("-0.01")
        with pytest.raises(DomainError, match="you hold short 0.01 BTC; buy at most 0.01"):
            await engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="0.02")
    finally:
        await engine.close()


async def test_adding_order_nets_into_one_position_and_its_protection_replaces(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="45000")
    demo.set_price("BTC/USDT", D("52000"))
    await engine.run_cycle()
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions(open_only=True)
    assert position.amount == D("0.2") and position.entry_price == D("51000")
    assert position.entry_fees == D("5") + D("5.2")
    assert position.stop_loss == D("45000")  # an add without protection keeps it
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="50000", take_profit="60000")
    [position] = engine.positions(open_only=True)
    assert position.amount == D("0.3")
    assert (position.stop_loss, position.take_profit) == (D("50000"), D("60000"))
    assert await coin(demo) == position.amount


async def test_partial_close_books_its_part_and_keeps_protection(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.4",
                             stop_loss="45000")
    [position] = engine.positions(open_only=True)
    demo.set_price("BTC/USDT", D("51000"))
    await engine.run_cycle()
    order = await engine.close_position(position.id, amount="0.1")
    assert order.intent is OrderIntent.EXIT and order.amount == D("0.1")
    assert position.status is PositionStatus.OPEN and position.amount == D("0.3")
    # 1000·0.1 − 20·0.1/0.4 − 5.1
    assert position.realized_pnl == D("100") - D("5") - D("5.1")
    assert position.stop_loss == D("45000")
    assert await coin(demo) == D("0.3")
    with pytest.raises(DomainError, match="you hold 0.3 BTC; close at most 0.3"):
        await engine.close_position(position.id, amount="0.5")
    await engine.close_position(position.id)
    assert position.status is PositionStatus.CLOSED and await coin(demo) == 0


async def test_stop_after_a_partial_close_sells_only_the_rest(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.4",
                             stop_loss="49000")
    [position] = engine.positions(open_only=True)
    await engine.close_position(position.id, amount="0.25")
    demo.set_price("BTC/USDT", D("48900"))
    await engine.run_cycle()
    exits = [o for o in engine.orders() if o.intent is OrderIntent.EXIT]
    assert [o.amount for o in exits] == [D("0.25"), D("0.15")]
    assert position.status is PositionStatus.CLOSED
    assert position.close_reason is ExitReason.STOP_LOSS
    assert await coin(demo) == 0  # sold only what was left, never short


async def test_exit_sells_what_the_account_holds(engine, demo):
    """The account holds less than the position says (a fee the venue took in coin that we
    never saw): the exit sells what is there and closes the position with the rest as dust."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    [position] = engine.positions(open_only=True)
    demo._credit("BTC", D("-0.0002"))  # the venue's own bookkeeping, not ours
    demo.set_price("BTC/USDT", D("48900"))
    await engine.run_cycle()
    [exit_order] = [o for o in engine.orders() if o.intent is OrderIntent.EXIT]
    assert exit_order.amount == D("0.0998") and exit_order.status.value == "filled"
    assert position.status is PositionStatus.CLOSED and position.dust == D("0.0002")
    assert await coin(demo) == 0


async def test_an_automatic_exit_refreshes_the_balances(engine, demo, events):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    demo.set_price("BTC/USDT", D("48900"))
    events.events.clear()
    await engine.run_cycle()
    venue = await demo.fetch_balance()
    assert engine.balances() == {c: (b.free, b.total) for c, b in venue.items()}
    [last] = events.of(AccountUpdated)[-1:]
    assert last.balances == engine.balances() and not last.stale


async def test_a_failed_balance_refresh_is_published_as_stale(engine, demo, events, clock):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    good_at = engine.ctx.balances_at
    before = engine.balances()
    clock.advance(seconds=5)
    demo.set_price("BTC/USDT", D("48900"))
    demo.fail_next(2, only=["fetch_balance"])
    events.events.clear()
    await engine.run_cycle()
    stale = [e for e in events.of(AccountUpdated) if e.stale]
    assert stale and stale[-1].as_of == good_at and stale[-1].balances == before
    # the next pass reads them again
    await engine.run_cycle()
    venue = await demo.fetch_balance()
    assert engine.balances() == {c: (b.free, b.total) for c, b in venue.items()}
    assert not events.of(AccountUpdated)[-1].stale


async def test_a_stale_cached_price_is_refreshed_before_checking_a_stop(engine, demo, clock):
    """The issue: 'must be below 3000' with the market at 3200 - a valid stop refused."""
    engine.tracker.watched.add("ETH/USDT")  # as the order form does for its symbol
    await engine.run_cycle()  # caches ETH at 3000
    clock.advance(seconds=engine.ctx.settings.position_poll_seconds + 1)
    demo.set_price("ETH/USDT", D("3200"))
    fetched = demo.calls["fetch_ticker"]
    await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1",
                             stop_loss="3100")
    assert demo.calls["fetch_ticker"] == fetched + 1  # one request
    [position] = engine.positions(open_only=True)
    assert position.stop_loss == D("3100")


async def test_a_stop_crossed_by_the_fresh_price_is_refused_with_both_numbers(engine, demo,
                                                                              clock):
    """The other direction: a stop already crossed was accepted against a stale 3000."""
    engine.tracker.watched.add("ETH/USDT")
    await engine.run_cycle()
    clock.advance(seconds=engine.ctx.settings.position_poll_seconds + 1)
    demo.set_price("ETH/USDT", D("2900"))
    with pytest.raises(DomainError, match="stop loss 2,950.00 must be below the price 2,900.00"):
        await engine.place_order(symbol="ETH/USDT", side="buy", type="limit", amount="1",
                                 price="3000", stop_loss="2950")
    assert demo.calls["create_order"] == 0


async def test_a_fresh_cached_price_is_used_without_a_request(engine, demo, clock):
    engine.tracker.watched.add("ETH/USDT")
    await engine.run_cycle()
    clock.advance(seconds=1)
    fetched = demo.calls["fetch_ticker"]
    await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount="1",
                             stop_loss="2900")
    assert demo.calls["fetch_ticker"] == fetched


async def test_strings_from_place_order_use_the_strict_parser(engine, demo):
    for text in ("0_1", "1e309", "\uff11"):
        with pytest.raises(DomainError, match="^amount"):
            await engine.place_order(symbol="ETH/USDT", side="buy", type="market", amount=text)
    assert engine.orders() == [] and demo.calls["create_order"] == 0


async def test_a_reducing_order_cannot_carry_protection(engine, demo):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    with pytest.raises(DomainError, match="reduces your long"):
        await engine.place_order(symbol="BTC/USDT", side="sell", type="market", amount="0.05",
                                 stop_loss="60000")


async def test_an_exit_takes_back_a_resting_sell_and_sells_everything(engine, demo):
    """A limit sell of ours holds half the coin; the stop fires: the exit cancels that sell
    (its coin is the position's too) and sells all of it, leaving nothing untracked."""
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             stop_loss="49000")
    limit = await engine.place_order(symbol="BTC/USDT", side="sell", type="limit",
                                     amount="0.05", price="60000")
    demo.set_price("BTC/USDT", D("48900"))
    await engine.run_cycle()
    [position] = engine.positions()
    assert limit.status.value == "cancelled"
    [exit_order] = [o for o in engine.orders() if o.intent is OrderIntent.EXIT]
    assert exit_order.amount == D("0.1")
    assert position.status is PositionStatus.CLOSED and position.dust == 0
    assert await coin(demo) == 0


async def test_protection_edit_is_checked_against_a_fresh_price(engine, demo, clock):
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1")
    [position] = engine.positions(open_only=True)
    clock.advance(seconds=engine.ctx.settings.position_poll_seconds + 1)
    demo.set_price("BTC/USDT", D("47000"))  # the cached 50 000 is stale
    with pytest.raises(DomainError,
                       match="stop loss 48,000.00 must be below the price 47,000.00"):
        await engine.update_protection(position.id, stop_loss="48000")
    assert position.stop_loss is None


async def test_dust_left_by_step_rounding_closes_the_position_as_dust(db_path, settings,
                                                                      clock):
    """A buy whose fee the venue takes in coin (0.075 %) leaves 0.099925 BTC; the exit can
    sell 0.09992 on the 0.00001 step. The 0.000005 left closes the position as dust."""
    from test_edge_cases import BaseFeeDemo

    demo = BaseFeeDemo(prices={"BTC/USDT": D("50000")}, fee_rate=D("0.00075"),
                       balances={"USDT": D("100000")})
    engine = await Engine.open(db_path, demo, settings=settings, clock=clock)
    try:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                                 stop_loss="49000")
        [position] = engine.positions()
        assert position.amount == D("0.099925") == await coin(demo)
        demo.set_price("BTC/USDT", D("48900"))
        await engine.run_cycle()
        [exit_order] = [o for o in engine.orders() if o.intent is OrderIntent.EXIT]
        assert exit_order.amount == D("0.09992")
        assert position.status is PositionStatus.CLOSED
        assert position.close_reason is ExitReason.STOP_LOSS
        assert position.dust == D("0.000005") == await coin(demo)
    finally:
        await engine.close()
