"""Pure conversions from ccxt's unified dicts to our domain values.

Kept apart from the adapter so every rule here is a plain function of a dict: no I/O, no ccxt
client, nothing to mock. Money is read as text wherever the exchange gave text: ccxt keeps the
raw body in `info`, and for exchanges we know (Binance first) the exact strings are read from
there; otherwise ccxt's number is turned into a Decimal through `str()` (its shortest repr,
which is the digits ccxt parsed). No arithmetic on money ever happens in float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ..domain import Fill, Order, OrderSide, OrderStatus, OrderType
from .base import Balance, ExchangeOrder, MarketInfo, Ticker, Trade
from .errors import ExchangeError

ZERO = Decimal(0)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# ccxt precision modes (ccxt.base.decimal_to_precision); repeated so this module imports no ccxt.
DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4

# Where an exchange's raw order/trade body keeps the exact strings ccxt turned into floats.
RAW_ORDER_FIELDS: dict[str, dict[str, str]] = {
    "binance": {
        "amount": "origQty",
        "filled": "executedQty",
        "cost": "cummulativeQuoteQty",
        "price": "price",
        "stop_price": "stopPrice",
    },
}
# Gate: `amount` of a market buy is the quote money asked for; filled_total is what it spent.
# Its avg_deal_price is the venue's own average: a body without filled_amount (before 2024)
# leaves ccxt to derive `filled` as a float, and filled_total / that float is not the average.
RAW_ORDER_FIELDS["gate"] = RAW_ORDER_FIELDS["gateio"] = {
    "filled": "filled_amount",
    "cost": "filled_total",
    "average": "avg_deal_price",
}
# Bybit: an order body without cumFeeDetail (classic accounts, and every body before 2025) still
# reports cumExecFee, which ccxt 4.5.90 drops; see `_spot_fee_currency` for its currency.
RAW_ORDER_FIELDS["bybit"] = {"fee": "cumExecFee"}
# Kraken: an order's `fee` is "Total fee (quote currency)" (Kraken's docs, and its documented
# QueryOrders example: a 0.25 BTC sale at 30 000 with fee 7.5). ccxt 4.5.90 labels it with the
# base coin when the order carries oflags fcib, Kraken's default for a sell: 7.5 BTC.
ORDER_FEE_IN_QUOTE = frozenset({"kraken"})
RAW_TRADE_FIELDS: dict[str, dict[str, str]] = {
    "binance": {
        "amount": "qty",
        "price": "price",
        "fee": "commission",
        "fee_currency": "commissionAsset",
    },
}

# ccxt's unified order statuses -> ours ('open' is refined by the filled amount).
_STATUSES: dict[str, OrderStatus] = {
    "open": OrderStatus.OPEN,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "cancelled": OrderStatus.CANCELLED,
    "canceling": OrderStatus.CANCELLING,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def dec(value: Any) -> Decimal | None:
    """A ccxt number or exchange string as an exact Decimal (None for missing/blank/NaN)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        result = value
    else:
        text = str(value).strip()  # str(float) is the shortest repr: the digits ccxt parsed
        if not text:
            return None
        try:
            result = Decimal(text)
        except InvalidOperation:
            return None
    return result if result.is_finite() else None


def positive(value: Any) -> Decimal | None:
    """Like `dec`, but treats 0 as "not given" (Binance sends price "0.00000000" for markets)."""
    d = dec(value)
    return d if d is not None and d > 0 else None


