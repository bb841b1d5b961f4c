"""Fills: idempotence, no overfill, status progression, average price and fees, by the numbers."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from moniqo_desktop.domain import DomainError, Fill, InvalidTransition, OrderStatus

from domain_helpers import T0, D, make_order

S = OrderStatus


def snapshot(order: object) -> dict[str, object]:
    """Everything a fill may touch, to prove a refused fill changed nothing."""
    o = copy.deepcopy(order)
    return {"status": o.status, "history": list(o.history), "fills": list(o.fills),
            "filled": o.filled_amount, "fees": o.fees}


def test_same_fill_id_twice_changes_nothing() -> None:
    order = make_order(amount="1")
    assert order.add_fill(Fill(fill_id="t1", amount=D("0.4"), price=D("100"), fee=D("0.04"),
                               fee_currency="USDT", at=T0)) is True
    before = snapshot(order)
    # An exchange re-sending the trade (even with a different body) is the same trade.
    assert order.add_fill(Fill(fill_id="t1", amount=D("0.4"), price=D("100"))) is False
    assert order.add_fill(Fill(fill_id="t1", amount=D("0.6"), price=D("101"))) is False
    assert snapshot(order) == before
    assert order.filled_amount == D("0.4")


def test_repeated_fill_on_a_filled_order_is_still_a_no_op() -> None:
    order = make_order(amount="1")
    order.add_fill(Fill(fill_id="t1", amount=D("1"), price=D("100")))
    assert order.status is S.FILLED
    assert order.add_fill(Fill(fill_id="t1", amount=D("1"), price=D("100"))) is False
    assert order.status is S.FILLED and len(order.history) == 4


@pytest.mark.parametrize(
    ("amount", "first", "second"),
    [("1", "0.6", "0.5"), ("1", "1", "0.00000001"), ("0.003", "0.002", "0.0011")],
)
def test_overfill_refused_and_nothing_changes(amount: str, first: str, second: str) -> None:
    order = make_order(amount=amount)
    order.add_fill(Fill(fill_id="a", amount=D(first), price=D("100")))
    before = snapshot(order)
    with pytest.raises(DomainError) as caught:
        order.add_fill(Fill(fill_id="b", amount=D(second), price=D("100")))
    assert snapshot(order) == before
    message = str(caught.value)
    assert ("exceed the order amount" in message) or ("cannot take a fill" in message)


def test_overfill_on_first_fill_names_the_amounts() -> None:
    order = make_order(amount="1")
    with pytest.raises(DomainError, match=r"fill big of 1\.5 would exceed the order amount 1 "
                                          r"\(already filled 0\)"):
        order.add_fill(Fill(fill_id="big", amount=D("1.5"), price=D("100")))
    assert order.fills == [] and order.status is S.OPEN


def test_partial_then_full_progression_with_history() -> None:
    order = make_order(amount="1", status=S.SUBMITTED)
    order.add_fill(Fill(fill_id="1", amount=D("0.25"), price=D("100"), at=T0))
    assert order.status is S.PARTIALLY_FILLED and order.remaining_amount == D("0.75")
    order.add_fill(Fill(fill_id="2", amount=D("0.25"), price=D("100")))
    assert order.status is S.PARTIALLY_FILLED and order.remaining_amount == D("0.5")
    order.add_fill(Fill(fill_id="3", amount=D("0.5"), price=D("100")))
    assert order.status is S.FILLED and order.remaining_amount == 0
    assert [h.status for h in order.history] == [
        S.PENDING, S.SUBMITTED, S.PARTIALLY_FILLED, S.PARTIALLY_FILLED, S.FILLED]
    assert order.history[2].reason == "fill 0.25 @ 100" and order.history[2].at == T0
    assert order.is_complete()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.OPEN, S.PARTIALLY_FILLED, S.CANCELLING])
def test_fills_land_in_every_live_status(status: OrderStatus) -> None:
    order = make_order(amount="2", status=S.OPEN if status is S.PARTIALLY_FILLED else status)
    if status is S.PARTIALLY_FILLED:
        order.add_fill(Fill(fill_id="0", amount=D("1"), price=D("10")))
    assert order.add_fill(Fill(fill_id="x", amount=order.remaining_amount, price=D("10")))
    assert order.status is S.FILLED


@pytest.mark.parametrize("status", [S.REJECTED, S.PENDING])
def test_fill_on_terminal_or_unsent_order_refused(status: OrderStatus) -> None:
    order = make_order(amount="1", status=status)
    before = snapshot(order)
    with pytest.raises(InvalidTransition, match=f"is {status.value} and cannot take a fill"):
        order.add_fill(Fill(fill_id="late", amount=D("0.1"), price=D("100")))
    assert snapshot(order) == before


@pytest.mark.parametrize("status", [S.CANCELLED, S.EXPIRED])
def test_late_fill_on_cancelled_or_expired_keeps_the_status(status: OrderStatus) -> None:
    """The cancel lost the race: the fill is booked, the status stays, the history says so."""
    order = make_order(amount="1", status=status)
    assert order.add_fill(Fill(fill_id="late", amount=D("0.4"), price=D("100")))
    assert order.status is status
    assert order.filled_amount == D("0.4")
    assert order.history[-1].status is status
    assert order.history[-1].reason == f"late fill 0.4 @ 100 (after {status.value})"
    assert not order.add_fill(Fill(fill_id="late", amount=D("0.4"), price=D("100")))
    with pytest.raises(DomainError, match="exceed"):
        order.add_fill(Fill(fill_id="more", amount=D("0.7"), price=D("100")))


@pytest.mark.parametrize(("amount", "status"), [("0.4", S.PARTIALLY_FILLED), ("1", S.FILLED)])
def test_fill_on_failed_order_revives_it(amount: str, status: OrderStatus) -> None:
    """FAILED was our inference; a fill is the venue's evidence."""
    order = make_order(amount="1", status=S.FAILED)
    order.add_fill(Fill(fill_id="f", amount=D(amount), price=D("100")))
    assert order.status is status


