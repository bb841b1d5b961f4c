"""`PositionUpdate`: one sampled mark-to-market of a position, the data behind its chart.

A frozen value rather than a live `Position`, because the log must keep what the position looked
like *then*; the engine decides how often to sample (settings: minimum interval and move).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np

from ..domain import Position
from ..domain.orders import utcnow


@dataclass(frozen=True)
class PositionUpdate:
    position_id: str
    at: datetime
    price: Decimal
    unrealized_pnl: Decimal
    drawdown: Decimal  # % retreat from the favourable water mark at `at`
    stop_loss: Decimal | None
    high_water_mark: Decimal
    low_water_mark: Decimal

    @classmethod
    def of(cls, position: Position, at: datetime | None = None) -> "PositionUpdate":
        """Snapshot `position` as it is now (at its `updated_at`, else `at`, else the clock)."""
        assert position.current_price is not None
        assert position.high_water_mark is not None and position.low_water_mark is not None
        return cls(
            position_id=position.id,
            at=at or position.updated_at or utcnow(),
            price=position.current_price,
            unrealized_pnl=position.unrealized_pnl,
            drawdown=position.drawdown,
            stop_loss=position.stop_loss,
            high_water_mark=position.high_water_mark,
            low_water_mark=position.low_water_mark,
        )



UPDATE_PAGE_ROWS = 500
"""Samples per page of `Store.position_update_pages`: a few ms of reading on a loaded machine."""

COLUMN_FIELDS = ("at", "price", "drawdown", "stop_loss", "high_water_mark", "low_water_mark")


@dataclass(frozen=True)
class UpdateColumns:
    """One position's samples as columns of floats: the chart's read path.

    A week of one-second samples is 600 000 rows; building a `PositionUpdate` (seven Decimals
    and a datetime) per row took seconds, and the chart only draws floats. So the database
    joins each column into one text (`group_concat` / `string_agg`) and numpy parses it, with
    no Python object per value. Floats are for drawing only: money stays Decimal in
    `PositionUpdate`.

    `at` is seconds since the epoch (UTC); a missing stop is NaN. Every column is a float64
    array of the same length, in time order.
    """

    at: np.ndarray
    price: np.ndarray
    drawdown: np.ndarray
    stop_loss: np.ndarray
    high_water_mark: np.ndarray
    low_water_mark: np.ndarray

    def __len__(self) -> int:
        return len(self.at)

    @classmethod
    def joined(cls, pages: Sequence["UpdateColumns"]) -> "UpdateColumns":
        """Consecutive pages (oldest first) as one set of columns."""
        if not pages:
            return cls(*(np.empty(0) for _ in COLUMN_FIELDS))
        return cls(*(np.concatenate([getattr(p, name) for p in pages])
                     for name in COLUMN_FIELDS))

    @classmethod
    def parse(cls, count: int, at: np.ndarray, texts: Sequence[str | None]) -> "UpdateColumns":
        """`count` samples: their times, then each other column of `COLUMN_FIELDS` as the
        comma-joined text of its numbers ("nan" for no stop). A value that is not a number
        raises ValueError naming the column (nothing is half-read)."""
        columns = [at]
        for name, text in zip(COLUMN_FIELDS[1:], texts):
            values = np.fromstring(text or "", sep=",") if count else np.empty(0)
            if len(values) != count:
                raise ValueError(f"not a number in position_updates.{name}")
            columns.append(values)
        if len(at) != count:
            raise ValueError("not a time in position_updates.at")
        if np.any(at[1:] < at[:-1]):  # joined in scan order; the chart needs time order
            order = np.argsort(at, kind="stable")
            columns = [column[order] for column in columns]
        return cls(*columns)
