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
        self._extremes: tuple[float, float, float] | None = None  # price lo, hi; drawdown hi

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0
        self._extremes = None

    def load(self, rows: np.ndarray) -> None:
        """Replace everything with `rows` (shape: len(COLUMNS) x n)."""
        n = rows.shape[1]
        self._data = np.full((len(COLUMNS), max(16, 2 * n)), np.nan)
        self._data[:, :n] = rows
        self._n = n
        self._extremes = None

    def append(self, row: tuple[float, ...]) -> None:
        if self._n == self._data.shape[1]:
            grown = np.full((len(COLUMNS), 2 * self._n), np.nan)
            grown[:, :self._n] = self._data[:, :self._n]
            self._data = grown
        self._data[:, self._n] = row
        self._n += 1
        if self._extremes is not None:  # kept up to date without a pass over the history
            lo, hi, dd = self._extremes
            price, drawdown = row[1], row[5]
            self._extremes = (np.fmin(lo, price), np.fmax(hi, price), np.fmax(dd, drawdown))

    def replace_last(self, row: tuple[float, ...]) -> None:
        self._data[:, self._n - 1] = row
        self._extremes = None

    def extremes(self) -> tuple[float, float, float]:
        """Lowest and highest price, deepest drawdown (NaN-safe; cached between appends)."""
        if self._extremes is None:
            prices, dd = self.column("price"), self.column("drawdown")
            finite = np.isfinite(dd)
            self._extremes = (float(np.nanmin(prices)), float(np.nanmax(prices)),
                              float(np.max(dd[finite])) if finite.any() else 0.0)
        return self._extremes

    def column(self, name: str) -> np.ndarray:
        return self._data[COLUMNS.index(name), :self._n]

    def last(self, name: str) -> float:
        return float(self._data[COLUMNS.index(name), self._n - 1])


def in_view(x: np.ndarray, x0: float, x1: float) -> slice:
    """The samples between x0 and x1, and one more on each side (the line runs to the edge)."""
    n = len(x)
    i0 = max(int(np.searchsorted(x, x0)) - 1, 0)
    i1 = min(int(np.searchsorted(x, x1, side="right")) + 1, n)
    if i1 - i0 < 2:
        i0, i1 = max(0, min(i0, n - 2)), n
    return slice(i0, i1)


def peaks(x: np.ndarray, y: np.ndarray, pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """At most two points per pixel: each pixel's lowest and highest sample (pyqtgraph's "peak"
    downsampling, done here so a redraw hands it a few thousand points, not a week of them)."""
    n = len(x)
    per = n // max(pixels, 1)
    if per < 2:
        return x, y
    m = n // per * per
    block = y[:m].reshape(-1, per)
    xs = np.repeat(x[:m:per], 2)
    ys = np.empty(len(xs))
    ys[0::2] = block.min(axis=1)
    ys[1::2] = block.max(axis=1)
    return np.concatenate((xs, x[m:])), np.concatenate((ys, y[m:]))