def test_fill_on_filled_order_refused() -> None:
    order = make_order(amount="1")
    order.add_fill(Fill(fill_id="a", amount=D("1"), price=D("100")))
    before = snapshot(order)
    with pytest.raises(InvalidTransition, match="is filled and cannot take a fill"):
        order.add_fill(Fill(fill_id="b", amount=D("0.1"), price=D("100")))
    assert snapshot(order) == before


# (fills as (amount, price), expected average) — each row checkable with a pocket calculator.
AVERAGE_TABLE = [
    ([("1", "100")], "100"),
    ([("0.5", "100"), ("0.5", "110")], "105"),
    ([("0.25", "100"), ("0.75", "120")], "115"),          # (25 + 90) / 1
    ([("0.1", "50000"), ("0.3", "50400")], "50300"),      # (5000 + 15120) / 0.4
    ([("2", "1.5"), ("1", "3")], "2"),                    # (3 + 3) / 3
    ([("0.001", "64000.5"), ("0.002", "64001.25")], "64001"),  # (64.0005 + 128.0025) / 0.003
]


@pytest.mark.parametrize(("fills", "expected"), AVERAGE_TABLE)
def test_weighted_average_fill_price(fills: list[tuple[str, str]], expected: str) -> None:
    total = sum(D(a) for a, _ in fills)
    order = make_order(amount=str(total + D("1")))  # leave room so the order stays partial
    for i, (amount, price) in enumerate(fills):
        order.add_fill(Fill(fill_id=str(i), amount=D(amount), price=D(price)))
    assert order.average_fill_price == D(expected)
    assert order.filled_amount == total
    assert order.remaining_amount == D("1")


def test_average_is_none_before_first_fill() -> None:
    order = make_order()
    assert order.average_fill_price is None
    assert order.filled_amount == 0 and order.remaining_amount == D("1")
    assert order.fees == {}


def test_average_with_repeating_decimal_is_exact_to_context() -> None:
    order = make_order(amount="3")
    for i, price in enumerate(["100", "100", "101"]):
        order.add_fill(Fill(fill_id=str(i), amount=D("1"), price=D(price)))
    assert abs(order.average_fill_price - D("301") / 3) < D("1e-20")


@pytest.mark.parametrize(
    ("fees", "expected"),
    [
        ([("0.1", "USDT"), ("0.2", "USDT")], {"USDT": D("0.3")}),
        ([("0.001", "BTC"), ("0.5", "USDT")], {"BTC": D("0.001"), "USDT": D("0.5")}),
        ([("0.01", "BNB"), ("0.02", "BNB"), ("0.5", None)], {"BNB": D("0.03"), "USDT": D("0.5")}),
        ([("0", None), ("0", None)], {}),                  # no fee and no currency: nothing
        ([("0", "BNB")], {"BNB": D("0")}),
    ],
)
def test_fees_kept_per_currency(fees: list[tuple[str, str | None]],
                                expected: dict[str, Decimal]) -> None:
    order = make_order(amount="10")
    for i, (fee, cur) in enumerate(fees):
        order.add_fill(Fill(fill_id=str(i), amount=D("1"), price=D("100"), fee=D(fee),
                            fee_currency=cur))
    assert order.fees == expected


