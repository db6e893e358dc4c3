"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

`database_url` is an empty database; `engine` is that database migrated to head; `uow_factory`
gives SQL units of work on it with a fixed clock. Every test using them runs once on a SQLite file
and once on PostgreSQL when TEST_DATABASE_URL is set, each PostgreSQL test in its own schema. In
CI (CI=true) a missing or unreachable PostgreSQL fails the PostgreSQL runs instead of skipping.
`any_uow_factory` runs a test on the in-memory fakes of `tests.support.memory` as well, so the
fakes are held to the store's semantics.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.kernel.ports import UnitOfWorkFactory
from store.engine import make_engine
from store.migrate import upgrade
from store.repositories import SqlUnitOfWorkFactory
from tests.support.memory import MemoryUnitOfWorkFactory

STORE_NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


class FixedClock:
    """A clock that always says the same time (advance it with `now_is`)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def now_is(self, moment: datetime) -> None:
        self.moment = moment


@pytest.fixture(autouse=True, scope="session")
def _data_folder_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point `XDG_DATA_HOME` at a folder of the test run, so no test (nor a process it starts)
    leaves a database, an index cache or a Slack inbox in the user's own data folder.
    Tests about the data folder set or remove the variable themselves."""
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    yield
    if before is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = before


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _postgres_unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not tested: {reason}")


def _postgres_schema_url() -> Iterator[str]:
    """Create a private schema, yield a URL whose search_path is that schema, then drop it."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        _postgres_unavailable("TEST_DATABASE_URL is not set")
    url = make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    schema = f"pb_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError as error:
        admin.dispose()
        _postgres_unavailable(f"cannot reach {base}: {error.__class__.__name__}: {error}")
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        _drop_schema(admin, schema)
        admin.dispose()


def _drop_schema(admin: Engine, schema: str) -> None:
    """Drop the test's schema, again if a straggler (a killed test's last process) deadlocks it.

    Crash tests kill real processes; one still finishing its last statement can take locks in
    the opposite order to DROP SCHEMA, and PostgreSQL then cancels one of the two.
    """
    for attempt in range(5):
        try:
            with admin.connect() as connection:
                connection.execute(text("SET lock_timeout = '10s'"))
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(1.0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'practicebank.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The test database migrated to head."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def store_clock() -> FixedClock:
    """The clock the store's units of work read (added_at, version history, ...)."""
    return FixedClock(STORE_NOW)


@pytest.fixture
def uow_factory(engine: Engine, store_clock: FixedClock) -> SqlUnitOfWorkFactory:
    """SQL units of work on the migrated test database."""
    return SqlUnitOfWorkFactory(engine, clock=store_clock)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path, store_clock: FixedClock
) -> Iterator[UnitOfWorkFactory]:
    """Units of work on the in-memory fakes, a migrated SQLite file or a PostgreSQL schema."""
    if request.param == "memory":
        yield MemoryUnitOfWorkFactory(clock=store_clock)
        return
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path / 'practicebank.db'}"])
    else:
        urls = _postgres_schema_url()
    for url in urls:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield SqlUnitOfWorkFactory(engine, clock=store_clock)
        finally:
            engine.dispose()
