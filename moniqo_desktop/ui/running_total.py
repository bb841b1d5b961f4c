"""A sum of many Decimals kept up to date by the difference of the one that changed.

The window's open P&L is the sum of every open position's P&L; re-adding 1 000 of them after
each burst of ticks cost the GUI thread for nothing. Arithmetic here is exact (a context wide
enough that no step rounds); should a step ever round, the total is summed again from the
parts, so it always equals an exact full re-sum (the old `sum()` at 28 digits could round).
"""

from __future__ import annotations

from decimal import Context, Decimal, Inexact

EXACT = Context(prec=200, traps=[Inexact])


class RunningTotal:
    def __init__(self) -> None:
        self._parts: dict[str, Decimal] = {}
        self._total = Decimal(0)
        self.additions = 0
        """Decimal additions made so far (what the tests count: work, not time)."""

    def set(self, key: str, value: Decimal) -> None:
        old = self._parts.get(key)
        self._parts[key] = value
        self._add(value if old is None else EXACT.subtract(value, old))

    def discard(self, key: str) -> None:
        old = self._parts.pop(key, None)
        if old is not None:
            self._add(-old)

    def _add(self, delta: Decimal) -> None:
        self.additions += 1
        try:
            self._total = EXACT.add(self._total, delta)
        except Inexact:
            self._total = self.resum()

    def resum(self) -> Decimal:
        """The total added up again from every part (the slow way: a check)."""
        self.additions += len(self._parts)
        total = Decimal(0)
        try:
            for value in self._parts.values():
                total = EXACT.add(total, value)
        except Inexact:  # parts 200 digits apart: only a rounded sum exists
            return sum(self._parts.values(), Decimal(0))
        return total

    @property
    def total(self) -> Decimal:
        return self._total

    def __len__(self) -> int:
        return len(self._parts)


class TotalsByCurrency:
    """One `RunningTotal` per currency: P&L in BTC (ETH/BTC) and in USDT do not add up, and
    the strip summed them into one "USDT" figure."""

    def __init__(self) -> None:
        self._totals: dict[str, RunningTotal] = {}

    def set(self, key: str, currency: str, value: Decimal) -> None:
        total = self._totals.get(currency)
        if total is None:
            total = self._totals[currency] = RunningTotal()
        total.set(key, value)

    def discard(self, key: str) -> None:
        for total in self._totals.values():  # a handful of currencies
            total.discard(key)

    def totals(self) -> dict[str, Decimal]:
        """Each currency's total, for the currencies that have a part."""
        return {currency: t.total for currency, t in self._totals.items() if len(t)}

    def __len__(self) -> int:
        return sum(len(t) for t in self._totals.values())
