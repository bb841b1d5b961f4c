"""What an order accepts: exact, finite, positive numbers — and readable refusals otherwise."""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, Order, OrderType, parse_amount, to_decimal
from moniqo_desktop.domain.money import significant_decimals, split_symbol

BAD_AMOUNTS = [
    pytest.param("NaN", "not a number", id="nan-text"),
    pytest.param(Decimal("NaN"), "finite", id="nan-decimal"),
    pytest.param(Decimal("sNaN"), "finite", id="snan-decimal"),
    pytest.param("inf", "not a number", id="inf-text"),
    pytest.param("-Infinity", "negative", id="minus-inf-text"),
    pytest.param(Decimal("Infinity"), "finite", id="inf-decimal"),
    pytest.param("-1", "negative", id="negative-text"),
    pytest.param(Decimal("-0.001"), "negative", id="negative-decimal"),
    pytest.param(-5, "negative", id="negative-int"),
    pytest.param("0", "greater than zero", id="zero-text"),
    pytest.param("-0", "negative", id="minus-zero"),
    pytest.param(Decimal("0E-8"), "greater than zero", id="zero-with-exponent"),
    pytest.param(0, "greater than zero", id="zero-int"),
    pytest.param(0.1, "float", id="float"),
    pytest.param(float("nan"), "float", id="float-nan"),
    pytest.param("abc", "not a number", id="garbage"),
    pytest.param("1,00", "not a number", id="thousands-comma-misplaced"),
    pytest.param("1_000", "not a number", id="underscore"),
    pytest.param("1e-3", "not a number", id="exponent"),
    pytest.param("1.2.3", "not a number", id="two-points"),
    pytest.param("12 BTC", "not a number", id="with-unit"),
    pytest.param("", "empty", id="empty"),
    pytest.param("   ", "empty", id="blank"),
    pytest.param(None, "missing", id="none"),
    pytest.param(True, "must be a number", id="bool"),
    pytest.param([1], "must be a number", id="list"),
]


@pytest.mark.parametrize(("value", "words"), BAD_AMOUNTS)
def test_order_amount_refused_with_readable_message(value: object, words: str) -> None:
    with pytest.raises(DomainError) as caught:
        Order(symbol="BTC/USDT", side="buy", type="market", amount=value)  # type: ignore[arg-type]
    message = str(caught.value)
    assert words in message
    assert message.startswith("amount"), message  # says which field is wrong
    assert "Decimal(" not in message and "InvalidOperation" not in message


@pytest.mark.parametrize(("value", "words"), BAD_AMOUNTS[:-3])  # None means "no price": fine
def test_limit_price_refused_with_readable_message(value: object, words: str) -> None:
    with pytest.raises(DomainError, match=words) as caught:
        Order(symbol="BTC/USDT", side="buy", type="limit", amount="1", price=value)  # type: ignore[arg-type]
    assert str(caught.value).startswith("price")


@pytest.mark.parametrize(("value", "words"), BAD_AMOUNTS[:-3])
def test_stop_price_refused_with_readable_message(value: object, words: str) -> None:
    with pytest.raises(DomainError, match=words) as caught:
        Order(symbol="BTC/USDT", side="sell", type="stop", amount="1", stop_price=value)  # type: ignore[arg-type]
    assert str(caught.value).startswith("stop price")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.5", "0.5"), (" 1.25 ", "1.25"), ("1,000", "1000"), ("1,000.5", "1000.5"), (7, "7"),
     (Decimal("0.00000001"), "0.00000001"), ("50000.00", "50000.00")],
)
def test_accepted_amounts_are_exact(text: object, expected: str) -> None:
    order = Order(symbol="BTC/USDT", side="buy", type="market", amount=text)  # type: ignore[arg-type]
    assert order.amount == Decimal(expected)
    assert isinstance(order.amount, Decimal)


@pytest.mark.parametrize(
    ("kind", "price", "stop", "words"),
    [
        ("limit", None, None, "limit order needs a limit price"),
        ("stop", None, None, "stop order needs a stop price"),
        ("stop_limit", None, "49000", "stop-limit order needs a limit price"),
        ("stop_limit", "48900", None, "stop-limit order needs a stop price"),
    ],
)
def test_order_type_needs_its_prices(kind: str, price: str | None, stop: str | None,
                                     words: str) -> None:
    with pytest.raises(DomainError, match=words):
        Order(symbol="BTC/USDT", side="sell", type=kind, amount="1", price=price, stop_price=stop)


