"""The channel_privacy table: which channels were keyed, secret or private when the bot last saw them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_privacy",
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("channel_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("network", "channel_key", name=op.f("pk_channel_privacy")),
    )


def downgrade() -> None:
    op.drop_table("channel_privacy")
