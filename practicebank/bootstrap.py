"""The composition root: the one place that builds settings, store, core, sweeps and adapters.

Nothing here runs at import time. `practicebank.cli` parses arguments and calls in here; adapters
are handed a built core, a unit-of-work factory, a clock and their own typed settings, and never
import this package. Gunicorn may also load `slack_wsgi_app()` from here directly.

The demo bank is loaded only when asked (`practicebank chat`, or `--demo` on `run slack` /
`run discord`), never silently into a Slack or Discord database. The installing workspace's
settings from the environment are merged into the database the same way on every platform: a
variable that is set replaces the stored value, one that is unset (or blank) keeps it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import SecretStr
from sqlalchemy import Engine

from bot.bankfile.demo import load_demo_practices
from bot.core import PracticeBank
from bot.kernel.events import Actor, Place
from bot.kernel.ports import Clock, SystemClock, UnitOfWorkFactory, WorkspaceSettings
from bot.kernel.settings import CoreSettings
from practicebank.scheduler import Sweep, claims_sweep, core_sweeps, start_scheduler
from practicebank.settings import Settings, SettingsError, load_settings, use_metrics_folder
from store.engine import make_engine
from store.migrate import upgrade
from store.platform_state import PlatformState
from store.repositories import SqlUnitOfWorkFactory

if TYPE_CHECKING:  # the adapters load only when a command uses them
    from adapters.discord.config import DiscordConfig
    from adapters.slack.server import SlackBot
    from adapters.slack.settings import SlackSettings

__all__ = ["Settings", "SettingsError", "load_settings"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Store:
    """An open, migrated database and the unit-of-work factory on it."""

    engine: Engine
    uow_factory: UnitOfWorkFactory

    @property
    def location(self) -> str:
        """Where the data lives, safe to print: the URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)


def open_store(database_url: str, *, statement_timeout_ms: int | None = None) -> Store:
    """Connect to the database and bring it to head.

    Every command migrates on first use so that a new or older database just works; raises
    `store.engine.DatabaseUnavailable` with a readable message when it cannot.
    """
    engine = (
        make_engine(database_url)
        if statement_timeout_ms is None
        else make_engine(database_url, statement_timeout_ms=statement_timeout_ms)
    )
    upgrade(engine)
    return Store(engine, SqlUnitOfWorkFactory(engine))


def core_settings(settings: Settings) -> CoreSettings:
    """The core's rules from the settings, where set; else the bank's defaults.

    `REMINDER_*_DAYS`, `SEARCH_RECORD_DAYS` and `DRAFT_RESUME_AFTER_MINUTES`.
    """
    chosen = {
        field: timedelta(days=days)
        for field, days in (
            ("reminder_interval", settings.reminder_interval_days),
            ("nudge_after", settings.reminder_nudge_days),
            ("escalate_after", settings.reminder_escalate_days),
            ("search_record_age", settings.search_record_days),
        )
        if days is not None
    }
    if settings.draft_resume_after_minutes is not None:
        chosen["draft_resume_after"] = timedelta(minutes=settings.draft_resume_after_minutes)
    return CoreSettings(**chosen)


def build_bank(
    store: Store,
    clock: Clock | None = None,
    settings: CoreSettings | None = None,
    *,
    warm: bool = False,
) -> PracticeBank:
    """The core, wired to the store, with the given timing rules (default: the bank's own).

    A serving process passes `warm=True`: the search index is built in the background at once,
    so no person's first search waits for it (it is answered from the database meanwhile).
    """
    bank = PracticeBank(store.uow_factory, clock or SystemClock(), settings=settings)
    if warm:
        bank.search_service.warm_up(store.uow_factory)
    return bank


def load_demo_bank_if_empty(uow_factory: UnitOfWorkFactory) -> int:
    """Fill an empty bank with the shipped demo practices; returns how many were loaded."""
    with uow_factory() as uow:
        if uow.practices.count():
            return 0
        outcome = uow.practices.upsert_many(load_demo_practices())
        uow.commit()
        return outcome.added


