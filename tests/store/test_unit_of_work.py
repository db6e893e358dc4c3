"""SQL unit of work: commit keeps, leaving without commit rolls back, failures read plainly."""

from __future__ import annotations

import sqlite3

import pytest

from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.ports import GlossaryEntry, UnitOfWork, UnitOfWorkFactory
from store.engine import DatabaseUnavailable, make_engine
from store.migrate import upgrade
from store.repositories import SqlUnitOfWork, SqlUnitOfWorkFactory


def practice(ref: str) -> Practice:
    return Practice(ref=ref, title="T", summary="S", effectiveness=Effectiveness.WORKED)


def test_factory_satisfies_the_core_protocols(uow_factory):
    """The SQL factory and unit of work are what bot.kernel.ports asks for."""
    factory: UnitOfWorkFactory = uow_factory
    unit: UnitOfWork = factory()

    assert isinstance(unit, SqlUnitOfWork)


def test_leaving_without_commit_rolls_back(uow_factory):
    """Writes in a block that never commits are gone afterwards."""
    with uow_factory() as uow:
        uow.practices.upsert_many([practice("PB001")])
        uow.glossary.add(GlossaryEntry("ASB", "anti-social behaviour"))
        assert uow.practices.count() == 1

    with uow_factory() as uow:
        assert uow.practices.count() == 0
        assert uow.glossary.list_all() == []
        assert uow.practices.bank_version() == "0"


def test_exception_rolls_back_and_propagates(uow_factory):
    """An error inside the block undoes its writes and reaches the caller unchanged."""
    with pytest.raises(RuntimeError, match="boom"), uow_factory() as uow:
        uow.practices.upsert_many([practice("PB001")])
        raise RuntimeError("boom")

    with uow_factory() as uow:
        assert uow.practices.count() == 0


def test_commit_keeps_changes(uow_factory):
    """Committed writes are visible to the next unit of work."""
    with uow_factory() as uow:
        uow.practices.upsert_many([practice("PB001")])
        uow.commit()

    with uow_factory() as uow:
        assert uow.practices.count() == 1


def test_writes_after_a_commit_need_their_own_commit(uow_factory):
    """Only what was committed survives; later writes in the same block roll back."""
    with uow_factory() as uow:
        uow.practices.upsert_many([practice("PB001")])
        uow.commit()
        uow.practices.upsert_many([practice("PB002")])

    with uow_factory() as uow:
        assert [p.ref for p in uow.practices.list_all()] == ["PB001"]


def test_uncommitted_writes_are_invisible_to_others(uow_factory, engine):
    """On PostgreSQL, another unit of work does not see writes until they are committed."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises units of work; see the test below")
    with uow_factory() as writer:
        writer.practices.upsert_many([practice("PB001")])
        writer.session.flush()
        with uow_factory() as reader:
            seen_before = reader.practices.get("PB001")
        writer.commit()

    assert seen_before is None


def test_locked_database_mid_run_is_unavailable(tmp_path):
    """Another process holding the SQLite file too long ends the block in DatabaseUnavailable."""
    path = tmp_path / "bank.db"
    engine = make_engine(f"sqlite:///{path}", busy_timeout_s=0.05)
    upgrade(engine)
    factory = SqlUnitOfWorkFactory(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailable, match="database is locked"), factory() as uow:
            uow.practices.count()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()


def test_sqlite_units_of_work_take_turns(tmp_path):
    """On SQLite a second unit of work waits for the first (up to the busy timeout), then fails."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}", busy_timeout_s=0.05)
    upgrade(engine)
    factory = SqlUnitOfWorkFactory(engine)
    try:
        with factory() as first:
            first.practices.upsert_many([practice("PB001")])
            locked = pytest.raises(DatabaseUnavailable, match="database is locked")
            with locked, factory() as second:
                second.practices.count()
            first.commit()
        with factory() as third:
            assert third.practices.count() == 1
    finally:
        engine.dispose()
