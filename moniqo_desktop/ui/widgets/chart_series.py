"""The chart's samples as growable float columns, and what of them a view can show.

A week of one-second samples is ~600 000 rows: converting every Decimal on every redraw would
take longer than a frame, so each sample is converted once, when it arrives (or the whole
history at once, from the store's float columns), into preallocated numpy columns that grow by
doubling.

A redraw must cost what the pixels cost, not what the history costs. So what is drawn is
aggregated, and the aggregates are kept between redraws and only extended as samples arrive:
- `envelope`: the lowest and highest sample of each time bucket (buckets of 2^k seconds, the
  power of two that gives one to two buckets a pixel), i.e. pyqtgraph's "peak" downsampling,
  but over time rather than sample count (samples are not evenly spaced: the engine samples on
  a minimum interval and move) and remembered per bucket width;
- `steps`: a step line's corners only (a stop or water mark that holds for hours is one
  segment); more corners in view than pixels, and it is drawn as its envelope instead.
"""

from __future__ import annotations

from collections.abc import Sequence
import math
from decimal import Decimal

import numpy as np

COLUMNS = ("at", "price", "stop", "hwm", "lwm", "drawdown")
STEP_COLUMNS = ("stop", "hwm", "lwm")
FROZEN_CHUNK = 32  # samples or buckets: the newest part of a line that is drawn anew each tick


def as_float(value: Decimal | float | None) -> float:
    return np.nan if value is None else float(value)


class _Grown:
    """A 1-D numpy array that is appended to (capacity doubles) and can be cut back."""

    def __init__(self, dtype: type) -> None:
        self._a = np.empty(64, dtype=dtype)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.n + len(values)
        if need > len(self._a):
            grown = np.empty(max(need, 2 * len(self._a)), dtype=self._a.dtype)
            grown[:self.n] = self._a[:self.n]
            self._a = grown
        self._a[self.n:need] = values
        self.n = need

    def cut(self, n: int) -> None:
        self.n = min(self.n, n)

    @property
    def view(self) -> np.ndarray:
        return self._a[:self.n]


class _Buckets:
    """Complete time buckets of one column at one width: first sample index, min, max.

    `covered` is the first sample not in a complete bucket: the samples from there on are the
    bucket still filling (the newest), which is aggregated on each call instead of kept.
    """

    def __init__(self) -> None:
        self.starts, self.lo, self.hi = _Grown(np.int64), _Grown(float), _Grown(float)
        self.covered = 0

    def cut(self, index: int) -> None:
        """Forget every bucket that holds sample `index` or a later one."""
        k = int(np.searchsorted(self.starts.view, index, side="right")) - 1
        if k < 0 or index >= self.covered:
            return
        self.covered = int(self.starts.view[k])
        for grown in (self.starts, self.lo, self.hi):
            grown.cut(k)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equality where NaN equals NaN (a stop that stays unset is no corner)."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


