"""A fake Slack Web API on 127.0.0.1 (port 0): records every call, answers like Slack.

It also serves `response_url`s (`/respond/<n>`), and can be told to fail the next call of a
method (e.g. a 429 with `Retry-After`). Tests wait for a call with `wait_for` (bounded polling on
a condition, no sleeps).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

TEAM = "T0PUBLIC"
BOT_USER = "U0BOT"


@dataclass
class Call:
    """One request the fake received: API method (or `respond/<n>`), body and headers."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)


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
        self.websocket_url = "ws://127.0.0.1:9/"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
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
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, method: str, status: int, body: dict[str, Any], **headers: str) -> None:
        """Answer the next call of `method` with this status, body and headers."""
        self._scripted[method].append(Scripted(status, body, headers))

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
            answer = self._ok(method, body)
            self.calls.append(Call(method, body, headers, answer))
            self._changed.notify_all()
            return 200, answer, {}

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
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", ""))}}
        if method in ("views.open", "views.update", "views.publish"):
            self._views += 1
            return {"ok": True, "view": {"id": f"V{self._views}"}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.websocket_url}
        return {"ok": True}


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return dict(json.loads(raw))
    body: dict[str, Any] = dict(parse_qsl(raw, keep_blank_values=True))
    for name in ("blocks", "view"):
        if isinstance(body.get(name), str):
            body[name] = json.loads(body[name])
    return body
