"""Issue #13: the eight venues' markets, loaded from ccxt's own recorded market rules.

ccxt keeps, per venue, the markets its static tests load: ts/src/test/static/markets/<id>.json.
Those are ccxt's *parsed* market structures, not HTTP bodies, but each keeps the venue's own
item of the markets endpoint verbatim in its `info`. ccxt's static tests load markets from
these files rather than from a recorded HTTP body of the endpoint, so each fixture
tests/fixtures/<venue>/ccxt_markets_*.json holds those `info` items, verbatim, in the endpoint's
documented envelope; its "source" names the file, commit and symbols (Gate: see its source, ccxt
merges the margin list into `info`).

Every figure expected below is the recording's own (the venue's strings in those items: step,
tick, minimum amount, minimum order value). The bodies go through `CcxtExchange.load_markets()`
and real ccxt (only ccxt's HTTP fetch is replaced, tests/exchanges/ccxt_replay.py), and then
through the engine's own `place_order`, the path a trader's order takes: what it refuses is
refused before anything is stored or sent. The client has no keys: markets are public, and each
refusal here happens before a private request would be made.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from ccxt_replay import Replay, SleepRecorder, replayed
from fake_clock import FakeClock
from recorded_cases import matches

from moniqo_desktop.config import Settings
from moniqo_desktop.domain import DomainError, Order, OrderIntent, OrderStatus
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.engine import check_decimals
from moniqo_desktop.exchanges import DemoExchange
from moniqo_desktop.exchanges import ccxt_mapping as mapping
from moniqo_desktop.exchanges.base import MarketInfo
from moniqo_desktop.exchanges.errors import AuthenticationFailed, InvalidOrder

D = Decimal


@dataclass(frozen=True)
class Rules:
    """One market as the recording gives it (the venue's own strings)."""

    symbol: str
    base: str
    quote: str
    amount_step: str
    price_step: str
    min_amount: str | None
    min_cost: str | None

    def expect(self) -> dict:
        dec = lambda v: None if v is None else D(v)  # noqa: E731
        return {"symbol": self.symbol, "base": self.base, "quote": self.quote,
                "amount_step": D(self.amount_step), "price_step": D(self.price_step),
                "min_amount": dec(self.min_amount), "min_cost": dec(self.min_cost), "active": True}


@dataclass(frozen=True)
class Recorded:
    """A venue's recorded markets: the bodies in the order ccxt asks for them, the requests
    (method, path, query) the app must send for them (spot only), and the rules they give."""

    fixtures: tuple[str, ...]
    requests: tuple[tuple[str, str, dict[str, str]], ...]
    rules: tuple[Rules, ...]
    # in the recording but not a market of this spot app (a derivative the venue lists)
    not_markets: tuple[str, ...] = ()


VENUES: dict[str, Recorded] = {
    # LOT_SIZE stepSize / minQty, PRICE_FILTER tickSize, NOTIONAL minNotional
    "binance": Recorded(
        ("ccxt_markets_spot",), (("GET", "/api/v3/exchangeInfo", {}),),
        (Rules("BTC/USDT", "BTC", "USDT", "0.00001000", "0.01000000", "0.00001000", "5.00000000"),
         Rules("ETH/USDT", "ETH", "USDT", "0.00010000", "0.01000000", "0.00010000", "5.00000000"),
         Rules("ADA/USDT", "ADA", "USDT", "0.10000000", "0.00010000", "0.10000000", "5.00000000"))),
    # lotSz, tickSz, minSz; OKX states no minimum order value
    "okx": Recorded(
        ("ccxt_markets_spot",), (("GET", "/api/v5/public/instruments", {"instType": "SPOT"}),),
        (Rules("BTC/USDT", "BTC", "USDT", "0.00000001", "0.1", "0.00001", None),
         Rules("ADA/USDT", "ADA", "USDT", "0.0001", "0.0001", "10", None),
         Rules("LTC/USDT", "LTC", "USDT", "0.000001", "0.01", "0.01", None))),
    # basePrecision, tickSize, minOrderQty, minOrderAmt
    "bybit": Recorded(
        ("ccxt_markets_spot",), (("GET", "/v5/market/instruments-info", {"category": "spot"}),),
        (Rules("BTC/USDT", "BTC", "USDT", "0.000001", "0.1", "0.000011", "5"),
         Rules("ADA/USDT", "ADA", "USDT", "0.01", "0.0001", "1.07", "5"),
         Rules("LTC/USDT", "LTC", "USDT", "0.00001", "0.01", "0.00923", "5"))),
    # base_increment, price_increment, base_min_size, quote_min_size; ccxt also asks for the
    # FUTURE products, which list Coinbase International's perpetuals
    "coinbase": Recorded(
        ("ccxt_markets_spot", "ccxt_markets_future"),
        (("GET", "/api/v3/brokerage/market/products", {}),
         ("GET", "/api/v3/brokerage/market/products", {"product_type": "FUTURE"})),
        (Rules("BTC/USDC", "BTC", "USDC", "0.00000001", "0.01", "0.00000001", "1"),
         Rules("BTC/USDT", "BTC", "USDT", "0.00000001", "0.01", "0.00000001", "1"),
         Rules("ADA/USDT", "ADA", "USDT", "0.01", "0.0001", "0.01", "1")),
        not_markets=("BTC/USDC:USDC",)),
    # lot_decimals 8, tick_size, ordermin, costmin; XBT is BTC
    "kraken": Recorded(
        ("ccxt_markets_spot",), (("GET", "/0/public/AssetPairs", {}),),
        (Rules("BTC/USDT", "BTC", "USDT", "0.00000001", "0.1", "0.0001", "0.5"),
         Rules("BTC/USD", "BTC", "USD", "0.00000001", "0.1", "0.0001", "0.5"),
         Rules("ETH/USDT", "ETH", "USDT", "0.00000001", "0.01", "0.01", "0.5"))),
    # baseIncrement, priceIncrement, baseMinSize, quoteMinSize (ccxt's minimum cost)
    "kucoin": Recorded(
        ("ccxt_markets_spot",), (("GET", "/api/v2/symbols", {}),),
        (Rules("BTC/USDT", "BTC", "USDT", "0.00000001", "0.1", "0.00001", "0.1"),
         Rules("ETH/USDT", "ETH", "USDT", "0.0000001", "0.01", "0.0001", "0.01"),
         Rules("ADA/USDT", "ADA", "USDT", "0.01", "0.0001", "1", "0.1"))),
    # amount_precision / precision (decimal places), min_base_amount, min_quote_amount; ccxt
    # reads the margin list beside the spot pairs (a constructed body: it carries no rule the
    # app uses, and the spot pair's fields win ccxt's merge)
    "gate": Recorded(
        ("margin_currency_pairs", "ccxt_markets_spot"),
        (("GET", "/api/v4/margin/currency_pairs", {}), ("GET", "/api/v4/spot/currency_pairs", {})),
        (Rules("BTC/USDT", "BTC", "USDT", "0.000001", "0.1", "0.000001", "3"),
         Rules("ETH/USDT", "ETH", "USDT", "0.0001", "0.01", "0.001", "3"),
         Rules("ADA/USDT", "ADA", "USDT", "0.01", "0.0001", "0.01", "3"))),
    # quantityPrecision / pricePrecision (decimal places), minTradeAmount "0" (no minimum),
    # minTradeUSDT; beside it the margin list (constructed, as for Gate)
    "bitget": Recorded(
        ("ccxt_markets_spot", "margin_currencies"),
        (("GET", "/api/v2/spot/public/symbols", {}), ("GET", "/api/v2/margin/currencies", {})),
        (Rules("BTC/USDT", "BTC", "USDT", "0.000001", "0.01", None, "1"),
         Rules("ETH/USDT", "ETH", "USDT", "0.0001", "0.01", None, "1"),
         Rules("ADA/USDT", "ADA", "USDT", "0.001", "0.0001", None, "1"))),
}
RULES = [(venue, rules) for venue, rec in VENUES.items() for rules in rec.rules]


def _id(value) -> str:
    return value.symbol if isinstance(value, Rules) else str(value)


def keyless(venue: str) -> tuple[Replay, object]:
    """The venue's client with no keys, answered by its recorded markets."""
    replay = Replay(venue)
    exchange = replayed(venue, replay, SleepRecorder(), api_key=None, secret=None)
    replay.add(*VENUES[venue].fixtures)
    return replay, exchange


@pytest.fixture
async def opened(request, tmp_path: Path):
    """(replay, engine) on `request.param`'s recorded markets."""
    replay, exchange = keyless(request.param)
    engine = await Engine.open(tmp_path / "engine.sqlite3", exchange, settings=Settings(),
                               clock=FakeClock())
    yield replay, engine
    await engine.close()


def market_requests(replay: Replay) -> list[tuple[str, str, dict[str, str]]]:
    return [(r.method, r.path, r.query) for r in replay.requests]


async def refused(engine: Engine, replay: Replay, **order) -> str:
    """The DomainError `place_order` raises for `order`, after checking nothing was stored or
    sent: the only requests are the markets' own."""
    before = market_requests(replay)
    with pytest.raises(DomainError) as caught:
        await engine.place_order(**order)
    assert engine.orders() == [] and engine.ctx.store.load_orders() == []
    assert market_requests(replay) == before
    return str(caught.value)


# -- what the app derives from the recorded rules -----------------------------------------------
@pytest.mark.parametrize("venue", VENUES)
async def test_markets_are_the_recorded_spot_rules(venue):
    replay, exchange = keyless(venue)
    try:
        markets = await exchange.load_markets()
        recorded = VENUES[venue]
        assert sorted(markets) == sorted(r.symbol for r in recorded.rules)
        for rules in recorded.rules:
            matches(markets[rules.symbol], rules.expect(), f"{venue} {rules.symbol}")
        # spot only: the requests ask for spot markets, and nothing listed as a derivative
        # becomes a market (a short-capable symbol in an app that trades spot)
        assert market_requests(replay) == list(recorded.requests)
        assert not any(":" in symbol for symbol in markets)
        assert not set(recorded.not_markets) & set(markets)
        assert not replay.unmatched and not replay.pending()
    finally:
        await exchange.close()


async def test_coinbase_perpetuals_in_the_products_list_are_not_markets():
    """Before: ccxt's FUTURE products call (which it always makes) brought Coinbase
    International's BTC-PERP-INTX in as the market BTC/USDC:USDC, which the engine lets go short
    and whose amount is in contracts: a spot app must not list it."""
    replay, exchange = keyless("coinbase")
    try:
        markets = await exchange.load_markets()
        assert "BTC/USDC:USDC" not in markets
        assert "BTC/USDC" in markets
        with pytest.raises(InvalidOrder, match="not a market"):
            exchange.market("BTC/USDC:USDC")
    finally:
        await exchange.close()


@pytest.mark.parametrize("venue", VENUES)
async def test_resting_stops_are_what_the_recorded_markets_offer(venue):
    """What the recordings say of resting stops: Binance's recorded BTCUSDT lists
    STOP_LOSS_LIMIT but not STOP_LOSS, so a stop-market cannot rest there; Kraken's do."""
    replay, exchange = keyless(venue)
    try:
        markets = await exchange.load_markets()
        native = {s: m.native_stop_orders for s, m in markets.items()}
        assert set(native.values()) == {venue == "kraken"}
        if venue == "binance":
            assert "only offers stop-limit orders" in markets["BTC/USDT"].note
    finally:
        await exchange.close()


# -- the engine's order checks with the recorded figures ----------------------------------------
def _finer(rules: Rules) -> Decimal:
    """A positive amount with one decimal more than the recorded step allows."""
    step = D(rules.amount_step)
    return D(rules.min_amount or rules.amount_step) + step / 10


@pytest.mark.parametrize(("opened", "rules"), RULES, indirect=["opened"], ids=_id)
async def test_place_order_refuses_more_decimals_than_the_recorded_step(opened, rules):
    replay, engine = opened
    market = engine.ctx.markets[rules.symbol]
    amount = f"{_finer(rules):f}"
    message = await refused(engine, replay, symbol=rules.symbol, side="buy", type="limit",
                            amount=amount, price="1000")
    decimals = -D(rules.amount_step).normalize().as_tuple().exponent
    assert message == (f"amount {amount} has more decimals than {rules.symbol} allows "
                       f"({max(decimals, 0)})")
    # the same figure cut to the recorded step passes this check (so the refusal is the step's)
    check_decimals(market, Order(symbol=rules.symbol, side="buy", type="limit",
                                 amount=market.round_amount(D(amount)), price=D("1000")))


@pytest.mark.parametrize(("opened", "rules"), RULES, indirect=["opened"], ids=_id)
async def test_place_order_refuses_a_price_finer_than_the_recorded_tick(opened, rules):
    replay, engine = opened
    tick = D(rules.price_step)
    price = f"{D(1000) + tick / 10:f}"
    amount = rules.min_amount or rules.amount_step
    message = await refused(engine, replay, symbol=rules.symbol, side="buy", type="limit",
                            amount=amount, price=price)
    decimals = -tick.normalize().as_tuple().exponent
    assert message == (f"price {price} has more decimals than {rules.symbol} allows "
                       f"({max(decimals, 0)})")


# ccxt's own parse of the same Binance items, as recorded in static/markets/binance.json by a ccxt
# of the DECIMAL_PLACES days: precision {amount, price} in decimal places.
BINANCE_DECIMAL_PLACES = {"BTC/USDT": (5, 2), "ETH/USDT": (4, 2), "ADA/USDT": (1, 4)}


async def test_binance_steps_agree_with_the_recordings_decimal_places():
    """The recording's parsed precision is in decimal places (ccxt's old mode), ccxt 4.5.90
    hands the app tick sizes: both readings give the same steps, so neither mode is mis-read."""
    replay, exchange = keyless("binance")
    try:
        markets = await exchange.load_markets()
        assert exchange.client.precisionMode == mapping.TICK_SIZE
        for symbol, (amount, price) in BINANCE_DECIMAL_PLACES.items():
            assert mapping.step_from_precision(amount, mapping.DECIMAL_PLACES) == \
                markets[symbol].amount_step
            assert mapping.step_from_precision(price, mapping.DECIMAL_PLACES) == \
                markets[symbol].price_step
    finally:
        await exchange.close()


# Below the minimum on the step's own grid: only where the recorded minimum is above one step
# (Binance's and Coinbase's minimum is one step, Bitget states none: their binding floor is the
# minimum order value, below).
BELOW_MIN = [(venue, rules) for venue, rules in RULES
             if rules.min_amount is not None and D(rules.min_amount) > D(rules.amount_step)]


@pytest.mark.parametrize(("opened", "rules"), BELOW_MIN, indirect=["opened"], ids=_id)
async def test_place_order_refuses_an_amount_below_the_recorded_minimum(opened, rules):
    replay, engine = opened
    below = D(rules.min_amount) - D(rules.amount_step)
    message = await refused(engine, replay, symbol=rules.symbol, side="buy", type="limit",
                            amount=f"{below:f}", price="100000")
    assert message == (f"amount {below.normalize():f} is below the minimum "
                       f"{D(rules.min_amount).normalize():f} {rules.base} for {rules.symbol}")
    # the recorded minimum itself passes the amount rules (the value is checked apart, below)
    market = engine.ctx.markets[rules.symbol]
    assert market.check_order(D(rules.min_amount), None) == D(rules.min_amount)


# (venue, symbol, amount, limit price): the smallest amount the market takes, priced so its value
# is under the recorded minimum order value. OKX records none.
MIN_COST = [
    ("binance", "BTC/USDT", "0.00001", "60000"),
    ("bybit", "BTC/USDT", "0.000011", "60000"),
    ("coinbase", "BTC/USDT", "0.00000001", "60000"),
    ("kraken", "ETH/USDT", "0.01", "40"),
    ("kucoin", "BTC/USDT", "0.00001", "5000"),
    ("gate", "BTC/USDT", "0.000001", "60000"),
    ("bitget", "BTC/USDT", "0.000001", "60000"),
]


@pytest.mark.parametrize(("opened", "symbol", "amount", "price"), MIN_COST,
                         indirect=["opened"])
async def test_place_order_refuses_a_value_below_the_recorded_minimum_cost(
        opened, symbol, amount, price):
    replay, engine = opened
    market = engine.ctx.markets[symbol]
    value = D(amount) * D(price)
    message = await refused(engine, replay, symbol=symbol, side="buy", type="limit",
                            amount=amount, price=price)
    assert message == (f"order value {value} {market.quote} is below the minimum "
                       f"{market.min_cost} {market.quote} for {symbol}")
    # at the minimum value the same price passes
    enough = market.round_amount(market.min_cost / D(price)) + market.amount_step
    assert market.check_order(enough, D(price)) == enough


@pytest.mark.parametrize(("opened", "rules"), RULES, indirect=["opened"], ids=_id)
async def test_a_recorded_spot_market_never_goes_short(opened, rules):
    replay, engine = opened
    assert engine.can_short(rules.symbol) is False
    amount = rules.min_amount or rules.amount_step
    message = await refused(engine, replay, symbol=rules.symbol, side="sell", type="limit",
                            amount=amount, price="100000")
    assert message == (f"you hold 0 {rules.base}; this market cannot go short, so there is "
                       "nothing to sell")


# -- no keys: public markets work, private calls are refused by name ----------------------------
@pytest.mark.parametrize("venue", VENUES)
async def test_a_private_call_without_keys_is_refused_by_name_before_sending(venue):
    """Before: Coinbase's ccxt signs a private request with `'Bearer ' + token` when no key is
    set, so without keys `fetch_balance` raised TypeError (not an exchange error) and the
    engine's start-up crashed; now every venue says which credentials are missing."""
    replay, exchange = keyless(venue)
    try:
        await exchange.load_markets()
        sent = len(replay.requests)
        with pytest.raises(AuthenticationFailed, match="apiKey"):
            await exchange.fetch_balance()
        assert len(replay.requests) == sent
    finally:
        await exchange.close()


@pytest.mark.parametrize("opened", VENUES, indirect=True)
async def test_the_engine_opens_without_keys_on_the_recorded_markets(opened):
    replay, engine = opened
    assert engine.ctx.markets and all(":" not in s for s in engine.ctx.markets)


async def test_refusals_name_the_recorded_figures_without_exponents():
    """Coinbase's recorded step is 0.00000001: the refusal reads as the trader typed and the
    venue wrote it, never "1E-9 ... 1E-8"."""
    replay, exchange = keyless("coinbase")
    try:
        market = (await exchange.load_markets())["BTC/USDT"]
        with pytest.raises(InvalidOrder) as caught:
            market.check_order(D("0.000000001"), None)
        assert str(caught.value) == ("amount 0.000000001 is below the smallest step 0.00000001 "
                                     "for BTC/USDT")
    finally:
        await exchange.close()


# -- order maximums: what ccxt parses from the recordings is enforced, before sending ------------
# (venue, symbol): (limits.amount.max, limits.cost.max, limits.market.max) as ccxt 4.5 parses the
# recorded items: Binance LOT_SIZE / NOTIONAL maxNotional / MARKET_LOT_SIZE maxQty, OKX maxLmtSz
# (its maxLmtAmt as the value), Bybit maxOrderQty / maxOrderAmt, Coinbase base_max_size /
# quote_max_size, KuCoin baseMaxSize / quoteMaxSize, Bitget maxTradeAmount. Kraken's AssetPairs
# state none. Gate's items carry max_base_amount ("100" BTC) but ccxt does not parse it: the app
# does not enforce it either (the venue refuses); its max_quote_amount is parsed where given.
MAXIMUMS = {
    ("binance", "BTC/USDT"): ("9000", "9000000", "128.52621715"),
    ("binance", "ADA/USDT"): ("900000", "9000000", "3734056.71171548"),
    ("okx", "BTC/USDT"): ("9999999999", "1000000", None),
    ("bybit", "BTC/USDT"): ("83", "8000000", None),
    ("coinbase", "BTC/USDT"): ("400", "10000000", None),
    ("kraken", "BTC/USDT"): (None, None, None),
    ("kucoin", "BTC/USDT"): ("10000000000", "99999999", None),
    ("gate", "BTC/USDT"): (None, "5000000", None),
    ("gate", "ETH/USDT"): (None, None, None),
    ("bitget", "BTC/USDT"): ("10000000000", None, None),
}


@pytest.mark.parametrize(("venue", "symbol"), MAXIMUMS)
async def test_order_maximums_are_the_recorded_ones(venue, symbol):
    replay, exchange = keyless(venue)
    try:
        market = (await exchange.load_markets())[symbol]
        dec = lambda v: None if v is None else D(v)  # noqa: E731
        assert (market.max_amount, market.max_cost, market.max_market_amount) == \
            tuple(dec(v) for v in MAXIMUMS[(venue, symbol)])
    finally:
        await exchange.close()


# (venue, order, message): each above one recorded maximum and within every other rule
ABOVE_MAXIMUM = [
    ("bybit", {"symbol": "BTC/USDT", "amount": "84", "price": "1000"},
     "amount 84 is above the maximum 83 BTC for BTC/USDT"),
    ("binance", {"symbol": "BTC/USDT", "amount": "100", "price": "100000"},
     "order value 10000000 is above the maximum 9000000 USDT for BTC/USDT"),
    ("coinbase", {"symbol": "BTC/USDT", "amount": "200", "price": "60000"},
     "order value 12000000 is above the maximum 10000000 USDT for BTC/USDT"),
    ("gate", {"symbol": "BTC/USDT", "amount": "90", "price": "60000"},
     "order value 5400000 is above the maximum 5000000 USDT for BTC/USDT"),
]


@pytest.mark.parametrize(("opened", "order", "message"), ABOVE_MAXIMUM, indirect=["opened"])
async def test_place_order_refuses_a_limit_order_above_the_recorded_maximum(
        opened, order, message):
    replay, engine = opened
    assert await refused(engine, replay, side="buy", type="limit", **order) == message
    # the maximum itself passes
    market = engine.ctx.markets[order["symbol"]]
    if market.max_cost is not None:
        market.check_maximums(market.max_cost / D(order["price"]), D(order["price"]), False)


@pytest.mark.parametrize("opened", ["binance"], indirect=True)
async def test_a_market_order_above_binance_s_market_lot_size_is_refused(opened):
    """MARKET_LOT_SIZE maxQty 128.52621715 BTC binds a market order only: 200 BTC is within
    LOT_SIZE (9000) but Binance would refuse it as a market order. The engine asks for a price
    (a market order's value is judged by it) and sends no order."""
    replay, engine = opened
    replay.add("ccxt_ticker_btcusdt")
    with pytest.raises(DomainError) as caught:
        await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="200")
    assert str(caught.value) == ("amount 200 is above the maximum 128.52621715 BTC for a market "
                                 "order on BTC/USDT")
    assert engine.orders() == [] and engine.ctx.store.load_orders() == []
    assert [r.path for r in replay.requests] == ["/api/v3/exchangeInfo", "/api/v3/ticker/24hr"]
    market = engine.ctx.markets["BTC/USDT"]
    market.check_maximums(D("200"), D("10000"), market_order=False)  # a limit order may


