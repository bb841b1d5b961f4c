"""What each first-class venue needs and supports, said once as data (DESIGN.md "Venues differ").

ccxt unifies most of what venues do, but not everything the engine relies on: how long a client
order id may be, whether a market buy is sized in the base coin or in quote money, which param
makes a resting stop (and whether it lands in the normal order book), how a single order is
looked up, whether open orders can be listed for all symbols at once, and which credentials an
account needs. Each of those facts was checked against ccxt's own code for that venue and is
exercised by the venue's recorded responses under tests/fixtures/<venue>. `CcxtExchange` reads
the profile; it never tests an exchange id.

Any other ccxt id gets a profile derived from ccxt's `has` table and `requiredCredentials`, and
`check_capabilities` says at connect what is missing: essential gaps refuse with the names,
optional ones are reported with what the app does instead.
"""

from __future__ import annotations

import base64
import functools
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class StopStyle(str, Enum):
    """How (and whether) a protective stop-market order rests on the venue itself."""

    STOP_LOSS_PRICE = "stopLossPrice"  # ccxt's stopLossPrice param (Kraken: ordertype stop-loss)
    TRIGGER_PRICE = "triggerPrice"  # ccxt's triggerPrice param in the normal order book
    NONE = "none"  # refused locally: the app watches the stop and sends a market order


class Lookup(str, Enum):
    """How one order is read back."""

    FETCH_ORDER = "fetch_order"  # fetchOrder(id) / fetchOrder(None, {client id param})
    # open orders, then finished ones, filtered by the id param (Bybit: fetchOrder refuses)
    OPEN_THEN_CLOSED = "open_then_closed"


class ClientIdLookup(str, Enum):
    """How an order is found by our client order id (after a create whose answer was lost)."""

    FETCH_ORDER_PARAM = "fetch_order_param"  # fetchOrder(None, symbol, {param: id})
    OPEN_THEN_CLOSED_PARAM = "open_then_closed_param"  # open, then finished orders, {param: id}
    SCAN_OPEN_AND_CLOSED = "scan"  # list open then closed orders and match the client id


class ClientIdStyle(str, Enum):
    """How our client order id ("mq" + 30 hex digits) is written for the venue, reversibly."""

    AS_IS = "as_is"
    COMPACT = "compact"  # "mq" + base64url of the 15 bytes: 22 chars (Gate allows 28)
    HEX32 = "hex32"  # "00" + the 30 hex digits: a short UUID (Kraken's cl_ord_id formats)


_OURS = re.compile(r"^mq([0-9a-f]{30})$")


@dataclass(frozen=True)
class ClientIdRule:
    """The client-order-id parameter, its length and charset on one venue."""

    param: str = "clientOrderId"  # the ccxt param that carries it into the request
    max_length: int = 32
    charset: str = r"[0-9A-Za-z_-]"
    style: ClientIdStyle = ClientIdStyle.AS_IS
    venue_prefix: str = ""  # what the venue puts in front when it reports it back (Gate "t-")
    lookup_param: str = "clientOrderId"  # the ccxt param for a look-up by client id
    # what the venue reports for "no client id" (ccxt passes Kraken's userref 0 on as "0")
    none_values: tuple[str, ...] = ()
    # the raw field holding the order's own client id where the answer's clientOrderId names
    # something else: Binance answers a cancel with the cancel's own id in clientOrderId and
    # the order's in origClientOrderId (ccxt reports the former)
    original_field: str = ""

    def to_venue(self, ours: str) -> str:
        """Our id as the venue will accept it. Raises ValueError when it cannot fit."""
        m = _OURS.match(ours)
        if self.style is ClientIdStyle.COMPACT and m:
            venue = "mq" + base64.urlsafe_b64encode(bytes.fromhex(m.group(1))).decode().rstrip("=")
        elif self.style is ClientIdStyle.HEX32 and m:
            venue = "00" + m.group(1)
        else:
            venue = ours
        if len(venue) > self.max_length or not re.fullmatch(f"{self.charset}+", venue):
            raise ValueError(
                f"client order id {ours!r} does not fit this venue "
                f"(at most {self.max_length} characters of {self.charset})"
            )
        return venue

    def reported(self, raw: Mapping[str, Any]) -> str | None:
        """The client id a ccxt order reports for the order itself (not for a cancel)."""
        info = raw.get("info")
        if self.original_field and isinstance(info, Mapping) and info.get(self.original_field):
            return str(info[self.original_field])
        return raw.get("clientOrderId")

    def from_venue(self, venue: str | None) -> str | None:
        """The venue's client id back in our form (unchanged when it is not one of ours)."""
        if not venue or str(venue) in self.none_values:
            return None
        text = str(venue)
        if self.venue_prefix and text.startswith(self.venue_prefix):
            text = text[len(self.venue_prefix):]
        if self.style is ClientIdStyle.COMPACT and text.startswith("mq") and len(text) == 22:
            try:
                raw = base64.urlsafe_b64decode(text[2:] + "==")
            except (binascii.Error, ValueError):
                return str(venue)
            return "mq" + raw.hex() if len(raw) == 15 else str(venue)
        if self.style is ClientIdStyle.HEX32:
            compact = text.replace("-", "").lower()
            if len(compact) == 32 and compact.startswith("00") and re.fullmatch("[0-9a-f]+", compact):
                return "mq" + compact[2:]
        return text if self.venue_prefix else str(venue)


