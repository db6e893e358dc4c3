"""Keeps one search index over the bank per worker, fresh without rebuilding it.

The index is built once, from one read of the whole bank (`changed_since(None)`). After that,
before each query, the worker asks the store for the practices written since the change number
it last saw (`changed_since(seq)`: one indexed read, empty when nothing changed, that also
carries the glossary's version token) and applies them to the index in place: a published,
updated or imported practice replaces its postings, an archived one leaves. So a practice
written by any process is found by every worker's next search, and no search pays for a
rebuild. A moderator's glossary entry costs one more read, of the glossary only, and a
recompile of the concepts (cheap); the index is untouched.

`builds` counts full builds and `applied` counts practices applied incrementally, so tests and
logs can see which happened.
"""

from __future__ import annotations

import threading

from bot.kernel.ports import UnitOfWork
from bot.search.engine import PracticeSearch
from bot.search.glossary import Glossary, load_shipped_glossary


class SearchService:
    """The current `PracticeSearch` for the bank, shared by every handler and thread."""

    def __init__(self, shipped_glossary: Glossary | None = None) -> None:
        """Remember the shipped glossary if given; it is otherwise loaded on first use, not here."""
        self._shipped = shipped_glossary
        self._lock = threading.Lock()
        self._search: PracticeSearch | None = None
        self._seq = 0
        self._glossary_version: str | None = None
        self._builds = 0
        self._applied = 0

    @property
    def builds(self) -> int:
        """How many times the index was built from the whole bank."""
        return self._builds

    @property
    def applied(self) -> int:
        """How many practice changes were applied to the index without a rebuild."""
        return self._applied

    def searcher(self, uow: UnitOfWork) -> PracticeSearch:
        """Return the index with every change `uow` can see applied (built on first use)."""
        with self._lock:
            if self._search is None:
                return self._build(uow)
            search = self._search
            changes = uow.practices.changed_since(self._seq)
            if changes.practices:
                self._applied += search.apply(changes.practices)
            self._seq = changes.seq
            if changes.glossary_version != self._glossary_version:
                search.use_glossary(self._shipped_glossary().merged(uow.glossary.list_all()))
                self._glossary_version = changes.glossary_version
            return search

    def _build(self, uow: UnitOfWork) -> PracticeSearch:
        """Index the whole bank, read once; archived practices stay in the store, not in search."""
        changes = uow.practices.changed_since(None)
        glossary = self._shipped_glossary().merged(uow.glossary.list_all())
        self._search = PracticeSearch(changes.practices, glossary)
        self._seq, self._glossary_version = changes.seq, changes.glossary_version
        self._builds += 1
        return self._search

    def _shipped_glossary(self) -> Glossary:
        """Load the glossary that ships with the package, once."""
        if self._shipped is None:
            self._shipped = load_shipped_glossary()
        return self._shipped