# side, fills (amount, price, fee, currency), fee valued in quote, amount received
BASE_FEE_TABLE = [
    # buy 1 BTC in two fills, fee in BTC: worth fee × its own fill price; received 1 − 0.001
    ("buy", [("0.4", "50000", "0.0004", "BTC"), ("0.6", "51000", "0.0006", "BTC")],
     "50.6", "0.999"),                                       # 20 + 30.6
    # the same in USDT: nothing deducted from the BTC received
    ("buy", [("0.4", "50000", "20", "USDT"), ("0.6", "51000", "30.6", "USDT")], "50.6", "1"),
    # sell with a base-currency fee: valued the same, but the sold amount is what was filled
    ("sell", [("1", "50000", "0.001", "BTC")], "50", "1"),
    # BNB fee: cannot be valued without a BNB price, stays out of the quote total
    ("buy", [("1", "50000", "0.01", "BNB")], "0", "1"),
    # mixed
    ("buy", [("0.5", "100", "0.0005", "BTC"), ("0.5", "102", "0.051", "USDT")], "0.101", "0.9995"),
]


@pytest.mark.parametrize(("side", "fills", "in_quote", "received"), BASE_FEE_TABLE)
def test_base_currency_fee_valued_and_deducted(side: str, fills: list[tuple[str, str, str, str]],
                                               in_quote: str, received: str) -> None:
    order = make_order(side=side, amount="1")
    for i, (amount, price, fee, cur) in enumerate(fills):
        order.add_fill(Fill(fill_id=str(i), amount=D(amount), price=D(price), fee=D(fee),
                            fee_currency=cur))
    assert order.fee_in_quote == D(in_quote)
    assert order.received_amount == D(received)
    assert order.filled_amount == D("1")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"fill_id": "", "amount": "1", "price": "1"}, "a fill needs an id"),
        ({"fill_id": "a", "amount": "0", "price": "1"}, "fill amount must be greater than zero"),
        ({"fill_id": "a", "amount": "1", "price": "NaN"}, "fill price is not a number"),
        ({"fill_id": "a", "amount": 0.5, "price": "1"}, "fill amount must be given exactly"),
        ({"fill_id": "a", "amount": "1", "price": "1", "fee": "-0.1"}, "fill fee cannot be negative"),
    ],
)
def test_bad_fill_refused(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(DomainError, match=words):
        Fill(**kwargs)  # type: ignore[arg-type]


def test_fill_parses_text_into_decimals() -> None:
    fill = Fill(fill_id="a", amount="0.5", price="100.10", fee="0.05")  # type: ignore[arg-type]
    assert (fill.amount, fill.price, fill.fee, fill.cost) == (
        D("0.5"), D("100.10"), D("0.05"), D("50.050"))


def test_fill_keeps_every_fee_and_the_fee_rule_is_one_function() -> None:
    """Issue #11: fees per fill and per currency; quote as is, base at the fill price, a third
    currency at its last price; an unknown third-currency price leaves that fee out of the
    quote value (it stays in `fees`)."""
    from moniqo_desktop.domain.orders import fee_value_in_quote

    order = make_order(amount="1")
    order.add_fill(Fill(fill_id="a", amount=D("0.5"), price=D("100"), fee=D("0.01"),
                        fee_currency="BNB", other_fees={"USDT": D("0.05"), "BTC": D("0.001")}))
    assert order.fees == {"BNB": D("0.01"), "USDT": D("0.05"), "BTC": D("0.001")}
    assert order.fee_in_quote == D("0.05") + D("0.1")  # BNB has no price here
    assert order.fees_in_quote({"BNB/USDT": D("600")}) == D("0.05") + D("0.1") + D("6")
    assert order.received_amount == D("0.499")  # a buy: the BTC fee is not received
    assert fee_value_in_quote(D("2"), "ETH", D("100"), "BTC", "USDT") is None
    with pytest.raises(DomainError):
        Fill(fill_id="b", amount=D("1"), price=D("1"), other_fees={"USDT": D("-1")})
