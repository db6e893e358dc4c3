"""What the core needs from the outside world, as small protocols: storage and time.

`store/` implements the storage protocols against SQL; tests may use in-memory versions. The core
never sees a session, an engine or a row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from bot.kernel.domain import Practice
from bot.kernel.events import Actor, Workspace
from bot.kernel.records import (
    CallForPractice,
    Conversation,
    Notification,
    PracticeChange,
    PracticeEvent,
    Reminder,
    ReminderState,
    Review,
    Submission,
    SubmissionState,
)


class Clock(Protocol):
    """Source of the current time, injected so rules can run under a frozen clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


STREAM_PAGE = 500
"""How many practices `PracticeRepository.live_practices` reads per round trip.

At 100,000 practices with narrative fields a page is about 2 MB of rows: big enough that the
round trips cost nothing beside indexing, small enough not to matter to a worker's peak."""


@dataclass(frozen=True)
class ImportOutcome:
    """How many practices an import added, updated and found unchanged (matched on ref).

    `updated` counts every ref that was already stored, `unchanged` those of them whose
    stored practice was identical and so was not written at all.
    """

    added: int
    updated: int
    unchanged: int = 0


@dataclass(frozen=True)
class BankChanges:
    """What changed in the bank after a change sequence number, for a running search index.

    `seq` is the highest change sequence the answer covers (pass it back next time);
    `practices` are the current state of every practice written after the asked-for number
    (archived ones included, so the index drops them); `glossary_version` is a token that moves
    when a moderator adds or replaces a glossary entry.
    """

    seq: int
    practices: tuple[Practice, ...]
    glossary_version: str


class PracticeRepository(Protocol):
    """The published practices."""

    def get(self, ref: str) -> Practice | None:
        """The practice with this ref (case-insensitive), or None."""
        ...

    def list_all(self) -> list[Practice]:
        """Every practice, archived ones included, ordered by ref."""
        ...

    def upsert_many(
        self, practices: Sequence[Practice], *, change: PracticeChange | None = None
    ) -> ImportOutcome:
        """Add practices whose ref is new and replace those whose ref exists.

        A stored practice keeps its ref as first written, and gets a new version (stored in
        its version history) only when its content changes; the store numbers versions. Each
        write is recorded in the practice's history: as `change` says, or without one as an
        import (see `PracticeChange`).
        """
        ...

    def count(self) -> int:
        """How many practices the bank holds."""
        ...

    def bank_version(self) -> str:
        """A token that changes whenever any practice is added or changed (for index refresh)."""
        ...

    def changed_since(self, seq: int | None) -> BankChanges:
        """Practices written after change number `seq` (every one for None), in one read."""
        ...

    def live_practices(self, page_size: int = STREAM_PAGE) -> Iterator[Practice]:
        """Every practice not archived, read `page_size` at a time and yielded one by one.

        The full build of a search index reads the bank this way, so that at no point is the
        whole bank (narrative fields and all) held at once: each practice can be let go as
        soon as it is indexed. Not one snapshot: a practice written while the stream runs may
        or may not be in it, so a reader takes the change number *before* streaming and
        applies what changed after it on its next query (which replaces, never duplicates).
        """
        ...

    def matching(self, words: Sequence[str], limit: int) -> list[Practice]:
        """Up to `limit` live practices whose title or summary holds one of the words (any case).

        No words: the first live practices by ref. A stand-in while the search index is built.
        """
        ...

    def next_ref(self) -> str:
        """The next free public ref (PB064 after PB063), never reused even after archiving."""
        ...

    def history(self, ref: str) -> list[Practice]:
        """Earlier versions of the practice, oldest first."""
        ...

    def changes(self, ref: str) -> list[PracticeEvent]:
        """The practice's history of changes (ref in any case), oldest first."""
        ...


@dataclass(frozen=True)
class GlossaryEntry:
    """A term the search understands as another: an acronym, a synonym or a common misspelling.

    `expansion` is the phrase searched in its place, alongside the term itself. `added_by` and
    `added_at` are the audit trail of a stored entry: who taught it (an actor key, or `cli`) and
    when; shipped entries have no time.
    """

    term: str
    expansion: str
    added_by: str = "shipped"
    added_at: datetime | None = None