# -- a tick that is not a power of ten: the paper exchange with a venue's grid --------------------
# The recorded spot ticks above are all powers of ten (where counting decimals was enough); Kraken,
# OKX and Bitget list ticks such as 0.5, 5 or 0.0005, which ccxt's TICK_SIZE mode hands over as
# they are. The paper exchange takes such a market as given (DemoExchange(markets=...)).
HALF_TICK = MarketInfo(symbol="BTC/USDT", base="BTC", quote="USDT", amount_step=D("0.001"),
                       price_step=D("0.5"), min_amount=D("0.001"), min_cost=D("5"),
                       native_stop_orders=True)
CONTRACTS = MarketInfo(symbol="XRP/USDT", base="XRP", quote="USDT", amount_step=D("5"),
                       price_step=D("0.0005"), min_amount=D("5"), min_cost=D("1"))


def half_tick_venue(**kwargs) -> DemoExchange:
    return DemoExchange(prices={"BTC/USDT": D("50000"), "XRP/USDT": D("0.5")},
                        balances={"USDT": D("100000")}, fee_rate=D("0.001"),
                        markets={"BTC/USDT": HALF_TICK, "XRP/USDT": CONTRACTS}, **kwargs)


@pytest.fixture
async def on_grid(tmp_path: Path):
    venue = half_tick_venue()
    engine = await Engine.open(tmp_path / "grid.sqlite3", venue, settings=Settings(),
                               clock=FakeClock())
    yield venue, engine
    await engine.close()


