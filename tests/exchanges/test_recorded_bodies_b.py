"""Kraken, KuCoin, Gate and Bitget on their own bodies: the operations the scenario suite
(test_contract.py) could only cover with bodies written for its scenario.

Every body here is verbatim: ccxt's own recording (ts/src/test/static/response/<venue>.json,
the `httpResponse` of one entry) or an example from the venue's API documentation, copied byte
for byte; each fixture's "source" names the file or page, commit and section. The expected
values are what that body says, in our types. Where a documentation example describes another
market than the scenario's (Kraken's XBTUSD, Gate's BTC_USDT), the market rules come from the
same documentation where it has them (Kraken's AssetPairs example), and the case says so.

Only ccxt's HTTP fetch is replaced (tests/exchanges/ccxt_replay.py); request building, error
handling and parsing are ccxt's own.
"""

from __future__ import annotations

import pytest
from ccxt_replay import Replay, SleepRecorder, replayed
from fake_clock import FakeClock
from recorded_cases import (BITGET, GATE, KRAKEN, KUCOIN, OURS, Case, D, create_call,
                            run_case)

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import Order, OrderSide, OrderStatus, OrderType
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges.errors import (AuthenticationFailed, InvalidOrder, OrderNotFound,
                                             RateLimited)

# Kraken's documented AssetPairs example (XXBTZUSD): the market its other examples trade
KRAKEN_DOC = {**KRAKEN, "markets": ("doc_asset_pairs",)}

