"""Schedule generations: a refresh stages its events, then switches to them in one short transaction.

Rows already stored are generation 0, as is every source, so they stay visible.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_events") as batch:
        batch.add_column(sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False))
        batch.drop_index("ix_schedule_events_source")
        batch.create_index("ix_schedule_events_source_generation", ["source", "generation"])
    with op.batch_alter_table("schedule_sources") as batch:
        batch.add_column(sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    # Rows of generations that are not their source's current one are not events: drop them first.
    op.execute(
        "DELETE FROM schedule_events WHERE NOT EXISTS (SELECT 1 FROM schedule_sources "
        "WHERE schedule_sources.location = schedule_events.source "
        "AND schedule_sources.generation = schedule_events.generation)"
    )
    with op.batch_alter_table("schedule_sources") as batch:
        batch.drop_column("generation")
    with op.batch_alter_table("schedule_events") as batch:
        batch.drop_index("ix_schedule_events_source_generation")
        batch.create_index("ix_schedule_events_source", ["source"])
        batch.drop_column("generation")