class GlossaryChangeKind(StrEnum):
    """What one change to the taught glossary did."""

    TAUGHT = "taught"
    REMOVED = "removed"


@dataclass(frozen=True)
class GlossaryChange:
    """One line of the taught glossary's audit trail, never edited.

    `expansion` is the meaning taught, or for a removal the meaning that was removed; `by` is
    an actor key (or `cli`).
    """

    term: str
    kind: GlossaryChangeKind
    expansion: str
    by: str
    at: datetime


class GlossaryRepository(Protocol):
    """Glossary entries added by moderators at run time, on top of the shipped glossary."""

    def list_all(self) -> list[GlossaryEntry]:
        """Every stored entry."""
        ...

    def remove(self, term: str, removed_by: str) -> GlossaryEntry | None:
        """Remove the entry whose term matches ignoring case; the entry removed, or None.

        Like `add`, it records the change in the audit trail and moves the bank version token,
        in the same transaction, so every worker searches without the term from its next query.
        Nothing is written when no entry matches.
        """
        ...

    def changes(self, term: str | None = None, limit: int = 20) -> list[GlossaryChange]:
        """The audit trail, newest first: every teach and removal (of `term` only, if given)."""
        ...

    def add(self, entry: GlossaryEntry) -> None:
        """Add or replace the entry for `entry.term`, stamped with the time it was written.

        The change is also written to the audit trail (`changes`), so a replaced meaning stays
        readable there.

        It also moves the bank version token (`PracticeRepository.bank_version`) in the same
        transaction: the search index cache of every worker watches that token, so a term taught
        in one worker is searched with in all of them from their next query.
        """
        ...


@dataclass(frozen=True)
class WorkspaceSettings:
    """Per-workspace configuration: who moderates, where, and whether it is police-only."""

    platform: str
    workspace_id: str
    police_only: bool = False
    moderation_channel: str | None = None
    moderator_ids: tuple[str, ...] = ()
    moderator_roles: tuple[str, ...] = ()
    call_channel: str | None = None

    @property
    def announce_calls_in(self) -> str | None:
        """Where calls for practice are announced: the call channel, else the moderation one."""
        return self.call_channel or self.moderation_channel

    @property
    def workspace(self) -> Workspace:
        """The workspace these settings are for."""
        return Workspace(self.platform, self.workspace_id)


class WorkspaceRepository(Protocol):
    """Per-workspace settings."""

    def get(
        self, workspace: Workspace | str, workspace_id: str | None = None
    ) -> WorkspaceSettings | None:
        """Settings for the workspace, or None when it was never configured.

        The core passes a `Workspace`; the `(platform, workspace_id)` pair is the older spelling,
        still used by start-up code outside the core until it moves to the value.
        """
        ...

    def save(self, settings: WorkspaceSettings) -> None:
        """Create or replace the workspace's settings."""
        ...


@dataclass(frozen=True)
class SearchRecord:
    """One search somebody ran: kept for paging ("more results") and for the gaps report.

    `shown_until` is the offset after the last page its owner was shown: a typed `more`
    continues from there. A record belongs to its owner (`actor_key`, the person who searched)
    in `workspace`: only they may page, filter or re-spell it, because its results depend on
    the owner's rights over restricted practices.
    """

    id: int
    actor_key: str
    workspace: Workspace
    text: str
    result_count: int
    at: datetime
    shown_until: int = 0
    partial_count: int = 0


@dataclass(frozen=True)
class SearchGap:
    """A search that found no full match, and how many times it was run: a gap to fill.

    `partial_only` says its latest run found closest (partial) practices, where an unmet one
    found nothing at all; `search_id` is that latest run (the *Teach search* button names it)
    and `last_at` when it ran.
    """

    text: str
    count: int
    partial_only: bool = False
    search_id: int = 0
    last_at: datetime | None = None


