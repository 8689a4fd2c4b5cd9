"""Thanks beside the successes: each row's kind (``success`` or ``thanks``) and the nick thanked.

Existing rows are successes (the column's default), so a database upgrades in
place. Going back down removes the thanks: the old schema has no way to tell
them from successes, and keeping them would publish "the review" as bob's
success.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("successes") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="success", nullable=False))
        batch.add_column(sa.Column("thanked", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM successes WHERE kind <> 'success'")
    with op.batch_alter_table("successes") as batch:
        batch.drop_column("thanked")
        batch.drop_column("kind")
