"""Keeps one search index over the bank and rebuilds it only when the practices or glossary change.

Building a `PracticeSearch` costs far more than one query, so the index is cached against the
bank's version token and the stored glossary entries: a practice imported or published a moment
ago is searchable on the next query, while repeated searches reuse the same index.
"""

from __future__ import annotations

import threading

from bot.kernel.ports import GlossaryEntry, UnitOfWork
from bot.search.engine import PracticeSearch
from bot.search.glossary import Glossary, load_shipped_glossary


class SearchService:
    """The current `PracticeSearch` for the bank, shared by every handler and thread."""

    def __init__(self, shipped_glossary: Glossary | None = None) -> None:
        """Remember the shipped glossary if given; it is otherwise loaded on first use, not here."""
        self._shipped = shipped_glossary
        self._lock = threading.Lock()
        self._key: tuple[str, tuple[GlossaryEntry, ...]] | None = None
        self._search: PracticeSearch | None = None
        self._builds = 0

    @property
    def builds(self) -> int:
        """How many times the index was built: lets tests and logs see that caching works."""
        return self._builds

    def searcher(self, uow: UnitOfWork) -> PracticeSearch:
        """Return the index for the bank as `uow` sees it, rebuilt only if it changed."""
        key = (uow.practices.bank_version(), tuple(uow.glossary.list_all()))
        with self._lock:
            if self._search is not None and self._key == key:
                return self._search
            # Archived practices stay in the store (their refs keep working) but leave search.
            practices = [p for p in uow.practices.list_all() if p.archived_at is None]
            glossary = self._shipped_glossary().merged(key[1])
            self._search = PracticeSearch(practices, glossary)
            self._key = key
            self._builds += 1
            return self._search

    def _shipped_glossary(self) -> Glossary:
        """Load the glossary that ships with the package, once."""
        if self._shipped is None:
            self._shipped = load_shipped_glossary()
        return self._shipped