def plain(value: Decimal | None) -> Decimal | None:
    """Drop trailing zeros without switching to exponent form (5.0 -> 5, 9000.0 -> 9000)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def from_ms(ms: Any) -> datetime | None:
    if ms is None:
        return None
    try:
        return datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def to_ms(at: datetime | None) -> int | None:
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    # integer arithmetic: float seconds * 1000 can land a millisecond early (….417 -> 416)
    return (at - _EPOCH) // timedelta(milliseconds=1)


def _raw(exchange_id: str, table: dict[str, dict[str, str]], data: Mapping, field: str) -> Any:
    """The exact string for `field` from the raw body, when we know where this exchange keeps it."""
    key = table.get(exchange_id, {}).get(field)
    info = data.get("info")
    if key is None or not isinstance(info, Mapping):
        return None
    return info.get(key)


# -- markets --------------------------------------------------------------------------------
def step_from_precision(value: Any, mode: int) -> Decimal | None:
    """ccxt precision -> a step size. TICK_SIZE is already a step; DECIMAL_PLACES n is 10^-n."""
    d = dec(value)
    if d is None:
        return None
    if mode == TICK_SIZE:
        return plain(d) if d > 0 else None
    if mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(d))
    return None  # SIGNIFICANT_DIGITS cannot be expressed as one step size


def stop_support(exchange_id: str, market: Mapping, profile: Any) -> tuple[bool, str]:
    """Can this market hold a stop order on the venue itself? And if not, why not.

    The venue profile says whether the venue's stops are native at all; Binance also lists
    per symbol which order types it takes (`orderTypes`)."""
    if profile is None or not profile.native_stops:
        note = getattr(profile, "stop_note", "") or (
            f"{exchange_id} is not verified for resting stops; stops are watched by Moniqo "
            "and sent as market orders")
        return False, note
    info = market.get("info") if isinstance(market.get("info"), Mapping) else {}
    order_types = info.get("orderTypes") if exchange_id.startswith("binance") else None
    if isinstance(order_types, list):
        if "STOP_LOSS" in order_types:
            return True, ""
        if "STOP_LOSS_LIMIT" in order_types:
            return False, (
                f"{market.get('symbol')} only offers stop-limit orders on {exchange_id}; "
                "stop-market exits are watched by Moniqo and sent as market orders"
            )
        return False, (
            f"{market.get('symbol')} has no stop orders on {exchange_id}; "
            "stops are watched by Moniqo and sent as market orders"
        )
    return True, ""


def is_spot(market: Mapping) -> bool:
    """A spot market in ccxt's terms (not a swap, future or option; no contract)."""
    return market.get("spot") is not False and not market.get("contract")


def market_info(exchange_id: str, market: Mapping, has: Mapping, precision_mode: int,
                profile: Any = None) -> MarketInfo:
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    amount_limits = limits.get("amount") or {}
    cost_limits = limits.get("cost") or {}
    # A maximum ccxt parses is enforced (MarketInfo.check_order / check_maximums); one it does
    # not is left to the venue: Gate's max_base_amount is in the market's `info` but ccxt
    # 4.5 leaves limits.amount.max None for Gate spot, so the app does not read it either.
    market_limits = limits.get("market") or {}
    native, note = stop_support(exchange_id, market, profile)
    amount_step = step_from_precision(precision.get("amount"), precision_mode)
    price_step = step_from_precision(precision.get("price"), precision_mode)
    if precision_mode == SIGNIFICANT_DIGITS:
        note = (note + "; " if note else "") + "precision is in significant digits: rounded by ccxt"
    return MarketInfo(
        symbol=market["symbol"],
        base=market.get("base") or market["symbol"].split("/")[0],
        quote=market.get("quote") or market["symbol"].split("/")[1].split(":")[0],
        amount_step=amount_step,
        price_step=price_step,
        min_amount=plain(positive(amount_limits.get("min"))),
        max_amount=plain(positive(amount_limits.get("max"))),
        min_cost=plain(positive(cost_limits.get("min"))),
        max_cost=plain(positive(cost_limits.get("max"))),
        max_market_amount=plain(positive(market_limits.get("max"))),
        active=market.get("active") is not False,  # None means "ccxt does not know": assume yes
        native_stop_orders=native,
        note=note,
    )


# -- tickers --------------------------------------------------------------------------------
def ticker(data: Mapping) -> Ticker:
    bid, ask = positive(data.get("bid")), positive(data.get("ask"))
    last = positive(data.get("last")) or positive(data.get("close"))
    if last is None and bid is not None and ask is not None:
        last = (bid + ask) / 2
    if last is None:
        raise ExchangeError(f"no price for {data.get('symbol')}: the exchange sent no last/bid/ask")
    return Ticker(symbol=data["symbol"], last=last, bid=bid, ask=ask, at=from_ms(data.get("timestamp")))


# -- fees, trades ---------------------------------------------------------------------------
def fee_list(data: Mapping) -> list[tuple[str | None, Decimal]]:
    """All fees of a ccxt order or trade: `fees` when present (several currencies), else `fee`."""
    raw = data.get("fees") or ([data["fee"]] if data.get("fee") else [])
    out: list[tuple[str | None, Decimal]] = []
    for fee in raw:
        if not isinstance(fee, Mapping):
            continue
        cost = dec(fee.get("cost"))
        if cost is None:
            continue
        out.append((fee.get("currency"), abs(cost)))
    return out