def start_sweeps(
    store: Store, clock: Clock, settings: CoreSettings, every_seconds: float
) -> BackgroundScheduler:
    """Sweep reminders, idle drafts and old event claims in the background, first right away.

    Each round ends by recording its time in the database, which `/healthz` reports.
    """
    from practicebank.observe import record_sweep

    sweeps = (
        *core_sweeps(store.uow_factory, clock, settings),
        claims_sweep(store.engine, clock),
        Sweep("record the sweep", lambda: record_sweep(store.engine, clock.now())),
    )
    return start_scheduler(sweeps, every_seconds=every_seconds)


# --- workspace settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceSeed:
    """The installing workspace's settings given at start-up; None means "not given, keep"."""

    platform: str
    workspace_id: str
    moderation_channel: str | None = None
    call_channel: str | None = None
    moderator_ids: tuple[str, ...] | None = None
    moderator_roles: tuple[str, ...] | None = None
    police_only: bool | None = None

    @property
    def gives_anything(self) -> bool:
        """Whether any setting was given, so the database should change."""
        return any(
            value is not None
            for value in (
                self.moderation_channel,
                self.call_channel,
                self.moderator_ids,
                self.moderator_roles,
                self.police_only,
            )
        )


def seed_workspace(uow_factory: UnitOfWorkFactory, seed: WorkspaceSeed) -> WorkspaceSettings | None:
    """Merge the given settings into the workspace's stored ones; return what is stored now.

    Only the values that were given change; the rest keep what the database holds (a moderator
    added in the app survives a restart without `SLACK_MODERATORS`). Returns None when nothing
    was given and nothing was stored.
    """
    with uow_factory() as uow:
        current = uow.workspaces.get(seed.platform, seed.workspace_id)
        if not seed.gives_anything:
            return current
        merged = current or WorkspaceSettings(seed.platform, seed.workspace_id)
        if seed.moderation_channel is not None:
            merged = replace(merged, moderation_channel=seed.moderation_channel)
        if seed.call_channel is not None:
            merged = replace(merged, call_channel=seed.call_channel)
        if seed.moderator_ids is not None:
            merged = replace(merged, moderator_ids=seed.moderator_ids)
        if seed.moderator_roles is not None:
            merged = replace(merged, moderator_roles=seed.moderator_roles)
        if seed.police_only is not None:
            merged = replace(merged, police_only=seed.police_only)
        uow.workspaces.save(merged)
        uow.commit()
    return merged


def slack_workspace_seed(settings: Settings, team_id: str) -> WorkspaceSeed:
    """`SLACK_MODERATION_CHANNEL`, `SLACK_CALL_CHANNEL`, `SLACK_MODERATORS`, `SLACK_POLICE_ONLY`."""
    return WorkspaceSeed(
        platform="slack",
        workspace_id=team_id,
        moderation_channel=settings.slack_moderation_channel,
        call_channel=settings.slack_call_channel,
        moderator_ids=settings.slack_moderators,
        police_only=settings.slack_police_only,
    )


def discord_workspace_seed(settings: Settings) -> WorkspaceSeed | None:
    """The `DISCORD_*` moderation settings for `DISCORD_GUILD_ID` (None without a guild)."""
    if settings.discord_guild_id is None:
        return None
    return WorkspaceSeed(
        platform="discord",
        workspace_id=settings.discord_guild_id,
        moderation_channel=settings.discord_moderation_channel_id,
        call_channel=settings.discord_call_channel_id,
        moderator_ids=settings.discord_moderator_ids,
        moderator_roles=settings.discord_moderator_roles,
        police_only=settings.discord_police_only,
    )


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
            call_channel=current.call_channel if current else None,
        )
        uow.workspaces.save(settings)
        uow.commit()
    return settings


# --- the console ------------------------------------------------------------------------------


class ClockFrom:
    """A clock that starts at midnight UTC of a given day and moves on in real time.

    `practicebank chat --as-of` runs on it, so a newcomer can share and approve today, then
    restart "a year later" and meet the follow-up, and two weeks on its nudge and escalation,
    without touching the database. Time still passes, so waits and orderings behave as usual.
    """

    def __init__(self, day: date, real: Clock | None = None) -> None:
        """Start at `day`; `real` is the clock whose passing time is added (the system's)."""
        self._real = real or SystemClock()
        self._offset = datetime.combine(day, time(), tzinfo=UTC) - self._real.now()

    def now(self) -> datetime:
        """The moment `day` plus the real time passed since the clock was made."""
        return self._real.now() + self._offset


