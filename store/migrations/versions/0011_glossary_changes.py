"""The taught glossary keeps an audit trail: every term taught or removed, with its meaning.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

`glossary_terms` holds only what search uses now; re-teaching a term overwrote the earlier
meaning and its author. `glossary_changes` is written with every teach and removal and never
edited, so the earlier meanings stay readable. Terms taught before it get one "taught" change
each, from the row as it stands (who taught it last, and when).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create `glossary_changes` and record each stored term as taught."""
    op.create_table(
        "glossary_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(255), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("expansion", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(255), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_glossary_changes"),
    )
    op.create_index("ix_glossary_changes_term", "glossary_changes", ["term"])
    op.execute(
        "INSERT INTO glossary_changes (term, change, expansion, changed_by, changed_at) "
        "SELECT term, 'taught', expansion, added_by, added_at FROM glossary_terms ORDER BY id"
    )


def downgrade() -> None:
    """Drop the audit trail (the terms in use stay)."""
    op.drop_index("ix_glossary_changes_term", table_name="glossary_changes")
    op.drop_table("glossary_changes")
