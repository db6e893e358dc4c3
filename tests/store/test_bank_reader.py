"""`store.bank_reader`: the ORM-free reads of `search` and `show` answer as the store does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.bankfile.demo import load_demo_practices
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.kernel.ports import GlossaryEntry
from store.bank_reader import SCHEMA_HEAD, BankReader, ReadPractices, open_bank_reader
from store.engine import DatabaseUnavailable, make_engine
from store.migrate import downgrade, head_revision, upgrade
from store.repositories import SqlUnitOfWorkFactory

EVERY_FIELD = Practice(
    ref="PB901",
    title="Café patrols — “Operation Ünïcode”",
    summary="Evening patrols near late-night cafés.",
    effectiveness=Effectiveness.DIDNT_WORK,
    focus=(Focus.PREVENTION, Focus.LOCATION),
    topics=("night-time economy", "violence"),
    organisation="Example Police",
    region="North",
    partners=("Council", "Licensees"),
    target_group="Late-night visitors",
    stage="Completed",
    start_date=date(2023, 4, 1),
    end_date=date(2024, 3, 31),
    aim="Fewer assaults.",
    intended_outcome="A third fewer assaults.",
    description="Patrols from 22:00.",
    evaluation="Before and after counts.",
    learning="Patrols alone were not enough.",
    resources="Two officers.",
    contact_name="A. Officer",
    contact_email="a.officer@example.police.uk",
    links=("https://example.org/report",),
    linked_to=(LinkedTo.TILLEY_AWARD,),
    visibility=Visibility.RESTRICTED,
    added_at=datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    updated_at=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
    reviewed_at=datetime(2024, 6, 1, tzinfo=UTC),
    archived_at=None,
)


def _reader(url: str) -> BankReader:
    reader = open_bank_reader(url)
    assert reader is not None
    return reader


@pytest.fixture
def filled(uow_factory: SqlUnitOfWorkFactory) -> SqlUnitOfWorkFactory:
    """The demo bank, a practice with every field filled, and two taught glossary terms."""
    with uow_factory() as uow:
        uow.practices.upsert_many([*load_demo_practices(), EVERY_FIELD])
        uow.glossary.add(GlossaryEntry(term="nte", expansion="night-time economy", added_by="cli"))
        uow.glossary.add(GlossaryEntry(term="asb", expansion="anti-social", added_by="U1"))
        uow.commit()
    return uow_factory


def test_schema_head_is_alembics_head() -> None:
    """The constant the reader checks against is the newest migration shipped, so cannot drift."""
    assert head_revision() == SCHEMA_HEAD


def test_reader_reads_what_the_store_reads(database_url: str, filled: SqlUnitOfWorkFactory) -> None:
    """Every read the CLI makes gives the same values through the driver as through the ORM."""
    with filled() as uow, _reader(database_url) as reader:
        assert reader.practices.changed_since(None).practices == (
            uow.practices.changed_since(None).practices
        )
        assert reader.practices.changed_since(None).seq == uow.practices.changed_since(None).seq
        assert reader.practices.get("pb901") == uow.practices.get("PB901") == EVERY_FIELD
        assert reader.practices.get("PB999") is None
        assert reader.practices.get("") is None
        assert reader.practices.count() == uow.practices.count() == 64
        assert reader.practices.bank_version() == uow.practices.bank_version()
        assert reader.glossary.list_all() == uow.glossary.list_all()
        assert [entry.term for entry in reader.glossary.list_all()] == ["asb", "nte"]


def test_reader_sees_only_the_practices_changed_since(
    database_url: str, filled: SqlUnitOfWorkFactory
) -> None:
    """After a change number, only the practices written later come back, with the new number."""
    with _reader(database_url) as reader:
        before = reader.practices.changed_since(None)
        assert reader.practices.changed_since(before.seq).practices == ()
        with filled() as uow:
            uow.practices.upsert_many([replace(EVERY_FIELD, title="Café patrols, revised")])
            uow.commit()
        after = reader.practices.changed_since(before.seq)
        assert [p.title for p in after.practices] == ["Café patrols, revised"]
        assert after.seq > before.seq
        assert after.glossary_version == before.glossary_version
        with filled() as uow:
            uow.glossary.add(GlossaryEntry(term="ocg", expansion="organised crime", added_by="cli"))
            uow.commit()
        assert reader.practices.changed_since(after.seq).glossary_version != after.glossary_version


def test_reader_names_the_database_as_the_store_does(
    database_url: str, filled: SqlUnitOfWorkFactory
) -> None:
    """Same printed location, so both paths print the same first line and share one cache."""
    with _reader(database_url) as reader:
        assert reader.location == make_url(database_url).render_as_string(hide_password=True)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://pb:s3cr%40t@127.0.0.1:1/bank",
        "postgres://pb@127.0.0.1:1/my%20bank?application_name=a+b&connect_timeout=3",
        "postgresql+psycopg://127.0.0.1:1/bank?options=-csearch_path%3Dx&application_name=z",
    ],
)
def test_unreachable_server_is_named_as_the_store_names_it(url: str) -> None:
    """The one-line failure hides the password and reads exactly like `make_engine`'s."""
    with pytest.raises(DatabaseUnavailable) as raised:
        open_bank_reader(url)
    with pytest.raises(DatabaseUnavailable) as from_store:
        make_engine(url)
    shown = make_url(url).set(drivername="postgresql+psycopg").render_as_string()
    assert raised.value.message.startswith(f"Cannot use the database at {shown}: ")
    assert raised.value.message.split(": ")[0] == from_store.value.message.split(": ")[0]
    assert "s3cr" not in raised.value.message


