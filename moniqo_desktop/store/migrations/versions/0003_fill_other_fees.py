"""Every fee of a fill: order_fills.other_fees keeps the fees in further currencies.

A fill charged 0.01 BNB and 5 USDT kept only the first; `other_fees` holds the rest as exact
JSON text (`[["USDT", "5"]]`), `[]` for the usual single-fee fill (also for existing rows).

Hand-written and frozen (plain SQLAlchemy types), like 0001.

Revision ID: 0003
Revises: 0002
Create Date: hand-written
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_fills") as batch:
        batch.add_column(sa.Column("other_fees", sa.Text(), nullable=False,
                                   server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("order_fills") as batch:
        batch.drop_column("other_fees")
