"""Starts the Slack bot: Socket Mode when `SLACK_APP_TOKEN` is set, else HTTP behind gunicorn.

`create_slack_bot` is the composition of the adapter (store, core, Web API client, Bolt app,
delivery loop); it connects to nothing at import time. In HTTP mode gunicorn calls it in each
worker after the fork (so the delivery thread and database connections belong to the worker) and
serves Bolt's WSGI handler on `$PORT` at `/slack/events`; Bolt checks each request's signature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from adapters.slack.app import SlackAdapter, build_app, workspace_from
from adapters.slack.delivery import DeliveryLoop, SlackDelivery
from adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.commands.home import Home
from bot.kernel.ports import Clock, SystemClock, UnitOfWorkFactory, WorkspaceSettings
from practicebank.bootstrap import Store, build_bank, load_demo_bank_if_empty, open_store
from practicebank.scheduler import Sweep, core_sweeps, start_scheduler, sweep_seconds_from_env
from store.platform_state import PlatformState

log = logging.getLogger(__name__)

PLATFORM = "slack"


@dataclass
class SlackBot:
    """A wired Slack bot: the Bolt app, its client, the outbox delivery loop and the sweeps."""

    app: App
    client: WebClient
    delivery: SlackDelivery
    loop: DeliveryLoop
    team_id: str
    sweeps: tuple[Sweep, ...] = ()
    scheduler: BackgroundScheduler | None = None

    def start_background(self) -> None:
        """Start delivering notifications and sweeping reminders (in this process)."""
        self.loop.start()
        if self.sweeps and self.scheduler is None:
            self.scheduler = start_scheduler(self.sweeps, every_seconds=sweep_seconds_from_env())

    def stop_background(self) -> None:
        """Stop the delivery loop and the sweeps."""
        self.loop.stop()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None


def web_client(settings: SlackSettings) -> WebClient:
    """The Web API client on `SLACK_API_URL` (Slack's, GovSlack's, or a test's fake).

    No retry handler for 429s: the delivery loop reschedules after `Retry-After` itself rather
    than holding a thread asleep, and an interactive answer is worthless by then anyway.
    """
    return WebClient(token=settings.bot_token, base_url=settings.api_url)


def configure_workspace(
    uow_factory: UnitOfWorkFactory, team_id: str, settings: SlackSettings
) -> None:
    """Save the moderation settings given in the environment for this workspace."""
    if not settings.configures_workspace:
        return
    with uow_factory() as uow:
        current = uow.workspaces.get(PLATFORM, team_id) or WorkspaceSettings(PLATFORM, team_id)
        if settings.moderation_channel is not None:
            current = replace(current, moderation_channel=settings.moderation_channel or None)
        if settings.moderator_ids is not None:
            current = replace(current, moderator_ids=settings.moderator_ids)
        if settings.police_only is not None:
            current = replace(current, police_only=settings.police_only)
        uow.workspaces.save(current)
        uow.commit()


def create_slack_bot(settings: SlackSettings, store: Store, clock: Clock | None = None) -> SlackBot:
    """Wire store, core and Slack together; calls `auth.test` to learn the workspace."""
    clock = clock or SystemClock()
    client = web_client(settings)
    team_id = str(workspace_from(client).get("team_id") or "")
    configure_workspace(store.uow_factory, team_id, settings)
    load_demo_bank_if_empty(store.uow_factory)
    state = PlatformState(store.engine, PLATFORM)
    delivery = SlackDelivery(client, store.uow_factory, clock, state)
    loop = DeliveryLoop(delivery, interval=settings.delivery_seconds)
    bank = build_bank(store, clock)
    home = Home(store.uow_factory, clock)
    adapter = SlackAdapter(bank, client, state, clock, after_event=loop.wake, home=home.for_actor)
    app = build_app(adapter, client, settings.signing_secret, socket_mode=settings.socket_mode)
    sweeps = core_sweeps(store.uow_factory, clock, bank.settings)
    return SlackBot(app, client, delivery, loop, team_id, sweeps)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn run from code, so `practicebank run slack` and the Procfile are one command."""

    def __init__(self, load: Callable[[], Any], options: Mapping[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return self._load()


def wsgi_application(
    settings: SlackSettings, database_url: str | None
) -> Callable[..., Iterable[bytes]]:
    """Build the bot in this process and return its WSGI callable (started delivery included)."""
    bot = create_slack_bot(settings, open_store(database_url))
    bot.start_background()
    return SlackRequestHandler(bot.app, path=EVENTS_PATH)


def serve_http(settings: SlackSettings, database_url: str | None = None) -> None:
    """Serve `/slack/events` on `$PORT` with gunicorn (threads per worker, workers by fork)."""
    options = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": "-",
    }
    _Gunicorn(lambda: wsgi_application(settings, database_url), options).run()


def socket_mode_handler(bot: SlackBot, settings: SlackSettings) -> SocketModeHandler:
    """The Socket Mode connection for `bot`: `apps.connections.open` on `SLACK_API_URL`.

    The handler acks each envelope with its `envelope_id` once our listener calls `ack()`;
    answers go out through `response_url` and the Web API exactly as in HTTP mode.
    """
    return SocketModeHandler(bot.app, settings.app_token, web_client=bot.client)


def serve_socket_mode(settings: SlackSettings, database_url: str | None = None) -> None:
    """Connect to Slack over a websocket (no public URL needed) and deliver in the background."""
    bot = create_slack_bot(settings, open_store(database_url))
    bot.start_background()
    try:
        socket_mode_handler(bot, settings).start()  # type: ignore[no-untyped-call]
    finally:
        bot.stop_background()


def run_slack(settings: SlackSettings, database_url: str | None = None) -> None:
    """`practicebank run slack`: Socket Mode with an app token, else HTTP."""
    if settings.socket_mode:
        serve_socket_mode(settings, database_url)
    else:
        serve_http(settings, database_url)
