"""Keeps one search index over the bank per worker, fresh without rebuilding it.

The index is built once, from one streamed read of the live bank (`live_practices`, taken
after the change number it covers). After that,
before each query, the worker asks the store for the practices written since the change number
it last saw (`changed_since(seq)`: one indexed read, empty when nothing changed, that also
carries the glossary's version token) and applies them to the index in place: a published,
updated or imported practice replaces its postings, an archived one leaves. So a practice
written by any process is found by every worker's next search, and no search pays for a
rebuild. A moderator's glossary entry costs one more read, of the glossary only, and a
recompile of the concepts (cheap); the index is untouched.

A serving process starts the build in the background (`warm_up`), so no person's request
waits for it: a search that arrives meanwhile waits at most `wait_for_build` seconds (one by
default: a small bank is built by then, so its first answers are the index's), and then
answers from the database instead (practices
whose title or summary holds a word of the query, at most `FALLBACK_CANDIDATES` of them, ranked
by the same engine), with a notice that results may be incomplete. The command line and tests,
which ask once, build on first use.

`builds` counts full builds and `applied` counts practices applied incrementally, so tests and
logs can see which happened.
"""

from __future__ import annotations

import logging
import pickle
import threading
from dataclasses import replace

from bot.kernel.ports import UnitOfWork, UnitOfWorkFactory
from bot.search.engine import PracticeSearch
from bot.search.glossary import Glossary, load_shipped_glossary
from bot.search.model import SearchFilters, SearchResult
from bot.search.query import parse_query
from bot.search.tokenise import query_words

FALLBACK_CANDIDATES = 200
BACKGROUND_FROM = 5000
_SNAPSHOT_FORMAT = "practicebank-index-1"
WARMING_NOTICE = "Search is still starting up, so these results may be incomplete."
_log = logging.getLogger(__name__)


