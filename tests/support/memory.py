"""In-memory implementations of `bot.kernel.ports`, for unit tests of the core without a database.

They keep the ports' semantics that the core relies on: refs are case-insensitive, the bank
version changes on every write, ids count from 1 like a database sequence, `save` of a
submission and `transition` of a reminder are compare-and-set, and uncommitted changes vanish
when the unit of work ends. Units of work are meant to run one after another: two open at once
each work on their own copy and the later commit wins wholesale (the SQL store is what proves
real concurrency).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from bot.kernel.domain import REF_PATTERN, Practice, format_ref
from bot.kernel.ports import (
    CallRepository,
    Clock,
    ConversationRepository,
    DraftExists,
    GlossaryEntry,
    GlossaryRepository,
    ImportOutcome,
    Outbox,
    PracticeRepository,
    ReminderRepository,
    ReviewRepository,
    SearchGap,
    SearchLogRepository,
    SearchRecord,
    SubmissionRepository,
    WorkspaceRepository,
    WorkspaceSettings,
)
from bot.kernel.records import (
    OPEN_STATES,
    CallForPractice,
    Conversation,
    Notification,
    Reminder,
    ReminderState,
    Review,
    Submission,
    SubmissionState,
)


@dataclass
class OutboxEntry:
    """A queued notification with the delivery bookkeeping the `Notification` does not carry."""

    notification: Notification
    next_attempt_at: datetime | None = None
    given_up: bool = False


@dataclass
class MemoryState:
    """Everything "stored": shared by the units of work a factory makes."""

    practices: dict[str, Practice] = field(default_factory=dict)
    versions: dict[str, list[Practice]] = field(default_factory=dict)
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    workspaces: dict[tuple[str, str], WorkspaceSettings] = field(default_factory=dict)
    searches: dict[int, SearchRecord] = field(default_factory=dict)
    submissions: dict[int, Submission] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    reminders: dict[int, Reminder] = field(default_factory=dict)
    calls: dict[int, CallForPractice] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    outbox: dict[int, OutboxEntry] = field(default_factory=dict)
    version: int = 0


_STATE_FIELDS: tuple[str, ...] = (
    "practices",
    "versions",
    "glossary",
    "workspaces",
    "searches",
    "submissions",
    "reviews",
    "reminders",
    "calls",
    "conversations",
    "outbox",
    "version",
)


def _next_id(table: Mapping[int, object]) -> int:
    """The id a database sequence would hand out next."""
    return max(table, default=0) + 1


class MemoryPractices:
    """PracticeRepository over a dict, with a version history like the SQL store's."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def get(self, ref: str) -> Practice | None:
        return self._state.practices.get(ref.upper())

    def list_all(self) -> list[Practice]:
        return sorted(self._state.practices.values(), key=lambda p: (len(p.ref), p.ref.upper()))

    def upsert_many(self, practices: Sequence[Practice]) -> ImportOutcome:
        added = updated = 0
        for practice in practices:
            key = practice.ref.upper()
            stored = self._state.practices.get(key)
            if stored is None:
                added += 1
            else:
                updated += 1
            if stored != practice:
                self._state.versions.setdefault(key, []).append(practice)
            self._state.practices[key] = practice
        self._state.version += 1
        return ImportOutcome(added, updated)

    def count(self) -> int:
        return len(self._state.practices)

    def bank_version(self) -> str:
        return str(self._state.version)

    def next_ref(self) -> str:
        numbers = [
            int(key[2:])
            for key in [*self._state.practices, *self._state.versions]
            if REF_PATTERN.match(key)
        ]
        return format_ref(max(numbers, default=0) + 1)

    def history(self, ref: str) -> list[Practice]:
        return list(self._state.versions.get(ref.upper(), [])[:-1])


class MemoryGlossary:
    """GlossaryRepository over a dict."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def list_all(self) -> list[GlossaryEntry]:
        return [self._state.glossary[t] for t in sorted(self._state.glossary)]

    def add(self, entry: GlossaryEntry) -> None:
        self._state.glossary[entry.term] = entry


class MemoryWorkspaces:
    """WorkspaceRepository over a dict."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def get(self, platform: str, workspace_id: str) -> WorkspaceSettings | None:
        return self._state.workspaces.get((platform, workspace_id))

    def save(self, settings: WorkspaceSettings) -> None:
        self._state.workspaces[(settings.platform, settings.workspace_id)] = settings