@dataclass(frozen=True)
class VenueProfile:
    """Everything the adapter must know about one venue that ccxt does not unify."""

    id: str
    name: str
    credentials: tuple[str, ...] = ("apiKey", "secret")  # ccxt's credential names
    client_id: ClientIdRule = field(default_factory=ClientIdRule)
    market_buy_by_cost: bool = False  # ccxt needs a price to turn amount into quote cost
    # sized by cost on a classic account only: a unified one (ccxt's is_unified_enabled()[1])
    # takes the amount in the base coin (Bybit: marketUnit baseCoin exists on UTA only)
    market_buy_by_cost_unless_unified: bool = False
    stop_style: StopStyle = StopStyle.NONE
    stop_note: str = ""  # why stops are (not) native, shown to the trader
    lookup: Lookup = Lookup.FETCH_ORDER
    client_id_lookup: ClientIdLookup = ClientIdLookup.FETCH_ORDER_PARAM
    open_orders_need_symbol: bool = False
    # the ccxt method listing finished orders (filled *and* cancelled where the venue splits them)
    finished_orders_method: str = "fetch_closed_orders"
    order_id_param: str = "orderId"  # the venue's filter param for one order id
    ccxt_options: Mapping[str, Any] = field(default_factory=dict)
    load_markets_params: Mapping[str, Any] = field(default_factory=dict)
    skip_currencies: bool = True  # the currencies endpoint adds nothing to a spot monitor
    first_class: bool = True
    # venue error texts that mean "no such order" although ccxt raises another class for them
    not_found_errors: tuple[str, ...] = ()
    # venue error texts that refuse this one order (bad input), where ccxt raises a bare error
    invalid_order_errors: tuple[str, ...] = ()
    verified: str = ""  # what the recorded responses prove, for the README table

    @property
    def native_stops(self) -> bool:
        return self.stop_style is not StopStyle.NONE

    @property
    def trigger_fields(self) -> tuple[str, ...]:
        """The ccxt order fields that name the order's *own* trigger. stopLossPrice does so only
        where it is the venue's stop param (Kraken's stop-loss orders); elsewhere ccxt reports
        a take-profit/stop-loss *attached* to a plain order there (Bybit's tpslMode), and
        reading it as a trigger turned a resting limit into a stop-limit."""
        own = ("stopLossPrice",) if self.stop_style is StopStyle.STOP_LOSS_PRICE else ()
        return ("triggerPrice", "stopPrice", *own)

    def credential_labels(self) -> list[tuple[str, str]]:
        """(ccxt name, label) of each credential field this venue needs, in dialog order."""
        return [(name, CREDENTIAL_LABELS.get(name, name)) for name in self.credentials]


CREDENTIAL_LABELS: dict[str, str] = {
    "apiKey": "API key",
    "secret": "API secret",
    "password": "Passphrase",
    "uid": "User ID",
    "login": "Login",
    "privateKey": "Private key",
    "walletAddress": "Wallet address",
    "token": "Token",
    "accountId": "Account ID",
}

