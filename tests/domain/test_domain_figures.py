"""Amounts are shown exactly (domain/figures.py): an amount is what the account holds or
what an order trades; rounding it shows a figure that is not there."""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.domain.figures import fmt_amount

D = Decimal


def test_an_amount_with_more_than_8_decimals_is_shown_whole_not_rounded():
    # a coin fee of 0.075 % on 0.00123 BTC leaves 0.0012290775: ten decimals
    assert fmt_amount(D("0.0012290775")) == "0.0012290775"
    assert fmt_amount(D("0.000000001")) == "0.000000001"  # dust below 1e-8 is not "0.00000000"
    assert fmt_amount(D("12345.123456789")) == "12,345.123456789"
    assert fmt_amount(D("0.50000000")) == "0.5"
    assert fmt_amount(D("1E+3")) == "1,000"
    assert fmt_amount(D("-0.000")) == "0"