class MemorySearches:
    """SearchLogRepository over a dict, with ids from 1 like a database sequence."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def record(self, actor_key: str, text: str, result_count: int, at: datetime) -> SearchRecord:
        search_id = max(self._state.searches, default=0) + 1
        record = SearchRecord(search_id, actor_key, text, result_count, at)
        self._state.searches[search_id] = record
        return record

    def get(self, search_id: int) -> SearchRecord | None:
        return self._state.searches.get(search_id)

    def latest_for(self, actor_key: str) -> SearchRecord | None:
        own = [r for r in self._state.searches.values() if r.actor_key == actor_key]
        return max(own, key=lambda r: r.id, default=None)

    def mark_shown(self, search_id: int, until: int) -> None:
        record = self._state.searches.get(search_id)
        if record is not None:
            self._state.searches[search_id] = replace(record, shown_until=max(0, until))

    def zero_result_texts(self, limit: int = 10) -> list[SearchGap]:
        groups: dict[str, SearchGap] = {}
        for _, record in sorted(self._state.searches.items()):
            if record.result_count == 0:
                seen = groups.get(record.text.lower())
                count = 1 if seen is None else seen.count + 1
                groups[record.text.lower()] = SearchGap(seen.text if seen else record.text, count)
        return sorted(groups.values(), key=lambda gap: (-gap.count, gap.text))[: max(0, limit)]


class MemorySubmissions:
    """SubmissionRepository over a dict; `save` is a compare-and-set on `revision`."""

    def __init__(self, state: MemoryState, clock: Clock | None) -> None:
        self._state = state
        self._clock = clock

    def add(self, submission: Submission) -> Submission:
        if submission.state is SubmissionState.DRAFT and any(
            s.contributor_key == submission.contributor_key and s.state is SubmissionState.DRAFT
            for s in self._state.submissions.values()
        ):
            raise DraftExists(submission.contributor_key)
        now = self._clock.now() if self._clock else None
        stored = replace(
            submission,
            id=_next_id(self._state.submissions),
            created_at=submission.created_at or now,
            updated_at=submission.updated_at or submission.created_at or now,
        )
        self._state.submissions[stored.id] = stored
        return stored

    def get(self, submission_id: int) -> Submission | None:
        return self._state.submissions.get(submission_id)

    def open_for(self, contributor_key: str) -> list[Submission]:
        return [
            s
            for _, s in sorted(self._state.submissions.items())
            if s.contributor_key == contributor_key and s.state in OPEN_STATES
        ]

    def list_by_state(self, *states: SubmissionState) -> list[Submission]:
        return [s for _, s in sorted(self._state.submissions.items()) if s.state in states]

    def save(self, submission: Submission, *, expected_revision: int) -> Submission | None:
        stored = self._state.submissions.get(submission.id)
        if stored is None or stored.revision != expected_revision:
            return None
        saved = replace(
            submission,
            created_at=submission.created_at or stored.created_at,
            updated_at=submission.updated_at or (self._clock.now() if self._clock else None),
            revision=expected_revision + 1,
        )
        self._state.submissions[saved.id] = saved
        return saved


class MemoryReviews:
    """ReviewRepository over a dict: append-only."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, review: Review) -> Review:
        stored = replace(review, id=_next_id(self._state.reviews))
        self._state.reviews[stored.id] = stored
        return stored

    def for_submission(self, submission_id: int) -> list[Review]:
        return [
            r for _, r in sorted(self._state.reviews.items()) if r.submission_id == submission_id
        ]


def _reminder_clock(reminder: Reminder) -> datetime | None:
    """The moment a reminder's current state runs out (see `ReminderRepository.due`)."""
    if reminder.state is ReminderState.SENT:
        return reminder.sent_at
    if reminder.state is ReminderState.NUDGED:
        return reminder.nudged_at
    return reminder.due_at


class MemoryReminders:
    """ReminderRepository over a dict; `transition` is a compare-and-set on `state`."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, reminder: Reminder) -> Reminder:
        stored = replace(reminder, id=_next_id(self._state.reminders))
        self._state.reminders[stored.id] = stored
        return stored

    def get(self, reminder_id: int) -> Reminder | None:
        return self._state.reminders.get(reminder_id)

    def due(self, states: Sequence[ReminderState], before: datetime) -> list[Reminder]:
        found = []
        for reminder in self._state.reminders.values():
            moment = _reminder_clock(reminder)
            if reminder.state in states and moment is not None and moment <= before:
                found.append((moment, reminder.id, reminder))
        return [reminder for _, _, reminder in sorted(found, key=lambda item: item[:2])]

    def for_practice(self, ref: str) -> list[Reminder]:
        return [
            r
            for _, r in sorted(self._state.reminders.items())
            if r.practice_ref.upper() == ref.upper()
        ]

    def transition(
        self, reminder: Reminder, expected: ReminderState, at: datetime
    ) -> Reminder | None:
        stored = self._state.reminders.get(reminder.id)
        if stored is None or stored.state != expected:
            return None
        self._state.reminders[reminder.id] = reminder
        return reminder


class MemoryCalls:
    """CallRepository over a dict."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, call: CallForPractice) -> CallForPractice:
        stored = replace(call, id=_next_id(self._state.calls))
        self._state.calls[stored.id] = stored
        return stored

    def get(self, call_id: int) -> CallForPractice | None:
        return self._state.calls.get(call_id)

    def list_for(self, platform: str, workspace_id: str) -> list[CallForPractice]:
        return [
            c
            for _, c in sorted(self._state.calls.items(), reverse=True)
            if c.platform == platform and c.workspace_id == workspace_id
        ]


