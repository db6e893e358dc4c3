"""Reads the bank without the ORM, for commands that run once and only read (`search`, `show`).

Loading SQLAlchemy, SQLModel and Alembic costs a one-shot command most of a second, more than
answering it from the index kept on disk. So `open_bank_reader` talks to the database with the
driver alone (the standard library's `sqlite3`, or psycopg for PostgreSQL) and offers the few
reads such a command needs, in the core's terms: a practice by ref, the count, the bank's
change number, the practices changed since a number, the taught glossary. The SQL mirrors
`store.repositories` and the values come back through the same `store.conversion`, so the
practices are equal to what the ORM path returns (a test compares them on both backends).

It answers only when the database is already at this release's schema (`SCHEMA_HEAD`, checked
with one query of `alembic_version`; a test holds the constant to Alembic's real head). A
missing SQLite file, an un-migrated, older or newer schema, or a URL form it does not handle
gives None, and the caller opens the full store instead, which creates or migrates the
database (or says why it cannot) exactly as before. It never writes and never creates a file;
on SQLite a read does not wait for or take the write lock.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, quote, quote_plus, unquote

from bot.kernel.domain import DATE_FIELDS, TEXT_LIST_FIELDS, TIMESTAMP_FIELDS, Practice
from bot.kernel.ports import STREAM_PAGE, BankChanges, GlossaryEntry
from store.conversion import practice_from_values, ref_key, utc
from store.engine import (
    DEFAULT_BUSY_TIMEOUT_S,
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_STATEMENT_TIMEOUT_MS,
    DatabaseUnavailable,
)

SCHEMA_HEAD = "0011"
"""The newest migration in store/migrations/versions (tests/store/test_bank_reader.py checks)."""

_JSON_COLUMNS = ("focus", "linked_to", *TEXT_LIST_FIELDS)
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_BANK_STATE_ID = 1  # the single row of `bank_state`

# The glossary's count, latest time and size, outer-joined with the practices changed after a
# number: one statement, as `SqlPracticeRepository.changed_since` does it.
_CHANGED_SINCE = """
SELECT g.glossary_count, g.glossary_latest, g.glossary_size, p.*
FROM (
    SELECT count(*) AS glossary_count, max(added_at) AS glossary_latest,
           coalesce(sum(length(term) + length(expansion)), 0) AS glossary_size
    FROM glossary_terms
) AS g
LEFT OUTER JOIN practices AS p ON p.change_seq > ?
"""

# One page of `live_practices`: the live practices after a row id, by id.
_LIVE_PAGE = "SELECT * FROM practices WHERE archived_at IS NULL AND id > ? ORDER BY id LIMIT ?"


class _Rows(Protocol):
    """One driver connection: run a query with `?` parameters, get rows as mappings."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        """Run one read and return every row."""
        ...

    def stored(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Turn a row's raw values into what the ORM hands back (dates, lists, times)."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


class _SqliteRows:
    """A SQLite file opened read-write but never written (WAL needs the -shm file writable)."""

    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        uri = f"file:{quote(str(path.resolve()))}?mode=rw"  # mode=rw: never creates the file
        self._connection = sqlite3.connect(
            uri, uri=True, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA query_only = ON")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        """Run one read in autocommit mode: a deferred read, never the write lock."""
        try:
            return [dict(row) for row in self._connection.execute(sql, tuple(params))]
        except sqlite3.Error as error:
            raise _unreadable(error) from error

    def stored(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Decode what SQLAlchemy's SQLite types store as text: JSON lists, dates, times."""
        values = dict(row)
        for name in _JSON_COLUMNS:
            values[name] = None if values[name] is None else json.loads(values[name])
        for name in DATE_FIELDS:
            values[name] = None if values[name] is None else date.fromisoformat(values[name])
        for name in TIMESTAMP_FIELDS:
            values[name] = _timestamp(values[name])
        return values

    def close(self) -> None:
        """Close the file."""
        self._connection.close()


