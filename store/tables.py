"""The database schema as SQLModel tables; Alembic migrations create and change it, never these.

Rows stay inside `store/`: repositories turn them into `bot.kernel` values. Multi-valued fields
are JSON lists so they work alike on SQLite and PostgreSQL; every timestamp is UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlmodel import Field, SQLModel

from bot.kernel.domain import Effectiveness, Visibility
from bot.kernel.records import Decision, PracticeEventKind, ReminderState
from store.column_types import UtcDateTime, json_type

# Named constraints, so migrations can refer to them on every backend (SQLite batch mode
# needs names).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SUBMISSION_STATES: tuple[str, ...] = (
    "draft",
    "submitted",
    "changes_requested",
    "published",
    "rejected",
    "withdrawn",
)


def one_of(column: str, values: tuple[str, ...] | list[str]) -> str:
    """The SQL of a CHECK that `column` holds one of `values` (the same on both backends)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} IN ({quoted})"


def _values(kind: type[StrEnum]) -> tuple[str, ...]:
    """Every value of an enumeration, for a CHECK."""
    return tuple(member.value for member in kind)


def _utc(*, nullable: bool = True, index: bool = False) -> Any:
    """Declare a UTC timestamp field."""
    return Field(default=None, sa_type=UtcDateTime(), nullable=nullable, index=index)


def _text(*, nullable: bool = True) -> Any:
    """Declare an unbounded text field (descriptions run to tens of kilobytes)."""
    return Field(default=None, sa_type=Text(), nullable=nullable)


def _json_list() -> Any:
    """Declare a JSON list field, never NULL."""
    return Field(default_factory=list, sa_type=json_type(), nullable=False)