def sum_fees(fees: Iterable[tuple[str | None, Decimal]], default_currency: str) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for currency, cost in fees:
        if cost == 0:  # "no fee yet" (OKX sends fee "0" on an unfilled order): not a fee
            continue
        key = currency or default_currency
        total[key] = total.get(key, ZERO) + cost
    return total


def _trade_fees(exchange_id: str, data: Mapping) -> list[tuple[str | None, Decimal]]:
    raw_fee = dec(_raw(exchange_id, RAW_TRADE_FIELDS, data, "fee"))
    raw_currency = _raw(exchange_id, RAW_TRADE_FIELDS, data, "fee_currency")
    if raw_fee is not None and raw_currency:
        return [(str(raw_currency), abs(raw_fee))]
    return fee_list(data)


def fill(exchange_id: str, data: Mapping, fallback_id: str) -> Fill | None:
    """One ccxt trade as a `Fill` (None for an empty execution): its first fee, and every
    further currency's fee in `other_fees`."""
    amount = positive(_raw(exchange_id, RAW_TRADE_FIELDS, data, "amount")) or positive(data.get("amount"))
    price = positive(_raw(exchange_id, RAW_TRADE_FIELDS, data, "price")) or positive(data.get("price"))
    if amount is None or price is None:
        return None
    fees = [f for f in _trade_fees(exchange_id, data) if f[1] != 0] or _trade_fees(exchange_id, data)
    fee_currency, fee = fees[0] if fees else (None, ZERO)
    return Fill(
        fill_id=str(data.get("id") or fallback_id),
        amount=amount,
        price=price,
        fee=fee,
        fee_currency=fee_currency,
        at=from_ms(data.get("timestamp")),
        other_fees=tuple((cur or "", cost) for cur, cost in fees[1:] if cur),
    )


def trade(exchange_id: str, data: Mapping, quote: str) -> Trade | None:
    f = fill(exchange_id, data, fallback_id=f"{data.get('order')}-{data.get('timestamp')}")
    if f is None or data.get("side") not in ("buy", "sell"):
        return None
    return Trade(
        symbol=data["symbol"],
        exchange_order_id=str(data.get("order") or ""),
        side=OrderSide(data["side"]),
        fill=f,
        fees=sum_fees(_trade_fees(exchange_id, data), quote),
    )


# -- orders ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SentOrder:
    """What we actually sent (after rounding): the fallback for a terse acknowledgement."""

    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    client_order_id: str

    @classmethod
    def of(cls, order: Order, amount: Decimal, price: Decimal | None, stop: Decimal | None) -> "SentOrder":
        return cls(order.symbol, order.side, order.type, amount, price, stop, order.client_order_id)


def order_status(status: str | None, filled: Decimal | None) -> OrderStatus:
    """ccxt status -> ours; an 'open' order with fills is PARTIALLY_FILLED, no status yet is
    SUBMITTED (the exchange acknowledged the request but said nothing about the order)."""
    if status is None:
        return OrderStatus.SUBMITTED
    mapped = _STATUSES.get(status)
    if mapped is None:
        raise ExchangeError(f"unknown order status from the exchange: {status!r}")
    if mapped is OrderStatus.OPEN and filled is not None and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return mapped


def order_type(ccxt_type: str | None, trigger: Decimal | None, fallback: OrderType | None) -> OrderType:
    t = (ccxt_type or "").lower()
    if trigger is not None or t.startswith(("stop", "trigger")):
        return OrderType.STOP_LIMIT if "limit" in t else OrderType.STOP
    if t == "market":
        return OrderType.MARKET
    if t == "limit":
        return OrderType.LIMIT
    if fallback is not None:
        return fallback
    raise ExchangeError(f"unknown order type from the exchange: {ccxt_type!r}")


def _spot_fee_currency(symbol: str, side: str) -> str:
    """The coin a spot fee is charged in when the venue does not say: what the trade received
    (the base coin on a buy, the quote on a sell). ccxt's own Bybit trade parser uses the same
    rule for executions that carry no feeCurrency."""
    base, quote = symbol.split("/")[0], symbol.split("/")[1].split(":")[0]
    return base if side == "buy" else quote


DEFAULT_TRIGGER_FIELDS = ("triggerPrice", "stopPrice")


