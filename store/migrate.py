"""Brings a database's schema to the current release with Alembic, from code rather than a CLI.

The migration scripts ship inside the package (`store/migrations`), so an installed bot can
create or upgrade its own database at start-up; no alembic.ini is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from store.engine import DatabaseUnavailable, describe_error

MIGRATIONS_FOLDER = Path(__file__).resolve().parent / "migrations"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create a new database or bring an older one forward to `revision` (the latest by default).

    Runs in one transaction on the given engine, so a failed step leaves the schema as it was
    where the backend allows transactional DDL (PostgreSQL, SQLite).
    """
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` ("base" drops everything); for tests and rollbacks."""
    _run(engine, lambda config: command.downgrade(config, revision))


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None when it was never migrated."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        message = f"Cannot read the schema version: {describe_error(error)}"
        raise DatabaseUnavailable(message) from error


def head_revision() -> str:
    """Return the latest revision this release ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"No migrations found in {MIGRATIONS_FOLDER}")
    return head


def _config() -> Config:
    """Build an Alembic configuration pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    return config


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run an Alembic command on one connection of `engine`, inside one transaction."""
    config = _config()
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                _sqlite_foreign_keys(connection, on=False)
            try:
                with connection.begin():
                    if connection.dialect.name == "postgresql":
                        # A migration may rewrite a big table: the bot's per-statement limit is
                        # not for it.
                        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                    config.attributes["connection"] = connection
                    step(config)
                    if sqlite:
                        _check_foreign_keys(connection)
            finally:
                if sqlite:
                    _sqlite_foreign_keys(connection, on=True)
    except OperationalError as error:
        message = f"Cannot migrate the database: {describe_error(error)}"
        raise DatabaseUnavailable(message) from error
    except CommandError as error:
        # In practice a revision this release does not ship: a newer release migrated the
        # database. Said in one line rather than as an unexpected error.
        message = f"Cannot migrate the database: {error} (was it written by a newer release?)"
        raise DatabaseUnavailable(message) from error


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign-key enforcement, outside any transaction (it is ignored inside).

    Batch mode rebuilds a table by copying it and dropping the original; with enforcement on,
    dropping a table that others refer to fails, so migrations run with it off and
    `_check_foreign_keys` checks the result before commit.
    """
    driver_connection = connection.connection.driver_connection
    if driver_connection is None:
        raise RuntimeError("the SQLite connection is closed")
    driver_connection.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a migration that left a row pointing at nothing (SQLite)."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise RuntimeError(f"the migration left broken references in {', '.join(tables)}")