_SPOT_ONLY = {"defaultType": "spot", "fetchMarkets": {"types": ["spot"]}}
_SEPARATE_BOOK = (
    "keeps stop orders in a separate trigger book Moniqo does not follow yet; stops are "
    "watched by Moniqo (only while it runs) and sent as market orders when hit"
)

PROFILES: dict[str, VenueProfile] = {
    p.id: p
    for p in (
        VenueProfile(
            id="binance", name="Binance",
            client_id=ClientIdRule(param="clientOrderId", max_length=36, charset=r"[.A-Za-z0-9:/_-]",
                                   original_field="origClientOrderId"),
            stop_style=StopStyle.TRIGGER_PRICE,
            stop_note="STOP_LOSS orders where the symbol lists them (checked per market)",
            ccxt_options={
                **_SPOT_ONLY,
                "fetchCurrencies": False,
                "fetchMargins": False,
                "fetchOpenOrders": {"warnWithoutSymbol": False},
                "warnOnFetchOpenOrdersWithoutSymbol": False,
            },
        ),
        VenueProfile(
            id="okx", name="OKX", credentials=("apiKey", "secret", "password"),
            client_id=ClientIdRule(param="clientOrderId", max_length=32, charset=r"[0-9A-Za-z]"),
            stop_note="OKX " + _SEPARATE_BOOK, ccxt_options=_SPOT_ONLY,
            # a batch item refused with sCode 51000 ("Parameter ... error") arrives as a bare
            # BadRequest from ccxt; on a create it is a refusal (REJECTED), not a failed send
            invalid_order_errors=('"51000"',),
        ),
        VenueProfile(
            id="bybit", name="Bybit",
            client_id=ClientIdRule(param="clientOrderId", max_length=36, charset=r"[0-9A-Za-z_-]",
                                   lookup_param="orderLinkId"),
            stop_note="Bybit " + _SEPARATE_BOOK,
            # a classic account reads a spot market buy's qty as USDT (no marketUnit there)
            market_buy_by_cost_unless_unified=True,
            # fetchOrder refuses on unified accounts (and classic ones): open, then closed
            lookup=Lookup.OPEN_THEN_CLOSED,
            client_id_lookup=ClientIdLookup.OPEN_THEN_CLOSED_PARAM,
            # fetchClosedOrders asks only for Filled: a cancelled order would look unknown
            finished_orders_method="fetch_canceled_and_closed_orders",
            ccxt_options=_SPOT_ONLY,
        ),
        VenueProfile(
            id="coinbase", name="Coinbase Advanced",
            # ccxt writes its own "ccxt-<uuid>" unless the venue's own param is given
            client_id=ClientIdRule(param="client_order_id", max_length=128, charset=r"[0-9A-Za-z_-]"),
            market_buy_by_cost=True,
            stop_note=("Coinbase only takes stop-limit orders through ccxt; stop-market exits are "
                       "watched by Moniqo and sent as market orders when hit"),
            # Coinbase has no look-up by client id: search the open, then the filled orders
            client_id_lookup=ClientIdLookup.SCAN_OPEN_AND_CLOSED,
            ccxt_options={"createMarketBuyOrderRequiresPrice": True},
            # ccxt's own entry for this text reads "self orderID" (a transpiler slip), so it
            # arrives as a bare ExchangeError; a failed batch cancel carries only the reason
            not_found_errors=("order with this orderID was not found", "UNKNOWN_CANCEL_ORDER"),
            # a failed create's error_response; a request the venue could not even parse
            # ("proto: ... unknown field", a 400 ccxt raises bare): refusals, never sent again
            invalid_order_errors=('"error_response"', "proto: "),
        ),
        VenueProfile(
            id="kraken", name="Kraken",
            client_id=ClientIdRule(param="clientOrderId", max_length=32, charset=r"[0-9a-f]",
                                   style=ClientIdStyle.HEX32, lookup_param="cl_ord_id",
                                   none_values=("0",)),
            # ccxt's Kraken code reads stopLossPrice (ordertype stop-loss); triggerPrice is
            # ignored and the order would go out as a plain market order
            stop_style=StopStyle.STOP_LOSS_PRICE,
            stop_note="stop-loss orders in Kraken's normal order book",
            # QueryOrders needs a txid (its userref is an integer): search open, then closed
            client_id_lookup=ClientIdLookup.SCAN_OPEN_AND_CLOSED,
            # ccxt raises InvalidOrder for it: a timed-out create would look refused
            not_found_errors=("EOrder:Unknown order", "EOrder:Invalid order"),
        ),
        VenueProfile(
            id="kucoin", name="KuCoin", credentials=("apiKey", "secret", "password"),
            client_id=ClientIdRule(param="clientOrderId", max_length=40, charset=r"[0-9A-Za-z_-]"),
            stop_note="KuCoin " + _SEPARATE_BOOK,
            # spot symbols only: no futures API, no margin lists, no fee tickers at start-up
            ccxt_options={"fetchMarkets": {"types": ["spot"], "fetchTickersFees": False}},
            load_markets_params={"marginables": False},
            # KuCoin's "Parameter Error" (400100) arrives as a bare BadRequest from ccxt; on a
            # create it is a refusal (REJECTED), never an outcome to wonder about
            invalid_order_errors=('"400100"',),
        ),
        VenueProfile(
            id="gate", name="Gate",
            # Gate takes 28 characters after the "t-" it adds: our id is written compactly
            client_id=ClientIdRule(param="clientOrderId", max_length=28, charset=r"[0-9A-Za-z_.-]",
                                   style=ClientIdStyle.COMPACT, venue_prefix="t-"),
            market_buy_by_cost=True,
            stop_note="Gate " + _SEPARATE_BOOK,
            ccxt_options={**_SPOT_ONLY, "createMarketBuyOrderRequiresPrice": True},
            # ccxt calls Gate's "this parameter of the order is refused" a bare BadRequest;
            # on a create it is a refusal (REJECTED), never an outcome to wonder about
            invalid_order_errors=('"INVALID_PARAM_VALUE"',),
        ),
        VenueProfile(
            id="bitget", name="Bitget", credentials=("apiKey", "secret", "password"),
            client_id=ClientIdRule(param="clientOrderId", max_length=40, charset=r"[0-9A-Za-z_-]"),
            market_buy_by_cost=True,
            stop_note=("Bitget has no stop-loss orders on spot through ccxt (plan orders live in "
                       "a separate book); stops are watched by Moniqo and sent as market orders"),
            ccxt_options={**_SPOT_ONLY, "createMarketBuyOrderRequiresPrice": True},
        ),
    )
}
PROFILES["gateio"] = replace(PROFILES["gate"], id="gateio")
FIRST_CLASS: tuple[str, ...] = (
    "binance", "okx", "bybit", "coinbase", "kraken", "kucoin", "gate", "bitget",
)

