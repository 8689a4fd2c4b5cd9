"""Schedule events keep what their source says of them (schedule.rst's prose, a YAML description), for the digest.

Existing rows have none until their source is next refreshed (each refresh rewrites its events).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_events") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_events") as batch:
        batch.drop_column("description")
