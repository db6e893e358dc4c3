"""The sharing workflow's records: submissions, reviews, reminders, calls, dialogues, notifications.

Like `bot.kernel.domain`, these are plain frozen values; `store/` persists them and the core's rules
(`bot.sharing`, `bot.moderation`, `bot.followup`, `bot.calls`) decide how they change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.kernel.events import Workspace
from bot.kernel.replies import Reply


class SubmissionState(StrEnum):
    """Where a submission stands: draft → submitted → (changes_requested → submitted)* → end."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_STATES = frozenset(
    {SubmissionState.DRAFT, SubmissionState.SUBMITTED, SubmissionState.CHANGES_REQUESTED}
)


def format_submission_ref(number: int) -> str:
    """Public id of a submission, e.g. S-0042 (moderators quote it; buttons carry it)."""
    return f"S-{number:04d}"


@dataclass(frozen=True)
class Submission:
    """A contributor's proposed practice, or a proposed update to `target_ref`.

    `answers` holds the field values gathered so far, keyed by `Practice` field name, as plain JSON
    values (strings, lists of strings, ISO dates). `revision` increases on every change and is what
    an atomic transition compares, so two moderators pressing at once cannot both win.
    """

    id: int
    contributor_key: str
    contributor_name: str
    platform: str
    workspace_id: str
    state: SubmissionState
    answers: dict[str, Any] = field(default_factory=dict)
    target_ref: str | None = None
    call_id: int | None = None
    published_ref: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    submitted_at: datetime | None = None
    revision: int = 0

    @property
    def ref(self) -> str:
        """Public id, e.g. S-0042."""
        return format_submission_ref(self.id)

    @property
    def workspace(self) -> Workspace:
        """The workspace this belongs to."""
        return Workspace(self.platform, self.workspace_id)


class Decision(StrEnum):
    """A moderator's decision on a submission (or on a retirement request: retire or keep)."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    RETIRE = "retire"
    KEEP = "keep"  # a moderator declined a contributor's request to retire their practice


@dataclass(frozen=True)
class Review:
    """One moderator decision; the audit trail of reviews is append-only."""

    id: int
    submission_id: int
    moderator_key: str
    moderator_name: str
    decision: Decision
    note: str
    at: datetime


class ReminderState(StrEnum):
    """Lifecycle of a follow-up reminder."""

    PENDING = "pending"  # due at `due_at`, not yet sent
    SENT = "sent"  # asked; waiting for an answer
    NUDGED = "nudged"  # no answer in 14 days: asked once more
    ESCALATED = "escalated"  # still no answer: moderators were told
    ANSWERED = "answered"  # contributor chose No changes / Update, or a retirement was settled
    RETIREMENT_REQUESTED = "retirement_requested"  # contributor chose Retire: moderators decide
    CANCELLED = "cancelled"  # the practice was retired or superseded


@dataclass(frozen=True)
class Reminder:
    """A due-dated follow-up asking a practice's contributor what happened since (UTC times)."""

    id: int
    practice_ref: str
    contributor_key: str
    platform: str
    workspace_id: str
    due_at: datetime
    state: ReminderState = ReminderState.PENDING
    sent_at: datetime | None = None
    nudged_at: datetime | None = None
    answered_at: datetime | None = None

    @property
    def workspace(self) -> Workspace:
        """The workspace this belongs to."""
        return Workspace(self.platform, self.workspace_id)


class PracticeEventKind(StrEnum):
    """What happened to a practice, as its history (`history PB046`) records it."""

    ADDED = "added"  # an import brought in a practice the bank did not have
    CHANGED = "changed"  # an import changed an existing practice's content
    PUBLISHED = "published"  # a moderator published a contributor's new practice
    UPDATED = "updated"  # a moderator published a contributor's update (a new version)
    KEPT = "kept"  # the contributor answered a follow-up with No changes (the review date)
    RETIRED = "retired"  # a moderator confirmed the contributor's request to retire it

    @property
    def label(self) -> str:
        """How the event reads in the history, e.g. `update published`."""
        return PRACTICE_EVENT_LABELS[self]


PRACTICE_EVENT_LABELS: dict[PracticeEventKind, str] = {
    PracticeEventKind.ADDED: "added by import",
    PracticeEventKind.CHANGED: "changed by import",
    PracticeEventKind.PUBLISHED: "published",
    PracticeEventKind.UPDATED: "update published",
    PracticeEventKind.KEPT: "kept: no changes at follow-up",
    PracticeEventKind.RETIRED: "retired",
}

# Who an import is recorded under when no person made it (the CLI's `import`, the demo bank).
IMPORT_ACTOR = "import"


@dataclass(frozen=True)
class PracticeChange:
    """Who changes a practice and why, handed to `PracticeRepository.upsert_many`.

    Without one, a write is an import: additions and content changes are recorded as `added` /
    `changed` by `IMPORT_ACTOR`, and a practice whose content did not change gets no entry.
    """

    kind: PracticeEventKind
    actor_key: str
    actor_name: str = ""
    note: str = ""


@dataclass(frozen=True)
class PracticeEvent:
    """One entry of a practice's history: append-only, never edited.

    `version` is the practice's version after the change; `actor_key` is the person's actor key,
    or `import` / `cli` for changes no chat user made.
    """

    id: int
    ref: str
    version: int
    kind: PracticeEventKind
    actor_key: str
    actor_name: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class CallForPractice:
    """A themed call: moderators ask for practices on a theme until `closes_on` (inclusive)."""

    id: int
    platform: str
    workspace_id: str
    theme: str
    wanted: str
    closes_on: date
    opened_by: str
    opened_at: datetime

    @property
    def workspace(self) -> Workspace:
        """The workspace this belongs to."""
        return Workspace(self.platform, self.workspace_id)


@dataclass(frozen=True)
class Conversation:
    """The persisted state of one person's guided dialogue, so it survives restarts.

    `kind` names the dialogue (e.g. "share", "update", "note"); `step` is the question being asked;
    `data` holds whatever else the dialogue needs (JSON values only). `revision` increases on every
    save and is what a compare-and-set compares, so an answer reaching two workers at once, or two
    answers at once, is applied once.
    """

    actor_key: str
    kind: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    revision: int = 0


class Audience(StrEnum):
    """Who a notification is for."""

    PERSON = "person"  # a direct message to `recipient` (a user id on the platform)
    CHANNEL = "channel"  # a post in channel `recipient` (e.g. the moderation channel)


@dataclass(frozen=True)
class Notification:
    """A message to someone other than the person acting, delivered later by the adapter's loop.

    It is written to the outbox in the same transaction as the change that caused it.

    `key` identifies the thing the message is about (e.g. `submission:42`) so an adapter can update
    the message it posted earlier for the same key (the moderation card after a decision) instead
    of posting a new one, when `replace` is set.
    """

    platform: str
    workspace_id: str
    audience: Audience
    recipient: str
    reply: Reply
    key: str = ""
    replace: bool = False
    id: int | None = None
    created_at: datetime | None = None
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None

    @property
    def workspace(self) -> Workspace:
        """The workspace this belongs to."""
        return Workspace(self.platform, self.workspace_id)