# Binance's other ccxt ids share its REST dialect and its "no symbol" warning.
_BINANCE_FAMILY = ("binanceus", "binanceusdm", "binancecoinm")
_BINANCE_WARNINGS = {
    "fetchOpenOrders": {"warnWithoutSymbol": False},
    "warnOnFetchOpenOrdersWithoutSymbol": False,
}


# -- any other ccxt id -------------------------------------------------------------------------
ESSENTIAL = {
    "createOrder": "placing orders",
    "cancelOrder": "cancelling orders",
    "fetchBalance": "reading the balance",
    "fetchTicker": "reading prices",
    "fetchOpenOrders": "following open orders",
}
OPTIONAL = {
    "fetchMyTrades": "the fills are read from each order instead",
    "watchTickers": "prices are polled instead of streamed",
    "watchOrders": "orders are polled instead of streamed",
}
STORABLE_CREDENTIALS = frozenset(CREDENTIAL_LABELS)


@dataclass(frozen=True)
class CapabilityReport:
    """What a venue lacks of what the engine needs (essential) or would use (optional)."""

    venue: str
    missing: tuple[str, ...] = ()
    degraded: tuple[str, ...] = ()
    streams_orders: bool = False  # ccxt.pro can push this venue's order updates

    @property
    def usable(self) -> bool:
        return not self.missing

    def message(self) -> str:
        if self.missing:
            return f"{self.venue} cannot be used: it lacks " + "; ".join(self.missing)
        if self.degraded:
            return f"{self.venue}: " + "; ".join(self.degraded)
        return f"{self.venue}: everything Moniqo needs is supported"


