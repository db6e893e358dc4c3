"""Alembic's entry point: runs the migrations on the connection `store.migrate` hands over.

Used programmatically (no alembic.ini): `store.migrate.upgrade(engine)` passes its connection in
`config.attributes["connection"]`. Run from the `alembic` command line without one, it connects to
the `sqlalchemy.url` of that configuration (settings are read by `practicebank.settings` only).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import store.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from store.engine import make_engine


def _run(connection: Connection) -> None:
    """Run the pending migrations inside the connection's transaction."""
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite can't ALTER most things; batch mode recreates tables for later migrations.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    """Use the shared connection when given one, else connect from the environment."""
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("No database given: run `practicebank db upgrade` instead.")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
_main()
