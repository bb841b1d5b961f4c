"""Position P&L, water marks, drawdown, risk and closing — tables of hand-computed numbers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from moniqo_desktop.domain import (
    DomainError,
    ExitReason,
    Position,
    PositionSide,
    PositionStatus,
    RiskLevel,
    RiskThresholds,
)

from domain_helpers import T0, D, make_position

# side, amount, entry, entry fees, price, unrealized, unrealized %
UNREALIZED_TABLE = [
    # DESIGN's worked example: 0.5·(51 000 − 50 000) − 25 = 475; 475 / 25 000 = 1.9 %
    ("long", "0.5", "50000", "25", "51000", "475", "1.9"),
    ("long", "0.5", "50000", "25", "49000", "-525", "-2.1"),
    ("long", "0.5", "50000", "25", "50000", "-25", "-0.1"),    # flat: the fee is the loss
    ("long", "1", "100", "0", "110", "10", "10"),
    # shorts: d = −1, so a falling price is the profit
    ("short", "0.5", "50000", "25", "49000", "475", "1.9"),
    ("short", "0.5", "50000", "25", "51000", "-525", "-2.1"),
    ("short", "2", "2500", "5", "2400", "195", "3.9"),         # 200 − 5; 195 / 5000
    ("short", "2", "2500", "5", "2600", "-205", "-4.1"),
    ("short", "10", "1.5", "0.015", "1.2", "2.985", "19.9"),   # 3 − 0.015; 2.985 / 15
]


@pytest.mark.parametrize(("side", "amount", "entry", "fees", "price", "pnl", "pct"),
                         UNREALIZED_TABLE)
def test_unrealized_pnl(side: str, amount: str, entry: str, fees: str, price: str, pnl: str,
                        pct: str) -> None:
    pos = make_position(side, amount, entry, fees)
    pos.update_price(D(price))
    assert pos.unrealized_pnl == D(pnl)
    assert pos.unrealized_pnl_percent == D(pct)
    assert pos.current_price == D(price)


# side, amount, entry, entry fees, exit price, exit fees, realized
REALIZED_TABLE = [
    # DESIGN: 0.5·1 500 − 25 − 25.75 = 699.25
    ("long", "0.5", "50000", "25", "51500", "25.75", "699.25"),
    ("long", "0.5", "50000", "25", "49000", "24.5", "-549.5"),   # −500 − 25 − 24.5
    ("long", "1", "100", "0.1", "100", "0.1", "-0.2"),           # round trip at the same price
    ("short", "0.5", "50000", "25", "48500", "24.25", "700.75"),  # 750 − 25 − 24.25
    ("short", "0.5", "50000", "25", "51500", "25.75", "-800.75"),  # −750 − 50.75
    ("short", "2", "2500", "5", "2450", "4.9", "90.1"),          # 100 − 5 − 4.9
]


@pytest.mark.parametrize(("side", "amount", "entry", "fees", "exit_", "exit_fees", "realized"),
                         REALIZED_TABLE)
def test_realized_pnl(side: str, amount: str, entry: str, fees: str, exit_: str, exit_fees: str,
                      realized: str) -> None:
    pos = make_position(side, amount, entry, fees)
    at = T0 + timedelta(hours=3)
    result = pos.close(order_id="exit-1", price=D(exit_), reason="manual", fees=D(exit_fees),
                       at=at)
    assert result == D(realized) == pos.realized_pnl
    assert pos.status is PositionStatus.CLOSED
    assert pos.close_reason is ExitReason.MANUAL
    assert pos.exit_price == D(exit_) and pos.exit_fees == D(exit_fees)
    assert pos.closed_at == at and pos.exit_order_id == "exit-1"
    assert pos.unrealized_pnl == 0  # nothing left open


def test_design_worked_example_end_to_end() -> None:
    pos = Position(symbol="BTC/USDT", side=PositionSide.LONG, amount=D("0.5"),
                   entry_price=D("50000"), entry_fees=D("25"), opened_at=T0)
    pos.update_price(D("51000"))
    assert (pos.unrealized_pnl, pos.unrealized_pnl_percent) == (D("475"), D("1.9"))
    assert pos.close(order_id="o", price=D("51500"), reason=ExitReason.TAKE_PROFIT,
                     fees=D("25.75")) == D("699.25")
    assert pos.close_reason is ExitReason.TAKE_PROFIT


# side, entry, price path, HWM, LWM, current drawdown %, max drawdown %
WATER_TABLE = [
    ("long", "100", [], "100", "100", "0", "0"),                     # both start at entry
    ("long", "100", ["110", "99"], "110", "99", "10", "10"),          # (110 − 99)/110
    ("long", "100", ["110", "99", "125", "100", "110"], "125", "99", "12", "20"),  # 25/125
    ("long", "100", ["90", "80"], "100", "80", "20", "20"),           # never above entry
    ("short", "100", ["90", "99"], "100", "90", "10", "10"),          # (99 − 90)/90
    ("short", "100", ["90", "99", "80", "96", "88"], "100", "80", "10", "20"),  # 16/80, 8/80
    ("short", "100", ["110", "125"], "125", "100", "25", "25"),       # from entry as LWM
    ("short", "100", ["50"], "100", "50", "0", "0"),
]


@pytest.mark.parametrize(("side", "entry", "path", "hwm", "lwm", "dd", "max_dd"), WATER_TABLE)
def test_water_marks_and_drawdown(side: str, entry: str, path: list[str], hwm: str, lwm: str,
                                  dd: str, max_dd: str) -> None:
    pos = make_position(side, "1", entry)
    for price in path:
        pos.update_price(D(price))
    assert pos.high_water_mark == D(hwm)
    assert pos.low_water_mark == D(lwm)
    assert pos.drawdown == D(dd)
    assert pos.max_drawdown == D(max_dd)


# side, entry, stop, price, level  — share of entry→stop distance used: <25/<50/<75/≥75 %
RISK_WITH_STOP = [
    ("long", "100", "90", "100", RiskLevel.LOW),
    ("long", "100", "90", "110", RiskLevel.LOW),        # in profit: nothing used
    ("long", "100", "90", "97.6", RiskLevel.LOW),       # 24 %
    ("long", "100", "90", "97.5", RiskLevel.MEDIUM),    # 25 % exactly
    ("long", "100", "90", "95.1", RiskLevel.MEDIUM),    # 49 %
    ("long", "100", "90", "95", RiskLevel.HIGH),        # 50 %
    ("long", "100", "90", "92.6", RiskLevel.HIGH),      # 74 %
    ("long", "100", "90", "92.5", RiskLevel.CRITICAL),  # 75 %
    ("long", "100", "90", "85", RiskLevel.CRITICAL),    # past the stop (gap)
    ("short", "100", "110", "102.4", RiskLevel.LOW),    # 24 %
    ("short", "100", "110", "102.5", RiskLevel.MEDIUM),
    ("short", "100", "110", "105", RiskLevel.HIGH),
    ("short", "100", "110", "107.5", RiskLevel.CRITICAL),
    ("short", "100", "110", "90", RiskLevel.LOW),
]


@pytest.mark.parametrize(("side", "entry", "stop", "price", "level"), RISK_WITH_STOP)
def test_risk_with_stop(side: str, entry: str, stop: str, price: str, level: RiskLevel) -> None:
    pos = make_position(side, "1", entry, stop_loss=stop)
    pos.update_price(D(price))
    assert pos.risk_level is level


# side, entry, entry fees, price, level — loss % (fees included): <2/<5/<10/≥10
RISK_WITHOUT_STOP = [
    ("long", "100", "0", "101", RiskLevel.LOW),
    ("long", "100", "0", "99", RiskLevel.LOW),          # 1 %
    ("long", "100", "0", "98.01", RiskLevel.LOW),       # 1.99 %
    ("long", "100", "0", "98", RiskLevel.MEDIUM),       # 2 %
    ("long", "100", "0", "95", RiskLevel.HIGH),         # 5 %
    ("long", "100", "0", "90.1", RiskLevel.HIGH),       # 9.9 %
    ("long", "100", "0", "90", RiskLevel.CRITICAL),     # 10 %
    ("long", "100", "1", "99", RiskLevel.MEDIUM),       # 1 % move + 1 % fees = 2 %
    ("short", "100", "0", "102", RiskLevel.MEDIUM),
    ("short", "100", "0", "104.9", RiskLevel.MEDIUM),
    ("short", "100", "0", "110", RiskLevel.CRITICAL),
    ("short", "100", "0", "80", RiskLevel.LOW),
]


@pytest.mark.parametrize(("side", "entry", "fees", "price", "level"), RISK_WITHOUT_STOP)
def test_risk_without_stop(side: str, entry: str, fees: str, price: str,
                           level: RiskLevel) -> None:
    pos = make_position(side, "1", entry, fees)
    pos.update_price(D(price))
    assert pos.risk_level is level


# A stop at or beyond entry (trailed / break-even) has no entry→stop room to use up:
# graded by loss % — LOW while in profit, but a gap through the stop is not hidden as LOW.
RISK_STOP_BEYOND_ENTRY = [
    ("long", "105", "110", RiskLevel.LOW),
    ("long", "100", "100", RiskLevel.LOW),
    ("long", "105", "95", RiskLevel.HIGH),       # gapped 5 % under entry, exit not done yet
    ("short", "95", "90", RiskLevel.LOW),
    ("short", "95", "104", RiskLevel.MEDIUM),    # 4 % loss
    ("short", "100", "111", RiskLevel.CRITICAL),
]


@pytest.mark.parametrize(("side", "stop", "price", "level"), RISK_STOP_BEYOND_ENTRY)
def test_risk_with_stop_locking_profit(side: str, stop: str, price: str,
                                       level: RiskLevel) -> None:
    pos = make_position(side, "1", "100", stop_loss=stop)
    pos.update_price(D(price))
    assert pos.risk_level is level


@pytest.mark.parametrize(
    ("stop", "price", "level"),
    [(None, "99.5", RiskLevel.LOW), (None, "99", RiskLevel.MEDIUM), (None, "98", RiskLevel.HIGH),
     (None, "97", RiskLevel.CRITICAL), ("90", "99.1", RiskLevel.LOW),
     ("90", "99", RiskLevel.MEDIUM), ("90", "98", RiskLevel.HIGH),
     ("90", "97", RiskLevel.CRITICAL)],
)
def test_risk_thresholds_are_settings(stop: str | None, price: str, level: RiskLevel) -> None:
    tight = RiskThresholds(stop_share=(D("0.1"), D("0.2"), D("0.3")),
                           loss_percent=(D(1), D(2), D(3)))
    pos = make_position("long", "1", "100", risk_thresholds=tight)
    if stop:
        pos.stop_loss = D(stop)
    pos.update_price(D(price))
    assert pos.risk_level is level


def test_time_held_open_and_closed() -> None:
    pos = make_position()
    assert pos.time_held(T0 + timedelta(minutes=90)) == timedelta(minutes=90)
    pos.close(price=D("101"), at=T0 + timedelta(hours=2))
    # once closed the clock stops, whatever "now" is
    assert pos.time_held(T0 + timedelta(hours=5)) == timedelta(hours=2)


@pytest.mark.parametrize("reason", list(ExitReason), ids=lambda r: r.value)
def test_close_records_reason(reason: ExitReason) -> None:
    pos = make_position()
    pos.close(order_id="x", price=D("100"), reason=reason.value)
    assert pos.close_reason is reason
    expected = (PositionStatus.LIQUIDATED if reason is ExitReason.LIQUIDATION
                else PositionStatus.CLOSED)
    assert pos.status is expected


@pytest.mark.parametrize(("side", "price", "realized"),
                         [("long", "80", "-20.1"), ("short", "120", "-20.1")])
def test_liquidation(side: str, price: str, realized: str) -> None:
    pos = make_position(side, "1", "100", "0.1")
    assert pos.liquidate(D(price), at=T0 + timedelta(days=1)) == D(realized)
    assert pos.status is PositionStatus.LIQUIDATED
    assert pos.close_reason is ExitReason.LIQUIDATION
    assert not pos.is_open


def test_closing_twice_refused_and_changes_nothing() -> None:
    pos = make_position(fees="1")
    pos.close(order_id="a", price=D("110"), fees=D("1"))
    with pytest.raises(DomainError, match="cannot close: position BTC/USDT is closed"):
        pos.close(order_id="b", price=D("50"), fees=D("1"))
    assert pos.realized_pnl == D("8") and pos.exit_price == D("110") and pos.exit_order_id == "a"


@pytest.mark.parametrize("how", ["close", "liquidate"])
def test_update_price_after_close_refused(how: str) -> None:
    pos = make_position()
    if how == "close":
        pos.close(price=D("105"))
    else:
        pos.liquidate(D("60"))
    before = (pos.current_price, pos.high_water_mark, pos.low_water_mark, pos.max_drawdown)
    with pytest.raises(DomainError, match="cannot update the price"):
        pos.update_price(D("200"))
    assert (pos.current_price, pos.high_water_mark, pos.low_water_mark,
            pos.max_drawdown) == before


def test_close_needs_a_price() -> None:
    with pytest.raises(DomainError, match="a close needs the exit price"):
        make_position().close(order_id="x")


def test_closing_lifecycle_mark_and_fail() -> None:
    pos = make_position()
    pos.mark_closing("exit-1", ExitReason.STOP_LOSS)
    assert pos.status is PositionStatus.CLOSING and pos.is_open
    with pytest.raises(DomainError, match="is closing"):
        pos.mark_closing("exit-2", ExitReason.MANUAL)
    pos.exit_failed()
    assert pos.status is PositionStatus.OPEN and pos.exit_order_id is None
    pos.mark_closing("exit-3", "take_profit")
    pos.close(price=D("120"), reason=ExitReason.TAKE_PROFIT)
    assert pos.exit_order_id == "exit-3" and pos.status is PositionStatus.CLOSED


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"side": "sideways"}, "position side must be long or short"),
        ({"amount": 0.5}, "position amount must be given exactly"),
        ({"amount": "0"}, "position amount must be greater than zero"),
        ({"entry_price": "NaN"}, "entry price is not a number"),
        ({"entry_fees": "-1"}, "entry fees cannot be negative"),
        ({"stop_loss": 49000.0}, "stop loss must be given exactly"),
        ({"symbol": "BTC"}, "BASE/QUOTE"),
    ],
)
def test_bad_position_refused(kwargs: dict[str, object], words: str) -> None:
    base: dict[str, object] = {"symbol": "BTC/USDT", "side": "long", "amount": "1",
                               "entry_price": "100"}
    with pytest.raises(DomainError, match=words):
        Position(**(base | kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("side", "kwargs", "words"),
    [
        ("long", {"stop_loss": "101"}, "stop loss 101.00 must be below the price 100.00 for a l"),
        ("long", {"take_profit": "99"}, "take profit 99.00 must be above the price 100.00 for"),
        ("short", {"stop_loss": "99"}, "stop loss 99.00 must be above the price 100.00 for a s"),
        ("short", {"take_profit": "100"}, "take profit 100.00 must be below the price 100.00"),
        ("long", {"trailing_stop_percent": "100"}, "trailing stop % must be between 0 and 100"),
    ],
)
def test_protection_on_the_wrong_side_refused(side: str, kwargs: dict[str, str],
                                              words: str) -> None:
    pos = make_position(side)
    with pytest.raises(DomainError, match=words):
        pos.set_protection(**kwargs)  # type: ignore[arg-type]
    assert pos.stop_loss is None and pos.take_profit is None


def test_add_entry_weights_the_entry_price() -> None:
    pos = make_position("long", "0.5", "100", "0.05")
    pos.add_entry(D("1.5"), D("104"), D("0.156"))   # (50 + 156) / 2
    assert (pos.amount, pos.entry_price, pos.entry_fees) == (D("2"), D("103"), D("0.206"))


def test_exact_decimals_in_and_out() -> None:
    pos = make_position("long", "0.1", "0.3")
    pos.update_price(D("0.6"))
    assert pos.unrealized_pnl == D("0.03")  # 0.1·0.3, no float dust
    assert isinstance(pos.unrealized_pnl, Decimal)


def test_close_with_unknown_reason_refused_and_changes_nothing() -> None:
    pos = make_position()
    with pytest.raises(DomainError, match="unknown exit reason 'bored'"):
        pos.close(order_id="x", price=D("120"), reason="bored")
    assert pos.status is PositionStatus.OPEN and pos.current_price == D("100")
    assert pos.high_water_mark == D("100")


def test_unknown_position_status_refused() -> None:
    with pytest.raises(DomainError, match="unknown position status 'gone'"):
        Position(symbol="BTC/USDT", side="long", amount="1", entry_price="100",  # type: ignore[arg-type]
                 status="gone")  # type: ignore[arg-type]


class TestPartialReduce:
    """An exit that filled only partly: the sold part is realized, the rest stays guarded."""

    def test_reduce_then_close_equals_one_close(self):
        whole = Position(symbol="BTC/USDT", side="long", amount=D("0.5"),
                         entry_price=D("50000"), entry_fees=D("25"))
        whole.close(order_id="x", price=D("51500"), reason="manual", fees=D("25.75"))
        parts = Position(symbol="BTC/USDT", side="long", amount=D("0.5"),
                         entry_price=D("50000"), entry_fees=D("25"))
        first = parts.reduce(D("0.2"), D("51500"), fees=D("10.30"))
        assert first == D("300") - D("10") - D("10.30")
        assert parts.amount == D("0.3") and parts.entry_fees == D("15")
        parts.close(order_id="y", price=D("51500"), reason="manual", fees=D("15.45"))
        assert parts.realized_pnl == whole.realized_pnl == D("699.25")
        assert parts.exit_fees == D("25.75")

    def test_short_reduce(self):
        p = Position(symbol="ETH/USDT", side="short", amount=D("2"), entry_price=D("3000"),
                     entry_fees=D("6"))
        assert p.reduce(D("1"), D("2900"), fees=D("2.9")) == D("100") - D("3") - D("2.9")
        assert p.unrealized_pnl == D("100") - D("3")  # marked at 2900 with the remaining fee

    def test_reduce_by_more_than_held_is_refused(self):
        p = Position(symbol="BTC/USDT", side="long", amount=D("1"), entry_price=D("100"))
        with pytest.raises(DomainError, match="close it first"):
            p.reduce(D("1.5"), D("110"))
        assert p.amount == D("1") and p.realized_pnl == 0 and p.is_open
