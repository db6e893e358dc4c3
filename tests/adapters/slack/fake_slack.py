"""A strict fake Slack Web API on 127.0.0.1 (port 0): records every call, refuses like Slack.

Every message, modal and Home view is checked against Slack's contract (`contract.py`: slack_sdk's
models plus the documented limits) and refused as Slack refuses it (`invalid_blocks`,
`msg_blocks_too_long`, `invalid_arguments`). Posting where the bot is not a member answers
`channel_not_found`: the bot is in `members` (the general and moderation channels by default, plus
`join`ed ones), in its own DM with each person (`D<user id>`, as `conversations.open` answers), and
may post to a user id (its App Home DM). `trigger_id`s are issued by `trigger()` and live 3 s on the
fake's clock (`advance` moves it on, no sleeps): an old one answers `expired_trigger_id`, a spent
one `exchanged_trigger_id`. Every refusal is recorded in `refusals`; the `fake` fixture fails a test
that caused one it did not `expect`. It also serves `response_url`s (`/respond/<n>`), and can be
told to fail the next call of a method (e.g. a 429 with `Retry-After`). Platform faults at the HTTP
level for a while (`fault`): a 500, a 429 with `Retry-After`, no answer until the client gives up
(`timeout`: held until `release_held` or `HOLD_LIMIT`), or a reset connection (`reset`); a faulted
call is recorded but never takes effect, as when Slack failed before accepting it. `latency` makes
every call of a method take that long (a slow platform, so that a process can be killed while it
is delivering). Tests wait for a call with `wait_for` (bounded polling on a condition, no sleeps).
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.adapters.slack.contract import message_refusal, view_refusal

TEAM = "T0PUBLIC"
BOT_USER = "U0BOT"
TRIGGER_LIFETIME = 3.0  # seconds a trigger_id can open a modal
MEMBER_OF = frozenset({"C0GENERAL", "C0MOD"})
POSTING = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
FAULTS = ("500", "429", "timeout", "reset")
HOLD_LIMIT = 10.0  # seconds a `timeout` fault holds its answer at most, should nobody release it


@dataclass
class Call:
    """One request the fake received: API method (or `respond/<n>`), body and headers."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it arrived (for benchmarks)


