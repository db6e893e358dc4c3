"""What the core needs from the outside world, as small protocols: storage and time.

`store/` implements the storage protocols against SQL; tests may use in-memory versions. The core
never sees a session, an engine or a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.domain import Practice


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


@dataclass(frozen=True)
class ImportOutcome:
    """How many practices an import added and how many it updated (matched on ref)."""

    added: int
    updated: int


class PracticeRepository(Protocol):
    """The published practices."""

    def get(self, ref: str) -> Practice | None:
        """The practice with this ref (case-insensitive), or None."""
        ...

    def list_all(self) -> list[Practice]:
        """Every practice, archived ones included, ordered by ref."""
        ...

    def upsert_many(self, practices: Sequence[Practice]) -> ImportOutcome:
        """Add practices whose ref is new and replace those whose ref exists."""
        ...

    def count(self) -> int:
        """How many practices the bank holds."""
        ...

    def bank_version(self) -> str:
        """A token that changes whenever any practice is added or changed (for index refresh)."""
        ...


@dataclass(frozen=True)
class GlossaryEntry:
    """A term the search understands as another: an acronym, a synonym or a common misspelling.

    `expansion` is the phrase searched in its place, alongside the term itself.
    """

    term: str
    expansion: str
    added_by: str = "shipped"


class GlossaryRepository(Protocol):
    """Glossary entries added by moderators at run time, on top of the shipped glossary."""

    def list_all(self) -> list[GlossaryEntry]:
        """Every stored entry."""
        ...

    def add(self, entry: GlossaryEntry) -> None:
        """Add or replace the entry for `entry.term`."""
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


class WorkspaceRepository(Protocol):
    """Per-workspace settings."""

    def get(self, platform: str, workspace_id: str) -> WorkspaceSettings | None:
        """Settings for the workspace, or None when it was never configured."""
        ...

    def save(self, settings: WorkspaceSettings) -> None:
        """Create or replace the workspace's settings."""
        ...


@dataclass(frozen=True)
class SearchRecord:
    """One search somebody ran: kept for paging ("more results") and for the gaps report."""

    id: int
    actor_key: str
    text: str
    result_count: int
    at: datetime


class SearchLogRepository(Protocol):
    """Searches people ran."""

    def record(self, actor_key: str, text: str, result_count: int, at: datetime) -> SearchRecord:
        """Store a search and return it with its id."""
        ...

    def get(self, search_id: int) -> SearchRecord | None:
        """The search with this id, or None."""
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
