"""One open draft per person as a database rule, and a revision on conversations.

Two workers taking one person's answers (or twenty `share` at once) must not each apply them:

- `uq_submissions_one_draft`, a unique partial index on `submissions.contributor_key` where
  `state IN ('draft')`, so a second draft insert fails instead of a check-then-insert race.
  Submissions with the moderators or sent back are not drafts and are not limited.
- `conversations.revision`, the compare-and-set counter of the dialogue's step.

Existing duplicates are resolved first, without deleting a row: of one contributor's drafts the
one their sharing conversation points at is kept (else the most recently updated, then the
highest id); the others are marked `withdrawn` (revision + 1, `updated_at` kept), which is what
discarding a draft does, so they stay in the record.

Revision ID: 0008
Revises: 0007
Create Date: 2025-11-26
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_SHARING_KINDS = ("share", "update")


def upgrade() -> None:
    """Withdraw duplicate drafts, then add the unique partial index and the revision column."""
    _withdraw_duplicate_drafts(op.get_bind())
    op.create_index(
        "uq_submissions_one_draft",
        "submissions",
        ["contributor_key"],
        unique=True,
        sqlite_where=sa.text("state IN ('draft')"),
        postgresql_where=sa.text("state IN ('draft')"),
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    """Drop the index and the column; drafts withdrawn by the upgrade stay withdrawn."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("revision")
    op.drop_index("uq_submissions_one_draft", table_name="submissions")


def _withdraw_duplicate_drafts(connection: sa.Connection) -> None:
    """Keep one draft per contributor (see the module docstring) and withdraw the rest."""
    drafts = connection.execute(
        sa.text(
            "SELECT id, contributor_key, updated_at FROM submissions "
            "WHERE state = 'draft' ORDER BY id"
        )
    ).all()
    by_contributor: dict[str, list[Any]] = defaultdict(list)
    for row in drafts:
        by_contributor[row.contributor_key].append(row)
    duplicated = {key: rows for key, rows in by_contributor.items() if len(rows) > 1}
    if not duplicated:
        return
    in_dialogue = _submissions_in_dialogue(connection)
    for key, rows in duplicated.items():
        ids = {row.id for row in rows}
        kept = in_dialogue.get(key)
        if kept not in ids:
            kept = max(rows, key=lambda row: (row.updated_at, row.id)).id
        for row in rows:
            if row.id != kept:
                connection.execute(
                    sa.text(
                        "UPDATE submissions SET state = 'withdrawn', revision = revision + 1 "
                        "WHERE id = :id"
                    ),
                    {"id": row.id},
                )


def _submissions_in_dialogue(connection: sa.Connection) -> dict[str, int]:
    """The submission each person's sharing conversation is editing, by actor key."""
    rows = connection.execute(
        sa.text("SELECT actor_key, kind, data FROM conversations")
    ).all()
    found: dict[str, int] = {}
    for row in rows:
        if row.kind not in _SHARING_KINDS:
            continue
        data = json.loads(row.data) if isinstance(row.data, str) else row.data
        submission_id = data.get("submission_id") if isinstance(data, dict) else None
        if isinstance(submission_id, int) and not isinstance(submission_id, bool):
            found[row.actor_key] = submission_id
    return found