class _PostgresRows:
    """A psycopg connection in a read-only session, with the bot's statement timeout."""

    def __init__(self, conninfo: str, statement_timeout_ms: int) -> None:
        import psycopg  # only for a PostgreSQL bank
        from psycopg.rows import dict_row

        self._connection = psycopg.connect(conninfo, autocommit=True, row_factory=dict_row)
        self._connection.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
        self._connection.execute("SET default_transaction_read_only = on")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        """Run one read; psycopg already returns jsonb as lists and timestamptz as aware times."""
        import psycopg

        try:
            return list(self._connection.execute(sql.replace("?", "%s"), tuple(params)))
        except psycopg.Error as error:
            raise _unreadable(error) from error

    def stored(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Return the row as it is: the driver's values are already the ORM's."""
        return dict(row)

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


class ReadPractices:
    """The reads of `PracticeRepository` a one-shot command needs, same SQL, same answers."""

    def __init__(self, rows: _Rows) -> None:
        self._rows = rows

    def get(self, ref: str) -> Practice | None:
        """Return the practice with this ref, whatever its case, or None."""
        key = ref_key(ref)
        if key is None:
            return None
        found = self._rows.rows("SELECT * FROM practices WHERE upper(ref) = ?", (key,))
        return practice_from_values(self._rows.stored(found[0])) if found else None

    def count(self) -> int:
        """How many practices the bank holds, archived ones included."""
        return int(self._rows.rows("SELECT count(*) AS n FROM practices")[0]["n"])

    def bank_version(self) -> str:
        """The counter moved by every write that changed a practice."""
        found = self._rows.rows(
            "SELECT practices_version FROM bank_state WHERE id = ?", (_BANK_STATE_ID,)
        )
        return str((found[0]["practices_version"] if found else 0) or 0)

    def changed_since(self, seq: int | None) -> BankChanges:
        """Practices written after change number `seq` (all for None), and the glossary token."""
        latest = seq or 0
        practices: list[Practice] = []
        token = ""
        # change_seq is never negative, so "after -1" is every practice.
        for row in self._rows.rows(_CHANGED_SINCE, (-1 if seq is None else seq,)):
            latest_term = utc(_timestamp(row["glossary_latest"]))
            token = f"{row['glossary_count']}:{latest_term}:{row['glossary_size']}"
            if row["id"] is None:
                continue
            practices.append(practice_from_values(self._rows.stored(row)))
            latest = max(latest, int(row["change_seq"]))
        return BankChanges(seq=latest, practices=tuple(practices), glossary_version=token)

    def live_practices(self, page_size: int = STREAM_PAGE) -> Iterator[Practice]:
        """Every live practice in keyset pages by row id, as `SqlPracticeRepository` reads it."""
        size, last = max(page_size, 1), 0
        while True:
            page = self._rows.rows(_LIVE_PAGE, (last, size))
            for row in page:
                yield practice_from_values(self._rows.stored(row))
            if len(page) < size:
                return
            last = int(page[-1]["id"])
            del page


class ReadGlossary:
    """The taught glossary, read only."""

    def __init__(self, rows: _Rows) -> None:
        self._rows = rows

    def list_all(self) -> list[GlossaryEntry]:
        """Every stored entry, by term."""
        found = self._rows.rows(
            "SELECT term, expansion, added_by, added_at FROM glossary_terms ORDER BY term"
        )
        return [
            GlossaryEntry(
                term=row["term"],
                expansion=row["expansion"],
                added_by=row["added_by"],
                added_at=utc(_timestamp(row["added_at"])),
            )
            for row in found
        ]


class BankReader:
    """One connection that reads the bank; use it in a `with` block, which closes it."""

    def __init__(self, rows: _Rows, location: str) -> None:
        self._rows = rows
        self.location = location
        """Where the data lives, as `Store.location` prints it (any password hidden)."""
        self.practices = ReadPractices(rows)
        self.glossary = ReadGlossary(rows)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (also done by leaving the `with` block)."""
        self._rows.close()


def open_bank_reader(
    url: str,
    *,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
) -> BankReader | None:
    """Open the bank at `url` for reading if it is at `SCHEMA_HEAD`, else None (see the module).

    Raises `DatabaseUnavailable`, worded as `store.engine.make_engine` words it, when a
    PostgreSQL server cannot be reached: trying again through the ORM would only wait as long
    once more. Any SQLite trouble (missing, locked, unreadable) gives None: the full store then
    reports it, as it always did.
    """
    if url.startswith("sqlite:///"):
        database = _sqlite_file(url)
        if database is None or not Path(database).is_file():
            return None
        try:
            rows: _Rows = _SqliteRows(Path(database), busy_timeout_s)
        except sqlite3.Error:
            return None
        location = "sqlite:///" + quote(database, safe=" +/")
        return _at_head(rows, location)
    server = _postgres_url(url)
    if server is None:
        return None
    conninfo, location = server
    import psycopg

    try:
        rows = _PostgresRows(conninfo, statement_timeout_ms)
    except psycopg.OperationalError as error:
        message = f"Cannot use the database at {location}: {_first_line(error)}"
        raise DatabaseUnavailable(message) from error
    return _at_head(rows, location)


def _at_head(rows: _Rows, location: str) -> BankReader | None:
    """The reader if the schema is this release's, else None (and the connection closed)."""
    try:
        found = rows.rows("SELECT version_num FROM alembic_version")
    except DatabaseUnavailable:  # never migrated: no alembic_version table
        found = []
    if [row["version_num"] for row in found] != [SCHEMA_HEAD]:
        rows.close()
        return None
    return BankReader(rows, location)


def _sqlite_file(url: str) -> str | None:
    """The file of a plain `sqlite:///PATH` URL; None for memory, `file:` URIs or options."""
    database = url[len("sqlite:///") :]
    if not database or "?" in database or database.startswith(("file:", ":memory:")):
        return None
    return unquote(database)


def _postgres_url(url: str) -> tuple[str, str] | None:
    """The libpq URI to connect with and the URL as the ORM path prints it, for PostgreSQL.

    The printed form is SQLAlchemy's `render_as_string(hide_password=True)` of the same URL
    (driver named, user and database quoted, password as ***, query sorted), so both paths
    name the database alike and share one index cache. None for anything else, or a URL with
    a part this simple parser does not take apart (a socket folder as host, say).
    """
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in _POSTGRES_SCHEMES:
        return None
    rest, _, query = rest.partition("?")
    authority, slash, database = rest.partition("/")
    credentials, at, host_port = authority.rpartition("@")
    if not slash or "[" in host_port or host_port.count(":") > 1:
        return None
    host, colon, port = host_port.partition(":")
    if colon and not port.isdigit():
        return None
    user, has_password, _password = credentials.partition(":")
    shown = "postgresql+psycopg://"
    if at:
        shown += quote(unquote(user), safe=" +")
        shown += ":***" if has_password else ""
        shown += "@"
    shown += host + (f":{int(port)}" if colon else "")
    shown += "/" + quote(unquote(database), safe=" +/")
    params = parse_qsl(query)
    if params:
        shown += "?" + "&".join(
            f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(params, key=lambda kv: kv[0])
        )
    if not any(key == "connect_timeout" for key, _ in params):
        query += ("&" if query else "") + f"connect_timeout={DEFAULT_CONNECT_TIMEOUT_S}"
    return f"postgresql://{rest}?{query}", shown


def _first_line(error: Exception) -> str:
    """The driver's own first line, as `store.engine.describe_error` gives it."""
    return (str(error).strip() or type(error).__name__).splitlines()[0]


def _unreadable(error: Exception) -> DatabaseUnavailable:
    """A read that failed (lost server, locked or damaged file), said in one line."""
    return DatabaseUnavailable(f"Cannot read the database: {_first_line(error)}")


def _timestamp(value: str | datetime | None) -> datetime | None:
    """A timestamp as SQLite keeps it (naive UTC text) as a datetime; others pass through."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value
