"""Serves the Slack bot: Socket Mode when an app token is given, else HTTP behind gunicorn.

`create_slack_bot` wires the adapter (Web API client, Bolt app, delivery loop) around a core the
composition root built; it connects to nothing at import time. In HTTP mode gunicorn loads the
application in each worker after the fork (so the delivery thread and database connections belong
to the worker) and serves `/slack/events` on `$PORT`: the ack path (`InboxFront`) checks each
request's signature, spools it in the inbox (`adapters.slack.inbox`) and answers 200; the work
runs after, from the spooled file, in the work processes the gunicorn master keeps beside the
web workers (`WorkProcesses`, at a lower CPU priority, so a busy search never delays an ack), or
in the web workers themselves with `work_processes=0`. Only what Slack needs an answer *in* the
ack for — a modal submission (its next view), the URL check — goes to Bolt's own handler as it
arrives (a modal submission spooled first all the same).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from gunicorn.app.base import BaseApplication
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import Handler, SlackAdapter, build_app, build_work_app, workspace_from
from adapters.slack.delivery import SlackDelivery
from adapters.slack.inbox import CURRENT_ANSWERS, Answers, Inbox, InboxWorker, Letter, Request
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
    signing_secret: str = ""
    inbox: InboxWorker | None = None

    def start_background(self) -> None:
        """Start delivering notifications and working the inbox (in this process)."""
        self.loop.start()
        if self.inbox is not None:
            self.inbox.start()

    def stop_background(self) -> None:
        """Finish the inbox work in hand (the rest stays spooled), then stop delivering."""
        if self.inbox is not None:
            self.inbox.stop()
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
    inbox = None
    if settings.inbox_dir and not settings.socket_mode:
        # The inbox claims each request itself, so this adapter claims nothing.
        behind = SlackAdapter(
            bank,
            client,
            state,
            clock,
            after_event=loop.wake,
            home=home.for_actor,
            claims_events=False,
        )
        work_app = build_work_app(behind, client)

        def work(request: Request) -> bool:
            response = work_app.dispatch(
                BoltRequest(body=request.body, headers=dict(request.headers))
            )
            return response.status < 500  # 404: nothing listens for it, nothing to do

        inbox = InboxWorker(
            Inbox(Path(settings.inbox_dir)), work, state, clock, threads=settings.work_threads
        )
    return SlackBot(app, client, delivery, loop, team_id, settings.signing_secret, inbox)


class InboxFront:
    """The HTTP ack path: check the signature, spool the request, answer 200 — nothing else.

    No database, search or Slack call happens before the 200, and the request is on disk
    before it (see `adapters.slack.inbox` for the guarantee). Slack's URL check goes to Bolt
    as it arrives, and so does a modal submission (its ack may carry the next view), spooled
    first all the same.
    """

    def __init__(
        self,
        bolt: Callable[..., Iterable[bytes]],
        inbox: InboxWorker,
        signing_secret: str,
        *,
        work_here: bool = True,
    ) -> None:
        """Wrap Bolt's WSGI handler; spooled files are handed to `inbox` to work.

        With `work_here` False the work processes (`WorkProcesses`) find the files themselves.
        """
        self._bolt = bolt
        self._inbox = inbox
        self._verifier = SignatureVerifier(signing_secret)
        self._work_here = work_here

    def __call__(self, request: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer one WSGI request."""
        if request.get("PATH_INFO") != EVENTS_PATH or request.get("REQUEST_METHOD") != "POST":
            return self._bolt(request, start_response)
        try:
            raw = _read_body(request)
        except RefusedBody as refused:
            start_response(refused.status, [("Content-Type", "text/plain")])
            return [refused.why]
        body = raw.decode("utf-8", errors="replace")
        headers = {
            "content-type": str(request.get("CONTENT_TYPE") or ""),
            "x-slack-request-timestamp": str(request.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""),
            "x-slack-retry-num": str(request.get("HTTP_X_SLACK_RETRY_NUM") or ""),
        }
        signature = str(request.get("HTTP_X_SLACK_SIGNATURE") or "")
        stamp = headers["x-slack-request-timestamp"]
        # The verifier raises on a timestamp that is not a number (a 500); it is only unsigned.
        if not (stamp.isascii() and stamp.isdigit()) or not self._verifier.is_valid(
            body, stamp, signature
        ):
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"invalid request"]
        kind = _answered_in_the_ack(body, headers["content-type"])
        if kind == URL_CHECK:
            request["wsgi.input"] = io.BytesIO(raw)
            return self._bolt(request, start_response)
        if kind == MODAL:
            request["wsgi.input"] = io.BytesIO(raw)
            return self._answer_modal(
                self._inbox.inbox.hold(body, headers), request, start_response
            )
        path = self._inbox.inbox.put(body, headers)
        if self._work_here:
            self._inbox.submit(path)
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    def _answer_modal(
        self, letter: Letter, request: dict[str, Any], start_response: Callable[..., Any]
    ) -> Any:
        """A modal submission: Bolt answers it now, since the ack may carry the next view.

        It runs under the spooled file's lock with the core's answer recorded, so that if this
        worker dies the replay sends the messages beside the modal without deciding twice.
        """
        token = CURRENT_ANSWERS.set(Answers(letter.answers_path))
        try:
            return self._bolt(request, start_response)
        finally:
            CURRENT_ANSWERS.reset(token)
            letter.release()
            if self._work_here:
                self._inbox.submit(letter.path)  # the follow-up: the messages beside the modal