class MemoryConversations:
    """ConversationRepository over a dict, one conversation per actor key."""

    def __init__(self, state: MemoryState, clock: Clock | None) -> None:
        self._state = state
        self._clock = clock

    def get(self, actor_key: str) -> Conversation | None:
        return self._state.conversations.get(actor_key)

    def save(self, conversation: Conversation, *, expected_revision: int | None = None) -> bool:
        stored = self._state.conversations.get(conversation.actor_key)
        if expected_revision is not None and (
            stored is None or stored.revision != expected_revision
        ):
            return False
        if conversation.updated_at is None and self._clock is not None:
            conversation = replace(conversation, updated_at=self._clock.now())
        revision = 0 if stored is None else stored.revision + 1
        self._state.conversations[conversation.actor_key] = replace(conversation, revision=revision)
        return True

    def delete(self, actor_key: str) -> None:
        self._state.conversations.pop(actor_key, None)

    def idle_since(self, before: datetime) -> list[Conversation]:
        idle = [
            c
            for c in self._state.conversations.values()
            if c.updated_at is not None and c.updated_at < before
        ]
        return sorted(idle, key=lambda c: (c.updated_at or before, c.actor_key))


class MemoryOutbox:
    """Outbox over a dict: pending in id order, retries held back until their time."""

    def __init__(self, state: MemoryState, clock: Clock | None) -> None:
        self._state = state
        self._clock = clock

    def add(self, notification: Notification) -> Notification:
        stored = replace(
            notification,
            id=_next_id(self._state.outbox),
            created_at=notification.created_at or (self._clock.now() if self._clock else None),
            attempts=0,
            delivered_at=None,
            last_error=None,
        )
        assert stored.id is not None
        self._state.outbox[stored.id] = OutboxEntry(stored)
        return stored

    def pending(self, platform: str, now: datetime, limit: int = 50) -> list[Notification]:
        due = [
            entry.notification
            for _, entry in sorted(self._state.outbox.items())
            if entry.notification.platform == platform
            and entry.notification.delivered_at is None
            and not entry.given_up
            and (entry.next_attempt_at is None or entry.next_attempt_at <= now)
        ]
        return due[:limit]

    def mark_delivered(self, notification_id: int, at: datetime) -> None:
        entry = self._state.outbox.get(notification_id)
        if entry is None or entry.notification.delivered_at is not None:
            return
        entry.next_attempt_at = None
        entry.notification = replace(
            entry.notification, attempts=entry.notification.attempts + 1, delivered_at=at
        )

    def mark_failed(self, notification_id: int, error: str, retry_at: datetime | None) -> None:
        entry = self._state.outbox.get(notification_id)
        if entry is None or entry.notification.delivered_at is not None:
            return
        entry.notification = replace(
            entry.notification, attempts=entry.notification.attempts + 1, last_error=error
        )
        entry.next_attempt_at = retry_at
        entry.given_up = retry_at is None

    def all(self) -> list[Notification]:
        return [entry.notification for _, entry in sorted(self._state.outbox.items())]


class MemoryUnitOfWork:
    """A unit of work over a private copy of the state, written back only on commit."""

    # Declared as the ports so that this class satisfies `bot.kernel.ports.UnitOfWork` for mypy.
    practices: PracticeRepository
    glossary: GlossaryRepository
    workspaces: WorkspaceRepository
    searches: SearchLogRepository
    submissions: SubmissionRepository
    reviews: ReviewRepository
    reminders: ReminderRepository
    calls: CallRepository
    conversations: ConversationRepository
    outbox: Outbox

    def __init__(self, shared: MemoryState, clock: Clock | None = None) -> None:
        self._shared = shared
        self._working = copy.deepcopy(shared)
        self.practices = MemoryPractices(self._working)
        self.glossary = MemoryGlossary(self._working)
        self.workspaces = MemoryWorkspaces(self._working)
        self.searches = MemorySearches(self._working)
        self.submissions = MemorySubmissions(self._working, clock)
        self.reviews = MemoryReviews(self._working)
        self.reminders = MemoryReminders(self._working)
        self.calls = MemoryCalls(self._working)
        self.conversations = MemoryConversations(self._working, clock)
        self.outbox = MemoryOutbox(self._working, clock)
        self.commits = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        for name in _STATE_FIELDS:
            setattr(self._shared, name, copy.deepcopy(getattr(self._working, name)))
        self.commits += 1


class MemoryUnitOfWorkFactory:
    """Makes units of work over one shared in-memory state.

    With a `clock`, missing timestamps the SQL store would fill from its own clock
    (`Submission.created_at`/`updated_at`, `Conversation.updated_at`, `Notification.created_at`)
    are filled from it too; without one they stay None.
    """

    def __init__(self, state: MemoryState | None = None, clock: Clock | None = None) -> None:
        self.state = state or MemoryState()
        self.clock = clock
        self.opened = 0

    def __call__(self) -> MemoryUnitOfWork:
        self.opened += 1
        return MemoryUnitOfWork(self.state, self.clock)


class FixedClock:
    """A clock frozen at one instant (movable by hand)."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at
