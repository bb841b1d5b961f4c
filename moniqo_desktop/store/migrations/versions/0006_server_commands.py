"""A server engine and its windows: `engine_heartbeats` (who serves an account, last beat) and
`commands` (user actions a window asks the server for, executed once by id).

Hand-written and frozen, like the revisions before it.

Revision ID: 0006
Revises: 0005
Create Date: hand-written
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ACCOUNT = sa.String(128)
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "engine_heartbeats",
        sa.Column("account", ACCOUNT, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("beat_at", TIME, nullable=False),
        sa.Column("stopped_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("account", name="pk_engine_heartbeats"),
    )
    op.create_table(
        "commands",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account", ACCOUNT, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("client", sa.String(255), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("finished_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commands"),
    )
    op.create_index("ix_commands_account_status", "commands", ["account", "status"])


def downgrade() -> None:
    op.drop_index("ix_commands_account_status", table_name="commands")
    op.drop_table("commands")
    op.drop_table("engine_heartbeats")