def test_missing_sqlite_file_is_left_to_the_store_and_not_created(tmp_path: Path) -> None:
    """No file: None (the full store creates and migrates it), and the reader made no file."""
    assert open_bank_reader(f"sqlite:///{tmp_path / 'none.db'}") is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://x@h/db", "nonsense"])
def test_urls_it_does_not_handle_are_left_to_the_store(url: str) -> None:
    """Memory databases and other URL forms go the full way, which knows them (or refuses)."""
    assert open_bank_reader(url) is None


def test_never_migrated_database_is_left_to_the_store(database_url: str) -> None:
    """A database without `alembic_version` (an empty file or schema) is not read."""
    engine = make_engine(database_url)  # creates the SQLite file, no tables
    engine.dispose()
    assert open_bank_reader(database_url) is None


def test_older_schema_is_left_to_the_store(database_url: str, engine: Engine) -> None:
    """One revision behind: None, so the store migrates it before anything reads it."""
    downgrade(engine, "0009")
    assert open_bank_reader(database_url) is None


def test_unknown_newer_schema_is_left_to_the_store(database_url: str, engine: Engine) -> None:
    """A revision this release does not know (written by a newer one): not read either."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert open_bank_reader(database_url) is None


def test_a_read_never_waits_for_sqlite_write_lock(tmp_path: Path) -> None:
    """While another connection holds the write lock mid-write, the reader answers at once."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as writer:  # BEGIN IMMEDIATE: the write lock, held to the end
            writer.execute(text("UPDATE bank_state SET practices_version = 7"))
            with _reader(url) as reader:  # the busy timeout is 5 s: a wait would fail it
                assert reader.practices.bank_version() == "0"  # not the uncommitted write
    finally:
        engine.dispose()


class _CountingRows:
    """The reader's own row source, counting the reads of practices made through it."""

    def __init__(self, rows: Any) -> None:
        self._rows = rows
        self.reads = 0

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        self.reads += "FROM practices" in sql
        return self._rows.rows(sql, params)

    def stored(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return self._rows.stored(row)

    def close(self) -> None:
        self._rows.close()


def test_reader_streams_the_live_practices_a_page_at_a_time(
    database_url: str, filled: SqlUnitOfWorkFactory
) -> None:
    """`search` builds from the same stream as a worker: pages read only as they are used up."""
    with filled() as uow, _reader(database_url) as reader:
        counting = _CountingRows(reader._rows)
        stream = ReadPractices(counting).live_practices(page_size=10)
        assert counting.reads == 0
        first = [next(stream) for _ in range(10)]
        assert counting.reads == 1
        rest = list(stream)
        assert counting.reads == 7  # 64 live practices: six pages of 10 and one of 4
        assert first + rest == list(uow.practices.live_practices())
        assert len(first + rest) == 64
