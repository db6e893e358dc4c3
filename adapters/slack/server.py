"""Serves the Slack bot: Socket Mode when an app token is given, else HTTP behind gunicorn.

`create_slack_bot` wires the adapter (Web API client, Bolt app, delivery loop) around a core the
composition root built; it connects to nothing at import time. In HTTP mode gunicorn loads the
application in each worker after the fork (so the delivery thread and database connections belong
to the worker) and serves Bolt's WSGI handler on `$PORT` at `/slack/events`; Bolt checks each
request's signature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from adapters.slack.app import Handler, SlackAdapter, build_app, workspace_from
from adapters.slack.delivery import SlackDelivery
from adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.commands.home import Home
from bot.kernel.delivery import DeliveryLoop, OnOutcome
from bot.kernel.ports import Clock, UnitOfWorkFactory
from store.platform_state import PlatformState

log = logging.getLogger(__name__)

PLATFORM = "slack"


@dataclass
class SlackBot:
    """A wired Slack bot: the Bolt app, its client and the outbox delivery loop."""

    app: App
    client: WebClient
    delivery: SlackDelivery
    loop: DeliveryLoop
    team_id: str

    def start_background(self) -> None:
        """Start delivering notifications (in this process)."""
        self.loop.start()

    def stop_background(self) -> None:
        """Stop the delivery loop."""
        self.loop.stop()


def web_client(settings: SlackSettings) -> WebClient:
    """The Web API client on `SLACK_API_URL` (Slack's, GovSlack's, or a test's fake).

    No retry handler for 429s: the delivery loop reschedules after `Retry-After` itself rather
    than holding a thread asleep, and an interactive answer is worthless by then anyway.
    """
    return WebClient(token=settings.bot_token, base_url=settings.api_url)


def installed_team(client: WebClient) -> str:
    """The team id of the workspace this token belongs to (`auth.test`)."""
    return str(workspace_from(client).get("team_id") or "")


def create_slack_bot(
    settings: SlackSettings,
    client: WebClient,
    team_id: str,
    bank: Handler,
    *,
    uow_factory: UnitOfWorkFactory,
    state: PlatformState,
    clock: Clock,
    lease_seconds: float = 60.0,
    on_outcome: OnOutcome | None = None,
) -> SlackBot:
    """Wire the adapter around a built core; nothing starts until `start_background`.

    The adapter supplies only `SlackDelivery.send`; the shared loop leases and retries.
    """
    delivery = SlackDelivery(client, uow_factory, clock, state)
    loop = DeliveryLoop(
        PLATFORM,
        delivery.send,
        uow_factory,
        clock,
        lease_seconds=lease_seconds,
        idle_seconds=settings.delivery_seconds,
        on_outcome=on_outcome,
    )
    home = Home(uow_factory, clock)
    adapter = SlackAdapter(bank, client, state, clock, after_event=loop.wake, home=home.for_actor)
    app = build_app(adapter, client, settings.signing_secret, socket_mode=settings.socket_mode)
    return SlackBot(app, client, delivery, loop, team_id)


def wsgi_handler(bot: SlackBot) -> Callable[..., Iterable[bytes]]:
    """Bolt's WSGI callable for `bot`, answering on `/slack/events`."""
    return SlackRequestHandler(bot.app, path=EVENTS_PATH)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn run from code, so the CLI's `run slack` and the Procfile are one command."""

    def __init__(self, load: Callable[[], Any], options: Mapping[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return self._load()


def serve_http(
    settings: SlackSettings,
    load: Callable[[], Callable[..., Iterable[bytes]]],
    *,
    on_worker_exit: Callable[[int], None] | None = None,
    on_child_exit: Callable[[int], None] | None = None,
) -> None:
    """Serve `/slack/events` on `$PORT` with gunicorn (threads per worker, workers by fork).

    `load` builds the WSGI application; gunicorn calls it in each worker after the fork.
    `on_worker_exit(pid)` runs in a worker as it stops (SIGTERM), `on_child_exit(pid)` in the
    master once a worker has gone.
    """
    options: dict[str, Any] = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": "-",
    }
    if on_worker_exit is not None:
        options["worker_exit"] = lambda _server, worker: on_worker_exit(worker.pid)
    if on_child_exit is not None:
        options["child_exit"] = lambda _server, worker: on_child_exit(worker.pid)
    _Gunicorn(load, options).run()


def socket_mode_handler(bot: SlackBot, settings: SlackSettings) -> SocketModeHandler:
    """The Socket Mode connection for `bot`: `apps.connections.open` on `SLACK_API_URL`.

    The handler acks each envelope with its `envelope_id` once our listener calls `ack()`;
    answers go out through `response_url` and the Web API exactly as in HTTP mode.
    """
    return SocketModeHandler(bot.app, settings.app_token, web_client=bot.client)