class SearchService:
    """The current `PracticeSearch` for the bank, shared by every handler and thread."""

    def __init__(
        self, shipped_glossary: Glossary | None = None, *, wait_for_build: float = 1.0
    ) -> None:
        """Remember the shipped glossary if given; it is otherwise loaded on first use, not here."""
        self._shipped = shipped_glossary
        self._wait_for_build = wait_for_build
        self._built = threading.Event()
        self._lock = threading.Lock()
        self._search: PracticeSearch | None = None
        self._seq = 0
        self._glossary_version: str | None = None
        self._builds = 0
        self._applied = 0
        self._warming = False

    @property
    def builds(self) -> int:
        """How many times the index was built from the whole bank."""
        return self._builds

    @property
    def applied(self) -> int:
        """How many practice changes were applied to the index without a rebuild."""
        return self._applied

    @property
    def ready(self) -> bool:
        """Whether the index is built (searches no longer fall back to the database)."""
        return self._search is not None

    def warm_up(
        self, uow_factory: UnitOfWorkFactory, *, background_from: int = BACKGROUND_FROM
    ) -> threading.Thread | None:
        """Build the index at start-up: now for a small bank, else in a background thread.

        A bank of fewer than `background_from` practices is indexed in well under a second,
        so it is built before the process serves anyone and every answer is the index's. A
        larger one is built in the background; searches meanwhile answer from the database.
        """
        with uow_factory() as uow:
            small = uow.practices.count() < background_from
            if small:
                with self._lock:
                    if self._search is None:
                        self._build(uow)
        if small:
            return None
        self._warming = True

        def build() -> None:
            try:
                with uow_factory() as uow, self._lock:
                    if self._search is None:
                        self._build(uow)
            except Exception:  # the first search will build it instead: log, do not crash
                _log.exception("building the search index in the background failed")
            finally:
                self._warming = False

        thread = threading.Thread(target=build, name="search-index", daemon=True)
        thread.start()
        return thread

    def search(
        self,
        uow: UnitOfWork,
        text: str,
        filters: SearchFilters,
        *,
        include_restricted: bool,
        limit: int,
        offset: int,
    ) -> SearchResult:
        """Search the bank: over the index, or from the database while it is being built."""
        if self._warming and not self._built.wait(self._wait_for_build):
            return self._search_database(uow, text, filters, include_restricted, limit, offset)
        return self.searcher(uow).search(
            text, filters, include_restricted=include_restricted, limit=limit, offset=offset
        )

    def _search_database(
        self,
        uow: UnitOfWork,
        text: str,
        filters: SearchFilters,
        include_restricted: bool,
        limit: int,
        offset: int,
    ) -> SearchResult:
        """Rank the practices whose title or summary holds a query word (start-up only)."""
        surfaces = [w.surface for w in query_words(parse_query(text).text)]
        candidates = uow.practices.matching(surfaces, FALLBACK_CANDIDATES)
        glossary = self._shipped_glossary().merged(uow.glossary.list_all())
        result = PracticeSearch(candidates, glossary).search(
            text, filters, include_restricted=include_restricted, limit=limit, offset=offset
        )
        return replace(result, notices=(*result.notices, WARMING_NOTICE))

    def snapshot(self) -> bytes | None:
        """The built index with the change number it covers, as bytes (None if not built).

        For a process that lives for one query (the CLI's `search`): it keeps this on disk and
        `restore`s it next time, applying only what changed since instead of rebuilding.
        """
        with self._lock:
            if self._search is None:
                return None
            state = (_SNAPSHOT_FORMAT, self._seq, self._search)
            return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    def restore(self, data: bytes, uow: UnitOfWork) -> bool:
        """Adopt a `snapshot` if it fits this bank; False (and nothing adopted) if it does not.

        It does not fit when it is unreadable, of another format, or covers changes the bank
        has not had (the database was replaced by a younger one). Only the user's own cache
        is read: a pickle is trusted like the program's own files.
        """
        try:
            kind, seq, search = pickle.loads(data)  # noqa: S301
        except Exception:  # a truncated or foreign file is only a cache miss
            return False
        if kind != _SNAPSHOT_FORMAT or not isinstance(search, PracticeSearch):
            return False
        if not isinstance(seq, int) or seq > int(uow.practices.bank_version()):
            return False
        with self._lock:
            # The glossary is merged afresh on the next query: the shipped one may be newer.
            self._search, self._seq, self._glossary_version = search, seq, None
            self._built.set()
        return True

    def searcher(self, uow: UnitOfWork) -> PracticeSearch:
        """Return the index with every change `uow` can see applied (built on first use).

        While the background build runs (and `wait_for_build` has passed) this is an empty
        stand-in, so autocomplete answers nothing for those seconds rather than wait.
        """
        if self._warming and not self._built.wait(self._wait_for_build):
            return PracticeSearch((), self._shipped_glossary())
        with self._lock:
            if self._search is None:
                return self._build(uow)
            search = self._search
            changes = uow.practices.changed_since(self._seq)
            if changes.practices:
                self._applied += search.apply(changes.practices)
                _log.info("search index: applied %d changed practices", len(changes.practices))
            self._seq = changes.seq
            if changes.glossary_version != self._glossary_version:
                search.use_glossary(self._shipped_glossary().merged(uow.glossary.list_all()))
                self._glossary_version = changes.glossary_version
            return search

    def _build(self, uow: UnitOfWork) -> PracticeSearch:
        """Index the whole bank, streamed once; archived practices stay in the store.

        The change number is read *first*, then the live practices are streamed in pages and
        each is let go once indexed, so the whole bank is never held at once (at 100,000
        practices with narrative fields that was some 400 MB, which the process then kept).
        A practice written while the stream runs is covered either way: it is in the stream
        or not, and as its number is past the one read it is applied again on the next query,
        which replaces its postings rather than adding to them.
        """
        seen = int(uow.practices.bank_version())
        glossary_version = uow.practices.changed_since(seen).glossary_version
        glossary = self._shipped_glossary().merged(uow.glossary.list_all())
        self._search = PracticeSearch(uow.practices.live_practices(), glossary)
        self._seq, self._glossary_version = seen, glossary_version
        self._builds += 1
        self._built.set()
        _log.info("search index: built from %d practices", len(self._search))
        return self._search

    def _shipped_glossary(self) -> Glossary:
        """Load the glossary that ships with the package, once."""
        if self._shipped is None:
            self._shipped = load_shipped_glossary()
        return self._shipped
