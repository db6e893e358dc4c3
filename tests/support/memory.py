"""In-memory implementations of `bot.ports`, for unit tests of the core that need no database.

They keep the ports' semantics that the core relies on: refs are case-insensitive, the bank
version changes on every write, and uncommitted changes vanish when the unit of work ends.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from bot.domain import Practice
from bot.ports import (
    GlossaryEntry,
    GlossaryRepository,
    ImportOutcome,
    PracticeRepository,
    SearchLogRepository,
    SearchRecord,
    WorkspaceRepository,
    WorkspaceSettings,
)


@dataclass
class MemoryState:
    """Everything "stored": shared by the units of work a factory makes."""

    practices: dict[str, Practice] = field(default_factory=dict)
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    workspaces: dict[tuple[str, str], WorkspaceSettings] = field(default_factory=dict)
    searches: dict[int, SearchRecord] = field(default_factory=dict)
    version: int = 0


class MemoryPractices:
    """PracticeRepository over a dict."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def get(self, ref: str) -> Practice | None:
        return self._state.practices.get(ref.upper())

    def list_all(self) -> list[Practice]:
        return [self._state.practices[ref] for ref in sorted(self._state.practices)]

    def upsert_many(self, practices: Sequence[Practice]) -> ImportOutcome:
        added = updated = 0
        for practice in practices:
            if practice.ref.upper() in self._state.practices:
                updated += 1
            else:
                added += 1
            self._state.practices[practice.ref.upper()] = practice
        self._state.version += 1
        return ImportOutcome(added, updated)

    def count(self) -> int:
        return len(self._state.practices)

    def bank_version(self) -> str:
        return str(self._state.version)


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


class MemoryUnitOfWork:
    """A unit of work over a private copy of the state, written back only on commit."""

    # Declared as the ports so that this class satisfies `bot.ports.UnitOfWork` for mypy.
    practices: PracticeRepository
    glossary: GlossaryRepository
    workspaces: WorkspaceRepository
    searches: SearchLogRepository

    def __init__(self, shared: MemoryState) -> None:
        self._shared = shared
        self._working = copy.deepcopy(shared)
        self.practices = MemoryPractices(self._working)
        self.glossary = MemoryGlossary(self._working)
        self.workspaces = MemoryWorkspaces(self._working)
        self.searches = MemorySearches(self._working)
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
        for name in ("practices", "glossary", "workspaces", "searches", "version"):
            setattr(self._shared, name, copy.deepcopy(getattr(self._working, name)))
        self.commits += 1


class MemoryUnitOfWorkFactory:
    """Makes units of work over one shared in-memory state."""

    def __init__(self, state: MemoryState | None = None) -> None:
        self.state = state or MemoryState()
        self.opened = 0

    def __call__(self) -> MemoryUnitOfWork:
        self.opened += 1
        return MemoryUnitOfWork(self.state)


class FixedClock:
    """A clock frozen at one instant (movable by hand)."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at
