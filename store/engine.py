"""Builds the SQLAlchemy engine for a database URL and says plainly when the database can't be used.

SQLite (the embedded default, a file in the user's data folder) gets WAL mode, foreign keys, a busy
timeout and `BEGIN IMMEDIATE` transactions; PostgreSQL (`DATABASE_URL`, shared by several bot
processes) goes through psycopg 3 with timeouts on everything that could otherwise hang a listener
thread: connecting (5 s), each statement (`statement_timeout`, 5 s by default), a transaction left
idle (`idle_in_transaction_session_timeout`), waiting for a pooled connection (5 s), and TCP
keepalives so a vanished server is noticed; the pool pre-pings each connection it hands out, so
the bot recovers by itself once the database is back. Nothing here runs at import time.

SQLAlchemy itself is imported only when an engine is built or an error described: the settings
import this module (for `default_database_url`) in every command, and a command that answers
without the ORM (`practicebank search`, see `store.bank_reader`) should not pay a fifth of a
second to load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL, Connection

DEFAULT_BUSY_TIMEOUT_S = 5.0
DEFAULT_CONNECT_TIMEOUT_S = 5
DEFAULT_STATEMENT_TIMEOUT_MS = 5000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 15000
POOL_TIMEOUT_S = 5


class DatabaseUnavailable(Exception):
    """The database can't be used: malformed URL, server unreachable, file locked or read-only.

    The message is meant for a person (printed at start-up); no traceback is needed to act on it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


READ_ONLY = "practicebank_read_only"
"""Execution option of an engine whose transactions only read: on SQLite they begin deferred."""


def default_database_url(data_home: str | None = None) -> str:
    """Point at the embedded SQLite file in the per-user data folder.

    The folder is `data_home` ($XDG_DATA_HOME, read by `practicebank.settings`) or
    ~/.local/share, then practicebank; it is created on first use.
    """
    base = data_home or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'practicebank' / 'practicebank.db'}"


def make_engine(
    url: str,
    *,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
) -> Engine:
    """Build an engine for `url` and check it once, so a bad database is reported at start-up.

    Raises `DatabaseUnavailable` when the URL is malformed or names an unknown driver, when the
    server can't be reached, or when a SQLite file is read-only, locked for longer than
    `busy_timeout_s` or its folder can't be created.
    """
    from sqlalchemy.exc import SQLAlchemyError

    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, busy_timeout_s)
    else:
        engine = _server_engine(parsed, statement_timeout_ms)
    try:
        with engine.connect() as connection:
            _probe(connection)
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseUnavailable(
            f"Cannot use the database at {_safe(parsed)}: {describe_error(error)}"
        ) from error
    return engine


def describe_error(error: BaseException) -> str:
    """Give the driver's own first line for a database error, without SQLAlchemy's boilerplate."""
    from sqlalchemy.exc import DBAPIError

    original = error.orig if isinstance(error, DBAPIError) else error
    text = str(original).strip() or type(original).__name__
    return text.splitlines()[0]


def _parse(url: str) -> URL:
    """Parse the URL, choosing psycopg 3 for plain `postgresql://` / `postgres://`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:
        raise DatabaseUnavailable(f"Malformed database URL {url!r}: {error}") from error
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _safe(url: URL) -> str:
    """Render the URL for messages, password hidden (a SQLite file is named by its path)."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{url.database or ''}"
    return url.render_as_string(hide_password=True)


def _server_engine(url: URL, statement_timeout_ms: int) -> Engine:
    """Build a pooled engine for a database server (PostgreSQL in practice), with timeouts."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        if "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT_S
        # Without keepalives a server that vanished mid-query leaves the socket waiting for ever.
        connect_args |= {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5}
        connect_args["keepalives_count"] = 3
    try:
        engine = create_engine(
            url, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT_S, connect_args=connect_args
        )
    except (NoSuchModuleError, ImportError, ArgumentError) as error:
        raise DatabaseUnavailable(
            f"Unsupported database URL {_safe(url)}: {describe_error(error)}"
        ) from error
    if url.get_backend_name() == "postgresql":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Set per connection rather than in the URL's `options`, which callers may use.
            dbapi_connection.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            dbapi_connection.execute(
                f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_TIMEOUT_MS}"
            )
            dbapi_connection.commit()

    return engine


def _sqlite_engine(url: URL, busy_timeout_s: float) -> Engine:
    """Build a SQLite engine with WAL, foreign keys, a busy timeout and immediate write locks."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    from sqlalchemy.pool import StaticPool

    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if not in_memory:
        _create_parent_folder(_sqlite_path(url))
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": busy_timeout_s}
    try:
        if in_memory:
            # One shared connection, otherwise each unit of work would see its own empty database.
            engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
        else:
            engine = create_engine(url, connect_args=connect_args)
    except (NoSuchModuleError, ImportError, ArgumentError) as error:
        raise DatabaseUnavailable(
            f"Unsupported database URL {_safe(url)}: {describe_error(error)}"
        ) from error

    busy_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # A unit of work that only reads (a search) never waits for or takes the lock.
            connection.exec_driver_sql("BEGIN")
            return
        # Take the write lock up front: a deferred transaction that reads and then writes fails
        # at once with "database is locked" if another writer got in between; this one waits.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _sqlite_path(url: URL) -> Path:
    """Find the file a SQLite URL points at, also for `file:` URIs (`?uri=true`)."""
    database = url.database or ""
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database)


def _create_parent_folder(path: Path) -> None:
    """Create the folder that will hold the database file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUnavailable(
            f"Cannot create the database folder {path.parent}: {error.strerror or error}"
        ) from error


def _probe(connection: Connection) -> None:
    """Prove the database answers and, for SQLite, that it can be written to."""
    if connection.dialect.name != "sqlite":
        connection.exec_driver_sql("SELECT 1")
        return
    with connection.begin():
        # Rewriting the header with its own value is the cheapest write: it fails on a read-only
        # file and is rolled back below.
        user_version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        connection.exec_driver_sql(f"PRAGMA user_version = {int(user_version)}")
        connection.rollback()
