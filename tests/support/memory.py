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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from bot.kernel.delivery import priority_of
from bot.kernel.domain import REF_PATTERN, Practice, format_ref
from bot.kernel.events import Actor, Workspace
from bot.kernel.ports import (
    STREAM_PAGE,
    BankChanges,
    CallRepository,
    Clock,
    ConversationRepository,
    DraftExists,
    GlossaryChange,
    GlossaryChangeKind,
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
    IMPORT_ACTOR,
    OPEN_STATES,
    CallForPractice,
    Conversation,
    Notification,
    PracticeChange,
    PracticeEvent,
    PracticeEventKind,
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
    priority: int = 0
    leased_until: datetime | None = None
    lease_owner: str | None = None


@dataclass
class MemoryState:
    """Everything "stored": shared by the units of work a factory makes."""

    practices: dict[str, Practice] = field(default_factory=dict)
    versions: dict[str, list[Practice]] = field(default_factory=dict)
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    glossary_changes: list[GlossaryChange] = field(default_factory=list)
    workspaces: dict[tuple[str, str], WorkspaceSettings] = field(default_factory=dict)
    searches: dict[int, SearchRecord] = field(default_factory=dict)
    submissions: dict[int, Submission] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    reminders: dict[int, Reminder] = field(default_factory=dict)
    calls: dict[int, CallForPractice] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    outbox: dict[int, OutboxEntry] = field(default_factory=dict)
    version: int = 0
    events: list[PracticeEvent] = field(default_factory=list)
    last_ref_number: int = 0
    change_seqs: dict[str, int] = field(default_factory=dict)


_STATE_FIELDS: tuple[str, ...] = (
    "practices",
    "versions",
    "glossary",
    "glossary_changes",
    "workspaces",
    "searches",
    "submissions",
    "reviews",
    "reminders",
    "calls",
    "conversations",
    "outbox",
    "version",
    "events",
    "last_ref_number",
    "change_seqs",
)


def _content(practice: Practice) -> Practice:
    """The practice with its bookkeeping blanked, to compare content (as the SQL store does)."""
    return replace(
        practice,
        ref="",
        version=1,
        added_at=None,
        updated_at=None,
        reviewed_at=None,
        archived_at=None,
    )


def _next_id(table: Mapping[int, object]) -> int:
    """The id a database sequence would hand out next."""
    return max(table, default=0) + 1


class MemoryPractices:
    """PracticeRepository over a dict, with a version history like the SQL store's."""

    def __init__(self, state: MemoryState, clock: Clock | None = None) -> None:
        self._state = state
        self._clock = clock

    def get(self, ref: str) -> Practice | None:
        return self._state.practices.get(ref.upper())

    def list_all(self) -> list[Practice]:
        return sorted(self._state.practices.values(), key=lambda p: (len(p.ref), p.ref.upper()))

    def upsert_many(
        self, practices: Sequence[Practice], *, change: PracticeChange | None = None
    ) -> ImportOutcome:
        latest = {practice.ref.upper(): practice for practice in practices}
        added = updated = unchanged = 0
        now = self._clock.now() if self._clock else datetime.now(UTC)
        for key, practice in latest.items():
            stored = self._state.practices.get(key)
            kind = PracticeEventKind.ADDED
            if stored is None:
                added += 1
                practice = replace(practice, version=max(1, practice.version))
                new_content = True
                if REF_PATTERN.match(key):
                    self._state.last_ref_number = max(self._state.last_ref_number, int(key[2:]))
            else:
                updated += 1
                kind = PracticeEventKind.CHANGED
                new_content = _content(stored) != _content(practice)
                version = stored.version + 1 if new_content else stored.version
                practice = replace(practice, ref=stored.ref, version=version)
                if practice != stored:
                    self._state.version += 1
                    self._state.change_seqs[key] = self._state.version
                else:
                    unchanged += 1
            if stored is None:
                self._state.version += 1
                self._state.change_seqs[key] = self._state.version
            if new_content:
                self._state.versions.setdefault(key, []).append(practice)
            if new_content or change is not None:
                self._state.events.append(
                    PracticeEvent(
                        id=len(self._state.events) + 1,
                        ref=practice.ref,
                        version=practice.version,
                        kind=kind if change is None else change.kind,
                        actor_key=IMPORT_ACTOR if change is None else change.actor_key,
                        actor_name="" if change is None else change.actor_name,
                        at=now,
                        note="" if change is None else change.note,
                    )
                )
            self._state.practices[key] = practice
        return ImportOutcome(added, updated, unchanged)

    def count(self) -> int:
        return len(self._state.practices)

    def bank_version(self) -> str:
        return str(self._state.version)

    def changed_since(self, seq: int | None) -> BankChanges:
        after = -1 if seq is None else seq
        keys = [k for k, n in self._state.change_seqs.items() if n > after]
        latest = max([seq or 0, *(self._state.change_seqs[k] for k in keys)])
        glossary = repr(sorted(self._state.glossary.items()))
        return BankChanges(latest, tuple(self._state.practices[k] for k in keys), glossary)

    def live_practices(self, page_size: int = STREAM_PAGE) -> Iterator[Practice]:
        # Lazily, as the store does; the keys are taken first, as a page would be read.
        for key in list(self._state.practices):
            practice = self._state.practices.get(key)
            if practice is not None and practice.archived_at is None:
                yield practice

    def matching(self, words: Sequence[str], limit: int) -> list[Practice]:
        wanted = [w.lower() for w in words]
        return [
            p
            for p in self.list_all()
            if p.archived_at is None
            and (not wanted or any(w in f"{p.title} {p.summary}".lower() for w in wanted))
        ][: max(limit, 0)]

    def next_ref(self) -> str:
        self._state.last_ref_number += 1
        return format_ref(self._state.last_ref_number)

    def history(self, ref: str) -> list[Practice]:
        return list(self._state.versions.get(ref.upper(), [])[:-1])

    def changes(self, ref: str) -> list[PracticeEvent]:
        return [e for e in self._state.events if e.ref.upper() == ref.strip().upper()]


class MemoryGlossary:
    """GlossaryRepository over a dict; a write stamps the time and moves the version, as stored."""

    def __init__(self, state: MemoryState, clock: Clock | None = None) -> None:
        self._state = state
        self._clock = clock

    def list_all(self) -> list[GlossaryEntry]:
        return [self._state.glossary[t] for t in sorted(self._state.glossary)]

    def add(self, entry: GlossaryEntry) -> None:
        for term in [t for t in self._state.glossary if t.lower() == entry.term.lower()]:
            del self._state.glossary[term]
        at = self._clock.now() if self._clock is not None else entry.added_at
        self._state.glossary[entry.term] = replace(entry, added_at=at)
        self._record(entry.term, GlossaryChangeKind.TAUGHT, entry.expansion, entry.added_by)
        self._state.version += 1

    def remove(self, term: str, removed_by: str) -> GlossaryEntry | None:
        found = [t for t in self._state.glossary if t.lower() == term.lower()]
        if not found:
            return None
        entry = self._state.glossary.pop(found[0])
        self._record(entry.term, GlossaryChangeKind.REMOVED, entry.expansion, removed_by)
        self._state.version += 1
        return entry

    def changes(self, term: str | None = None, limit: int = 20) -> list[GlossaryChange]:
        trail = [
            c
            for c in self._state.glossary_changes
            if term is None or c.term.lower() == term.lower()
        ]
        return trail[::-1][: max(0, limit)]

    def _record(self, term: str, kind: GlossaryChangeKind, expansion: str, by: str) -> None:
        at = self._clock.now() if self._clock is not None else datetime.now(UTC)
        self._state.glossary_changes.append(GlossaryChange(term, kind, expansion, by, at))


class MemoryWorkspaces:
    """WorkspaceRepository over a dict."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def get(
        self, workspace: Workspace | str, workspace_id: str | None = None
    ) -> WorkspaceSettings | None:
        wanted = Workspace.of(workspace, workspace_id)
        return self._state.workspaces.get((wanted.platform, wanted.id))

    def save(self, settings: WorkspaceSettings) -> None:
        self._state.workspaces[(settings.platform, settings.workspace_id)] = settings


class MemorySearches:
    """SearchLogRepository over a dict, with ids from 1 like a database sequence."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def record(
        self, owner: Actor, text: str, result_count: int, at: datetime, partial_count: int = 0
    ) -> SearchRecord:
        search_id = max(self._state.searches, default=0) + 1
        record = SearchRecord(
            search_id,
            owner.key,
            owner.workspace,
            text,
            result_count,
            at,
            partial_count=max(0, partial_count),
        )
        self._state.searches[search_id] = record
        return record

    def get(self, owner: Actor, search_id: int) -> SearchRecord | None:
        record = self._state.searches.get(search_id)
        return record if record is not None and _owns(owner, record) else None

    def in_workspace(self, workspace: Workspace, search_id: int) -> SearchRecord | None:
        record = self._state.searches.get(search_id)
        return record if record is not None and record.workspace == workspace else None

    def latest_for(self, owner: Actor) -> SearchRecord | None:
        own = [r for r in self._state.searches.values() if _owns(owner, r)]
        return max(own, key=lambda r: r.id, default=None)

    def mark_shown(self, owner: Actor, search_id: int, until: int) -> None:
        record = self.get(owner, search_id)
        if record is not None:
            self._state.searches[search_id] = replace(record, shown_until=max(0, until))

    def prune(self, before: datetime) -> int:
        old = [i for i, record in self._state.searches.items() if record.at < before]
        for search_id in old:
            del self._state.searches[search_id]
        return len(old)

    def zero_result_texts(self, workspace: Workspace, limit: int = 10) -> list[SearchGap]:
        groups: dict[str, SearchGap] = {}
        for _, record in sorted(self._state.searches.items()):
            if record.result_count == 0 and record.workspace == workspace:
                seen = groups.get(record.text.lower())
                groups[record.text.lower()] = SearchGap(
                    seen.text if seen else record.text,
                    1 if seen is None else seen.count + 1,
                    partial_only=record.partial_count > 0,
                    search_id=record.id,
                    last_at=record.at,
                )
        return sorted(groups.values(), key=lambda gap: (-gap.count, gap.text))[: max(0, limit)]