def run_chat(
    store: Store,
    settings: Settings,
    stdin: TextIO,
    stdout: TextIO,
    *,
    user: str,
    moderator: bool,
    police_only: bool,
    sweep_seconds: float | None,
    as_of: date | None = None,
) -> None:
    """Converse in the terminal on the same core the chat platforms use.

    The sweeps run in the background unless `sweep_seconds` is None (another process sweeps).
    `as_of` starts the clock (core, store, sweeps and mail alike) at midnight UTC of that day.
    """
    from adapters.console.app import run_console
    from adapters.console.delivery import ConsoleDelivery

    configure_console_workspace(
        store.uow_factory, user, moderator=moderator, police_only=police_only
    )
    actor = Actor(platform="console", workspace_id="local", user_id=user, display_name=user)
    place = Place(platform="console", workspace_id="local", channel_id="console", is_direct=True)
    clock: Clock = SystemClock()
    if as_of is not None:
        clock = ClockFrom(as_of)
        store = replace(store, uow_factory=SqlUnitOfWorkFactory(store.engine, clock=clock))
    rules = core_settings(settings)
    bank = build_bank(store, clock, rules, warm=True)
    scheduler = None if sweep_seconds is None else start_sweeps(store, clock, rules, sweep_seconds)
    try:
        delivery = ConsoleDelivery(store.uow_factory, clock)
        run_console(bank, stdin, stdout, actor=actor, place=place, delivery=delivery)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


# --- Slack ------------------------------------------------------------------------------------


def slack_settings(settings: Settings) -> SlackSettings:
    """The Slack adapter's settings; raises `SettingsError` when a required one is missing."""
    from adapters.slack.settings import SlackSettings

    def secret(value: SecretStr | None) -> str:
        return value.get_secret_value().strip() if value is not None else ""

    bot_token = secret(settings.slack_bot_token)
    if not bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is not set (the xoxb- token of the Slack app)")
    app_token = secret(settings.slack_app_token)
    signing_secret = secret(settings.slack_signing_secret)
    if not app_token and not signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set (needed to check Slack's requests in HTTP mode; "
            "or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    api_url = settings.slack_api_url
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        port=settings.port,
        workers=settings.web_concurrency,
        threads=settings.slack_threads,
        delivery_seconds=settings.slack_delivery_seconds,
        inbox_dir="" if app_token else slack_inbox_dir(settings),
        work_processes=settings.slack_work_processes,
    )


def slack_inbox_dir(settings: Settings) -> str:
    """`SLACK_INBOX_DIR`, else `<data folder>/practicebank/slack-inbox/<database digest>`.

    One folder per database, so two bots on one machine (or two test databases) never work
    each other's requests.
    """
    if settings.slack_inbox_dir:
        return settings.slack_inbox_dir
    base = Path(settings.xdg_data_home or Path.home() / ".local" / "share")
    digest = hashlib.sha256(settings.database.encode()).hexdigest()[:16]
    return str(base / "practicebank" / "slack-inbox" / digest)


@dataclass
class SlackProcess:
    """The Slack bot of one process and its background work (delivery loop, sweeps)."""

    bot: SlackBot
    store: Store
    clock: Clock
    core_settings: CoreSettings
    sweep_seconds: float
    scheduler: BackgroundScheduler | None = None
    sweeps: bool = True
    bank: PracticeBank | None = None  # the core the adapter is handed (tests, operators)

    def start_background(self) -> None:
        """Start delivering notifications and, unless another process does, sweeping."""
        self.bot.start_background()
        if self.sweeps and self.scheduler is None:
            self.scheduler = start_sweeps(
                self.store, self.clock, self.core_settings, self.sweep_seconds
            )

    def stop_background(self) -> None:
        """Stop the delivery loop and the sweeps."""
        self.bot.stop_background()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None