@dataclass(frozen=True)
class Refusal:
    """A call the fake refused as Slack would: the method, Slack's error code and why."""

    method: str
    error: str
    details: tuple[str, ...]


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """Start with `start()`; `url` is the Web API base URL to give `WebClient`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._scripted: dict[str, deque[Scripted]] = defaultdict(deque)
        self._ts = 0
        self._views = 0
        self.refusals: list[Refusal] = []
        self.expected: set[str] = set()
        self.members: set[str] = set(MEMBER_OF)
        self.views: dict[str, dict[str, Any]] = {}
        self._triggers: dict[str, float] = {}
        self._spent: set[str] = set()
        self._trigger_numbers = itertools.count(1)
        self._offset = 0.0
        self.websocket_url = "ws://127.0.0.1:9/"
        self._faults: dict[str, deque[tuple[str, int]]] = defaultdict(deque)
        self.latency: dict[str, float] = {}
        self._held = threading.Event()
        self._rate: dict[str, int] = {}
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                fault = fake._fault_for(self.path, raw, dict(self.headers))
                if fault == "reset":
                    # SO_LINGER 0: close() sends a TCP RST instead of an orderly FIN.
                    self.request.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.request.close()
                    self.close_connection = True
                    return
                if fault == "timeout":
                    fake._held.wait(HOLD_LIMIT)  # the client has given up long before
                    self.close_connection = True
                    return
                delay = fake.latency.get(fake._method(self.path), 0.0)
                if delay:
                    time.sleep(delay)  # the fake platform's own latency, not a test's timer
                status, body, headers = fake._answer(self.path, raw, dict(self.headers))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # serve_forever checks for shutdown every poll_interval (0.5 s by default), which every
        # test would wait out on teardown; 10 ms keeps stopping instant at no real cost.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.base}/respond/{name}"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._held.set()
        self._server.shutdown()
        self._server.server_close()

    # --- the contract's knobs ---------------------------------------------------------------

    def join(self, channel: str) -> None:
        """The bot is invited to `channel`."""
        with self._changed:
            self.members.add(channel)

    def trigger(self) -> str:
        """A fresh `trigger_id`, as Slack puts in a slash command or an interaction."""
        with self._changed:
            trigger_id = f"{next(self._trigger_numbers)}.1700000000.trigger"
            self._triggers[trigger_id] = self._now()
            return trigger_id

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on (ages every trigger_id), without sleeping."""
        with self._changed:
            self._offset += seconds

    def expect(self, *errors: str) -> None:
        """This test means to cause these refusals: the teardown check lets them pass."""
        self.expected.update(errors)

    def unexpected_refusals(self) -> list[Refusal]:
        """Refusals the test did not `expect`: payloads our code should never have sent."""
        with self._changed:
            return [r for r in self.refusals if r.error not in self.expected]

    def _now(self) -> float:
        return time.monotonic() + self._offset

    def fail_next(self, method: str, status: int, body: dict[str, Any], **headers: str) -> None:
        """Answer the next call of `method` with this status, body and headers."""
        self._scripted[method].append(Scripted(status, body, headers))

    def fault(self, method: str, kind: str, times: int = 1, retry_after: int = 1) -> None:
        """Fail the next `times` calls of `method` with `kind` (one of `FAULTS`), then recover.

        Faults queue in order after any already set; a 429 carries `Retry-After: retry_after`.
        """
        assert kind in FAULTS, kind
        with self._changed:
            self._faults[method].extend([(kind, retry_after)] * times)

    def rate_limit(self, method: str, per_second: int) -> None:
        """Answer 429 (`Retry-After: 1`) to calls of `method` beyond `per_second` a second."""
        with self._changed:
            self._rate[method] = per_second

    def release_held(self) -> None:
        """Let every call held by a `timeout` fault finish (its client is gone)."""
        self._held.set()

    def delivered(self, method: str = "chat.postMessage") -> list[Call]:
        """Calls of `method` that took effect (Slack answered ok), in order."""
        with self._changed:
            return [c for c in self.calls if c.method == method and c.answer.get("ok") is True]

    @staticmethod
    def _method(path: str) -> str:
        return path.removeprefix("/api/").split("?")[0] if path.startswith("/api/") else path[1:]

    def _fault_for(self, path: str, raw: str, headers: dict[str, str]) -> str | None:
        """Take the next fault set for this call's method: record the call, script 500/429."""
        method = self._method(path)
        with self._changed:
            limit = self._rate.get(method)
            if limit is not None and not self._faults[method]:
                recent, now = self._recent[method], time.monotonic()
                while recent and recent[0] <= now - 1.0:
                    recent.popleft()
                if len(recent) >= limit:
                    self._faults[method].append(("429", 1))
                else:
                    recent.append(now)
            if not self._faults[method]:
                return None
            kind, wait = self._faults[method].popleft()
            if kind in ("500", "429"):
                status = 500 if kind == "500" else 429
                error = "internal_error" if status == 500 else "ratelimited"
                answer = {"ok": False, "error": error}
                extra = {"Retry-After": str(wait)} if status == 429 else {}
                self._scripted[method].appendleft(Scripted(status, answer, extra))
                return None
            body = _parse(raw, headers.get("Content-Type") or headers.get("content-type") or "")
            self.calls.append(Call(method, body, headers, {"ok": False, "fault": kind}))
            self._changed.notify_all()
            return kind

    # --- reading what was sent -------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        with self._changed:
            return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The first `count` calls of `method`, waiting up to `timeout` seconds for them."""
        with self._changed:
            self._changed.wait_for(
                lambda: len([c for c in self.calls if c.method == method]) >= count, timeout
            )
            found = [c for c in self.calls if c.method == method]
        assert len(found) >= count, f"expected {count} {method} call(s), got {self.methods()}"
        return found[:count]

    # --- answering -------------------------------------------------------------------------

    def _answer(self, path: str, raw: str, headers: dict[str, str]) -> tuple[int, Any, dict]:
        method = path.removeprefix("/api/").split("?")[0] if path.startswith("/api/") else path[1:]
        body = _parse(raw, headers.get("Content-Type") or headers.get("content-type") or "")
        with self._changed:
            scripted = self._scripted[method].popleft() if self._scripted[method] else None
            if scripted is not None:
                self.calls.append(Call(method, body, headers, scripted.body))
                self._changed.notify_all()
                return scripted.status, scripted.body, scripted.headers
            refused = self._refusal(method, body)
            if refused is not None:
                error, details = refused
                self.refusals.append(Refusal(method, error, tuple(details)))
                answer = {"ok": False, "error": error}
                if error == "invalid_blocks":
                    answer["errors"] = list(details)
                elif details:
                    answer["response_metadata"] = {"messages": list(details)}
            else:
                answer = self._ok(method, body)
            self.calls.append(Call(method, body, headers, answer))
            self._changed.notify_all()
            return 200, answer, {}

    def _refusal(self, method: str, body: dict[str, Any]) -> tuple[str, list[str]] | None:
        """Slack's error for this call, or None when Slack would take it."""
        if method in POSTING or method.startswith("respond/"):
            if method in POSTING and not self._may_post(str(body.get("channel") or "")):
                return "channel_not_found", [f"the bot is not in {body.get('channel')!r}"]
            return message_refusal(body)
        if method in ("views.open", "views.update", "views.publish"):
            if method == "views.open":
                trigger = self._trigger_refusal(str(body.get("trigger_id") or ""))
                if trigger is not None:
                    return trigger, []
            if method == "views.update" and str(body.get("view_id") or "") not in self.views:
                return "not_found", [f"no view {body.get('view_id')!r}"]
            problems = view_refusal(body.get("view"))
            if problems:
                return "invalid_arguments", problems
        return None

    def _may_post(self, channel: str) -> bool:
        if channel in self.members:
            return True
        # A user id posts to the bot's own DM with that person (its App Home messages tab), and
        # `D<user id>` is how this fake names that DM (what `conversations.open` answers).
        person = channel.removeprefix("D")
        return person[:1] in ("U", "W") and len(person) > 1

    def _trigger_refusal(self, trigger_id: str) -> str | None:
        issued = self._triggers.get(trigger_id)
        if issued is None:
            return "invalid_trigger_id"
        if trigger_id in self._spent:
            return "exchanged_trigger_id"
        if self._now() - issued > TRIGGER_LIFETIME:
            return "expired_trigger_id"
        self._spent.add(trigger_id)
        return None

    def _ok(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method.startswith("respond/"):
            return {"ok": True}
        if method == "auth.test":
            return {"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B-BOT"}
        if method == "chat.postMessage":
            self._ts += 1
            channel = body.get("channel")
            return {"ok": True, "channel": channel, "ts": f"1700000000.{self._ts:06d}"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": "1700000000.999999"}
        if method == "conversations.open":
            dm = "D" + str(body.get("users", ""))
            self.members.add(dm)
            return {"ok": True, "channel": {"id": dm}}
        if method in ("views.open", "views.publish"):
            self._views += 1
            view = {**body.get("view", {}), "id": f"V{self._views}"}
            self.views[view["id"]] = view
            return {"ok": True, "view": view}
        if method == "views.update":
            view = {**body.get("view", {}), "id": body["view_id"]}
            self.views[view["id"]] = view
            return {"ok": True, "view": view}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.websocket_url}
        return {"ok": True}


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    body: dict[str, Any]
    if "json" in content_type:
        body = dict(json.loads(raw))
    else:
        body = dict(parse_qsl(raw, keep_blank_values=True))
    for name in ("blocks", "view"):  # Slack takes these as JSON text in either encoding
        if isinstance(body.get(name), str):
            body[name] = json.loads(body[name])
    return body