CASES: list[Case] = [
    # -- Kraken -----------------------------------------------------------------------------
    # a limit buy is acknowledged with its txid only: our order, as sent, with the venue's id
    Case("kraken", "limit_buy", ("doc_add_order_limit",),
         create_call("BTC/USD", "buy", "limit", "1.45", "27500"),
         {"exchange_order_id": "OU22CG-KLAF2-FWUDD7", "client_order_id": OURS,
          "status": OrderStatus.SUBMITTED, "type": OrderType.LIMIT, "side": OrderSide.BUY,
          "amount": D("1.45"), "price": D("27500"), "filled": D("0")},
         sent={"pair": "XXBTZUSD", "type": "buy", "ordertype": "limit", "volume": "1.45",
               "price": "27500", "cl_ord_id": "00000000000000000000000000000007"}, **KRAKEN_DOC),
    # two maker fills of one order; the example charges no fee on either
    Case("kraken", "my_trades", ("doc_trades_history",), lambda ex: ex.fetch_my_trades("BTC/USD"),
         [{"exchange_order_id": "OQCLML-BW3P3-BUCMWZ", "side": OrderSide.BUY,
           "fill": {"fill_id": "TCWJEG-FL4SZ-3FKGH6", "amount": D("0.01"), "price": D("30010"),
                    "fee": D("0"), "fee_currency": "USD"}},
          {"exchange_order_id": "OQCLML-BW3P3-BUCMWZ", "side": OrderSide.BUY,
           "fill": {"fill_id": "THVRQM-33VKH-UCI7BS", "amount": D("0.02"), "price": D("30010"),
                    "fee": D("0"), "fee_currency": "USD"}}], **KRAKEN_DOC),
    # a filled market sell read back: Kraken reports the fee (7.5) in the quote currency
    Case("kraken", "fetch_order_filled_sell", ("doc_query_orders",),
         lambda ex: ex.fetch_order("BTC/USD", exchange_order_id="OMMDB2-FSB6Z-7W3HPO"),
         {"status": OrderStatus.FILLED, "side": OrderSide.SELL, "type": OrderType.MARKET,
          "amount": D("0.25"), "filled": D("0.25"), "average": D("30000"),
          "fees": {"USD": D("7.5")}, "client_order_id": None},
         sent={"txid": "OMMDB2-FSB6Z-7W3HPO"}, **KRAKEN_DOC),
    # ccxt's recorded cancel acknowledgement (a count only), the order read back through the
    # documented QueryOrders: it had filled, the cancel lost the race
    Case("kraken", "cancel_after_fill", ("ccxt_cancel_order", "doc_query_orders"),
         lambda ex: ex.cancel_order("OBCMZD-JIEE7-77TH3F", "BTC/USD"),
         {"exchange_order_id": "OBCMZD-JIEE7-77TH3F", "status": OrderStatus.FILLED,
          "side": OrderSide.BUY, "amount": D("1.25"), "filled": D("1.25"),
          "average": D("27500"), "fees": {"USD": D("26.2")}},
         sent={"txid": "OBCMZD-JIEE7-77TH3F"}, **KRAKEN_DOC),
    # held by open orders is used, the rest free
    Case("kraken", "balance", ("doc_balance_ex",), lambda ex: ex.fetch_balance(),
         {"USD": {"free": D("17185.45"), "used": D("8249.76"), "total": D("25435.21")},
          "BTC": {"free": D("0.4012"), "used": D("0.8423"), "total": D("1.2435")}}, **KRAKEN_DOC),
    # a create whose answer was lost, looked up by client id: not among the open orders,
    # found among the closed ones (cancelled by the user)
    Case("kraken", "lookup_by_client_id_found", ("doc_open_orders", "ccxt_closed_orders_cl_ord_id"),
         lambda ex: ex.fetch_order("LTC/USDT", client_order_id="123"),
         {"exchange_order_id": "O2F2HY-QIPHF-4UCMSW", "client_order_id": "123",
          "status": OrderStatus.CANCELLED, "amount": D("0.2"), "price": D("50"),
          "filled": D("0")}, **KRAKEN),
    # ... or still open: found in the open orders, the finished ones never asked
    Case("kraken", "lookup_by_client_id_found_open", ("ccxt_open_orders_cl_ord_id",),
         lambda ex: ex.fetch_order("LTC/USDT", client_order_id="123"),
         {"exchange_order_id": "O2F2HY-QIPHF-4UCMSW", "client_order_id": "123",
          "status": OrderStatus.OPEN, "amount": D("0.2"), "filled": D("0")}, **KRAKEN),
    # neither list holds our client id: not found (evidence only when repeated over time)
    Case("kraken", "lookup_by_client_id_not_found", ("doc_open_orders", "doc_closed_orders"),
         lambda ex: ex.fetch_order("BTC/USD", client_order_id=OURS),
         {}, raises=OrderNotFound, **KRAKEN_DOC),
    # -- Gate (the documentation's examples trade BTC_USDT) ------------------------------------
    # the documented create answers with the whole order: this one filled at once
    Case("gate", "limit_buy", ("doc_create_limit",),
         create_call("BTC/USDT", "buy", "limit", "0.001", "65000"),
         {"exchange_order_id": "1852454420", "client_order_id": "abc123",
          "status": OrderStatus.FILLED, "type": OrderType.LIMIT, "side": OrderSide.BUY,
          "amount": D("0.001"), "price": D("65000"), "filled": D("0.001"),
          "average": D("63469.3"), "fees": {"BTC": D("0.00000022")}},
         sent={"currency_pair": "BTC_USDT", "type": "limit", "side": "buy", "amount": "0.001",
               "price": "65000", "text": "t-mqAAAAAAAAAAAAAAAAAAAH"}, **GATE),
    # Gate documents its cancel answer with an order that had filled: the cancel lost the race
    Case("gate", "cancel_after_fill", ("doc_cancel_order_filled",),
         lambda ex: ex.cancel_order("1852454420", "BTC/USDT"),
         {"exchange_order_id": "1852454420", "status": OrderStatus.FILLED, "filled": D("0.001"),
          "average": D("63469.3"), "fees": {"BTC": D("0.00000022")}},
         sent={"currency_pair": "BTC_USDT"}, **GATE),
    # a look-up by our client id goes out as Gate's text id (t- + 22 characters)
    Case("gate", "lookup_by_client_id_found", ("doc_order_by_client_id",),
         lambda ex: ex.fetch_order("BTC/USDT", client_order_id=OURS),
         {"exchange_order_id": "1852454420", "client_order_id": "abc123",
          "status": OrderStatus.FILLED, "filled": D("0.001"), "average": D("63469.3")},
         sent={"currency_pair": "BTC_USDT"}, **GATE),
    Case("gate", "balance", ("doc_spot_accounts",), lambda ex: ex.fetch_balance(),
         {"ETH": {"free": D("968.8"), "used": D("0"), "total": D("968.8")}}, **GATE),
    # a create refused for a bad parameter is a refused order, never an unknown outcome
    Case("gate", "invalid_order", ("doc_error_invalid_param",),
         create_call("BTC/USDT", "buy", "limit", "0.001", "65000"),
         {"retryable": False}, raises=InvalidOrder, **GATE),
    # -- KuCoin (classic spot endpoints; KuCoin's own SDK examples trade BTC-USDT) ------------
    # a limit buy is acknowledged with its order id only: our order, as sent
    Case("kucoin", "limit_buy", ("doc_create_limit_old",),
         create_call("BTC/USDT", "buy", "limit", "0.0001", "50000"),
         {"exchange_order_id": "674a8635b38d120007709c0f", "client_order_id": OURS,
          "status": OrderStatus.SUBMITTED, "amount": D("0.0001"), "price": D("50000"),
          "filled": D("0")},
         sent={"symbol": "BTC-USDT", "side": "buy", "type": "limit", "size": "0.0001",
               "price": "50000", "clientOid": OURS}, **KUCOIN),
    # the cancel is acknowledged with ids only: the order is read back, cancelled unfilled
    Case("kucoin", "cancel", ("doc_cancel_order_old", "doc_order_cancelled_old"),
         lambda ex: ex.cancel_order("674a97dfef434f0007efc431", "BTC/USDT"),
         {"exchange_order_id": "674a97dfef434f0007efc431", "status": OrderStatus.CANCELLED,
          "amount": D("0.0001"), "filled": D("0"),
          "client_order_id": "3d07008668054da6b3cb12e432c2b13a"}, **KUCOIN),
    Case("kucoin", "lookup_by_client_id_found", ("doc_order_by_client_oid_old",),
         lambda ex: ex.fetch_order("BTC/USDT", client_order_id=OURS),
         {"exchange_order_id": "674a97dfef434f0007efc431", "status": OrderStatus.CANCELLED,
          "client_order_id": "3d07008668054da6b3cb12e432c2b13a"}, **KUCOIN),
    # a create refused for a bad parameter is a refused order, never an unknown outcome
    Case("kucoin", "invalid_order", ("doc_error_invalid_parameter",),
         create_call("BTC/USDT", "buy", "limit", "0.0001", "50000"),
         {"retryable": False}, raises=InvalidOrder, **KUCOIN),
    Case("kucoin", "auth_bad_signature", ("doc_error_invalid_sign",),
         create_call("BTC/USDT", "buy", "limit", "0.0001", "50000"),
         {"retryable": False}, raises=AuthenticationFailed, **KUCOIN),
    # -- Bitget -------------------------------------------------------------------------------
    # the documented cancel acknowledges order 121211212122; read back (the documented order
    # of that id) it had filled: the cancel lost the race
    Case("bitget", "cancel_after_fill", ("doc_cancel_order", "doc_order_market_filled"),
         lambda ex: ex.cancel_order("121211212122", "BTC/USDT"),
         {"exchange_order_id": "121211212122", "status": OrderStatus.FILLED,
          "filled": D("0.0007"), "average": D("13000"), "fees": {"BGB": D("0.0041")}},
         sent={"orderId": "121211212122"}, **BITGET),
    # a look-up by our client id (after a lost create) asks orderInfo by clientOid
    Case("bitget", "lookup_by_client_id_found", ("doc_order_market_filled",),
         lambda ex: ex.fetch_order("BTC/USDT", client_order_id=OURS),
         {"exchange_order_id": "121211212122", "client_order_id": "121211212122",
          "status": OrderStatus.FILLED, "filled": D("0.0007"), "average": D("13000")},
         sent={"clientOid": OURS}, **BITGET),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.venue}-{c.name}" for c in CASES])