def build_slack(
    settings: Settings,
    store: Store,
    clock: Clock | None = None,
    *,
    sweeps: bool = True,
    searches: bool = True,
) -> SlackProcess:
    """Wire store, core and Slack together; calls `auth.test` to learn the workspace.

    The installed workspace's settings from the environment are merged into the database.
    The core is counted and timed for `/metrics`, and so are deliveries. `searches` False is
    a web worker that only acks: it answers modal submissions (decisions, forms), which never
    search, so it does not build the search index in the background — a build holds the GIL
    for seconds (every ack waits behind it) and keeps the whole index in memory for nothing.
    """
    from adapters.slack.server import create_slack_bot, installed_team, web_client
    from practicebank.observe import CountedHandler, process_metrics

    clock = clock or SystemClock()
    slack = slack_settings(settings)
    client = web_client(slack)
    team_id = installed_team(client)
    seed_workspace(store.uow_factory, slack_workspace_seed(settings, team_id))
    rules = core_settings(settings)
    metrics = process_metrics()
    core = build_bank(store, clock, rules, warm=searches)
    bank = CountedHandler(core, metrics)
    bot = create_slack_bot(
        slack,
        client,
        team_id,
        bank,
        uow_factory=store.uow_factory,
        state=PlatformState(store.engine, "slack"),
        clock=clock,
        lease_seconds=settings.outbox_lease_seconds,
        on_outcome=metrics.delivered,
    )
    return SlackProcess(
        bot, store, clock, rules, settings.reminder_sweep_seconds, sweeps=sweeps, bank=core
    )


# The Slack processes of this (gunicorn worker) process, stopped by `_stop_worker` on exit.
_RUNNING: list[SlackProcess] = []


def slack_wsgi_app(
    settings: Settings | None = None,
    *,
    sweeps: bool = True,
    metrics_folder: str | None = None,
    work_here: bool = True,
) -> Callable[..., Iterable[bytes]]:
    """Build the Slack bot in this process and return its WSGI callable, delivery started.

    Gunicorn calls this in each worker (`gunicorn 'practicebank.bootstrap:slack_wsgi_app()'`
    works too, reading the settings itself). `/healthz` and `/metrics` answer beside
    `/slack/events`. With `work_here` False the worker only acks: the work processes
    (`slack_work_process`) deliver, sweep and work the inbox.
    """
    from adapters.slack.server import wsgi_handler
    from practicebank.observe import observe_app

    settings = settings or load_settings()
    store = open_store(
        settings.database, statement_timeout_ms=settings.database_statement_timeout_ms
    )
    process = build_slack(settings, store, sweeps=sweeps and work_here, searches=work_here)
    if work_here:
        process.start_background()
        _RUNNING.append(process)
    folder = metrics_folder or settings.prometheus_multiproc_dir
    return observe_app(store.engine, folder, wsgi_handler(process.bot, work_here=work_here))


def slack_work_process(settings: Settings, *, sweeps: bool) -> Callable[[threading.Event], None]:
    """The body of an inbox work process of `run slack`: work, deliver and sweep until SIGTERM."""

    def work(stopping: threading.Event) -> None:
        store = open_store(
            settings.database, statement_timeout_ms=settings.database_statement_timeout_ms
        )
        process = build_slack(settings, store, sweeps=sweeps)
        inbox = process.bot.inbox
        if inbox is None:
            raise SettingsError("the work processes need the inbox (HTTP mode)")
        process.start_background()
        try:
            inbox.serve_forever(stopping)
        finally:
            process.stop_background()
            store.engine.dispose()

    return work


def _stop_worker(worker_pid: int) -> None:
    """Gunicorn's `worker_exit`: finish or release what is being delivered (SIGTERM)."""
    while _RUNNING:
        _RUNNING.pop().stop_background()


def _forget_worker(folder: str) -> Callable[[int], None]:
    """Gunicorn's `child_exit`: a dead worker's live gauges must not be summed any more."""

    def forget(worker_pid: int) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker_pid, folder)  # type: ignore[no-untyped-call]

    return forget