@pytest.mark.parametrize(
    ("kind", "price", "stop"),
    [("market", None, None), ("limit", "50000", None), ("stop", None, "49000"),
     ("stop_limit", "48900", "49000")],
)
def test_order_type_with_its_prices_is_accepted(kind: str, price: str | None,
                                                stop: str | None) -> None:
    order = Order(symbol="BTC/USDT", side="sell", type=kind, amount="1", price=price,
                  stop_price=stop)
    assert order.type is OrderType(kind)
    assert order.price == (Decimal(price) if price else None)
    assert order.stop_price == (Decimal(stop) if stop else None)


@pytest.mark.parametrize(
    ("field", "kwargs", "words"),
    [
        ("side", {"side": "long"}, "side must be buy or sell"),
        ("type", {"type": "iceberg"}, "order type must be market, limit, stop or stop_limit"),
        ("symbol", {"symbol": "BTCUSDT"}, "BASE/QUOTE"),
        ("symbol", {"symbol": "/USDT"}, "BASE/QUOTE"),
        ("intent", {"intent": "hedge"}, "intent must be entry, exit or protect"),
        ("status", {"status": "done"}, "unknown order status"),
    ],
)
def test_garbage_order_fields(field: str, kwargs: dict[str, str], words: str) -> None:
    base = {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "1"}
    with pytest.raises(DomainError, match=words):
        Order(**(base | kwargs))  # type: ignore[arg-type]


def test_futures_symbol_splits_to_base_and_quote() -> None:
    assert split_symbol("BTC/USDT:USDT") == ("BTC", "USDT")


@pytest.mark.parametrize(
    ("value", "max_decimals", "ok"),
    [
        ("0.001", 3, True),
        ("0.0010", 3, True),          # trailing zero adds no precision
        ("0.0001", 3, False),
        ("5E+2", 0, True),
        ("12", 0, True),
        ("12.5", 0, False),
        # 31 significant digits: normalize() would round this to 0.1 and let it through.
        ("0.100000000000000000000000000001", 8, False),
    ],
)
def test_market_precision(value: str, max_decimals: int, ok: bool) -> None:
    # Decimals (not text): the strict text parser refuses exponents and 31-digit pastes first.
    if ok:
        assert parse_amount(Decimal(value), max_decimals=max_decimals) == Decimal(value)
    else:
        with pytest.raises(DomainError, match=f"more decimals than the market allows \\({max_decimals}\\)"):
            parse_amount(Decimal(value), max_decimals=max_decimals)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.10", 1), ("5", 0), ("5E+2", 0), ("0", 0), ("1.23E-5", 7), ("100.500", 1)],
)
def test_significant_decimals(value: str, expected: int) -> None:
    assert significant_decimals(Decimal(value)) == expected


def test_zero_allowed_only_when_asked() -> None:
    assert parse_amount("0", allow_zero=True) == 0
    with pytest.raises(DomainError, match="fee cannot be negative"):
        parse_amount("-0.1", "fee", allow_zero=True)


def test_to_decimal_names_the_field() -> None:
    with pytest.raises(DomainError, match="^take profit is not a number: 'soon'"):
        to_decimal("soon", "take profit")


@pytest.mark.parametrize(("value", "allow_zero", "words"), [
    (Decimal("1E+15"), False, "too large"),
    (Decimal("-0.1"), True, "cannot be negative"),
    (Decimal("0"), False, "greater than zero"),
    (Decimal("-0"), False, "greater than zero"),
    (Decimal("NaN"), True, "finite"),
    (Decimal("sNaN"), True, "finite"),
    (Decimal("Infinity"), False, "finite"),
])
def test_a_decimal_given_directly_is_checked_like_text(value: Decimal, allow_zero: bool,
                                                        words: str) -> None:
    """The Decimal path (every stored amount read back at start-up takes it) refuses what
    the text path refuses, and returns a good value itself."""
    with pytest.raises(DomainError, match=words):
        parse_amount(value, "amount", allow_zero=allow_zero)


@pytest.mark.parametrize("value", ["0.001", "999999999999999", "2.5E+4", "1E-18"])
def test_a_good_decimal_comes_back_as_it_is(value: str) -> None:
    amount = Decimal(value)
    assert parse_amount(amount) is amount
    assert parse_amount(Decimal("-0"), allow_zero=True) == 0