async def test_recorded_body_maps_as_it_says(case: Case):
    await run_case(case)


# -- what the engine makes of these bodies (DESIGN.md "What venues really do") -----------------
async def kraken_engine(tmp_path, replay: Replay, clock: FakeClock) -> Engine:
    """An engine on Kraken whose every answer is a documented body: BTC/USD (XXBTZUSD)."""
    replay.add("doc_balance_ex", "doc_ticker", "doc_open_orders", "doc_closed_orders", sticky=True)
    replay.add("doc_asset_pairs")
    exchange = replayed("kraken", replay, SleepRecorder(), **KRAKEN["kwargs"])
    return await Engine.open(tmp_path / "kraken.sqlite3", exchange,
                             settings=Settings(update_log_min_seconds=0), clock=clock)


async def test_kraken_lost_create_not_in_the_documented_lists_counts_as_not_found(tmp_path):
    """A create whose answer was lost is looked up by client id in the open and closed orders;
    Kraken's documented lists do not hold it. That is 'not found' evidence, counted over time
    (3 answers over 30 s), never a rejection, and the create is never sent again."""
    clock = FakeClock()
    replay = Replay("kraken")
    engine = await kraken_engine(tmp_path, replay, clock)
    try:
        replay.fail("POST", "/0/private/AddOrder")  # the venue's answer to the create is lost
        order = await engine.place_order(symbol="BTC/USD", side="buy", type="limit",
                                         amount="0.01", price="60000")
        assert (order.status, order.history[-1].reason) == (OrderStatus.SUBMITTED,
                                                            "outcome unknown")
        for _ in range(2):
            clock.advance(seconds=15)
            await engine.run_cycle()
            assert order.status is OrderStatus.SUBMITTED  # one miss proves nothing yet
        clock.advance(seconds=15)
        await engine.run_cycle()
        assert (order.status, order.history[-1].reason) == (OrderStatus.FAILED,
                                                            "never reached the exchange")
        assert OrderStatus.REJECTED not in [h.status for h in order.history]
        assert len(replay.sent("POST", "/0/private/AddOrder")) == 1
        looked_up = replay.sent("POST", "/0/private/ClosedOrders")
        assert len(looked_up) >= 3 and not replay.unmatched
    finally:
        await engine.close()


