"""Searches remember how many partial matches they had; workspaces name where calls are announced.

Revision ID: 0010
Revises: 0009
Create Date: 2026-01-20

`searches.partial_count` lets the gaps report tell a search that found nothing at all from one
that found only closest (partial) practices; searches recorded before it read as having had
none. `workspace_settings.call_channel` is where a call for practice is announced; empty means
the moderation channel, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add `searches.partial_count` (0 for old rows) and `workspace_settings.call_channel`."""
    with op.batch_alter_table("searches") as batch:
        batch.add_column(
            sa.Column("partial_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("workspace_settings") as batch:
        batch.add_column(sa.Column("call_channel", sa.String(255), nullable=True))


def downgrade() -> None:
    """Drop both columns (old gaps then read as unmet; calls go to the moderation channel)."""
    with op.batch_alter_table("workspace_settings") as batch:
        batch.drop_column("call_channel")
    with op.batch_alter_table("searches") as batch:
        batch.drop_column("partial_count")
