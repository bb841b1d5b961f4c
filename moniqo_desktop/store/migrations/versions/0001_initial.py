"""Initial schema: orders (+ protection, fills, status history), positions (+ price updates),
app_state.

Hand-written and frozen: it uses plain SQLAlchemy types, never the app's models or TypeDecorators,
so later changes to `models.py` cannot silently change what this revision builds. Money columns
are TEXT (exact Decimal text); times are DateTime(timezone=True), stored as UTC.

Revision ID: 0001
Revises:
Create Date: hand-written
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
EXTERNAL_ID = sa.String(128)
ENUM = sa.String(32)
MONEY = sa.Text()
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", ID, nullable=False),
        sa.Column("client_order_id", EXTERNAL_ID, nullable=False),
        sa.Column("exchange_order_id", EXTERNAL_ID, nullable=True),
        sa.Column("intent", ENUM, nullable=False),
        sa.Column("position_id", ID, nullable=True),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", ENUM, nullable=False),
        sa.Column("type", ENUM, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("price", MONEY, nullable=True),
        sa.Column("stop_price", MONEY, nullable=True),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("has_protection", sa.Boolean(), nullable=False),
        sa.Column("protection_stop_loss", MONEY, nullable=True),
        sa.Column("protection_take_profit", MONEY, nullable=True),
        sa.Column("protection_trailing_stop_percent", MONEY, nullable=True),
        sa.Column("protection_trailing_activation_percent", MONEY, nullable=True),
        sa.Column("protection_break_even_percent", MONEY, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("client_order_id", name="uq_orders_client_order_id"),
    )
    op.create_index("ix_orders_exchange_order_id", "orders", ["exchange_order_id"])
    op.create_index("ix_orders_position_id", "orders", ["position_id"])
    op.create_index("ix_orders_status", "orders", ["status"])

    op.create_table(
        "order_fills",
        sa.Column("order_id", ID, nullable=False),
        sa.Column("fill_id", EXTERNAL_ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("fee", MONEY, nullable=False),
        sa.Column("fee_currency", sa.String(32), nullable=True),
        sa.Column("at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("order_id", "fill_id", name="pk_order_fills"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_fills_order_id_orders", ondelete="CASCADE"
        ),
    )

    op.create_table(
        "order_status_history",
        sa.Column("order_id", ID, nullable=False),
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("order_id", "sequence", name="pk_order_status_history"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name="fk_order_status_history_order_id_orders",
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "positions",
        sa.Column("id", ID, nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", ENUM, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("entry_price", MONEY, nullable=False),
        sa.Column("entry_fees", MONEY, nullable=False),
        sa.Column("opened_at", TIME, nullable=False),
        sa.Column("entry_order_id", ID, nullable=True),
        sa.Column("current_price", MONEY, nullable=True),
        sa.Column("high_water_mark", MONEY, nullable=True),
        sa.Column("low_water_mark", MONEY, nullable=True),
        sa.Column("max_drawdown", MONEY, nullable=False),
        sa.Column("updated_at", TIME, nullable=True),
        sa.Column("stop_loss", MONEY, nullable=True),
        sa.Column("take_profit", MONEY, nullable=True),
        sa.Column("trailing_stop_percent", MONEY, nullable=True),
        sa.Column("trailing_activation_percent", MONEY, nullable=True),
        sa.Column("break_even_percent", MONEY, nullable=True),
        sa.Column("liquidation_price", MONEY, nullable=True),
        sa.Column("stop_source", ENUM, nullable=False),
        sa.Column("break_even_armed", sa.Boolean(), nullable=False),
        sa.Column("exit_order_id", ID, nullable=True),
        sa.Column("pending_exit_reason", ENUM, nullable=True),
        sa.Column("exit_price", MONEY, nullable=True),
        sa.Column("exit_fees", MONEY, nullable=False),
        sa.Column("realized_pnl", MONEY, nullable=False),
        sa.Column("close_reason", ENUM, nullable=True),
        sa.Column("closed_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_positions"),
    )
    op.create_index("ix_positions_entry_order_id", "positions", ["entry_order_id"])
    op.create_index("ix_positions_status", "positions", ["status"])

    op.create_table(
        "position_updates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("position_id", ID, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("unrealized_pnl", MONEY, nullable=False),
        sa.Column("drawdown", MONEY, nullable=False),
        sa.Column("stop_loss", MONEY, nullable=True),
        sa.Column("high_water_mark", MONEY, nullable=False),
        sa.Column("low_water_mark", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_position_updates"),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name="fk_position_updates_position_id_positions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_position_updates_at", "position_updates", ["at"])
    op.create_index(
        "ix_position_updates_position_id_at", "position_updates", ["position_id", "at"]
    )

    op.create_table(
        "app_state",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_app_state"),
    )


def downgrade() -> None:
    op.drop_table("app_state")
    op.drop_index("ix_position_updates_position_id_at", table_name="position_updates")
    op.drop_index("ix_position_updates_at", table_name="position_updates")
    op.drop_table("position_updates")
    op.drop_index("ix_positions_status", table_name="positions")
    op.drop_index("ix_positions_entry_order_id", table_name="positions")
    op.drop_table("positions")
    op.drop_table("order_status_history")
    op.drop_table("order_fills")
    op.drop_index("ix_orders_status", table_name="orders")
    op.drop_index("ix_orders_position_id", table_name="orders")
    op.drop_index("ix_orders_exchange_order_id", table_name="orders")
    op.drop_table("orders")