MAX_BODY_BYTES = 1 << 20
"""The largest request the ack path reads: 1 MiB. Slack's own are far smaller (a message holds
at most 40,000 characters, a modal's values a few kilobytes each), so anything bigger is not
Slack's and is refused before its signature is checked or a byte of it is spooled."""


class RefusedBody(Exception):
    """A request body the ack path will not read: the HTTP status and a short reason."""

    def __init__(self, status: str, why: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.why = why


def _read_body(request: dict[str, Any]) -> bytes:
    """The request body, refused (`RefusedBody`) when too large or its length is malformed.

    A declared length past `MAX_BODY_BYTES` is refused unread; without one (chunked) the body
    is read up to one byte past the cap. A length that is not a whole number is refused
    rather than guessed at.
    """
    too_large = RefusedBody("413 Content Too Large", b"request too large")
    declared = str(request.get("CONTENT_LENGTH") or "").strip()
    stream = request["wsgi.input"]
    if not declared:
        raw = bytes(stream.read(MAX_BODY_BYTES + 1) or b"")
    elif not (declared.isascii() and declared.isdigit()):
        raise RefusedBody("400 Bad Request", b"bad Content-Length")
    elif int(declared) > MAX_BODY_BYTES:
        raise too_large
    else:
        raw = bytes(stream.read(int(declared))) if int(declared) else b""
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    return raw


URL_CHECK = "url check"
MODAL = "modal"


def _answered_in_the_ack(body: str, content_type: str) -> str:
    """What Slack reads in the ack: `URL_CHECK`, `MODAL`, or "" (only "received").

    `URL_CHECK` is the URL or SSL check, `MODAL` a modal submission (the next view, errors).
    """
    if content_type.startswith("application/json"):
        try:
            kind = json.loads(body).get("type")
        except (ValueError, AttributeError):
            return ""
        return URL_CHECK if kind == "url_verification" else ""
    fields = parse_qs(body)
    if fields.get("ssl_check"):
        return URL_CHECK
    payload = fields.get("payload")
    if not payload:
        return ""
    try:
        kind = json.loads(payload[0]).get("type")
    except (ValueError, AttributeError):
        return ""
    return MODAL if kind == "view_submission" else ""


def wsgi_handler(bot: SlackBot, *, work_here: bool = True) -> Callable[..., Iterable[bytes]]:
    """The WSGI callable for `bot` on `/slack/events`: the inbox's ack path, or Bolt's alone.

    `work_here` False: this process only acks, and work processes work the inbox.
    """
    bolt = SlackRequestHandler(bot.app, path=EVENTS_PATH)
    if bot.inbox is None:
        return bolt
    return InboxFront(bolt, bot.inbox, bot.signing_secret, work_here=work_here)


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
    work: Callable[[threading.Event], None] | None = None,
) -> None:
    """Serve `/slack/events` on `$PORT` with gunicorn (threads per worker, workers by fork).

    `load` builds the WSGI application; gunicorn calls it in each worker after the fork.
    `on_worker_exit(pid)` runs in a worker as it stops (SIGTERM), `on_child_exit(pid)` in the
    master once a worker has gone. `work(stopping)`, when given, is the body of each of the
    `settings.work_processes` work processes the master keeps running (`WorkProcesses`).
    """
    options: dict[str, Any] = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
    }
    if on_worker_exit is not None:
        options["worker_exit"] = lambda _server, worker: on_worker_exit(worker.pid)
    if on_child_exit is not None:
        options["child_exit"] = lambda _server, worker: on_child_exit(worker.pid)
    if work is not None and settings.work_processes > 0:
        processes = WorkProcesses(settings.work_processes, settings.port, work)
        options["when_ready"] = processes.start
        options["on_exit"] = lambda _server: processes.stop()
    _Gunicorn(load, options).run()


ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(D)s'
"""One line per request on standard output, ending in the server's own time in microseconds.

About 20 µs a line (measured), so it stays on; the time, taken from the request being read to
the response written, tells a slow server from a slow network or client. No user agent or
referrer (Slack's are fixed), no query string contents beyond the request line.
"""


