"""The chart's samples as growable float columns.

A week of one-second samples is ~600 000 rows: converting every Decimal on every redraw would
take longer than a frame, so each sample is converted once, when it arrives, into preallocated
numpy columns that grow by doubling. Curves are handed views of these columns (no copies).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

COLUMNS = ("at", "price", "stop", "hwm", "lwm", "drawdown")


def as_float(value: Decimal | float | None) -> float:
    return np.nan if value is None else float(value)


class Series:
    """Rows of floats (NaN for a missing value) in time order, one column per `COLUMNS`."""

    def __init__(self, capacity: int = 256) -> None:
        self._data = np.full((len(COLUMNS), max(capacity, 16)), np.nan)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0

    def load(self, rows: np.ndarray) -> None:
        """Replace everything with `rows` (shape: len(COLUMNS) x n)."""
        n = rows.shape[1]
        self._data = np.full((len(COLUMNS), max(16, 2 * n)), np.nan)
        self._data[:, :n] = rows
        self._n = n

    def append(self, row: tuple[float, ...]) -> None:
        if self._n == self._data.shape[1]:
            grown = np.full((len(COLUMNS), 2 * self._n), np.nan)
            grown[:, :self._n] = self._data[:, :self._n]
            self._data = grown
        self._data[:, self._n] = row
        self._n += 1

    def replace_last(self, row: tuple[float, ...]) -> None:
        self._data[:, self._n - 1] = row

    def column(self, name: str) -> np.ndarray:
        return self._data[COLUMNS.index(name), :self._n]

    def last(self, name: str) -> float:
        return float(self._data[COLUMNS.index(name), self._n - 1])
