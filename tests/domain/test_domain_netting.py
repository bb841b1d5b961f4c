"""Netting per symbol (DESIGN.md "Positions are netted per symbol"), as worked-number tables.

Each case is a sequence of fills of one symbol, turned into position terms the way the engine
does it (`position_terms`), and the figures the position must show after each step. Every case
also checks the books balance: realized P&L equals what the quote balance gained or lost.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, Position, PositionSide, PositionStatus
from moniqo_desktop.domain.positions import (
    FillEffect,
    check_netting,
    hold_text,
    position_terms,
)

D = Decimal
BASE, QUOTE = "BTC", "USDT"


def run(fills, min_amount=None):
    """Apply fills (side, amount, price, fee, fee currency) to a fresh position; yield it and
    the effect after each step, plus the quote balance change the fills caused."""
    position = None
    quote_change = D(0)
    steps = []
    for side, amount, price, fee, cur in fills:
        amount, price, fee = D(amount), D(price), D(fee)
        quote_change += (-1 if side == "buy" else 1) * amount * price
        if (cur or QUOTE) == QUOTE:
            quote_change -= fee
        moved, fee_quote = position_terms(side, amount, price, fee, cur, BASE, QUOTE)
        if position is None:
            position = Position(symbol="BTC/USDT", side=PositionSide.from_entry(side),
                                amount=moved, entry_price=price, entry_fees=fee_quote)
            effect = FillEffect.ADDED
        else:
            effect = position.apply_fill(side, moved, price, fee_quote, order_id="o",
                                         reason="manual", min_amount=min_amount)
        steps.append((effect, position.amount, position.entry_price, position.entry_fees,
                      position.realized_pnl))
    return position, steps, quote_change


# (id, fills, min_amount, expected steps: (effect, amount, entry, entry fees, realized),
#  final status, dust)
CASES = [
    pytest.param(
        [("buy", "0.1", "50000", "5", None),
         ("buy", "0.1", "52000", "5.2", None),
         ("sell", "0.05", "53000", "2.65", None),
         ("sell", "0.15", "50000", "7.5", None)],
        None,
        [("added", "0.1", "50000", "5", "0"),
         ("added", "0.2", "51000", "10.2", "0"),
         # (53000 − 51000)·0.05 − 10.2·0.05/0.2 − 2.65 = 100 − 2.55 − 2.65
         ("reduced", "0.15", "51000", "7.65", "94.80"),
         # (50000 − 51000)·0.15 − 7.65 − 7.5 = −165.15; total 94.80 − 165.15
         ("closed", "0.15", "51000", "7.65", "-70.35")],
        PositionStatus.CLOSED, "0", id="long-add-partial-close-close-quote-fees"),
    pytest.param(
        [("sell", "2", "3000", "6", None),
         ("sell", "1", "3300", "3.3", None),
         ("buy", "1.5", "2900", "4.35", None),
         ("buy", "1.5", "3200", "4.8", None)],
        None,
        [("added", "2", "3000", "6", "0"),
         ("added", "3", "3100", "9.3", "0"),
         # −(2900 − 3100)·1.5 − 9.3·1.5/3 − 4.35 = 300 − 4.65 − 4.35
         ("reduced", "1.5", "3100", "4.65", "291"),
         # −(3200 − 3100)·1.5 − 4.65 − 4.8 = −159.45
         ("closed", "1.5", "3100", "4.65", "131.55")],
        PositionStatus.CLOSED, "0", id="short-add-partial-close-close-quote-fees"),
    pytest.param(
        # Binance spot without BNB: the buy's fee comes out of the coin (0.1 − 0.0001).
        [("buy", "0.1", "50000", "0.0001", "BTC"),
         ("sell", "0.0999", "51000", "5.0949", None)],
        None,
        [("added", "0.0999", "50000", "5.0000", "0"),
         # 1000·0.0999 − 5 − 5.0949
         ("closed", "0.0999", "50000", "5.0000", "89.8051")],
        PositionStatus.CLOSED, "0", id="long-base-fee-on-buy"),
    pytest.param(
        # A short bought back with a base fee covers amount − fee; the rest stays short.
        [("sell", "0.1", "50000", "5", None),
         ("buy", "0.1", "51500", "0.0001", "BTC")],
        D("0.00001"),
        [("added", "0.1", "50000", "5", "0"),
         # −1500·0.0999 − 5·0.0999/0.1 − 0.0001·51500 = −149.85 − 4.995 − 5.15
         ("reduced", "0.0001", "50000", "0.005", "-159.995")],
        None, None, id="short-base-fee-leaves-a-remainder"),
    pytest.param(
        # Close to dust: selling what the step allows leaves 0.000004 BTC, below the
        # 0.00001 minimum: the position closes and shows the dust.
        [("buy", "0.100004", "50000", "5.0002", None),
         ("sell", "0.1", "50500", "5.05", None)],
        D("0.00001"),
        [("added", "0.100004", "50000", "5.0002", "0"),
         # 500·0.1 − all 5.0002 entry fees − 5.05
         ("closed", "0.1", "50000", "5.0002", "39.9498")],
        PositionStatus.CLOSED, "0.000004", id="close-to-dust"),
]


@pytest.mark.parametrize(("fills", "min_amount", "expected", "status", "dust"), CASES)
def test_netting_table(fills, min_amount, expected, status, dust):
    position, steps, quote_change = run(fills, min_amount)
    for got, want in zip(steps, expected, strict=True):
        effect, amount, entry, fees, realized = want
        assert got == (FillEffect(effect), D(amount), D(entry), D(fees), D(realized)), got
    if status is not None:
        assert position.status is status
        assert position.dust == D(dust)
        assert position.unrealized_pnl == 0
        # The books balance: all realized P&L is exactly the quote the fills moved, apart
        # from what the dust the account still holds cost.
        assert position.realized_pnl == quote_change + position.dust * position.entry_price


def test_partial_close_books_its_part_and_keeps_protection():
    p = Position(symbol="BTC/USDT", side="long", amount=D("0.4"), entry_price=D("50000"),
                 entry_fees=D("20"), stop_loss=D("48000"), take_profit=D("55000"))
    assert p.reduce(D("0.1"), D("51000"), D("5.1")) == D("100") - D("5") - D("5.1")
    assert (p.amount, p.entry_fees, p.status) == (D("0.3"), D("15"), PositionStatus.OPEN)
    assert (p.stop_loss, p.take_profit) == (D("48000"), D("55000"))
    # unrealized at 51000 of the part still open: 1000·0.3 − 15
    assert p.unrealized_pnl == D("285")


def test_design_worked_example_in_two_parts_equals_one_close():
    p = Position(symbol="BTC/USDT", side="long", amount=D("0.5"), entry_price=D("50000"),
                 entry_fees=D("25"))
    p.reduce(D("0.25"), D("51500"), D("12.875"))
    p.reduce(D("0.25"), D("51500"), D("12.875"), order_id="x", reason="take_profit")
    assert p.realized_pnl == D("699.25")
    assert p.status is PositionStatus.CLOSED and p.close_reason.value == "take_profit"


@pytest.mark.parametrize("side", ["long", "short"])
def test_no_fill_flips_a_position(side):
    p = Position(symbol="BTC/USDT", side=side, amount=D("0.01"), entry_price=D("50000"))
    other = "sell" if side == "long" else "buy"
    with pytest.raises(DomainError, match="close it first"):
        p.apply_fill(other, D("0.02"), D("50000"))
    assert p.amount == D("0.01") and p.is_open and p.realized_pnl == 0


CHECKS = [
    # position (side, amount) or None, order side, amount, allow_short, refusal words or None
    (None, "sell", "0.01", False, "you hold 0 BTC"),
    (None, "sell", "0.01", True, None),
    (None, "buy", "0.01", False, None),
    (("long", "0.01"), "sell", "0.01", False, None),
    (("long", "0.01"), "sell", "0.02", False,
     "you hold 0.01 BTC; sell at most 0.01 or close the position"),
    (("long", "0.01"), "sell", "0.02", True, "sell at most 0.01"),  # no flip, even on margin
    (("long", "0.01"), "buy", "5", False, None),
    (("short", "0.5"), "buy", "0.6", True, "you hold short 0.5 BTC; buy at most 0.5"),
]


@pytest.mark.parametrize(("held", "side", "amount", "allow_short", "words"), CHECKS)
def test_check_netting(held, side, amount, allow_short, words):
    position = None if held is None else Position(
        symbol="BTC/USDT", side=held[0], amount=D(held[1]), entry_price=D("50000"))
    if words is None:
        check_netting(position, side, D(amount), "BTC", allow_short=allow_short)
    else:
        with pytest.raises(DomainError, match=words.replace("(", r"\(")):
            check_netting(position, side, D(amount), "BTC", allow_short=allow_short)


def test_hold_text():
    assert hold_text(None, "BTC") == "0 BTC"
    p = Position(symbol="BTC/USDT", side="short", amount=D("0.50"), entry_price=D("1"))
    assert hold_text(p, "BTC") == "short 0.5 BTC"


@pytest.mark.parametrize(
    ("side", "fee", "cur", "moved", "fee_quote"),
    [("buy", "5", "USDT", "0.1", "5"), ("buy", "0.0001", "BTC", "0.0999", "5.0000"),
     ("sell", "0.0001", "BTC", "0.1001", "5.0000"), ("sell", "5", None, "0.1", "5"),
     ("buy", "0.01", "BNB", "0.1", "0")],
)
def test_position_terms(side, fee, cur, moved, fee_quote):
    assert position_terms(side, D("0.1"), D("50000"), D(fee), cur, "BTC", "USDT") == \
        (D(moved), D(fee_quote))