async def test_bitget_refused_cancel_returns_the_order_to_open(tmp_path):
    """The cancel is refused (Bitget's 'order does not exist': a constructed body around the
    documented code); the order is read back and the venue still holds it live (ccxt's
    recording): the cancel did not happen, the order is OPEN again and may be cancelled later."""
    clock = FakeClock()
    replay = Replay("bitget", echo_client_ids=True)
    replay.add("uta_settings_classic", "ccxt_balance_spot", sticky=True)
    replay.add("symbols_ltc", "margin_currencies")
    exchange = replayed("bitget", replay, SleepRecorder(), **BITGET["kwargs"])
    engine = await Engine.open(tmp_path / "bitget.sqlite3", exchange,
                               settings=Settings(update_log_min_seconds=0), clock=clock)
    try:
        replay.add("ccxt_create_spot_limit_ltc")
        order = await engine.place_order(symbol="LTC/USDT", side="buy", type="limit",
                                         amount="0.11", price="50")
        assert order.exchange_order_id == "1136353550487961603"
        replay.add("error_cancel_not_found", "ccxt_order_open_ltc")
        await engine.cancel_order(order.id)
        assert order.status is OrderStatus.OPEN
        assert [h.status for h in order.history][-2:] == [OrderStatus.CANCELLING, OrderStatus.OPEN]
        assert order.history[-1].reason.startswith("cancel refused")
        assert len(replay.sent("POST", "/api/v2/spot/trade/cancel-order")) == 1
        assert not replay.unmatched and not replay.pending(), replay.pending()
    finally:
        await engine.close()


# the venue's rate-limit body (constructed around its documented code: no recording or
# documentation example of one exists for these four), a documented or recorded ticker, and
# where the create goes
RATE_LIMITS = {
    "kraken": (KRAKEN_DOC, "doc_ticker", "BTC/USD", "/0/private/AddOrder"),
    "kucoin": (KUCOIN, "ccxt_ticker", "BTC/USDT", "/api/v1/orders"),
    "gate": (GATE, "ccxt_ticker", "BTC/USDT", "/api/v4/spot/orders"),
    "bitget": (BITGET, "ccxt_ticker_btcusdt", "BTC/USDT", "/api/v2/spot/trade/place-order"),
}


@pytest.mark.parametrize("venue", RATE_LIMITS)
async def test_rate_limit_body_is_retried_for_reads_and_never_resends_a_write(venue):
    setup, ticker, symbol, create_path = RATE_LIMITS[venue]
    replay, sleeps = Replay(venue), SleepRecorder()
    exchange = replayed(venue, replay, sleeps, **setup.get("kwargs", {}))
    replay.add(*setup.get("sticky", ()), sticky=True)
    replay.add(*setup["markets"])
    await exchange.load_markets()
    try:
        replay.add("error_rate_limited", ticker)
        assert (await exchange.fetch_ticker(symbol)).last > 0
        assert sleeps.delays == [2.0]  # backed off harder than for a network error
        replay.add_at("error_rate_limited", "POST", create_path)
        with pytest.raises(RateLimited):
            await exchange.create_order(Order(symbol=symbol, side="buy", type="limit",
                                              amount=D("0.001"), price=D("50000"),
                                              client_order_id=OURS))
        assert len(replay.sent("POST", create_path)) == 1, "a write is never sent twice"
        assert sleeps.delays == [2.0] and not replay.unmatched and not replay.pending()
    finally:
        await exchange.close()
