"""`PositionUpdate`: one sampled mark-to-market of a position, the data behind its chart.

A frozen value rather than a live `Position`, because the log must keep what the position looked
like *then*; the engine decides how often to sample (settings: minimum interval and move).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

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