class SearchLogRepository(Protocol):
    """Searches people ran, each owned by the person who ran it, in their workspace."""

    def record(
        self, owner: Actor, text: str, result_count: int, at: datetime, partial_count: int = 0
    ) -> SearchRecord:
        """Store a search run by `owner` (in `owner.workspace`) and return it with its id.

        `result_count` counts its full matches, `partial_count` the partial ones.
        """
        ...

    def get(self, owner: Actor, search_id: int) -> SearchRecord | None:
        """The owner's search with this id, or None (also when someone else ran it)."""
        ...

    def in_workspace(self, workspace: Workspace, search_id: int) -> SearchRecord | None:
        """Any search with this id run in `workspace` (for the moderators' gaps report), or None."""
        ...

    def latest_for(self, owner: Actor) -> SearchRecord | None:
        """The person's most recently recorded search (highest id), or None when they ran none."""
        ...

    def mark_shown(self, owner: Actor, search_id: int, until: int) -> None:
        """Record that the owner has now seen their search's results up to offset `until`.

        The value is replaced, not raised: paging back with an older button moves it back, so a
        typed `more` follows the page last shown. An unknown id, or another person's search,
        changes nothing.
        """
        ...

    def zero_result_texts(self, workspace: Workspace, limit: int = 10) -> list[SearchGap]:
        """Texts of the workspace's searches with no full match, most often run first.

        At most `limit`. Texts are grouped case-insensitively (the first spelling seen is shown);
        ties are ordered by text, so the report is stable. Each gap says whether its latest run
        found partial matches (`partial_only`) and which run that was.
        """
        ...

    def prune(self, before: datetime) -> int:
        """Forget searches run before `before`; returns how many went."""
        ...


class DraftExists(Exception):
    """Raised by `SubmissionRepository.add` for a second draft of one contributor.

    One open draft per person is a database constraint (a unique partial index), so of two
    racing inserts one wins and the other raises this, with the unit of work still usable.
    """


class SubmissionRepository(Protocol):
    """Contributors' drafts and proposals."""

    def add(self, submission: Submission) -> Submission:
        """Store a new submission (its `id` is ignored) and return it with its id.

        Raises `DraftExists` when it is a draft and its contributor already has one.
        """
        ...

    def get(self, workspace: Workspace, submission_id: int) -> Submission | None:
        """The workspace's submission with this id, or None (also for another workspace's)."""
        ...

    def get_own(self, contributor_key: str, submission_id: int) -> Submission | None:
        """The contributor's own submission with this id, or None (also for someone else's)."""
        ...

    def open_for(self, contributor_key: str) -> list[Submission]:
        """The contributor's submissions in an open state (draft, submitted, changes requested)."""
        ...

    def list_by_state(self, workspace: Workspace, *states: SubmissionState) -> list[Submission]:
        """The workspace's submissions in any of these states, oldest first."""
        ...

    def for_practice(self, ref: str) -> list[Submission]:
        """Every submission that published `ref` or proposes an update to it, oldest first.

        Not scoped to a workspace: the bank is shared, and who first shared a practice (or
        moderated it) matters wherever that person now asks.
        """
        ...

    def save(self, submission: Submission, *, expected_revision: int) -> Submission | None:
        """Write the submission only if its stored revision is still `expected_revision`.

        Returns the stored submission with its revision increased, or None when someone else
        changed it first: this compare-and-set is what makes a moderator decision atomic.
        """
        ...


class ReviewRepository(Protocol):
    """The append-only audit trail of moderator decisions."""

    def add(self, review: Review) -> Review:
        """Append a review (its `id` is ignored) and return it with its id."""
        ...

    def for_submission(self, submission_id: int) -> list[Review]:
        """Reviews of one submission, oldest first."""
        ...


class ReminderRepository(Protocol):
    """Follow-up reminders."""

    def add(self, reminder: Reminder) -> Reminder:
        """Store a reminder (its `id` is ignored) and return it with its id."""
        ...

    def get(self, workspace: Workspace, reminder_id: int) -> Reminder | None:
        """The workspace's reminder with this id, or None (also for another workspace's)."""
        ...

    def due(self, states: Sequence[ReminderState], before: datetime) -> list[Reminder]:
        """Reminders in one of `states` whose clock ran out at or before `before`, oldest first.

        The clock is `due_at` for pending reminders, `sent_at` for sent ones and `nudged_at` for
        nudged ones; the caller passes the cut-off that fits the states it asks for.
        """
        ...

    def for_practice(self, ref: str) -> list[Reminder]:
        """Every reminder of a practice, oldest first."""
        ...

    def transition(
        self, reminder: Reminder, expected: ReminderState, at: datetime
    ) -> Reminder | None:
        """Save `reminder` only if its stored state is still `expected` (atomic claim).

        Two sweepers in two processes may pick the same due reminder; only the one whose
        transition succeeds sends it. Returns the stored reminder, or None when it lost.
        """
        ...