# (order, message): what a trader typed that the venue would not take as typed
OFF_GRID = [
    ({"type": "limit", "amount": "0.01", "price": "50000.3"},
     "price 50000.3 is not a multiple of the tick 0.5: use 50000 or 50000.5"),
    ({"type": "stop", "amount": "0.01", "stop_price": "50100.2"},
     "stop price 50100.2 is not a multiple of the tick 0.5: use 50100 or 50100.5"),
    ({"type": "market", "amount": "0.01", "stop_loss": "49000.7"},
     "stop loss 49000.7 is not a multiple of the tick 0.5: use 49000.5 or 49001"),
    ({"symbol": "XRP/USDT", "type": "limit", "amount": "12", "price": "0.5"},
     "amount 12 is not a multiple of the step 5: use 10 or 15"),
    ({"symbol": "XRP/USDT", "type": "limit", "amount": "10", "price": "0.5123"},
     "price 0.5123 is not a multiple of the tick 0.0005: use 0.512 or 0.5125"),
]


@pytest.mark.parametrize(("order", "message"), OFF_GRID)
async def test_place_order_refuses_a_figure_off_the_tick_and_names_the_nearest(
        on_grid, order, message):
    """Before: 50000.3 has one decimal, the tick 0.5 has one, so the order went out and the
    venue's rounding (ccxt's price_to_precision) changed the trader's price."""
    venue, engine = on_grid
    with pytest.raises(DomainError) as caught:
        await engine.place_order(**{"symbol": "BTC/USDT", "side": "buy", **order})
    assert str(caught.value) == message
    assert engine.orders() == [] and engine.ctx.store.load_orders() == []
    assert venue.calls["create_order"] == 0