class Series:
    """Rows of floats (NaN for a missing value) in time order, one column per `COLUMNS`."""

    def __init__(self, capacity: int = 256) -> None:
        self._data = np.full((len(COLUMNS), max(capacity, 16)), np.nan)
        self._n = 0
        self._extremes: tuple[float, float, float] | None = None  # price lo, hi; drawdown hi
        self._buckets: dict[tuple[int, float], _Buckets] = {}
        self._corners: dict[int, _Grown] = {}

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0
        self._forget()

    def _forget(self) -> None:
        self._extremes = None
        self._buckets = {}
        self._corners = {}

    def load(self, rows: np.ndarray) -> None:
        """Replace everything with `rows` (shape: len(COLUMNS) x n), with room to grow."""
        n = rows.shape[1]
        self._data = np.full((len(COLUMNS), max(16, n + max(1024, n // 4))), np.nan)
        self._data[:, :n] = rows
        self._n = n
        self._forget()

    def prepend(self, blocks: Sequence[np.ndarray]) -> None:
        """Older samples (blocks of shape len(COLUMNS) x k, in time order, all before the
        first row held) in front. One allocation and one copy of each value: a week of
        seconds is 30 MB, and every extra copy is time the GUI thread is held."""
        n = sum(b.shape[1] for b in blocks) + self._n
        data = np.empty((len(COLUMNS), max(16, n + max(1024, n // 4))))
        data[:, n:] = np.nan
        at = 0
        for block in blocks:
            data[:, at:at + block.shape[1]] = block
            at += block.shape[1]
        data[:, at:n] = self._data[:, :self._n]
        self._data, self._n = data, n
        self._forget()

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
        for c, corners in self._corners.items():
            self._mark_corner(c, corners)

    def replace_last(self, row: tuple[float, ...]) -> None:
        last = self._n - 1
        self._data[:, last] = row
        self._extremes = None
        for buckets in self._buckets.values():
            buckets.cut(last)
        for c, corners in self._corners.items():
            if corners.n and corners.view[-1] == last:
                corners.cut(corners.n - 1)
            self._mark_corner(c, corners)

    def _mark_corner(self, c: int, corners: _Grown) -> None:
        """The newest sample starts a new step if its value differs from the one before."""
        i = self._n - 1
        y = self._data[c]
        if i == 0 or not _same(y[i:i + 1], y[i - 1:i])[0]:
            corners.extend(np.array([i]))

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

    def row(self, i: int) -> np.ndarray:
        """Sample `i`, one float per `COLUMNS`."""
        return self._data[:, i].copy()

    def last(self, name: str) -> float:
        return float(self._data[COLUMNS.index(name), self._n - 1])

    # -- what a view shows ------------------------------------------------------------------
    def envelope(self, name: str, view: slice, pixels: int) -> tuple[np.ndarray, np.ndarray]:
        """The samples of `view`, or, when they are more than two a pixel, each time bucket's
        lowest and highest (drawn as a vertical stroke, as a dense line looks) ending on the
        last sample. Costs the buckets in view, whatever the length of the history."""
        x, y, _ = self.split_envelope(name, view, pixels)
        return x, y

    def split_envelope(self, name: str, view: slice, pixels: int
                       ) -> tuple[np.ndarray, np.ndarray, int]:
        """`envelope`, and how many of its first points will not change as samples arrive
        (whole chunks of `FROZEN_CHUNK` samples or buckets, counted from the start of time so
        the cut does not move with the view): the chart draws those as one curve, whose
        cached picture then lasts, and only the rest anew on every tick."""
        i0, i1 = view.start, view.stop
        x = self.column("at")
        c = COLUMNS.index(name)
        y = self._data[c, :self._n]
        if i1 - i0 <= 2 * pixels:
            cut = (i1 - 1) // FROZEN_CHUNK * FROZEN_CHUNK  # the last frozen sample
            return x[i0:i1], y[i0:i1], max(cut - i0 + 1, 0)
        width = 2.0 ** math.floor(math.log2(max(x[i1 - 1] - x[i0], 1e-9) / pixels))
        b = self._filled(c, width)
        starts = b.starts.view
        k0 = max(int(np.searchsorted(starts, i0, side="right")) - 1, 0)
        k1 = int(np.searchsorted(starts, i1, side="left"))
        xs = np.repeat(x[starts[k0:k1]], 2)
        ys = np.empty(len(xs))
        ys[0::2], ys[1::2] = b.lo.view[k0:k1], b.hi.view[k0:k1]
        frozen = 2 * max(k1 // FROZEN_CHUNK * FROZEN_CHUNK - k0, 0) if i1 >= b.covered else len(xs)
        if i1 > b.covered:  # the bucket still filling, then the newest sample in view
            tail = y[b.covered:i1]
            xs = np.concatenate((xs, [x[b.covered], x[b.covered], x[i1 - 1]]))
            ys = np.concatenate((ys, [np.fmin.reduce(tail), np.fmax.reduce(tail), y[i1 - 1]]))
        return xs, ys, frozen

    def _filled(self, c: int, width: float) -> _Buckets:
        """The complete buckets of column `c` at `width` seconds, extended to the newest."""
        b = self._buckets.setdefault((c, width), _Buckets())
        x = self._data[0, b.covered:self._n]
        if len(x) < 2:
            return b
        ids = np.floor(x / width)
        new = np.flatnonzero(ids[1:] != ids[:-1]) + 1  # where a bucket starts, from `covered`
        if len(new):
            bounds = np.concatenate(([0], new))
            segment = self._data[c, b.covered:b.covered + int(new[-1])]
            b.lo.extend(np.fmin.reduceat(segment, bounds[:-1]))
            b.hi.extend(np.fmax.reduceat(segment, bounds[:-1]))
            b.starts.extend(bounds[:-1] + b.covered)
            b.covered += int(new[-1])
        return b

    def steps(self, name: str, view: slice, pixels: int) -> tuple[np.ndarray, np.ndarray]:
        """A step line's corners in `view` (the one before it included, so the line starts at
        its value) and its newest sample in view; its envelope when the corners outnumber
        the pixels."""
        i0, i1 = view.start, view.stop
        c = COLUMNS.index(name)
        corners = self._corners_of(c).view
        k0 = max(int(np.searchsorted(corners, i0, side="right")) - 1, 0)
        k1 = int(np.searchsorted(corners, i1, side="left"))
        if k1 - k0 > 2 * pixels:
            return self.envelope(name, view, pixels)
        index = corners[k0:k1]
        if not len(index) or index[-1] != i1 - 1:
            index = np.append(index, i1 - 1)
        return self._data[0, index], self._data[c, index]

    def _corners_of(self, c: int) -> _Grown:
        corners = self._corners.get(c)
        if corners is None:
            y = self._data[c, :self._n]
            corners = _Grown(np.int64)
            if self._n:
                changed = np.flatnonzero(~_same(y[1:], y[:-1])) + 1
                corners.extend(np.concatenate(([0], changed)))
            self._corners[c] = corners
        return corners


def in_view(x: np.ndarray, x0: float, x1: float) -> slice:
    """The samples between x0 and x1, and one more on each side (the line runs to the edge)."""
    n = len(x)
    i0 = max(int(np.searchsorted(x, x0)) - 1, 0)
    i1 = min(int(np.searchsorted(x, x1, side="right")) + 1, n)
    if i1 - i0 < 2:
        i0, i1 = max(0, min(i0, n - 2)), n
    return slice(i0, i1)
