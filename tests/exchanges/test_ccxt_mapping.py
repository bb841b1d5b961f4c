"""The pure ccxt -> domain rules, on hand-sized dicts in ccxt's unified shape."""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.domain import OrderStatus, OrderType
from moniqo_desktop.exchanges.ccxt_mapping import (
    DECIMAL_PLACES,
    SIGNIFICANT_DIGITS,
    TICK_SIZE,
    balances,
    dec,
    exchange_order,
    order_status,
    order_type,
    step_from_precision,
    ticker,
)
from moniqo_desktop.exchanges.errors import ExchangeError

D = Decimal


@pytest.mark.parametrize(
    ("status", "filled", "expected"),
    [
        ("open", D("0"), OrderStatus.OPEN),
        ("open", None, OrderStatus.OPEN),
        ("open", D("0.004"), OrderStatus.PARTIALLY_FILLED),
        ("closed", D("0.01"), OrderStatus.FILLED),
        ("canceled", D("0"), OrderStatus.CANCELLED),
        ("canceled", D("0.004"), OrderStatus.CANCELLED),  # partial fills stay in `filled`
        ("canceling", D("0"), OrderStatus.CANCELLING),
        ("expired", D("0"), OrderStatus.EXPIRED),
        ("rejected", D("0"), OrderStatus.REJECTED),
        (None, None, OrderStatus.SUBMITTED),
    ],
)
def test_order_status(status, filled, expected):
    assert order_status(status, filled) is expected


def test_unknown_status_is_an_error_not_a_guess():
    with pytest.raises(ExchangeError, match="weird"):
        order_status("weird", None)


@pytest.mark.parametrize(
    ("ccxt_type", "trigger", "expected"),
    [
        ("market", None, OrderType.MARKET),
        ("limit", None, OrderType.LIMIT),
        ("market", D("57000"), OrderType.STOP),
        ("limit", D("57000"), OrderType.STOP_LIMIT),
        ("stop_loss", None, OrderType.STOP),
        ("stop_loss_limit", None, OrderType.STOP_LIMIT),
    ],
)
def test_order_type(ccxt_type, trigger, expected):
    assert order_type(ccxt_type, trigger, None) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.1, D("0.1")), (1e-05, D("0.00001")), ("0.00000100", D("0.00000100")), (None, None),
     ("", None), (float("nan"), None), (5, D(5))],
)
def test_dec_never_goes_through_binary_float_digits(value, expected):
    assert dec(value) == expected
    if expected is not None:
        assert str(dec(value)) != "0.1000000000000000055511151231257827021181583404541015625"


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [(0.01, TICK_SIZE, D("0.01")), (8, DECIMAL_PLACES, D("0.00000001")), (2, DECIMAL_PLACES, D("0.01")),
     (5, SIGNIFICANT_DIGITS, None), (None, TICK_SIZE, None)],
)
def test_precision_to_step(value, mode, expected):
    assert step_from_precision(value, mode) == expected


def test_ticker_falls_back_to_mid_price_when_no_last():
    t = ticker({"symbol": "X/USDT", "last": None, "close": None, "bid": 1.0, "ask": 1.2})
    assert t.last == D("1.1")
    with pytest.raises(ExchangeError, match="no price"):
        ticker({"symbol": "X/USDT"})


def test_order_fees_in_several_currencies_are_summed_per_currency():
    o = exchange_order("someexchange", {
        "id": "1", "symbol": "BTC/USDT", "side": "sell", "type": "limit", "status": "closed",
        "amount": 0.02, "filled": 0.02, "cost": 1200.0, "price": 60000.0,
        "fees": [{"currency": "BNB", "cost": 0.001}, {"currency": "USDT", "cost": 0.5},
                 {"currency": "BNB", "cost": 0.002}],
    })
    assert o.fees == {"BNB": D("0.003"), "USDT": D("0.5")}
    assert o.average == D("60000") and o.status is OrderStatus.FILLED


def test_balances_fill_in_missing_parts_and_skip_empty_currencies():
    out = balances({"free": {"BTC": 0.5, "ETH": 0.0, "USDT": None},
                    "used": {"BTC": 0.25, "ETH": 0.0, "USDT": 10.0},
                    "total": {"BTC": None, "ETH": 0.0, "USDT": 110.0}})
    assert set(out) == {"BTC", "USDT"}
    assert (out["BTC"].free, out["BTC"].used, out["BTC"].total) == (D("0.5"), D("0.25"), D("0.75"))
    assert out["USDT"].free == D("100")


def test_to_ms_is_exact_and_treats_naive_times_as_utc():
    from datetime import datetime, timezone

    from moniqo_desktop.exchanges.ccxt_mapping import from_ms, to_ms

    at = datetime(2025, 1, 23, 12, 32, 37, 417000, tzinfo=timezone.utc)
    assert to_ms(at) == 1737635557417 and from_ms(1737635557417) == at
    assert to_ms(at.replace(tzinfo=None)) == 1737635557417 and to_ms(None) is None


def test_zero_fees_are_no_fees():
    from moniqo_desktop.exchanges.ccxt_mapping import fee_list, sum_fees

    data = {"fees": [{"cost": 0.0, "currency": "BTC"}, {"cost": -0.5, "currency": "USDT"}]}
    assert sum_fees(fee_list(data), "USDT") == {"USDT": Decimal("0.5")}