def exchange_order(exchange_id: str, data: Mapping, fallback: SentOrder | None = None,
                   trigger_fields: Iterable[str] = DEFAULT_TRIGGER_FIELDS) -> ExchangeOrder:
    """A ccxt order as an `ExchangeOrder`. `fallback` (the order we sent) fills what a terse
    acknowledgement leaves out (some exchanges answer a create with little more than an id).
    `trigger_fields` are the ccxt fields that name the order's own trigger on this venue (the
    venue profile's `trigger_fields`): ccxt's stopLossPrice is a Kraken order's trigger but a
    protection attached to a Bybit limit order."""
    def raw(field: str) -> Any:
        return _raw(exchange_id, RAW_ORDER_FIELDS, data, field)

    symbol = data.get("symbol") or (fallback.symbol if fallback else None)
    side = data.get("side") or (fallback.side.value if fallback else None)
    if not data.get("id") or not symbol or side not in ("buy", "sell"):
        raise ExchangeError(f"the exchange sent an incomplete order: id={data.get('id')!r}")
    amount = positive(raw("amount")) or positive(data.get("amount")) or (fallback.amount if fallback else None)
    if amount is None:
        raise ExchangeError(f"the exchange sent order {data['id']} without an amount")
    filled = dec(raw("filled")) if raw("filled") is not None else dec(data.get("filled"))
    filled = filled or ZERO
    # The average is the venue's: its exact executed quote (Binance's cummulativeQuoteQty), or
    # the average it reports (Bybit avgPrice, Gate avg_deal_price), else the fills'. ccxt's
    # `cost` can be the quote amount *requested* for a market buy sized by cost (Gate), so
    # cost / filled is only the last resort.
    raw_cost = dec(raw("cost"))
    average: Decimal | None = None
    if filled > 0 and positive(raw("average")):
        average = positive(raw("average"))
    elif filled > 0 and raw_cost:
        average = raw_cost / filled
    elif filled > 0:
        average = positive(data.get("average"))
    trigger = (
        positive(raw("stop_price"))
        or next((p for f in trigger_fields if (p := positive(data.get(f))) is not None), None)
        or (fallback.stop_price if fallback else None)
    )
    quote = symbol.split("/")[1].split(":")[0] if "/" in symbol else ""
    fills = tuple(
        f
        for i, t in enumerate(data.get("trades") or [])
        if (f := fill(exchange_id, t, fallback_id=f"{data['id']}-{i}")) is not None
    )
    listed = fee_list(data)
    if exchange_id in ORDER_FEE_IN_QUOTE and quote:
        listed = [(quote, cost) for _, cost in listed]
    fees = sum_fees(listed, quote)
    if not fees and fills:
        fees = sum_fees(((f.fee_currency, f.fee) for f in fills), quote)
    raw_fee = positive(raw("fee"))
    if not fees and raw_fee and filled > 0 and "/" in symbol:
        fees = {_spot_fee_currency(symbol, side): raw_fee}
    if average is None and fills:
        total = sum((f.amount for f in fills), ZERO)
        average = sum((f.cost for f in fills), ZERO) / total
    cost = dec(data.get("cost"))
    if average is None and filled > 0 and cost:
        average = cost / filled
    return ExchangeOrder(
        exchange_order_id=str(data["id"]),
        client_order_id=data.get("clientOrderId") or (fallback.client_order_id if fallback else None),
        symbol=symbol,
        side=OrderSide(side),
        type=order_type(data.get("type"), trigger, fallback.type if fallback else None),
        status=order_status(data.get("status"), filled),
        amount=amount,
        filled=filled,
        average=plain(average),
        # a market order has no limit price (ccxt reports its average there)
        price=None if data.get("type") == "market" else (
            positive(raw("price")) or positive(data.get("price")) or (fallback.price if fallback else None)
        ),
        stop_price=trigger,
        fees=fees,
        trades=fills,
        timestamp=from_ms(data.get("timestamp")),
    )


# -- balances -------------------------------------------------------------------------------
def balances(data: Mapping) -> dict[str, Balance]:
    """ccxt's balance structure -> per-currency `Balance`, leaving out currencies all at zero."""
    free, used, total = data.get("free") or {}, data.get("used") or {}, data.get("total") or {}
    out: dict[str, Balance] = {}
    for currency in sorted(set(free) | set(used) | set(total)):
        f, u, t = dec(free.get(currency)), dec(used.get(currency)), dec(total.get(currency))
        if t is None and f is not None and u is not None:
            t = f + u
        f = f if f is not None else (t - u if t is not None and u is not None else ZERO)
        u = u if u is not None else (t - f if t is not None else ZERO)
        t = t if t is not None else f + u
        if f == 0 and u == 0 and t == 0:
            continue
        out[currency] = Balance(currency=currency, free=f, used=u, total=t)
    return out
