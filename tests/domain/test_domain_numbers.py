"""The one strict parser for numbers people type (DESIGN.md "Numbers from people").

Each row is a case seen in the wild (issue #10): `0_1` became 1 ETH, fullwidth and Arabic-Indic
digits, `1e309` and 23-digit pastes reached the venue. Every refusal names the field and stays
short enough for the order form's error line.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, Order
from moniqo_desktop.domain.money import parse_number

D = Decimal

PARSER_TABLE = [
    # text, accepted value or None (refused), words in the refusal
    ("0_1", None, "not a number"),
    ("\uff11", None, "not a number"),          # fullwidth 1
    ("\u0661", None, "not a number"),          # Arabic-Indic 1
    ("1e309", None, "not a number"),
    ("1E-2", None, "not a number"),
    ("nan", None, "not a number"),
    ("Infinity", None, "not a number"),
    ("-1", None, "negative"),
    ("", None, "empty"),
    (" ", None, "empty"),
    ("0.1.2", None, "not a number"),
    ("1,00", None, "not a number"),
    ("48,500.00", D("48500"), ""),
    ("12345678901234567890123", None, "too large"),
    ("0.1234567890123456789", None, "too many decimals"),
    ("+1", None, "signed"),
    ("1 000", None, "not a number"),
    ("48500,00", None, "not a number"),
    (",500", None, "not a number"),
    ("0.1", D("0.1"), ""),
    (" 0.25 ", D("0.25"), ""),
    (".5", D("0.5"), ""),
    ("5.", D("5"), ""),
    ("1,234,567.891", D("1234567.891"), ""),
    ("0", D("0"), ""),
]


@pytest.mark.parametrize(("text", "value", "words"), PARSER_TABLE,
                         ids=[repr(row[0]) for row in PARSER_TABLE])
def test_parser_table(text: str, value: Decimal | None, words: str) -> None:
    if value is not None:
        assert parse_number(text, "amount") == value
        return
    with pytest.raises(DomainError) as caught:
        parse_number(text, "amount")
    message = str(caught.value)
    assert message.startswith("amount"), message
    assert words in message
    assert len(message) < 100, "an error that fits the order form's line"


@pytest.mark.parametrize("text", ["0_1", "1e309", "\uff11", "-1", "nan"])
def test_place_order_strings_use_the_same_parser(text: str) -> None:
    """Order(amount="0_1") is refused as the form refuses it: one parser for every door."""
    with pytest.raises(DomainError, match="^amount"):
        Order(symbol="ETH/USDT", side="buy", type="market", amount=text)


def test_pasted_display_price_is_accepted_as_a_limit() -> None:
    order = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.01", price="48,500.00")
    assert order.price == D("48500.00")


def test_a_decimal_with_a_300_digit_magnitude_is_refused_too() -> None:
    with pytest.raises(DomainError, match="^amount is too large"):
        Order(symbol="ETH/USDT", side="buy", type="market", amount=D("1E+300"))
