"""Protection requested on an entry order: parsed exactly, checked against a reference price."""

from __future__ import annotations

import pytest

from moniqo_desktop.domain import DomainError, ExitReason, Protection, check_exits

from domain_helpers import D, make_position


def test_build_parses_text_exactly() -> None:
    p = Protection.build(stop_loss="49000", take_profit="52000.5", trailing_stop_percent="1.5",
                         trailing_activation_percent="2", break_even_percent="1")
    assert (p.stop_loss, p.take_profit, p.trailing_stop_percent, p.trailing_activation_percent,
            p.break_even_percent) == (D("49000"), D("52000.5"), D("1.5"), D("2"), D("1"))
    assert not p.is_empty
    assert Protection.build().is_empty


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"stop_loss": "NaN"}, "stop loss is not a number"),
        ({"take_profit": 52000.0}, "take profit must be given exactly"),
        ({"trailing_stop_percent": "100"}, "trailing stop % must be between 0 and 100"),
        ({"trailing_stop_percent": "0"}, "trailing stop % must be greater than zero"),
        ({"break_even_percent": "-1"}, "break-even % cannot be negative"),
    ],
)
def test_build_refuses_bad_values(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(DomainError, match=words):
        Protection.build(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("direction", "kwargs", "ok"),
    [
        (1, {"stop_loss": "49000", "take_profit": "51000"}, True),
        (1, {"stop_loss": "50000"}, False),          # at the market: would fire at once
        (1, {"take_profit": "49999"}, False),
        (-1, {"stop_loss": "51000", "take_profit": "49000"}, True),
        (-1, {"stop_loss": "49000"}, False),
        (-1, {"take_profit": "50001"}, False),
    ],
)
def test_check_against_reference(direction: int, kwargs: dict[str, str], ok: bool) -> None:
    protection = Protection.build(**kwargs)
    if ok:
        protection.check(direction, D("50000"))
    else:
        with pytest.raises(DomainError, match="must be (below|above) the price 50,000.00"):
            protection.check(direction, D("50000"))


def test_applied_protection_guards_the_position() -> None:
    pos = make_position("long", "1", "100")
    pos.apply_protection(Protection.build(stop_loss="95", take_profit="120"))
    assert pos.stop_source is ExitReason.STOP_LOSS and not pos.break_even_armed
    decision = check_exits(pos, D("94"))
    assert decision is not None and decision.reason is ExitReason.STOP_LOSS


def test_a_level_on_the_wrong_side_is_named_as_the_window_spells_figures() -> None:
    """The form showed "Stop loss 50500 must be below the price 50000.5 for a long position"
    under tables that read "50,500.00" and "50,000.50": the message echoes what the trader
    typed, spelled as the window spells figures, and never rounds a typed decimal away."""
    from moniqo_desktop.domain.protection import check_levels

    with pytest.raises(DomainError) as long_stop:
        check_levels(1, D("50000.5"), D("50500"), None)
    assert str(long_stop.value) == ("stop loss 50,500.00 must be below the price 50,000.50 "
                                    "for a long position")
    with pytest.raises(DomainError) as short_target:
        check_levels(-1, D("0.45678"), None, D("0.4567812"))
    assert str(short_target.value) == ("take profit 0.4567812 must be below the price 0.45678 "
                                       "for a short position")
