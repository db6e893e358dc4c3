"""A change number on every practice row, so running search indexes read only what changed.

`practices.change_seq` holds the bank's change counter (`bank_state.practices_version`) as it
was claimed by the last write to the row; `ix_practices_change_seq` makes "what changed since
N" an index range that is empty when nothing changed. Rows already stored get 0: a worker
starting up reads the whole bank once anyway, and every later write carries a higher number.

Revision ID: 0009
Revises: 0008
Create Date: 2025-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the column (0 for existing rows) and its index."""
    with op.batch_alter_table("practices") as batch:
        batch.add_column(sa.Column("change_seq", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_practices_change_seq", "practices", ["change_seq"])


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index("ix_practices_change_seq", table_name="practices")
    with op.batch_alter_table("practices") as batch:
        batch.drop_column("change_seq")
