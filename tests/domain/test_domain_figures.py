"""Amounts are shown exactly (domain/figures.py): an amount is what the account holds or
what an order trades; rounding it shows a figure that is not there."""

from __future__ import annotations

from decimal import Decimal

from moniqo_desktop.domain.figures import fmt_amount, fmt_market_price
from moniqo_desktop.domain.orders import Fill, respell_fill_notes

D = Decimal


def test_an_amount_with_more_than_8_decimals_is_shown_whole_not_rounded():
    # a coin fee of 0.075 % on 0.00123 BTC leaves 0.0012290775: ten decimals
    assert fmt_amount(D("0.0012290775")) == "0.0012290775"
    assert fmt_amount(D("0.000000001")) == "0.000000001"  # dust below 1e-8 is not "0.00000000"
    assert fmt_amount(D("12345.123456789")) == "12,345.123456789"
    assert fmt_amount(D("0.50000000")) == "0.5"
    assert fmt_amount(D("1E+3")) == "1,000"
    assert fmt_amount(D("-0.000")) == "0"


def test_a_price_on_a_market_with_a_tick_finer_than_8_decimals_keeps_its_digits():
    # Binance's BTTC/USDT trades near 0.0000007 with a tick of 0.0000000001 (10 decimals):
    # cut to 8 places two different limit prices both read 0.00000070
    assert fmt_market_price(D("0.0000007012"), 10) == "0.0000007012"
    assert fmt_market_price(D("0.0000007049"), 10) != fmt_market_price(D("0.0000007012"), 10)
    # without market rules: five significant digits, as for any other price
    assert fmt_market_price(D("0.00000070123"), None) == "0.00000070123"


def test_a_fill_note_is_respelled_whole_never_inside_a_longer_figure():
    # two fills of one order at 3400 and 3400.5: the note "fill 0.1 @ 3400" is the start of
    # "fill 0.1 @ 3400.5", and replacing it there read "fill 0.1 @ 3,400.00.5"
    fills = [Fill("a", D("0.1"), D("3400")), Fill("b", D("0.1"), D("3400.5"))]
    spell = respell_fill_notes  # (text, fills, amount_text, price_text)
    assert spell("fill 0.1 @ 3400.5", fills, fmt_amount, lambda p: f"{p:,.2f}") \
        == "fill 0.1 @ 3,400.50"
    assert spell("late fill 0.1 @ 3400 (after cancelled)", fills, fmt_amount,
                 lambda p: f"{p:,.2f}") == "late fill 0.1 @ 3,400.00 (after cancelled)"


def test_money_in_a_coin_is_shown_to_the_coins_decimals_not_to_the_cent():
    # ETH/BTC: a realized P&L of 0.0012 BTC (about 100 USD) read "+0.00" to the cent
    from moniqo_desktop.domain.figures import fmt_fee, fmt_money, fmt_money_by_quote

    assert fmt_money(D("0.0012"), currency="BTC") == "+0.00120000"
    assert fmt_money(D("-0.00000001"), currency="ETH") == "-0.00000001"
    assert fmt_money(D("12.345"), currency="USDT") == "+12.35"  # a stable coin: to the cent
    assert fmt_money(D("12.345"), currency="EUR") == "+12.35"
    assert fmt_money(D("12.345")) == "+12.35"  # no currency known: to the cent, as before
    assert fmt_money_by_quote([("BTC", D("0.0012")), ("USDT", D("5"))]) \
        == "+0.00120000 BTC, +5.00 USDT"
    assert fmt_fee(D("0.0000123"), "BTC", "BTC") == "0.00001230 BTC"
