"""Schedule events and their sources.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("entry", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        # Naive UTC (successbot.storage.models.UTCDateTime), the same on every database.
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=True),
        sa.Column("release_id", sa.String(length=32), nullable=True),
        sa.Column("project", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_events")),
    )
    op.create_index("ix_schedule_events_source", "schedule_events", ["source"])
    op.create_index("ix_schedule_events_ends_at", "schedule_events", ["ends_at"])
    op.create_table(
        "schedule_sources",
        sa.Column("location", sa.String(length=1000), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("location", name=op.f("pk_schedule_sources")),
    )


def downgrade() -> None:
    op.drop_table("schedule_sources")
    op.drop_index("ix_schedule_events_ends_at", table_name="schedule_events")
    op.drop_index("ix_schedule_events_source", table_name="schedule_events")
    op.drop_table("schedule_events")
