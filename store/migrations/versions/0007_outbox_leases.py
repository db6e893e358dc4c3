"""The outbox row carries its own delivery lease and priority; outbox claims leave platform_claims.

Revision ID: 0007
Revises: 0005
Create Date: 2025-12-01

Lossless: every existing row keeps its attempts, errors and next attempt time; a pending row
stays pending (no lease, priority 0 until the loop leases it). The old `outbox:<id>:<attempts>`
claims in `platform_claims` are deleted: nothing reads them any more, and they were what
stranded notifications.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add `priority`, `leased_until`, `lease_owner` and the lease-order index; drop old claims."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("priority", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
    op.create_index("ix_outbox_lease_order", "outbox", ["platform", "priority", "id"])
    op.execute("DELETE FROM platform_claims WHERE key LIKE 'outbox:%'")


def downgrade() -> None:
    """Drop the lease columns (a row leased at the time is simply pending again)."""
    op.drop_index("ix_outbox_lease_order", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_owner")
        batch.drop_column("leased_until")
        batch.drop_column("priority")