class CallRepository(Protocol):
    """Calls for practice."""

    def add(self, call: CallForPractice) -> CallForPractice:
        """Store a new call (its `id` is ignored) and return it with its id."""
        ...

    def get(self, workspace: Workspace, call_id: int) -> CallForPractice | None:
        """The workspace's call with this id, or None (also for another workspace's)."""
        ...

    def list_for(self, workspace: Workspace) -> list[CallForPractice]:
        """The workspace's calls, newest first."""
        ...


class ConversationRepository(Protocol):
    """Guided dialogues in flight, one per person."""

    def get(self, actor_key: str) -> Conversation | None:
        """The person's conversation, or None."""
        ...

    def save(self, conversation: Conversation, *, expected_revision: int | None = None) -> bool:
        """Create or replace the person's conversation; its stored revision goes up by one.

        With `expected_revision`, a compare-and-set: the conversation is written only if its
        stored revision is still that one, and False says someone else changed it first (or it
        is gone). Without, it is written whatever is stored, and True is returned.
        """
        ...

    def delete(self, actor_key: str) -> None:
        """Forget the person's conversation (finished, cancelled or discarded)."""
        ...

    def idle_since(self, before: datetime) -> list[Conversation]:
        """Conversations not touched since `before` (for the 30-day draft clean-up)."""
        ...


class Outbox(Protocol):
    """Notifications waiting to be delivered by an adapter's delivery loop."""

    def add(self, notification: Notification) -> Notification:
        """Queue a notification in the current transaction and return it with its id."""
        ...

    def pending(self, platform: str, now: datetime, limit: int = 50) -> list[Notification]:
        """Undelivered notifications for the platform whose next attempt is due, oldest first."""
        ...

    def lease(
        self, platform: str, owner: str, now: datetime, until: datetime, limit: int = 20
    ) -> list[Notification]:
        """Lease up to `limit` due, unleased notifications to `owner` until `until`.

        Highest priority first, then oldest; a lease that ran out (its holder died) is free again.
        Two callers never get the same notification while its lease holds.
        """
        ...

    def release(self, owner: str, notification_ids: Sequence[int]) -> int:
        """Clear `owner`'s lease on these notifications without counting an attempt."""
        ...

    def mark_delivered(self, notification_id: int, at: datetime) -> None:
        """Record a successful delivery (and clear its lease)."""
        ...

    def mark_failed(
        self,
        notification_id: int,
        error: str,
        retry_at: datetime | None,
        *,
        owner: str | None = None,
    ) -> None:
        """Record a failed attempt; `retry_at` None gives up for good.

        With `owner`, only while that owner still holds the lease (else another loop has it).
        """
        ...

    def all(self) -> list[Notification]:
        """Every notification, oldest first (for tests, stats and operators)."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories: commit to keep, leave the block to roll back."""

    # Read-only properties rather than attributes, so implementations may narrow the types.
    @property
    def practices(self) -> PracticeRepository:
        """The published practices."""
        ...

    @property
    def glossary(self) -> GlossaryRepository:
        """Glossary entries added at run time."""
        ...

    @property
    def workspaces(self) -> WorkspaceRepository:
        """Per-workspace settings."""
        ...

    @property
    def searches(self) -> SearchLogRepository:
        """Searches people ran."""
        ...

    @property
    def submissions(self) -> SubmissionRepository:
        """Contributors' drafts and proposals."""
        ...

    @property
    def reviews(self) -> ReviewRepository:
        """Moderator decisions."""
        ...

    @property
    def reminders(self) -> ReminderRepository:
        """Follow-up reminders."""
        ...

    @property
    def calls(self) -> CallRepository:
        """Calls for practice."""
        ...

    @property
    def conversations(self) -> ConversationRepository:
        """Guided dialogues in flight."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Notifications to deliver."""
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        ...

    def commit(self) -> None:
        """Make the changes so far permanent."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per use case."""

    def __call__(self) -> UnitOfWork:
        """A new unit of work."""
        ...
