"""The window's open P&L total moves by the difference of the positions that changed (#14).

Before, every burst re-added all open positions' P&L (1 000 Decimals). These tests count
additions (work, not time) and check the running total against a full re-sum, exactly.
"""

from __future__ import annotations

import random
from decimal import Decimal, localcontext

from moniqo_desktop.ui.running_total import RunningTotal

D = Decimal


def exact_sum(values) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 200
        return sum(values, D(0))


def test_a_scripted_session_matches_a_full_resum_exactly():
    rng = random.Random(14)
    total = RunningTotal()
    parts: dict[str, Decimal] = {}
    for step in range(5_000):
        key = f"p{rng.randrange(300)}"
        if rng.random() < 0.1:
            total.discard(key)
            parts.pop(key, None)
        else:
            # P&L with many places (price x amount), signs both ways, some huge
            value = D(rng.randrange(-10**12, 10**12)) / D(10) ** rng.randrange(0, 18)
            total.set(key, value)
            parts[key] = value
        if step % 97 == 0:
            exact = exact_sum(parts.values())
            assert total.total == exact and len(total) == len(parts)
    assert total.total == exact_sum(parts.values()) == total.resum()


def test_an_update_costs_one_addition_not_one_per_position():
    total = RunningTotal()
    for i in range(1_000):
        total.set(f"p{i}", D(i) / 7)
    before = total.additions
    for i in range(50):  # a tick moves 50 of the 1 000
        total.set(f"p{i}", D(i) / 3)
    total.discard("p999")
    assert total.additions - before == 51
    assert total.total == exact_sum([D(i) / 3 for i in range(50)]
                                    + [D(i) / 7 for i in range(50, 999)])


def test_a_step_that_would_round_falls_back_to_an_exact_resum():
    total = RunningTotal()
    total.set("a", D("1E+150"))
    total.set("b", D("1E-150"))  # 301 digits: wider than the exact context
    assert total.total == total.resum() == D("1E+150") + D("1E-150")  # rounded, as sum()
