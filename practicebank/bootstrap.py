"""The composition root: the one place that builds settings, engine, store and core and wires them.

Nothing here runs at import time; every entry point (CLI commands, adapters) calls `open_bank`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from bot.bankfile.demo import load_demo_practices
from bot.core import PracticeBank
from bot.kernel.ports import Clock, SystemClock, UnitOfWorkFactory, WorkspaceSettings
from bot.kernel.settings import CoreSettings
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


class SettingsError(ValueError):
    """A setting from the environment that cannot be used; the message says which and why."""


# (environment variable, CoreSettings field): each a whole number of days.
_DAY_SETTINGS: tuple[tuple[str, str], ...] = (
    ("REMINDER_INTERVAL_DAYS", "reminder_interval"),
    ("REMINDER_NUDGE_DAYS", "nudge_after"),
    ("REMINDER_ESCALATE_DAYS", "escalate_after"),
)


def core_settings_from_env(environ: Mapping[str, str] | None = None) -> CoreSettings:
    """The core's timing rules from the environment; unset or blank means the default.

    `REMINDER_INTERVAL_DAYS` (365), `REMINDER_NUDGE_DAYS` (14) and `REMINDER_ESCALATE_DAYS` (14).
    """
    source = os.environ if environ is None else environ
    chosen: dict[str, timedelta] = {}
    for variable, name in _DAY_SETTINGS:
        raw = source.get(variable, "").strip()
        if not raw:
            continue
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 3650:
            raise SettingsError(
                f"{variable} must be a whole number of days from 1 to 3650, not {raw!r}"
            )
        chosen[name] = timedelta(days=int(raw))
    return CoreSettings(**chosen)


def build_bank(
    store: Store, clock: Clock | None = None, settings: CoreSettings | None = None
) -> PracticeBank:
    """The core, wired to the store, with timing rules from the environment unless given."""
    return PracticeBank(
        store.uow_factory, clock or SystemClock(), settings=settings or core_settings_from_env()
    )


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
    stand in for the per-workspace configuration a Slack or Discord admin would do. Several
    terminals may share the database, so `--moderator` adds or removes only this user and keeps
    the other moderators.
    """
    with uow_factory() as uow:
        current = uow.workspaces.get("console", "local")
        others = tuple(m for m in (current.moderator_ids if current else ()) if m != user)
        settings = WorkspaceSettings(
            platform="console",
            workspace_id="local",
            police_only=police_only,
            moderation_channel="console",
            moderator_ids=(*others, user) if moderator else others,
            moderator_roles=current.moderator_roles if current else (),
        )
        uow.workspaces.save(settings)
        uow.commit()
    return settings
