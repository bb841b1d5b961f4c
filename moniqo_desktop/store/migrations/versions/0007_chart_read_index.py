"""The chart's read of a position's samples answered from one index.

`ix_position_updates_position_id_at` (position_id, at) found a position's samples, but every
sample then cost a lookup in the table for the columns the chart draws: a week of one-second
samples is 604 800 such lookups. `ix_position_updates_chart` holds those columns too, in
(position_id, at, id) order - the order the chart reads, newest page first - so the read is an
index-only range scan. It replaces the narrower index, which is its prefix.

Hand-written and frozen, like the revisions before it.

Revision ID: 0007
Revises: 0006
Create Date: hand-written
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHART_COLUMNS = ["position_id", "at", "id", "price", "drawdown", "stop_loss",
                 "high_water_mark", "low_water_mark"]


def upgrade() -> None:
    op.create_index("ix_position_updates_chart", "position_updates", CHART_COLUMNS)
    op.drop_index("ix_position_updates_position_id_at", table_name="position_updates")


def downgrade() -> None:
    op.create_index(
        "ix_position_updates_position_id_at", "position_updates", ["position_id", "at"]
    )
    op.drop_index("ix_position_updates_chart", table_name="position_updates")