def run_slack(settings: Settings, store: Store, *, sweeps: bool = True) -> None:
    """`practicebank run slack`: Socket Mode with an app token, else HTTP behind gunicorn.

    `store` is open and migrated. In HTTP mode it is closed before gunicorn forks: each worker
    opens its own connections, since a connection must not be shared across a fork. The workers
    share their metrics through `PROMETHEUS_MULTIPROC_DIR` (a fresh temporary folder when it is
    unset). In Socket Mode `/healthz` and `/metrics` answer on `HEALTH_PORT`.
    """
    from adapters.slack.server import serve_http, socket_mode_handler
    from practicebank.observe import serve_observe

    slack = slack_settings(settings)
    if not slack.socket_mode:
        store.engine.dispose()
        folder = settings.prometheus_multiproc_dir or tempfile.mkdtemp(prefix="practicebank-")
        use_metrics_folder(folder)
        work_here = slack.work_processes == 0
        serve_http(
            slack,
            lambda: slack_wsgi_app(
                settings, sweeps=sweeps, metrics_folder=folder, work_here=work_here
            ),
            on_worker_exit=_stop_worker,
            on_child_exit=_forget_worker(folder),
            work=None if work_here else slack_work_process(settings, sweeps=sweeps),
        )
        return
    process = build_slack(settings, store, sweeps=sweeps)
    process.start_background()
    observer = serve_observe(store.engine, settings.health_port)
    try:
        socket_mode_handler(process.bot, slack).start()  # type: ignore[no-untyped-call]
    finally:
        observer.shutdown()
        process.stop_background()
        process.store.engine.dispose()


# --- Discord ----------------------------------------------------------------------------------


def discord_config(settings: Settings) -> DiscordConfig:
    """The Discord adapter's settings; raises `SettingsError` without `DISCORD_TOKEN`."""
    from adapters.discord.config import DiscordConfig

    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise SettingsError("DISCORD_TOKEN is not set: copy the bot token from the portal")
    return DiscordConfig(
        token=token,
        api_url=settings.discord_api_url.rstrip("/"),
        gateway_url=settings.discord_gateway_url,
        guild_id=settings.discord_guild_id,
        notice_channel_id=settings.discord_notice_channel_id,
        delivery_seconds=settings.discord_delivery_seconds,
    )


def run_discord(settings: Settings, store: Store, *, sweeps: bool = True) -> None:
    """`practicebank run discord`: connect and serve until interrupted (the Procfile's worker).

    Records the guild's moderation settings from the environment, sweeps reminders in the
    background unless another process does (`--no-sweeps`), answers `/healthz` and `/metrics`
    on `HEALTH_PORT`, then runs; the store is closed on the way out.
    """
    from adapters.discord.app import PracticeBankClient, serve
    from adapters.discord.config import PLATFORM, apply_endpoints
    from practicebank.observe import CountedHandler, process_metrics, serve_observe

    config = discord_config(settings)
    apply_endpoints(config.api_url, config.gateway_url)
    seed = discord_workspace_seed(settings)
    if seed is not None:
        seed_workspace(store.uow_factory, seed)
    clock = SystemClock()
    rules = core_settings(settings)
    metrics = process_metrics()
    bank = CountedHandler(build_bank(store, clock, rules, warm=True), metrics)
    scheduler = (
        start_sweeps(store, clock, rules, settings.reminder_sweep_seconds) if sweeps else None
    )
    observer = serve_observe(store.engine, settings.health_port)
    client = PracticeBankClient(
        bank,
        config,
        uow_factory=store.uow_factory,
        clock=clock,
        memory=PlatformState(store.engine, PLATFORM),
        lease_seconds=settings.outbox_lease_seconds,
        on_outcome=metrics.delivered,
    )
    log.info("starting the Discord adapter on %s", store.location)
    try:
        asyncio.run(serve(client, config.token))
    except KeyboardInterrupt:
        pass
    finally:
        observer.shutdown()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        store.engine.dispose()


# --- the sweeps alone -------------------------------------------------------------------------


def run_scheduler(settings: Settings, store: Store, stop: threading.Event | None = None) -> None:
    """`practicebank run scheduler`: only sweep (reminders, idle drafts), until SIGTERM.

    With this process in the Procfile the web and Discord processes run with `--no-sweeps`,
    so a deployment sweeps once per period however many workers it has (the sweeps claim their
    work, so an extra sweeper is harmless, merely wasted). `/healthz` and `/metrics` answer on
    `HEALTH_PORT`.
    """
    from practicebank.observe import serve_observe

    stop = stop or threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    clock = SystemClock()
    observer = serve_observe(store.engine, settings.health_port)
    scheduler = start_sweeps(store, clock, core_settings(settings), settings.reminder_sweep_seconds)
    log.info("sweeping %s every %gs", store.location, settings.reminder_sweep_seconds)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=True)
        observer.shutdown()
        store.engine.dispose()
