"""Engine factory: SQLite set-up, URL choice, and a plain DatabaseUnavailable for bad databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from store.engine import (
    DatabaseUnavailable,
    default_database_url,
    make_engine,
)


def test_default_url_uses_xdg_data_home():
    """The embedded database lives under $XDG_DATA_HOME/practicebank."""
    url = default_database_url("/srv/data")

    assert url == "sqlite:////srv/data/practicebank/practicebank.db"


def test_default_url_falls_back_to_local_share(monkeypatch, tmp_path):
    """Without XDG_DATA_HOME the file goes to ~/.local/share/practicebank."""
    monkeypatch.setenv("HOME", str(tmp_path))

    url = default_database_url(None)

    assert url == f"sqlite:///{tmp_path}/.local/share/practicebank/practicebank.db"


def test_sqlite_file_and_folders_are_created(tmp_path):
    """make_engine creates the missing folders of a SQLite path and the file itself."""
    path = tmp_path / "a" / "b" / "bank.db"

    engine = make_engine(f"sqlite:///{path}")
    engine.dispose()

    assert path.is_file()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    """Every SQLite connection has WAL journaling, foreign keys and a busy timeout."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}", busy_timeout_s=2.5)
    with engine.connect() as connection:
        journal = connection.execute(text("PRAGMA journal_mode")).scalar_one()
        foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar_one()
        busy = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
    engine.dispose()

    assert (journal, foreign_keys, busy) == ("wal", 1, 2500)


def test_in_memory_sqlite_is_shared_between_connections():
    """An in-memory database keeps its tables across connections of the same engine."""
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM t")).scalar_one()
    engine.dispose()

    assert count == 0


def test_unreachable_postgres_is_unavailable():
    """A server that refuses connections gives DatabaseUnavailable naming the server."""
    with pytest.raises(DatabaseUnavailable) as raised:
        make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test")

    assert "127.0.0.1" in str(raised.value)
    assert "Connection refused" in str(raised.value)


def test_plain_postgresql_scheme_uses_psycopg():
    """postgresql:// is served by psycopg 3, so the error is the connection, not a driver."""
    with pytest.raises(DatabaseUnavailable) as raised:
        make_engine("postgres://postgres@127.0.0.1:1/test")

    assert "Connection refused" in str(raised.value)


def test_password_is_not_shown_in_the_message():
    """The message names the server but hides the password."""
    with pytest.raises(DatabaseUnavailable) as raised:
        make_engine("postgresql+psycopg://bank:s3cret-pw@127.0.0.1:1/test")

    assert "s3cret-pw" not in str(raised.value)
    assert "***" in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "garbage",
        "://nothing",
        "postgresql+psycopg://bank@127.0.0.1:notaport/db",
        "nosuchdb://x/y",
        "sqlite+nosuchdriver:///x.db",
        "'; DROP TABLE practices; --",
        "\x00\x1b[31m",
        "🙂://😀",
    ],
)
def test_garbage_url_is_unavailable(url):
    """A malformed URL or unknown driver gives DatabaseUnavailable, not a driver traceback."""
    with pytest.raises(DatabaseUnavailable) as raised:
        make_engine(url)

    assert str(raised.value)
    assert raised.value.message == str(raised.value)


def test_folder_that_cannot_be_created_is_unavailable(tmp_path):
    """A database path under a regular file can't get its folder: DatabaseUnavailable."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")

    with pytest.raises(DatabaseUnavailable) as raised:
        make_engine(f"sqlite:///{blocker / 'sub' / 'bank.db'}")

    assert str(blocker / "sub") in str(raised.value)


def _existing_database(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x INTEGER)")
    connection.commit()
    connection.close()


def test_read_only_sqlite_file_is_unavailable(tmp_path):
    """A database opened read-only (which binds even root) gives DatabaseUnavailable."""
    path = tmp_path / "bank.db"
    _existing_database(path)

    with pytest.raises(DatabaseUnavailable) as raised:
        make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")

    assert "readonly" in str(raised.value)


def test_locked_sqlite_file_is_unavailable(tmp_path):
    """A file held in an exclusive transaction by another connection gives DatabaseUnavailable."""
    path = tmp_path / "bank.db"
    _existing_database(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            make_engine(f"sqlite:///{path}", busy_timeout_s=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert "database is locked" in str(raised.value)


def test_sqlite_file_that_is_a_folder_is_unavailable(tmp_path):
    """A path naming a folder, not a database file, gives DatabaseUnavailable."""
    folder = tmp_path / "bank.db"
    folder.mkdir()

    with pytest.raises(DatabaseUnavailable):
        make_engine(f"sqlite:///{folder}")


@pytest.fixture
def postgres_url():
    from tests.conftest import _postgres_schema_url

    yield from _postgres_schema_url()


@pytest.mark.postgres
def test_a_stalled_postgres_statement_is_cut_off_after_the_statement_timeout(postgres_url):
    """A query that would hang (pg_sleep) fails after the statement timeout instead."""
    import time

    from sqlalchemy.exc import OperationalError

    engine = make_engine(postgres_url, statement_timeout_ms=300)
    try:
        started = time.monotonic()
        with engine.connect() as connection, pytest.raises(OperationalError) as raised:
            connection.execute(text("SELECT pg_sleep(30)"))
        assert time.monotonic() - started < 5
        assert "statement timeout" in str(raised.value)
        with engine.connect() as connection:  # the pool recovers by itself
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
            shown = connection.execute(text("SHOW idle_in_transaction_session_timeout"))
            assert shown.scalar_one() == "15s"
    finally:
        engine.dispose()
