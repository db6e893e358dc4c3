"""Searches remember how far their owner has read, so a typed `more` continues from there.

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add `searches.shown_until`: the offset after the last page shown; 0 for older searches."""
    with op.batch_alter_table("searches") as batch:
        batch.add_column(
            sa.Column("shown_until", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    """Drop `searches.shown_until` (SQLite rebuilds the table in batch mode)."""
    with op.batch_alter_table("searches") as batch:
        batch.drop_column("shown_until")
