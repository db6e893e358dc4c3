"""A running bank's search sees other processes' writes at once, applied without a rebuild.

"Another process" is a second engine and unit-of-work factory on the same SQLite file or
PostgreSQL schema, as a second worker or a `practicebank import` in another terminal would be.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy

from bot.core import PracticeBank
from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.events import Text
from bot.kernel.ports import GlossaryEntry
from bot.search.index_cache import WARMING_NOTICE, SearchService
from bot.search.model import SearchFilters, SearchResult
from store.engine import make_engine
from store.repositories import SqlUnitOfWorkFactory
from tests.support.bank import ALICE, ALICE_PLACE, card_refs, fill_bank
from tests.support.memory import FixedClock

AMNESTY = Practice(
    "PB070", "Knife amnesty bins", "Bins for surrendering knives.", Effectiveness.WORKED
)


@pytest.fixture
def other_process(database_url: str, engine: object) -> Iterator[SqlUnitOfWorkFactory]:
    """Units of work on a second engine over the same (already migrated) database."""
    second = make_engine(database_url)
    try:
        yield SqlUnitOfWorkFactory(second)
    finally:
        second.dispose()


@pytest.fixture
def running(uow_factory: SqlUnitOfWorkFactory) -> PracticeBank:
    """A bank over the demo practices that has answered one search (its index is built)."""
    fill_bank(uow_factory)
    bank = PracticeBank(uow_factory, FixedClock())
    search(bank, "knife")
    return bank


def search(bank: PracticeBank, words: str) -> list[str]:
    """The refs of the cards a search shows."""
    [reply] = bank.handle(Text(ALICE, ALICE_PLACE, words))
    return card_refs(reply)


def write(uows: SqlUnitOfWorkFactory, *practices: Practice) -> None:
    with uows() as uow:
        uow.practices.upsert_many(list(practices))
        uow.commit()


def test_practice_imported_by_another_process_is_found_without_a_rebuild(running, other_process):
    """An import from another process is the first result of the next search; no rebuild ran."""
    write(other_process, AMNESTY)
    assert search(running, "knife amnesty")[0] == "PB070"
    assert (running.search_service.builds, running.search_service.applied) == (1, 1)


def test_practice_retired_by_another_process_leaves_search(running, other_process):
    """Once another process archives a practice, the next search no longer shows it."""
    write(other_process, AMNESTY)
    assert "PB070" in search(running, "amnesty bins")
    write(other_process, replace(AMNESTY, archived_at=datetime(2026, 1, 1, tzinfo=UTC)))
    assert "PB070" not in search(running, "amnesty bins")
    assert (running.search_service.builds, running.search_service.applied) == (1, 2)


def test_practice_updated_by_another_process_is_found_by_its_new_words(running, other_process):
    """A practice renamed elsewhere is found by its new title and no longer by the old one."""
    write(other_process, AMNESTY)
    write(other_process, replace(AMNESTY, title="Shed alarm loans", summary="Shed alarms."))
    assert search(running, "shed alarm")[0] == "PB070"
    assert "PB070" not in search(running, "knife amnesty")
    assert running.search_service.builds == 1


def test_unchanged_bank_applies_nothing(running):
    """Searching again over an unchanged bank applies no change and builds nothing."""
    search(running, "burglary")
    assert (running.search_service.builds, running.search_service.applied) == (1, 0)


def test_glossary_term_added_by_another_process_is_used_without_a_rebuild(running, other_process):
    """A moderator's glossary entry, added elsewhere, works on the next search."""
    assert search(running, "plugh") == []
    with other_process() as uow:
        uow.glossary.add(GlossaryEntry("plugh", "catalytic converter", added_by="U-MOD"))
        uow.commit()
    assert search(running, "plugh") == ["PB046"]
    assert running.search_service.builds == 1


def first_page(service: SearchService, uows: SqlUnitOfWorkFactory, words: str) -> SearchResult:
    with uows() as uow:
        return service.search(
            uow, words, SearchFilters(), include_restricted=False, limit=5, offset=0
        )


def test_search_while_the_index_builds_answers_from_the_database(uow_factory):
    """Before the background build is done a search is answered, from the database, and says so."""
    fill_bank(uow_factory)
    write(uow_factory, AMNESTY)
    gate = threading.Event()

    def held_back() -> object:
        gate.wait(timeout=60)  # the build's unit of work opens only when the test lets it
        return uow_factory()

    service = SearchService(wait_for_build=0)
    build = service.warm_up(uow_factory_counted_once(held_back, uow_factory), background_from=1)
    assert build is not None
    early = first_page(service, uow_factory, "knife amnesty")
    assert early.hits[0].practice.ref == "PB070"
    assert early.notices[-1] == WARMING_NOTICE
    assert (service.ready, service.builds) == (False, 0)
    with uow_factory() as uow:
        assert len(service.searcher(uow)) == 0  # autocomplete's stand-in: empty, not waiting
    gate.set()
    build.join(timeout=60)
    later = first_page(service, uow_factory, "knife amnesty")
    assert later.hits[0].practice.ref == "PB070"
    assert WARMING_NOTICE not in later.notices
    assert (service.ready, service.builds) == (True, 1)


def uow_factory_counted_once(later: object, now: SqlUnitOfWorkFactory) -> object:
    """A factory whose first unit of work (the bank's size) opens at once, the next held back."""
    calls = iter([now, later])

    def make() -> object:
        return next(calls)()  # type: ignore[operator]

    return make


def test_small_bank_is_indexed_before_serving(uow_factory):
    """A small bank's index is built at start-up itself, so no answer comes from the stand-in."""
    fill_bank(uow_factory)
    service = SearchService(wait_for_build=0)
    assert service.warm_up(uow_factory) is None
    assert (service.ready, service.builds) == (True, 1)
    assert WARMING_NOTICE not in first_page(service, uow_factory, "knife").notices


def test_database_stand_in_leaves_archived_practices_out(uow_factory):
    """The start-up stand-in never shows an archived practice."""
    write(uow_factory, replace(AMNESTY, archived_at=datetime(2026, 1, 1, tzinfo=UTC)))
    with uow_factory() as uow:
        assert uow.practices.matching(["amnesty"], 10) == []
        assert uow.practices.matching(["100%_"], 10) == []


def test_search_reads_once_and_takes_no_write_lock(uow_factory, engine):
    """Before a query the worker reads the database once; on SQLite its transaction is deferred."""
    fill_bank(uow_factory)
    service = SearchService()
    with uow_factory() as uow:
        service.searcher(uow)
    write(uow_factory, AMNESTY)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(" ".join(statement.split()[:2]).upper())

    sqlalchemy.event.listen(engine, "before_cursor_execute", seen)
    try:
        for words in ("knife amnesty", "burglary"):
            with uow_factory.reader() as uow:
                service.search(
                    uow, words, SearchFilters(), include_restricted=False, limit=5, offset=0
                )
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", seen)
    reads = [s for s in statements if not s.startswith("BEGIN")]
    assert [s.split()[0] for s in reads] == ["SELECT", "SELECT"]
    assert "BEGIN IMMEDIATE" not in statements
    assert service.applied == 1
