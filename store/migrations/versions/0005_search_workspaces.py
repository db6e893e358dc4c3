"""Searches belong to a workspace, so the gaps report and paging stay inside it.

Revision ID: 0005
Revises: 0004
Create Date: 2025-11-26

Self-contained: it only touches `searches`, so it can be re-chained after any other revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

# Rows are backfilled this many at a time, so a long search log does not sit in memory at once.
_BATCH = 1000

_SEARCHES = sa.table(
    "searches",
    sa.column("id", sa.Integer()),
    sa.column("actor_key", sa.String()),
    sa.column("platform", sa.String()),
    sa.column("workspace_id", sa.String()),
)


def _workspace_of(actor_key: str) -> tuple[str, str]:
    """`(platform, workspace_id)` of an actor key `platform:workspace:user`.

    Platforms have no colon and neither do Slack team, Discord guild or console workspace ids,
    so the first two fields are the workspace; a key without them keeps what it has.
    """
    parts = actor_key.split(":", 2)
    return parts[0][:32], parts[1] if len(parts) > 1 else ""


def upgrade() -> None:
    """Add `searches.platform` / `workspace_id`, filled from each row's `actor_key`."""
    with op.batch_alter_table("searches") as batch:
        batch.add_column(sa.Column("platform", sa.String(32), nullable=True))
        batch.add_column(sa.Column("workspace_id", sa.String(255), nullable=True))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_SEARCHES.c.id, _SEARCHES.c.actor_key)
            .where(_SEARCHES.c.id > last)
            .order_by(_SEARCHES.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            sa.update(_SEARCHES)
            .where(_SEARCHES.c.id == sa.bindparam("row_id"))
            .values(platform=sa.bindparam("new_platform"), workspace_id=sa.bindparam("new_ws")),
            [
                {"row_id": row_id, "new_platform": platform, "new_ws": workspace_id}
                for row_id, key in rows
                for platform, workspace_id in [_workspace_of(key)]
            ],
        )
        last = rows[-1][0]
    with op.batch_alter_table("searches") as batch:
        batch.alter_column("platform", existing_type=sa.String(32), nullable=False)
        batch.alter_column("workspace_id", existing_type=sa.String(255), nullable=False)
        batch.create_index(
            "ix_searches_workspace", ["platform", "workspace_id", "result_count"], unique=False
        )


def downgrade() -> None:
    """Drop the workspace columns (the actor key still names the workspace)."""
    with op.batch_alter_table("searches") as batch:
        batch.drop_index("ix_searches_workspace")
        batch.drop_column("workspace_id")
        batch.drop_column("platform")