def _owns(owner: Actor, record: SearchRecord) -> bool:
    """Whether `owner` ran the search, in the workspace it was recorded in."""
    return record.actor_key == owner.key and record.workspace == owner.workspace


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

    def get(self, workspace: Workspace, submission_id: int) -> Submission | None:
        found = self._state.submissions.get(submission_id)
        return found if found is not None and found.workspace == workspace else None

    def get_own(self, contributor_key: str, submission_id: int) -> Submission | None:
        found = self._state.submissions.get(submission_id)
        return found if found is not None and found.contributor_key == contributor_key else None

    def open_for(self, contributor_key: str) -> list[Submission]:
        return [
            s
            for _, s in sorted(self._state.submissions.items())
            if s.contributor_key == contributor_key and s.state in OPEN_STATES
        ]

    def list_by_state(self, workspace: Workspace, *states: SubmissionState) -> list[Submission]:
        return [
            s
            for _, s in sorted(self._state.submissions.items())
            if s.workspace == workspace and s.state in states
        ]

    def for_practice(self, ref: str) -> list[Submission]:
        key = ref.strip().upper()
        return [
            s
            for _, s in sorted(self._state.submissions.items())
            if key in ((s.published_ref or "").upper(), (s.target_ref or "").upper())
        ]

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

    def get(self, workspace: Workspace, reminder_id: int) -> Reminder | None:
        found = self._state.reminders.get(reminder_id)
        return found if found is not None and found.workspace == workspace else None

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

    def get(self, workspace: Workspace, call_id: int) -> CallForPractice | None:
        found = self._state.calls.get(call_id)
        return found if found is not None and found.workspace == workspace else None

    def list_for(self, workspace: Workspace) -> list[CallForPractice]:
        return [
            c
            for _, c in sorted(self._state.calls.items(), reverse=True)
            if c.workspace == workspace
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
        self._state.outbox[stored.id] = OutboxEntry(stored, priority=priority_of(stored))
        return stored

    def lease(
        self, platform: str, owner: str, now: datetime, until: datetime, limit: int = 20
    ) -> list[Notification]:
        free = [
            entry
            for _, entry in sorted(self._state.outbox.items())
            if entry.notification.platform == platform
            and entry.notification.delivered_at is None
            and not entry.given_up
            and (entry.next_attempt_at is None or entry.next_attempt_at <= now)
            and (entry.leased_until is None or entry.leased_until <= now)
        ]
        free.sort(key=lambda entry: -entry.priority)  # stable: ids stay in order within one
        chosen = free[: max(0, limit)]
        for entry in chosen:
            entry.leased_until, entry.lease_owner = until, owner
        return [entry.notification for entry in chosen]

    def release(self, owner: str, notification_ids: Sequence[int]) -> int:
        released = 0
        for notification_id in notification_ids:
            entry = self._state.outbox.get(notification_id)
            if entry is not None and entry.lease_owner == owner:
                entry.leased_until = entry.lease_owner = None
                released += 1
        return released

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
        entry.leased_until = entry.lease_owner = None
        entry.notification = replace(
            entry.notification, attempts=entry.notification.attempts + 1, delivered_at=at
        )

    def mark_failed(
        self,
        notification_id: int,
        error: str,
        retry_at: datetime | None,
        *,
        owner: str | None = None,
    ) -> None:
        entry = self._state.outbox.get(notification_id)
        if entry is None or entry.notification.delivered_at is not None:
            return
        if owner is not None and entry.lease_owner != owner:
            return
        entry.leased_until = entry.lease_owner = None
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
        self.practices = MemoryPractices(self._working, clock)
        self.glossary = MemoryGlossary(self._working, clock)
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

    def reader(self) -> MemoryUnitOfWork:
        return self()


class FixedClock:
    """A clock frozen at one instant (movable by hand)."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at
