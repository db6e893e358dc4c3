"""Chat adapters' state: messages posted per notification key, and one-time claims.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create `posted_messages` and `platform_claims` (see store/platform_state.py)."""
    op.create_table(
        "posted_messages",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "key", name="pk_posted_messages"),
    )
    op.create_table(
        "platform_claims",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "key", name="pk_platform_claims"),
    )


def downgrade() -> None:
    """Drop the adapters' state tables."""
    op.drop_table("platform_claims")
    op.drop_table("posted_messages")
