"""The successes table.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "successes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("nick", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("userhost", sa.String(length=255), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        # Naive UTC (successbot.storage.models.UTCDateTime), the same on every database.
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_successes")),
    )
    op.create_index("ix_successes_channel_id", "successes", ["channel", "id"])
    op.create_index("ix_successes_created_at", "successes", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_successes_created_at", table_name="successes")
    op.drop_index("ix_successes_channel_id", table_name="successes")
    op.drop_table("successes")
