"""Exit rules: stop loss, take profit, trailing, break-even, liquidation — walked price by price.

Each row is a position, its protection and a price path a trader could replay on a chart; the
expectation is the one exit (reason, level, price it was seen at) and the stop left behind.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import pytest

from moniqo_desktop.domain import (
    ExitDecision,
    ExitReason,
    PositionStatus,
    apply_evaluation,
    check_exits,
    evaluate_exit,
)
from moniqo_desktop.domain.exits import break_even_price, trailing_stop_level
from moniqo_desktop.domain.positions import Position

from domain_helpers import T0, D, make_position

R = ExitReason


def walk(pos: Position, path: list[str]) -> tuple[ExitDecision | None, int]:
    """Feed prices until the first exit; returns it and how many prices were used."""
    for i, price in enumerate(path, start=1):
        decision = check_exits(pos, D(price), T0 + timedelta(minutes=i))
        if decision is not None:
            return decision, i
    return None, len(path)


# id, side, protection, path, expected (reason, level, price) or None, stop left behind
CASES = [
    # -- stop loss ------------------------------------------------------------------------
    ("sl-long-touch", "long", {"stop_loss": "95"}, ["97", "95"], (R.STOP_LOSS, "95", "95"), "95"),
    ("sl-long-near-miss", "long", {"stop_loss": "95"}, ["97", "95.01"], None, "95"),
    ("sl-long-gap", "long", {"stop_loss": "95"}, ["97", "80"], (R.STOP_LOSS, "95", "80"), "95"),
    ("sl-short-touch", "short", {"stop_loss": "105"}, ["103", "105"],
     (R.STOP_LOSS, "105", "105"), "105"),
    ("sl-short-near-miss", "short", {"stop_loss": "105"}, ["104.99"], None, "105"),
    ("sl-short-gap", "short", {"stop_loss": "105"}, ["103", "120"],
     (R.STOP_LOSS, "105", "120"), "105"),
    # -- take profit ----------------------------------------------------------------------
    ("tp-long-touch", "long", {"take_profit": "110"}, ["105", "110"],
     (R.TAKE_PROFIT, "110", "110"), None),
    ("tp-long-near-miss", "long", {"take_profit": "110"}, ["109.99"], None, None),
    ("tp-long-gap", "long", {"take_profit": "110"}, ["130"], (R.TAKE_PROFIT, "110", "130"), None),
    ("tp-short-touch", "short", {"take_profit": "90"}, ["90"], (R.TAKE_PROFIT, "90", "90"), None),
    ("tp-short-gap", "short", {"take_profit": "90"}, ["95", "70"],
     (R.TAKE_PROFIT, "90", "70"), None),
    ("tp-short-near-miss", "short", {"take_profit": "90"}, ["90.01"], None, None),
    # -- trailing without activation: starts trailing from entry at once -----------------
    ("trail-long-from-entry", "long", {"trailing_stop_percent": "5"}, ["100"], None, "95"),
    ("trail-long-ratchets", "long", {"trailing_stop_percent": "5"}, ["110", "106"], None, "104.5"),
    ("trail-long-exit", "long", {"trailing_stop_percent": "5"}, ["110", "106", "104.5"],
     (R.TRAILING_STOP, "104.5", "104.5"), "104.5"),
    ("trail-long-gap", "long", {"trailing_stop_percent": "10"}, ["120", "50"],
     (R.TRAILING_STOP, "108", "50"), "108"),
    ("trail-short-ratchets", "short", {"trailing_stop_percent": "5"}, ["90", "93"], None, "94.5"),
    ("trail-short-exit", "short", {"trailing_stop_percent": "5"}, ["90", "93", "94.5"],
     (R.TRAILING_STOP, "94.5", "94.5"), "94.5"),
    ("trail-short-from-entry", "short", {"trailing_stop_percent": "5"}, ["101"], None, "105"),
    # -- trailing with activation % ------------------------------------------------------
    ("act-long-inactive", "long",
     {"trailing_stop_percent": "5", "trailing_activation_percent": "10"}, ["105", "109.99", "101"],
     None, None),
    ("act-long-activates-exactly", "long",
     {"trailing_stop_percent": "5", "trailing_activation_percent": "10"}, ["105", "110"],
     None, "104.5"),
    ("act-long-exit", "long",
     {"trailing_stop_percent": "5", "trailing_activation_percent": "10"}, ["110", "104.5"],
     (R.TRAILING_STOP, "104.5", "104.5"), "104.5"),
    ("act-long-inactive-user-stop", "long",
     {"stop_loss": "90", "trailing_stop_percent": "5", "trailing_activation_percent": "10"},
     ["105", "90"], (R.STOP_LOSS, "90", "90"), "90"),
    ("act-short-inactive", "short",
     {"trailing_stop_percent": "5", "trailing_activation_percent": "10"}, ["95", "99"], None, None),
    ("act-short-gap-exit", "short",
     {"trailing_stop_percent": "5", "trailing_activation_percent": "10"}, ["95", "90", "95"],
     (R.TRAILING_STOP, "94.5", "95"), "94.5"),
    # -- trailing vs the trader's own stop: the more protective wins, and names the exit --
    ("trail-below-user-stop", "long", {"stop_loss": "98", "trailing_stop_percent": "5"},
     ["101", "98"], (R.STOP_LOSS, "98", "98"), "98"),   # 101·0.95 = 95.95 < 98: not moved
    ("trail-moves-user-stop", "long", {"stop_loss": "98", "trailing_stop_percent": "5"},
     ["102", "104", "98.8"], (R.TRAILING_STOP, "98.8", "98.8"), "98.8"),  # 104·0.95 = 98.8
    ("trail-short-moves-user-stop", "short", {"stop_loss": "102", "trailing_stop_percent": "5"},
     ["96", "101"], (R.TRAILING_STOP, "100.8", "101"), "100.8"),  # 96·1.05 = 100.8
    # -- break-even (no fees: break-even is the entry itself) ------------------------------
    ("be-long-not-yet", "long", {"break_even_percent": "2"}, ["101.99", "99"], None, None),
    ("be-long-arms", "long", {"break_even_percent": "2"}, ["102"], None, "100"),
    ("be-long-exit", "long", {"break_even_percent": "2"}, ["102", "101", "100"],
     (R.BREAK_EVEN, "100", "100"), "100"),
    ("be-long-gap", "long", {"break_even_percent": "2", "stop_loss": "90"}, ["103", "95"],
     (R.BREAK_EVEN, "100", "95"), "100"),
    ("be-short-exit", "short", {"break_even_percent": "2"}, ["98", "100"],
     (R.BREAK_EVEN, "100", "100"), "100"),
    ("be-then-trail-wins", "long", {"break_even_percent": "2", "trailing_stop_percent": "5"},
     ["110", "104.5"], (R.TRAILING_STOP, "104.5", "104.5"), "104.5"),
    ("be-beats-early-trail", "long", {"break_even_percent": "2", "trailing_stop_percent": "5"},
     ["102", "100"], (R.BREAK_EVEN, "100", "100"), "100"),  # 96.9 < 100
    # -- liquidation: what the exchange does first ---------------------------------------
    ("liq-long-touch", "long", {"liquidation_price": "80", "stop_loss": "70"}, ["80"],
     (R.LIQUIDATION, "80", "80"), "70"),
    ("liq-long-stop-first", "long", {"liquidation_price": "80", "stop_loss": "90"}, ["85"],
     (R.STOP_LOSS, "90", "85"), "90"),
    ("liq-long-gap-through-both", "long", {"liquidation_price": "80", "stop_loss": "90"}, ["75"],
     (R.LIQUIDATION, "80", "75"), "90"),
    ("liq-short", "short", {"liquidation_price": "120"}, ["110", "125"],
     (R.LIQUIDATION, "120", "125"), None),
]


@pytest.mark.parametrize(("side", "protection", "path", "expected", "stop"),
                         [pytest.param(*row[1:], id=row[0]) for row in CASES])
def test_exit_walk(side: str, protection: dict[str, str], path: list[str],
                   expected: tuple[ExitReason, str, str] | None, stop: str | None) -> None:
    pos = make_position(side, "1", "100", **protection)
    decision, used = walk(pos, path)
    if expected is None:
        assert decision is None
    else:
        assert decision is not None
        assert used == len(path), "exited earlier than the path's last price"
        reason, level, price = expected
        assert (decision.reason, decision.level, decision.price) == (reason, D(level), D(price))
        assert decision.at == T0 + timedelta(minutes=used)
    assert pos.stop_loss == (None if stop is None else D(stop))


def test_stop_and_target_crossed_at_once_exits_as_stop() -> None:
    """Levels set unchecked (e.g. carried on an entry that filled late) can overlap."""
    pos = make_position("long", "1", "100", stop_loss="112", take_profit="110")
    decision = check_exits(pos, D("111"))
    assert decision is not None and decision.reason is R.STOP_LOSS and decision.level == D("112")


def test_short_stop_and_target_crossed_at_once_exits_as_stop() -> None:
    pos = make_position("short", "1", "100", stop_loss="88", take_profit="90")
    decision = check_exits(pos, D("89"))
    assert decision is not None and decision.reason is R.STOP_LOSS


def test_trail_that_overtook_target_during_a_failed_close_exits_as_trailing() -> None:
    """While a manual close is in flight the trail keeps ratcheting; if that close is refused
    and the next price sits both under the trail and above the target, the stop wins."""
    pos = make_position("long", "1", "100", take_profit="110", trailing_stop_percent="5")
    pos.mark_closing("manual-exit", R.MANUAL)
    assert walk(pos, ["130"]) == (None, 1)
    assert pos.stop_loss == D("123.5")
    pos.exit_failed()
    decision = check_exits(pos, D("120"))
    assert decision is not None
    assert (decision.reason, decision.level, decision.price) == (R.TRAILING_STOP, D("123.5"),
                                                                 D("120"))


def test_no_decision_while_closing_and_exactly_once() -> None:
    pos = make_position("long", "1", "100", stop_loss="95")
    decision = check_exits(pos, D("94"))
    assert decision is not None and decision.reason is R.STOP_LOSS
    pos.mark_closing("exit-1", decision.reason)
    # later ticks, even further through the stop, decide nothing: the exit is in flight
    assert check_exits(pos, D("93")) is None
    assert check_exits(pos, D("90")) is None
    assert pos.status is PositionStatus.CLOSING
    pos.close(order_id="exit-1", price=D("93.9"), reason=decision.reason)
    assert pos.status is PositionStatus.CLOSED and pos.close_reason is R.STOP_LOSS


def test_evaluate_is_pure_and_repeatable() -> None:
    pos = make_position("long", "1", "100", trailing_stop_percent="5", break_even_percent="1",
                        take_profit="150")
    pos.update_price(D("120"))
    before = copy.deepcopy(pos.__dict__)
    first = evaluate_exit(pos, D("120"))
    second = evaluate_exit(pos, D("120"))
    assert first == second
    assert pos.__dict__ == before
    assert first.stop_loss == D("114") and first.stop_source is R.TRAILING_STOP
    assert first.break_even_armed and first.trailing_active and first.decision is None
    assert apply_evaluation(pos, first) is True
    assert apply_evaluation(pos, evaluate_exit(pos, D("120"))) is False


# side, amount, entry, entry fees — exit fee at the same rate as the entry's (documented model)
BREAK_EVEN_TABLE = [
    ("long", "1", "100", "0", "100"),
    ("long", "1", "100", "0.1", None),          # 100.1 / 0.999 = 100.2002…
    ("long", "0.5", "50000", "25", None),       # 25 025 / 0.4995 = 50 100.1001…
    ("short", "1", "100", "0", "100"),
    ("short", "2", "2500", "5", None),          # 4 995 / 2.002 = 2 495.004995…
    ("short", "0.5", "50000", "25", None),      # 24 975 / 0.5005 = 49 900.0999…
]


@pytest.mark.parametrize(("side", "amount", "entry", "fees", "exact"), BREAK_EVEN_TABLE)
def test_break_even_stop_realizes_zero(side: str, amount: str, entry: str, fees: str,
                                       exact: str | None) -> None:
    pos = make_position(side, amount, entry, fees)
    level = break_even_price(pos)
    if exact is not None:
        assert level == D(exact)
    # it is "entry plus enough": above entry for a long, below for a short (when fees > 0)
    assert pos.direction * (level - pos.entry_price) >= 0
    rate = pos.entry_fees / (pos.entry_price * pos.amount)
    exit_fee = rate * level * pos.amount
    realized = pos.close(order_id="x", price=level, reason=R.BREAK_EVEN, fees=exit_fee)
    assert abs(realized) < D("1e-20")


@pytest.mark.parametrize(
    ("entry", "fees", "be_level"),
    [("100", "0.1", "100.2002002002002002002002002"), ("50000", "25", "50100.10010010010010010010010")],
)
def test_break_even_worked_levels(entry: str, fees: str, be_level: str) -> None:
    amount = "1" if entry == "100" else "0.5"
    assert break_even_price(make_position("long", amount, entry, fees)) == D(be_level)


def test_break_even_waits_until_fees_are_covered() -> None:
    """X % below the round-trip fees: armed, but the stop waits for the market to pass the
    fee-covering level instead of being put above the price and firing at a loss."""
    pos = make_position("long", "1", "100", "0.1", break_even_percent="0.1")
    assert check_exits(pos, D("100.1")) is None
    assert pos.break_even_armed and pos.stop_loss is None
    assert check_exits(pos, D("100.3")) is None
    assert pos.stop_loss == break_even_price(pos) and pos.stop_source is R.BREAK_EVEN
    decision = check_exits(pos, D("100.2"))
    assert decision is not None and decision.reason is R.BREAK_EVEN


def test_trailing_level_formula() -> None:
    long_ = make_position("long", "1", "100")
    long_.update_price(D("200"))
    short = make_position("short", "1", "100")
    short.update_price(D("50"))
    assert trailing_stop_level(long_, D("2.5")) == D("195")    # 200 × 0.975
    assert trailing_stop_level(short, D("2.5")) == D("51.25")  # 50 × 1.025


@pytest.mark.parametrize("side", ["long", "short"])
def test_trailing_stop_never_gives_back(side: str) -> None:
    pos = make_position(side, "1", "100", trailing_stop_percent="3")
    seen: list[Decimal] = []
    for price in ["104", "101", "108", "103", "99", "111", "110"] if side == "long" else \
                 ["96", "99", "92", "97", "101", "89", "90"]:
        check_exits(pos, D(price))
        assert pos.stop_loss is not None
        seen.append(pos.stop_loss)
        if pos.status is not PositionStatus.OPEN:
            break
    steps = zip(seen, seen[1:])
    if side == "long":
        assert all(b >= a for a, b in steps)
    else:
        assert all(b <= a for a, b in steps)


def test_set_protection_changing_the_stop_resets_its_source() -> None:
    pos = make_position("long", "1", "100", trailing_stop_percent="5")
    check_exits(pos, D("110"))
    assert pos.stop_source is R.TRAILING_STOP
    pos.set_protection(stop_loss="105", trailing_stop_percent="5")
    assert pos.stop_source is R.STOP_LOSS
    decision = check_exits(pos, D("105"))
    assert decision is not None and decision.reason is R.STOP_LOSS