def _derived(exchange_id: str, client: Any) -> VenueProfile:
    """A profile for a ccxt id we have no recordings for, from what ccxt declares about it."""
    has = getattr(client, "has", {}) or {}
    required = getattr(client, "requiredCredentials", {}) or {}
    credentials = tuple(name for name, needed in required.items() if needed)
    lookup = Lookup.FETCH_ORDER
    client_lookup = ClientIdLookup.FETCH_ORDER_PARAM
    if not has.get("fetchOrder") and has.get("fetchOpenOrder") and has.get("fetchClosedOrder"):
        lookup, client_lookup = Lookup.OPEN_THEN_CLOSED, ClientIdLookup.OPEN_THEN_CLOSED_PARAM
    elif not has.get("fetchOrder"):
        client_lookup = ClientIdLookup.SCAN_OPEN_AND_CLOSED
    options: dict[str, Any] = {}
    client_id = ClientIdRule()
    if exchange_id in _BINANCE_FAMILY:  # Binance's dialect: its warning, its cancel answers
        options = dict(_BINANCE_WARNINGS)
        client_id = ClientIdRule(original_field="origClientOrderId")
    return VenueProfile(
        id=exchange_id,
        name=getattr(client, "name", None) or exchange_id,
        credentials=credentials or ("apiKey", "secret"),
        client_id=client_id,
        stop_note=f"{exchange_id} is not verified for resting stops; stops are watched by Moniqo",
        lookup=lookup,
        client_id_lookup=client_lookup,
        ccxt_options=options,
        skip_currencies=False,
        first_class=False,
    )


def profile_for(exchange_id: str, client: Any = None) -> VenueProfile:
    """The venue's profile: the recorded one for the eight, else one derived from ccxt."""
    known = PROFILES.get(exchange_id)
    if known is not None:
        return known
    if client is None:
        import ccxt.async_support as ccxt

        cls = getattr(ccxt, exchange_id, None)
        client = cls() if cls is not None else None
    return _derived(exchange_id, client)


@functools.lru_cache(maxsize=None)
def _streaming_has(exchange_id: str) -> dict[str, Any]:
    """ccxt.pro's `has` for the id (the websocket features live there), empty without it."""
    try:
        import ccxt.pro as pro
    except ImportError:  # pragma: no cover - ccxt always ships pro now
        return {}
    cls = getattr(pro, exchange_id, None)
    has = cls().has if cls is not None else None  # the class attribute lacks the pro part
    return {k: v for k, v in (has or {}).items() if k.startswith("watch")}


def check_capabilities(profile: VenueProfile, client: Any) -> CapabilityReport:
    """What of the engine's needs `client` lacks; essentials are named so the app can refuse."""
    has = {**(getattr(client, "has", {}) or {}), **_streaming_has(profile.id)}
    missing = [f"{what} ({feature})" for feature, what in ESSENTIAL.items() if not has.get(feature)]
    if not (has.get("fetchOrder") or (has.get("fetchOpenOrder") and has.get("fetchClosedOrder"))
            or (has.get("fetchOpenOrders") and has.get("fetchClosedOrders"))):
        missing.append("reading one order back (fetchOrder, or fetchOpenOrder + fetchClosedOrder,"
                       " or fetchOpenOrders + fetchClosedOrders)")
    unstorable = [c for c in profile.credentials if c not in STORABLE_CREDENTIALS]
    if unstorable:
        missing.append("credentials Moniqo cannot store (" + ", ".join(unstorable) + ")")
    degraded = [f"no {feature}: {instead}" for feature, instead in OPTIONAL.items()
                if not has.get(feature)]
    if not profile.native_stops:
        degraded.append("stops rest in Moniqo, not on the venue: " + (profile.stop_note or
                        "they are watched while the app runs and sent as market orders"))
    if profile.open_orders_need_symbol:
        degraded.append("open orders are read one symbol at a time (the venue needs a symbol)")
    return CapabilityReport(profile.name, tuple(missing), tuple(degraded),
                            streams_orders=bool(has.get("watchOrders")))
