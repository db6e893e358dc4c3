"""The composition root: the one place that builds settings, engine, store and core and wires them.

Nothing here runs at import time; every entry point (CLI commands, adapters) calls `open_bank`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.core import PracticeBank
from bot.demo import load_demo_practices
from bot.ports import Clock, SystemClock, UnitOfWorkFactory, WorkspaceSettings
from store.engine import database_url_from_env, make_engine
from store.migrate import upgrade
from store.repositories import SqlUnitOfWorkFactory


@dataclass(frozen=True)
class Store:
    """An open, migrated database and the unit-of-work factory on it."""

    engine: Engine
    uow_factory: UnitOfWorkFactory

    @property
    def location(self) -> str:
        """Where the data lives, safe to print: the URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)


def open_store(database_url: str | None = None) -> Store:
    """Connect to the database named by the argument or `DATABASE_URL` and bring it to head.

    Every command migrates on first use so that a new or older database just works; raises
    `store.engine.DatabaseUnavailable` with a readable message when it cannot.
    """
    engine = make_engine(database_url or database_url_from_env())
    upgrade(engine)
    return Store(engine, SqlUnitOfWorkFactory(engine))


def build_bank(store: Store, clock: Clock | None = None) -> PracticeBank:
    """The core, wired to the store."""
    return PracticeBank(store.uow_factory, clock or SystemClock())


def load_demo_bank_if_empty(uow_factory: UnitOfWorkFactory) -> int:
    """Fill an empty bank with the shipped demo practices; returns how many were loaded."""
    with uow_factory() as uow:
        if uow.practices.count():
            return 0
        outcome = uow.practices.upsert_many(load_demo_practices())
        uow.commit()
        return outcome.added


def configure_console_workspace(
    uow_factory: UnitOfWorkFactory, user: str, *, moderator: bool, police_only: bool
) -> WorkspaceSettings:
    """Record the console's workspace settings for this session's user.

    The console is one local workspace; `--moderator` and `--police-only` on `practicebank chat`
    stand in for the per-workspace configuration a Slack or Discord admin would do.
    """
    settings = WorkspaceSettings(
        platform="console",
        workspace_id="local",
        police_only=police_only,
        moderation_channel="console",
        moderator_ids=(user,) if moderator else (),
    )
    with uow_factory() as uow:
        uow.workspaces.save(settings)
        uow.commit()
    return settings