async def test_a_figure_on_the_tick_is_sent_exactly_as_typed(on_grid):
    venue, engine = on_grid
    order = await engine.place_order(symbol="BTC/USDT", side="buy", type="limit",
                                     amount="0.01", price="49999.5")
    [sent] = await venue.fetch_open_orders()
    assert sent.price == D("49999.5") and order.price == D("49999.5")
    contracts = await engine.place_order(symbol="XRP/USDT", side="buy", type="limit",
                                         amount="15", price="0.4995")
    assert contracts.amount == D("15") and contracts.status.value == "open"


async def test_a_stop_loss_edited_off_the_tick_is_refused(on_grid):
    venue, engine = on_grid
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.01")
    [position] = engine.positions()
    with pytest.raises(DomainError, match="stop loss 48000.2 is not a multiple of the tick 0.5: "
                                          "use 48000 or 48000.5"):
        await engine.update_protection(position.id, stop_loss="48000.2")
    assert position.stop_loss is None
    await engine.update_protection(position.id, stop_loss="48000.5")
    assert position.stop_loss == D("48000.5")


@pytest.fixture
async def resting(tmp_path: Path):
    """The half-tick paper venue told it is `always_on`, so stops rest on it."""
    clock = FakeClock()
    venue = half_tick_venue(clock=clock)
    venue.always_on = True
    settings = Settings(update_log_min_seconds=0)
    engine = await Engine.open(tmp_path / "resting.sqlite3", venue, settings=settings,
                               clock=clock)
    yield venue, engine, clock, settings
    await engine.close()