class PracticeRow(SQLModel, table=True):
    """One published practice: every field of `bot.kernel.domain.Practice`."""

    __tablename__ = "practices"
    __table_args__ = (
        CheckConstraint(one_of("effectiveness", _values(Effectiveness)), name="effectiveness"),
        CheckConstraint(one_of("visibility", _values(Visibility)), name="visibility"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(sa_type=String(32), nullable=False, unique=True)
    title: str = Field(sa_type=Text(), nullable=False)
    summary: str = Field(sa_type=Text(), nullable=False)
    effectiveness: str = Field(sa_type=String(32), nullable=False)
    focus: list[str] = _json_list()
    topics: list[str] = _json_list()
    organisation: str | None = _text()
    region: str | None = _text()
    partners: list[str] = _json_list()
    target_group: str | None = _text()
    stage: str | None = _text()
    start_date: date | None = Field(default=None, sa_type=Date(), nullable=True)
    end_date: date | None = Field(default=None, sa_type=Date(), nullable=True)
    aim: str | None = _text()
    intended_outcome: str | None = _text()
    description: str | None = _text()
    evaluation: str | None = _text()
    learning: str | None = _text()
    resources: str | None = _text()
    contact_name: str | None = _text()
    contact_email: str | None = _text()
    links: list[str] = _json_list()
    linked_to: list[str] = _json_list()
    visibility: str = Field(sa_type=String(16), nullable=False)
    added_at: datetime | None = _utc()
    updated_at: datetime | None = _utc()
    reviewed_at: datetime | None = _utc()
    archived_at: datetime | None = _utc()
    version: int = Field(default=1, nullable=False)
    change_seq: int = Field(
        default=0, nullable=False, index=True, sa_column_kwargs={"server_default": "0"}
    )
    """The bank's change number (`bank_state.practices_version`) of the last write to this row,
    so a running search index reads only what changed since it last looked (migration 0009)."""


# Refs are looked up case-insensitively; this index serves that lookup and stops "pb001" and
# "PB001" from both existing.
Index(
    "uq_practices_ref_upper",
    func.upper(PracticeRow.__table__.c.ref),  # type: ignore[attr-defined]
    unique=True,
)


class PracticeVersionRow(SQLModel, table=True):
    """A snapshot of a practice's content, one per version: the version history, append-only.

    `ref` is the practice's ref as stored (practices are archived, never deleted, so the
    foreign key always holds); a new version is written only when the content changes.
    """

    __tablename__ = "practice_versions"
    __table_args__ = (UniqueConstraint("ref", "version", name="uq_practice_versions_ref_version"),)

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(sa_column=Column(String(32), ForeignKey("practices.ref"), nullable=False))
    version: int = Field(nullable=False)
    snapshot: dict[str, Any] = Field(sa_type=json_type(), nullable=False)
    created_at: datetime = _utc(nullable=False)


class BankStateRow(SQLModel, table=True):
    """A single row of counters for the whole bank.

    Every practice write moves `practices_version` (the cheap `bank_version`); `last_ref_number`
    is the highest PB number handed out or stored, so the next ref comes from it rather than
    from scanning every ref.
    """

    __tablename__ = "bank_state"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    practices_version: int = Field(default=0, nullable=False)
    last_ref_number: int = Field(
        default=0, nullable=False, sa_column_kwargs={"server_default": "0"}
    )


class PracticeEventRow(SQLModel, table=True):
    """One change to a practice (import, publication, review, retirement): never edited."""

    __tablename__ = "practice_events"
    __table_args__ = (
        CheckConstraint(one_of("kind", _values(PracticeEventKind)), name="kind"),
        Index("ix_practice_events_ref", "ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(sa_column=Column(String(32), ForeignKey("practices.ref"), nullable=False))
    version: int = Field(nullable=False)
    kind: str = Field(sa_type=String(32), nullable=False)
    actor_key: str = Field(sa_type=String(255), nullable=False)
    actor_name: str = Field(sa_type=Text(), nullable=False)
    note: str = Field(sa_type=Text(), nullable=False)
    at: datetime = _utc(nullable=False)


class CallForPracticeRow(SQLModel, table=True):
    """A themed call for practice, open until `closes_on` (inclusive)."""

    __tablename__ = "calls_for_practice"
    __table_args__ = (Index("ix_calls_for_practice_workspace", "platform", "workspace_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(32), nullable=False)
    workspace_id: str = Field(sa_type=String(255), nullable=False)
    theme: str = Field(sa_type=Text(), nullable=False)
    wanted: str = Field(sa_type=Text(), nullable=False)
    closes_on: date = Field(sa_type=Date(), nullable=False)
    opened_by: str = Field(sa_type=String(255), nullable=False)
    opened_at: datetime = _utc(nullable=False)


class SubmissionRow(SQLModel, table=True):
    """A contributor's draft or proposed practice, or a proposed update to one.

    Its public id (S-0042) is derived from `id`; `revision` is the compare-and-set counter.
    `uq_submissions_one_draft` makes "one open draft per person" the database's rule: of two
    racing inserts one fails (migration 0006). Only `draft` counts: a contributor may have
    several submissions with the moderators, or sent back, while drafting the next one.
    """

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_state", "state"),
        Index("ix_submissions_contributor_key", "contributor_key"),
        CheckConstraint(one_of("state", SUBMISSION_STATES), name="state"),
        CheckConstraint("revision >= 0", name="revision"),
        Index(
            "uq_submissions_one_draft",
            "contributor_key",
            unique=True,
            sqlite_where=text("state IN ('draft')"),
            postgresql_where=text("state IN ('draft')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contributor_key: str = Field(sa_type=String(255), nullable=False)
    contributor_name: str = Field(sa_type=Text(), nullable=False)
    platform: str = Field(sa_type=String(32), nullable=False)
    workspace_id: str = Field(sa_type=String(255), nullable=False)
    state: str = Field(default="draft", sa_type=String(32), nullable=False)
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=json_type(), nullable=False)
    target_ref: str | None = Field(default=None, sa_type=String(32), nullable=True)
    call_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("calls_for_practice.id"), nullable=True),
    )
    published_ref: str | None = Field(default=None, sa_type=String(32), nullable=True)
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)
    submitted_at: datetime | None = _utc()
    revision: int = Field(default=0, nullable=False)


class ReviewRow(SQLModel, table=True):
    """One moderator decision on a submission; the audit trail is only ever appended to."""

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(one_of("decision", _values(Decision)), name="decision"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(
        sa_column=Column(Integer, ForeignKey("submissions.id"), nullable=False, index=True)
    )
    moderator_key: str = Field(sa_type=String(255), nullable=False)
    moderator_name: str = Field(sa_type=Text(), nullable=False)
    decision: str = Field(sa_type=String(32), nullable=False)
    note: str = Field(sa_type=Text(), nullable=False)
    at: datetime = _utc(nullable=False)


class ReminderRow(SQLModel, table=True):
    """A due-dated follow-up about a practice (12 months after publication by default).

    `changed_at` is when the last transition claimed it (the sweeper's clock), for operators.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_state_due_at", "state", "due_at"),
        Index("ix_reminders_practice_ref", "practice_ref"),
        CheckConstraint(one_of("state", _values(ReminderState)), name="state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The practice's ref as stored; archived practices keep their row, so this always holds.
    practice_ref: str = Field(
        sa_column=Column(String(32), ForeignKey("practices.ref"), nullable=False)
    )
    contributor_key: str = Field(sa_type=String(255), nullable=False)
    platform: str = Field(sa_type=String(32), nullable=False)
    workspace_id: str = Field(sa_type=String(255), nullable=False)
    due_at: datetime = _utc(nullable=False)
    state: str = Field(default="pending", sa_type=String(32), nullable=False)
    sent_at: datetime | None = _utc()
    nudged_at: datetime | None = _utc()
    answered_at: datetime | None = _utc()
    changed_at: datetime | None = _utc()


class ConversationRow(SQLModel, table=True):
    """The persisted state of one person's guided dialogue, so it survives restarts.

    `revision` is the compare-and-set counter (migration 0006): whichever worker receives an
    answer applies it, and of two applying at once only one wins.
    """

    __tablename__ = "conversations"

    id: int | None = Field(default=None, primary_key=True)
    actor_key: str = Field(sa_type=String(255), nullable=False, unique=True)
    kind: str = Field(sa_type=String(64), nullable=False)
    step: str = Field(sa_type=String(255), nullable=False)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=json_type(), nullable=False)
    updated_at: datetime = _utc(nullable=False, index=True)
    revision: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})


class OutboxRow(SQLModel, table=True):
    """A notification waiting for (or done with) delivery by an adapter's delivery loop.

    `payload` is the reply as `bot.kernel.reply_codec` encodes it; `given_up` marks a notification
    the loop stopped retrying. A delivery loop leases a row (`leased_until`, `lease_owner`) while
    it sends it; `priority` puts interactive notices ahead of bulk ones (see
    `bot.kernel.delivery.priority_of`).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "platform", "delivered_at", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbox_lease_order", "platform", "priority", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(32), nullable=False)
    workspace_id: str = Field(sa_type=String(255), nullable=False)
    audience: str = Field(sa_type=String(16), nullable=False)
    recipient: str = Field(sa_type=String(255), nullable=False)
    key: str = Field(default="", sa_type=String(255), nullable=False)
    replace: bool = Field(default=False, nullable=False)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=json_type(), nullable=False)
    created_at: datetime = _utc(nullable=False)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = _utc()
    delivered_at: datetime | None = _utc()
    given_up: bool = Field(default=False, nullable=False)
    last_error: str | None = _text()
    priority: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})
    leased_until: datetime | None = _utc()
    lease_owner: str | None = Field(default=None, sa_type=String(64), nullable=True)


class WorkspaceSettingsRow(SQLModel, table=True):
    """Per-workspace configuration: who moderates, where, and whether it is police-only."""

    __tablename__ = "workspace_settings"
    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", name="uq_workspace_settings_workspace"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(32), nullable=False)
    workspace_id: str = Field(sa_type=String(255), nullable=False)
    police_only: bool = Field(default=False, nullable=False)
    moderation_channel: str | None = Field(default=None, sa_type=String(255), nullable=True)
    moderator_ids: list[str] = _json_list()
    moderator_roles: list[str] = _json_list()
    # Where calls for practice are announced; None means the moderation channel.
    call_channel: str | None = Field(default=None, sa_type=String(255), nullable=True)


class GlossaryTermRow(SQLModel, table=True):
    """A glossary entry added at run time by a moderator."""

    __tablename__ = "glossary_terms"

    id: int | None = Field(default=None, primary_key=True)
    term: str = Field(sa_type=String(255), nullable=False, unique=True)
    expansion: str = Field(sa_type=Text(), nullable=False)
    added_by: str = Field(sa_type=String(255), nullable=False)
    added_at: datetime = _utc(nullable=False)


class GlossaryChangeRow(SQLModel, table=True):
    """One term taught or removed, with its meaning, who and when: never edited (migration 0011)."""

    __tablename__ = "glossary_changes"

    id: int | None = Field(default=None, primary_key=True)
    term: str = Field(sa_type=String(255), nullable=False, index=True)
    change: str = Field(sa_type=String(16), nullable=False)
    expansion: str = Field(sa_type=Text(), nullable=False)
    changed_by: str = Field(sa_type=String(255), nullable=False)
    changed_at: datetime = _utc(nullable=False)


class SearchRow(SQLModel, table=True):
    """A search somebody ran, for paging and for the gaps report."""

    __tablename__ = "searches"
    # The gaps report reads one workspace's zero-result searches.
    __table_args__ = (Index("ix_searches_workspace", "platform", "workspace_id", "result_count"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_key: str = Field(sa_type=String(255), nullable=False, index=True)
    platform: str = Field(sa_type=String(32), nullable=False)
    workspace_id: str = Field(sa_type=String(255), nullable=False)
    text: str = Field(sa_type=Text(), nullable=False)
    result_count: int = Field(nullable=False)
    at: datetime = _utc(nullable=False)
    # The offset after the last page its owner was shown, where a typed `more` continues.
    shown_until: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})
    # Practices that matched only part of it: a gap with closest practices, not an empty one.
    partial_count: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": "0"})


class PostedMessageRow(SQLModel, table=True):
    """The chat message an adapter posted for a notification key, so a later one can edit it."""

    __tablename__ = "posted_messages"

    platform: str = Field(sa_type=String(32), primary_key=True)
    workspace_id: str = Field(sa_type=String(255), primary_key=True)
    key: str = Field(sa_type=String(255), primary_key=True)
    channel: str = Field(sa_type=String(255), nullable=False)
    message_id: str = Field(sa_type=String(255), nullable=False)
    posted_at: datetime = _utc(nullable=False)


class PlatformClaimRow(SQLModel, table=True):
    """One-time work claimed by a unique key (a retried Slack event, one delivery attempt)."""

    __tablename__ = "platform_claims"

    platform: str = Field(sa_type=String(32), primary_key=True)
    key: str = Field(sa_type=String(255), primary_key=True)
    claimed_at: datetime = _utc(nullable=False)
