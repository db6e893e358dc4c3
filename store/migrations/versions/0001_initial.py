"""Initial schema: practices and their history, calls for practice, submissions, reviews,
reminders, conversations, outbox, workspace settings, glossary terms and the search log.

Revision ID: 0001
Revises:
Create Date: 2025-11-21
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[Any]:
    """JSON text on SQLite, jsonb on PostgreSQL."""
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _utc(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    """A UTC timestamp column (naive UTC on SQLite, timestamptz on PostgreSQL)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    """The surrogate primary key constraint, named as the metadata's convention names it."""
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def upgrade() -> None:
    """Create every table of the first release."""
    op.create_table(
        "practices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("effectiveness", sa.String(32), nullable=False),
        sa.Column("focus", _json(), nullable=False),
        sa.Column("topics", _json(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("partners", _json(), nullable=False),
        sa.Column("target_group", sa.Text(), nullable=True),
        sa.Column("stage", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("aim", sa.Text(), nullable=True),
        sa.Column("intended_outcome", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("evaluation", sa.Text(), nullable=True),
        sa.Column("learning", sa.Text(), nullable=True),
        sa.Column("resources", sa.Text(), nullable=True),
        sa.Column("contact_name", sa.Text(), nullable=True),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("links", _json(), nullable=False),
        sa.Column("linked_to", _json(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        _utc("added_at"),
        _utc("updated_at"),
        _utc("reviewed_at"),
        _utc("archived_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        _pk("practices"),
        sa.UniqueConstraint("ref", name="uq_practices_ref"),
    )
    op.create_index(
        "uq_practices_ref_upper", "practices", [sa.text("upper(ref)")], unique=True
    )

    op.create_table(
        "practice_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", _json(), nullable=False),
        _utc("created_at", nullable=False),
        _pk("practice_versions"),
    )
    op.create_index(
        "ix_practice_versions_ref_version", "practice_versions", ["ref", "version"]
    )

    op.create_table(
        "bank_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("practices_version", sa.Integer(), nullable=False),
        _pk("bank_state"),
    )
    op.bulk_insert(
        sa.table("bank_state", sa.column("id", sa.Integer), sa.column("practices_version", sa.Integer)),
        [{"id": 1, "practices_version": 0}],
    )

    op.create_table(
        "calls_for_practice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("wanted", sa.Text(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(255), nullable=False),
        _utc("opened_at", nullable=False),
        _pk("calls_for_practice"),
    )
    op.create_index(
        "ix_calls_for_practice_workspace", "calls_for_practice", ["platform", "workspace_id"]
    )

    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contributor_key", sa.String(255), nullable=False),
        sa.Column("contributor_name", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("answers", _json(), nullable=False),
        sa.Column("target_ref", sa.String(32), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("published_ref", sa.String(32), nullable=True),
        _utc("created_at", nullable=False),
        _utc("updated_at", nullable=False),
        _utc("submitted_at"),
        sa.Column("revision", sa.Integer(), nullable=False),
        _pk("submissions"),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls_for_practice.id"],
            name="fk_submissions_call_id_calls_for_practice",
        ),
    )
    op.create_index("ix_submissions_state", "submissions", ["state"])
    op.create_index("ix_submissions_contributor_key", "submissions", ["contributor_key"])

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("moderator_key", sa.String(255), nullable=False),
        sa.Column("moderator_name", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _utc("at", nullable=False),
        _pk("reviews"),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_reviews_submission_id_submissions"
        ),
    )
    op.create_index("ix_reviews_submission_id", "reviews", ["submission_id"])

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_ref", sa.String(32), nullable=False),
        sa.Column("contributor_key", sa.String(255), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        _utc("due_at", nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        _utc("sent_at"),
        _utc("nudged_at"),
        _utc("answered_at"),
        _utc("changed_at"),
        _pk("reminders"),
    )
    op.create_index("ix_reminders_practice_ref", "reminders", ["practice_ref"])
    op.create_index("ix_reminders_state_due_at", "reminders", ["state", "due_at"])

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("step", sa.String(255), nullable=False),
        sa.Column("data", _json(), nullable=False),
        _utc("updated_at", nullable=False),
        _pk("conversations"),
        sa.UniqueConstraint("actor_key", name="uq_conversations_actor_key"),
    )
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("replace", sa.Boolean(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        _utc("created_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at"),
        _utc("delivered_at"),
        sa.Column("given_up", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _pk("outbox"),
    )
    op.create_index(
        "ix_outbox_pending", "outbox", ["platform", "delivered_at", "next_attempt_at"]
    )

    op.create_table(
        "workspace_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("police_only", sa.Boolean(), nullable=False),
        sa.Column("moderation_channel", sa.String(255), nullable=True),
        sa.Column("moderator_ids", _json(), nullable=False),
        sa.Column("moderator_roles", _json(), nullable=False),
        _pk("workspace_settings"),
        sa.UniqueConstraint(
            "platform", "workspace_id", name="uq_workspace_settings_workspace"
        ),
    )

    op.create_table(
        "glossary_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(255), nullable=False),
        sa.Column("expansion", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(255), nullable=False),
        _utc("added_at", nullable=False),
        _pk("glossary_terms"),
        sa.UniqueConstraint("term", name="uq_glossary_terms_term"),
    )

    op.create_table(
        "searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_key", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        _utc("at", nullable=False),
        _pk("searches"),
    )
    op.create_index("ix_searches_actor_key", "searches", ["actor_key"])


def downgrade() -> None:
    """Drop everything `upgrade` created (the data goes with it)."""
    for table in (
        "searches",
        "glossary_terms",
        "workspace_settings",
        "outbox",
        "conversations",
        "reminders",
        "reviews",
        "submissions",
        "calls_for_practice",
        "bank_state",
        "practice_versions",
        "practices",
    ):
        op.drop_table(table)
