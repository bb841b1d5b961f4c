"""Exit audit and the typed stop: `orders.exit_decision` (JSON text: the rule, level, trigger
price and water mark that decided an exit order) and `positions.typed_stop_loss` (the stop the
trader set, kept apart from the stop a trail or break-even moved).

Hand-written and frozen, like the revisions before it. An open position from before keeps its stop as the typed one
when the trader's own stop was what held it.

Revision ID: 0004
Revises: 0003
Create Date: hand-written
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("exit_decision", sa.Text(), nullable=True))
    op.add_column("positions", sa.Column("typed_stop_loss", sa.Text(), nullable=True))
    op.execute("UPDATE positions SET typed_stop_loss = stop_loss "
               "WHERE stop_source = 'stop_loss' AND stop_loss IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("typed_stop_loss")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("exit_decision")
