"""ccxt's exception tree -> our family: the table the engine's retry decisions rest on."""

from __future__ import annotations

import ccxt.async_support as ccxt
import pytest

from moniqo_desktop.exchanges import errors as ours
from moniqo_desktop.exchanges.ccxt_errors import classify, map_error, scrub

TABLE = [
    (ccxt.NetworkError, ours.ExchangeUnavailable),
    (ccxt.RequestTimeout, ours.ExchangeUnavailable),
    (ccxt.ExchangeNotAvailable, ours.ExchangeUnavailable),
    (ccxt.OnMaintenance, ours.ExchangeUnavailable),
    (ccxt.OperationFailed, ours.ExchangeUnavailable),
    (ccxt.DDoSProtection, ours.RateLimited),
    (ccxt.RateLimitExceeded, ours.RateLimited),
    (ccxt.InsufficientFunds, ours.InsufficientFunds),
    (ccxt.InvalidOrder, ours.InvalidOrder),
    (ccxt.OrderImmediatelyFillable, ours.InvalidOrder),
    (ccxt.OrderNotFound, ours.OrderNotFound),
    (ccxt.AuthenticationError, ours.AuthenticationFailed),
    (ccxt.PermissionDenied, ours.AuthenticationFailed),
    (ccxt.AccountSuspended, ours.AuthenticationFailed),
    (ccxt.BadSymbol, ours.ExchangeError),
    (ccxt.NotSupported, ours.ExchangeError),
    (ccxt.ExchangeError, ours.ExchangeError),
]


@pytest.mark.parametrize(("ccxt_cls", "ours_cls"), TABLE, ids=[c.__name__ for c, _ in TABLE])
def test_each_ccxt_class_maps_to_exactly_one_of_ours(ccxt_cls, ours_cls):
    mapped = map_error(ccxt_cls("binance something happened"))
    assert type(mapped) is ours_cls
    assert "binance something happened" in str(mapped)
    assert mapped.ccxt_error == ccxt_cls.__name__


def test_retryable_is_exactly_the_network_side():
    retryable = {c.__name__ for c, o in TABLE if map_error(c("x")).retryable}
    assert retryable == {
        "NetworkError", "RequestTimeout", "ExchangeNotAvailable", "OnMaintenance",
        "OperationFailed", "DDoSProtection", "RateLimitExceeded",
    }


def test_bad_request_about_filters_is_an_invalid_order():
    assert classify(ccxt.BadRequest('binance {"code":-1013,"msg":"Filter failure: LOT_SIZE"}')) is ours.InvalidOrder
    assert classify(ccxt.BadRequest("binance Mandatory parameter 'symbol' was not sent")) is ours.ExchangeError


def test_secrets_and_signatures_never_reach_the_message():
    exc = ccxt.AuthenticationError(
        "binance GET https://api.binance.com/api/v3/account?timestamp=1&signature=abcdef0123 "
        "key k3y-AAAA-1234 rejected, secret s3cr3t-BBBB"
    )
    text = str(map_error(exc, ["k3y-AAAA-1234", "s3cr3t-BBBB", None]))
    assert "k3y-AAAA-1234" not in text and "s3cr3t-BBBB" not in text and "abcdef0123" not in text
    assert "signature=***" in text and "rejected" in text


def test_scrub_leaves_ordinary_text_alone():
    assert scrub("Order does not exist.", ["", None]) == "Order does not exist."