def resting_stops(engine: Engine) -> list[Order]:
    return [o for o in engine.orders() if o.intent is OrderIntent.PROTECT]


async def test_a_break_even_stop_rests_on_the_tick_above_not_below_the_fees(resting):
    """Break-even for a long at 50 000 with 0.1 % fees each way is 50 100.1001…: the nearest
    tick (50 100) would lose the fees if it fired; the resting stop goes to 50 100.5. The app's
    own level stays exact, and nothing is refused."""
    venue, engine, clock, settings = resting
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             break_even_percent="0.5")
    [position] = engine.positions()
    assert resting_stops(engine) == []
    venue.set_price("BTC/USDT", D("50300"))
    await engine.run_cycle()
    assert position.stop_loss > D("50100.1") and position.stop_loss < D("50100.2")
    [stop] = resting_stops(engine)
    assert stop.status is OrderStatus.OPEN and stop.stop_price == D("50100.5")


async def test_a_trailing_stop_rests_on_the_tick_towards_the_price(resting):
    """A 1 % trail under 50 030 is 49 529.7: the nearest tick 49 529.5 gives back more than
    1 %; the resting stop goes to 49 530 (and moves on the tick as the trail does)."""
    venue, engine, clock, settings = resting
    await engine.place_order(symbol="BTC/USDT", side="buy", type="market", amount="0.1",
                             trailing_stop_percent="1")
    [position] = engine.positions()
    [first] = resting_stops(engine)
    assert first.stop_price == D("49500")
    venue.set_price("BTC/USDT", D("50030"))
    clock.advance(seconds=settings.native_stop_min_seconds + 1)
    await engine.run_cycle()
    assert position.stop_loss == D("49529.7")
    second = resting_stops(engine)[-1]
    assert second.status is OrderStatus.OPEN and second.stop_price == D("49530")