class WorkProcesses:
    """The inbox's work processes beside gunicorn's web workers, kept running by the master.

    The web workers only check signatures, spool and ack; these processes, at a lower
    priority (`NICE`), do the work, so a busy search never delays an ack. They are forked by
    the master once its web workers are up, restarted if one dies, and sent SIGTERM when the
    master stops: each finishes the requests in hand and leaves the rest spooled.
    """

    NICE = 10
    STOP_SECONDS = 30.0

    def __init__(self, count: int, port: int, work: Callable[[threading.Event], None]) -> None:
        """`count` processes running `work(stopping)`, once a web worker answers on `port`."""
        self._count = count
        self._port = port
        self._work = work
        self._pids: list[int] = []
        self._stopping = threading.Event()

    def start(self, server: Any) -> None:
        """Gunicorn's `when_ready`: supervise from a thread of the master."""
        thread = threading.Thread(target=self._supervise, args=(server,), daemon=True)
        thread.start()

    def _supervise(self, server: Any) -> None:
        # Forked once a web worker has loaded the bot (and written the workspace's settings at
        # start-up), so the work processes do not race the web workers' first start.
        deadline = time.monotonic() + 120
        while not self._stopping.wait(0.1) and time.monotonic() < deadline:
            if _answers(self._port):
                break
        while not self._stopping.is_set():
            self._pids = [pid for pid in self._pids if _alive(pid)]
            while len(self._pids) < self._count and not self._stopping.is_set():
                self._pids.append(self._fork(server))
            self._stopping.wait(1.0)

    def _fork(self, server: Any) -> int:
        pid = os.fork()
        if pid:
            log.info("started inbox work process %d", pid)
            return pid
        code = 0
        try:
            for listener in getattr(server, "LISTENERS", []):
                listener.close()
            stopping = threading.Event()
            for number in (
                signal.SIGHUP,
                signal.SIGUSR1,
                signal.SIGUSR2,
                signal.SIGWINCH,
                signal.SIGTTIN,
                signal.SIGTTOU,
                signal.SIGCHLD,
                signal.SIGQUIT,
            ):
                signal.signal(number, signal.SIG_DFL)
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *_: stopping.set())
            os.nice(self.NICE)
            with contextlib.suppress(AttributeError, OSError):  # Linux only; nice is the rest
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            self._work(stopping)
        except BaseException:
            log.exception("inbox work process failed")
            code = 1
        finally:
            os._exit(code)

    def stop(self) -> None:
        """Gunicorn's `on_exit`: SIGTERM each work process and wait for it to drain."""
        self._stopping.set()
        for pid in self._pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.STOP_SECONDS
        while any(_alive(pid) for pid in self._pids) and time.monotonic() < deadline:
            time.sleep(0.05)


def _answers(port: int) -> bool:
    """Whether a web worker answers `GET /healthz` on `port` (whatever the health it reports)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return connection.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """Whether a work process still runs (the master reaps its children on SIGCHLD)."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False  # reaped by the master already
    return finished == 0


def socket_mode_handler(bot: SlackBot, settings: SlackSettings) -> SocketModeHandler:
    """The Socket Mode connection for `bot`: `apps.connections.open` on `SLACK_API_URL`.

    The handler acks each envelope with its `envelope_id` once our listener calls `ack()`;
    answers go out through `response_url` and the Web API exactly as in HTTP mode.
    """
    return SocketModeHandler(bot.app, settings.app_token, web_client=bot.client)
