"""The paper venue's books as tables: paper_orders, paper_fills, paper_balances, paper_meta.

They replace the paper account's JSON document in app_state (rewritten whole, ~0.55 MB, whenever
anything in it changed, prices included). The JSON document is imported into these tables by the
app on first start (store/paper_journal.py), not here, so this revision stays frozen SQL.

Revision ID: 0005
Revises: 0004
Create Date: hand-written
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

VENUE = sa.String(32)
EXTERNAL_ID = sa.String(128)
MONEY = sa.Text()
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "paper_orders",
        sa.Column("venue", VENUE, nullable=False),
        sa.Column("id", EXTERNAL_ID, nullable=False),
        sa.Column("client_order_id", EXTERNAL_ID, nullable=True),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("venue", "id", name="pk_paper_orders"),
    )
    op.create_index("ix_paper_orders_status", "paper_orders", ["status"])
    op.create_index("ix_paper_orders_venue_client_order_id", "paper_orders",
                    ["venue", "client_order_id"])
    op.create_table(
        "paper_fills",
        sa.Column("venue", VENUE, nullable=False),
        sa.Column("fill_id", EXTERNAL_ID, nullable=False),
        sa.Column("order_id", EXTERNAL_ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("fee", MONEY, nullable=False),
        sa.Column("fee_currency", sa.String(32), nullable=True),
        sa.Column("at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("venue", "fill_id", name="pk_paper_fills"),
    )
    op.create_index("ix_paper_fills_order_id", "paper_fills", ["order_id"])
    op.create_table(
        "paper_balances",
        sa.Column("venue", VENUE, nullable=False),
        sa.Column("currency", sa.String(32), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("venue", "currency", name="pk_paper_balances"),
    )
    op.create_table(
        "paper_meta",
        sa.Column("venue", VENUE, nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("venue", "key", name="pk_paper_meta"),
    )


def downgrade() -> None:
    op.drop_table("paper_meta")
    op.drop_table("paper_balances")
    op.drop_index("ix_paper_fills_order_id", table_name="paper_fills")
    op.drop_table("paper_fills")
    op.drop_index("ix_paper_orders_venue_client_order_id", table_name="paper_orders")
    op.drop_index("ix_paper_orders_status", table_name="paper_orders")
    op.drop_table("paper_orders")
