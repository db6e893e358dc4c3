"""A fake Discord on 127.0.0.1: the REST API and the gateway, enough for the real discord.py client.

It records every REST request (tests assert on the exact JSON the bot sent), answers as Discord
does (JSON with content type exactly `application/json`), and enforces the 3-second deadline
of interactions: a first callback later than `deadline` seconds after the interaction was
dispatched gets 404 with code 10062, as Discord answers. Channels listed in `closed_dms` refuse
messages with 403 code 50007 (the person's DMs are closed to the bot). A path listed in
`rate_limited` answers 429 (with `Retry-After`, as Discord does) that many times before it
succeeds. Payloads over Discord's documented limits (message content, embeds, components,
modals, autocomplete choices, commands) are refused with 400 code 50035 "Invalid Form Body" and
an `errors` object naming the fields, as Discord refuses them. Every refusal is kept in
`refusals`; the `fake_discord_refusals` teardown check (tests/adapters/discord/conftest.py)
fails any test that did not expect one (`expect_refusals()`).

Platform faults for delivery tests: `fault(path, kind, times)` fails the next requests to a path
with a 5xx status (`"500"`, which discord.py retries by itself, or `"503"`, which it does not), a
429 (`"429"`, with `Retry-After`, through Discord's proxy as discord.py expects; `"429-edge"`,
without the `Via` header, as Cloudflare answers before Discord sees the request), no answer
(`"timeout"`: held until `release_held()` or `HOLD_LIMIT`, then dropped, the message never
made) or a TCP reset (`"reset"`). Each fault is recorded like any request, its answer
`{"fault": kind}`.

The deadline can be forced without waiting: `expire(interaction_id)` (or `expire_all()`) makes
the next first response to it late. Guild members (with their role ids) are served from
`members` for `GET /guilds/{guild}/members/{user}`, which the bot uses to find the roles of a
person writing in a DM.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket as sockets
import struct
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "800000000000000001"
CHANNEL_ID = "800000000000000010"  # #general
MODERATION_CHANNEL_ID = "800000000000000020"  # #practice-moderation
NOTICE_CHANNEL_ID = "800000000000000030"  # the guild's system channel
MODERATOR_ROLE_ID = "800000000000000040"
TIMESTAMP = "2025-03-14T09:26:53.000000+00:00"

BOT_USER = {
    "id": BOT_ID,
    "username": "practicebank",
    "discriminator": "0",
    "global_name": "Practice bank",
    "avatar": None,
    "bot": True,
    "flags": 0,
}


def user(user_id: str, name: str) -> dict[str, Any]:
    """A Discord user object."""
    return {
        "id": user_id,
        "username": name.lower(),
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
    }


FAULTS = ("500", "503", "429", "429-edge", "timeout", "reset")
HOLD_LIMIT = 5.0  # seconds a `timeout` fault holds a request at most, should nobody release it


@dataclass
class Recorded:
    """One REST request the bot made."""

    method: str
    path: str
    body: Any
    status: int = 200
    answer: Any = None


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when the content type is exactly application/json.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


MADE: list[FakeDiscord] = []  # every fake of the running test, for the teardown check


class FakeDiscord:
    """The fake platform; `start()` inside the test's event loop, `stop()` at the end."""

    def __init__(
        self,
        *,
        deadline: float = 3.0,
        closed_dms: frozenset[str] = frozenset(),
        rate_limited: dict[str, int] | None = None,
        retry_after: float = 0.05,
    ):
        self.deadline = deadline
        self.closed_dms = set(closed_dms)
        self.rate_limited = dict(rate_limited or {})
        self.retry_after = retry_after
        self.requests: list[Recorded] = []
        self.identify: dict[str, Any] | None = None
        self.sessions = 0  # IDENTIFYs answered with READY and the guild
        self.messages: dict[str, dict[str, Any]] = {}
        self.members: dict[str, tuple[str, ...]] = {}  # user id -> role ids in GUILD_ID
        self.refusals: list[Recorded] = []
        self.refusals_expected = False
        self._expired: set[str] = set()
        self._expire_all = False
        self._refuse: set[str] = set()
        self._faults: defaultdict[str, deque[tuple[str, float]]] = defaultdict(deque)
        self._held = asyncio.Event()
        MADE.append(self)
        self._ids = itertools.count(700000000000000001)
        self._dispatched: dict[str, float] = {}
        self._answered: set[str] = set()
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.base = ""

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.base + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/gateway"

    def new_id(self) -> str:
        return str(next(self._ids))

    # --- waiting -----------------------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], timeout: float = 10.0
    ) -> Recorded:
        """The first recorded request matching `predicate`, waiting up to `timeout` for it."""

        def found() -> Recorded | None:
            return next((r for r in self.requests if predicate(r)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        result = found()
        assert result is not None
        return result

    async def wait_for_session(self, timeout: float = 10.0) -> dict[str, Any]:
        """The bot's IDENTIFY, once READY and the guild were sent back (interactions may follow)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.sessions > 0), timeout)
        assert self.identify is not None
        return self.identify

    async def callback(self, interaction_id: str, timeout: float = 10.0) -> Recorded:
        """The callback the bot made for an interaction."""
        return await self.wait_for(
            lambda r: r.method == "POST" and r.path.startswith(f"interactions/{interaction_id}/"),
            timeout,
        )

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    async def _record(self, recorded: Recorded) -> None:
        async with self._changed:
            self.requests.append(recorded)
            self._changed.notify_all()

    # --- gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            if payload["op"] == 1:
                await socket.send_json({"op": 11})
            elif payload["op"] == 2:
                self.identify = payload["d"]
                await self._ready(socket)
                async with self._changed:
                    self.sessions += 1
                    self._changed.notify_all()
        return socket

    async def _ready(self, socket: web.WebSocketResponse) -> None:
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": "session-1",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APP_ID, "flags": 0},
            "private_channels": [],
        }
        await self._send(socket, "READY", ready)
        await self._send(socket, "GUILD_CREATE", guild())

    async def _send(self, socket: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await socket.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a gateway event to the connected bot."""
        await self._send(self._sockets[-1], event, data)

    def expire(self, interaction_id: str) -> None:
        """Make the interaction's 3 seconds over, as if the bot had been slow."""
        self._expired.add(interaction_id)

    def expire_all(self) -> None:
        """Every interaction's first response is late from now on."""
        self._expire_all = True

    def refuse_next(self, path: str) -> None:
        """Refuse the next request to `path` with 50035, as Discord does an invalid body."""
        self._refuse.add(path)

    def expect_refusals(self) -> None:
        """This test sends payloads Discord refuses on purpose: the teardown check lets it pass."""
        self.refusals_expected = True

    def fault(self, path: str, kind: str, times: int = 1, retry_after: float = 1.0) -> None:
        """Fail the next `times` requests to `path` with `kind` (one of `FAULTS`), then recover.

        Faults queue in order after any already set; a 429 carries `retry_after` seconds.
        """
        assert kind in FAULTS, kind
        self._faults[path].extend([(kind, retry_after)] * times)

    def release_held(self) -> None:
        """Let every request held by a `timeout` fault end (its client has given up)."""
        self._held.set()

    async def _fail(
        self, request: web.Request, path: str, body: Any, kind: str, retry_after: float
    ) -> web.Response:
        """Answer a request the way fault `kind` does; nothing is created."""
        status = {"500": 500, "503": 503, "429": 429, "429-edge": 429}.get(kind, 0)
        await self._record(Recorded(request.method, path, body, status, {"fault": kind}))
        if kind == "reset":
            transport = request.transport
            raw = transport.get_extra_info("socket") if transport else None
            if raw is not None:  # SO_LINGER 0: the close sends a TCP RST, not an orderly FIN
                raw.setsockopt(sockets.SOL_SOCKET, sockets.SO_LINGER, struct.pack("ii", 1, 0))
            if transport is not None:
                transport.abort()
            return web.Response(status=500)  # never reaches the client
        if kind == "timeout":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._held.wait(), HOLD_LIMIT)
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=504)  # never reaches the client
        if kind.startswith("429"):
            limited = {"message": "You are being rate limited.", "retry_after": retry_after}
            response = _json({**limited, "global": False}, 429)
            response.headers["Retry-After"] = str(retry_after)
            if kind == "429":
                response.headers["Via"] = "1.1 google"
            return response
        return _json({"message": f"{status}: Server Error", "code": 0}, status)

    async def interact(self, payload: dict[str, Any]) -> None:
        """Dispatch an interaction; its 3-second clock starts now."""
        self._dispatched[payload["id"]] = asyncio.get_running_loop().time()
        await self.dispatch("INTERACTION_CREATE", payload)

    # --- REST --------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/"):
                body = _multipart_json(raw)
        if self._faults[path]:
            kind, retry_after = self._faults[path].popleft()
            return await self._fail(request, path, body, kind, retry_after)
        if self.rate_limited.get(path, 0) > 0:
            self.rate_limited[path] -= 1
            limited = {"message": "You are being rate limited.", "retry_after": self.retry_after}
            await self._record(Recorded(request.method, path, body, 429, limited))
            response = _json({**limited, "global": False}, 429)
            # discord.py retries a 429 only when it came through Discord's proxy (`Via`).
            response.headers["Via"] = "1.1 google"
            response.headers["Retry-After"] = str(self.retry_after)
            return response
        problems = refused_fields(path, body) if request.method in ("POST", "PATCH", "PUT") else {}
        if path in self._refuse:
            self._refuse.discard(path)
            problems = {"content": "Refused on purpose by the test."}
        if problems:
            errors = {
                name: {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": why}]}
                for name, why in problems.items()
            }
            status, answer = 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}
        else:
            status, answer = self._answer(request.method, path, body)
        recorded = Recorded(request.method, path, body, status, answer)
        if status == 400:
            self.refusals.append(recorded)
        await self._record(recorded)
        if answer is None:
            return web.Response(status=status)
        return _json(answer, status)

    def _answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = path.split("/")
        if method == "GET" and path == "users/@me":
            return 200, BOT_USER
        if method == "GET" and path == "oauth2/applications/@me":
            return 200, application()
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            return 200, [self._command(c) for c in body]
        if method == "POST" and parts[0] == "interactions":
            return self._interaction_callback(parts[1], body)
        if parts[0] == "webhooks":
            return self._webhook(method, parts, body)
        if method == "POST" and path == "users/@me/channels":
            recipient = str(body["recipient_id"])
            return 200, dm_channel(recipient)
        if method == "GET" and parts[0] == "users":
            return 200, user(parts[1], f"user{parts[1][-2:]}")
        if method == "GET" and parts[0] == "guilds" and parts[2:3] == ["members"]:
            return self._member(parts[1], parts[3])
        if method == "GET" and parts[0] == "guilds" and len(parts) == 2:
            return (200, guild()) if parts[1] == GUILD_ID else (404, UNKNOWN_GUILD)
        if parts[0] == "channels" and parts[2:3] == ["messages"]:
            return self._channel_message(method, parts, body)
        return 404, {"code": 0, "message": f"fake has no {method} {path}"}

    def _member(self, guild_id: str, user_id: str) -> tuple[int, Any]:
        if guild_id != GUILD_ID:
            return 404, UNKNOWN_GUILD
        if user_id not in self.members:
            return 404, {"code": 10007, "message": "Unknown Member"}
        person = user(user_id, f"user{user_id[-2:]}")
        return 200, {
            "user": person,
            "roles": list(self.members[user_id]),
            "joined_at": TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
        }

    def _command(self, command: dict[str, Any]) -> dict[str, Any]:
        return {
            **command,
            "id": self.new_id(),
            "application_id": APP_ID,
            "version": "1",
            "type": command.get("type", 1),
            "default_member_permissions": None,
        }

    def _interaction_callback(self, interaction_id: str, body: Any) -> tuple[int, Any]:
        started = self._dispatched.get(interaction_id)
        now = asyncio.get_running_loop().time()
        if interaction_id in self._answered:
            return 400, {"code": 40060, "message": "Interaction has already been acknowledged."}
        late = self._expire_all or interaction_id in self._expired
        if started is None or late or now - started > self.deadline:
            return 404, {"code": 10062, "message": "Unknown interaction"}
        self._answered.add(interaction_id)
        resource: dict[str, Any] = {"type": body["type"]}
        if body["type"] in (4, 7):
            resource["message"] = self._message(CHANNEL_ID, body.get("data") or {})
        return 200, {
            "interaction": {"id": interaction_id, "type": 2},
            "resource": resource,
        }

    def _webhook(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        if method == "POST":  # a follow-up
            return 200, self._message(CHANNEL_ID, body)
        if method == "PATCH":  # the original response, edited
            return 200, self._message(CHANNEL_ID, body, message_id=parts[-1])
        if method == "DELETE":
            return 204, None
        return 200, self._message(CHANNEL_ID, {})

    def _channel_message(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        channel_id = parts[1]
        if method == "POST":
            if channel_id in self.closed_dms:
                return 403, {"code": 50007, "message": "Cannot send messages to this user"}
            return 200, self._message(channel_id, body)
        if method == "PATCH":
            return 200, self._message(channel_id, body, message_id=parts[3])
        return 404, {"code": 10008, "message": "Unknown Message"}

    def _message(
        self, channel_id: str, body: dict[str, Any], message_id: str | None = None
    ) -> dict[str, Any]:
        message = message_payload(channel_id, body, message_id or self.new_id())
        self.messages[message["id"]] = message
        return message


def message_payload(channel_id: str, body: dict[str, Any], message_id: str) -> dict[str, Any]:
    """The message object Discord returns for a posted or edited message with this body."""
    return {
        "id": message_id,
        "channel_id": channel_id,
        "author": BOT_USER,
        "content": body.get("content") or "",
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": body.get("flags", 0) or 0,
    }


UNKNOWN_GUILD = {"code": 10004, "message": "Unknown Guild"}

# Discord's documented limits (developer docs: message, embed, component, modal, command).
LIMITS = {"content": 2000, "title": 256, "description": 4096, "field_name": 256}
LIMITS |= {"field_value": 1024, "footer": 2048, "author": 256, "fields": 25, "embeds": 10}
LIMITS |= {"embed_total": 6000, "rows": 5, "per_row": 5, "custom_id": 100, "label": 80}
LIMITS |= {"options": 25, "option_text": 100, "placeholder": 150}
LIMITS |= {"modal_title": 45, "modal_inputs": 5, "input_label": 45, "input_value": 4000}
LIMITS |= {"choices": 25, "choice_text": 100, "commands": 100, "command_name": 32}
LIMITS |= {"command_description": 100}

Problems = dict[str, str]


def refused_fields(path: str, body: Any) -> Problems:
    """Every field of a request body Discord would refuse, by its path in the body."""
    if isinstance(body, list) and path.endswith("/commands"):
        return _command_problems(body)
    if not isinstance(body, dict):
        return {}
    kind = body.get("type")
    data = body.get("data") if isinstance(body.get("data"), dict) else None
    if path.startswith("interactions/") and data is not None:
        if kind == 9:
            return _modal_problems(data, "data")
        if kind == 8:
            return _choice_problems(data, "data")
        return _message_problems(data, "data")
    return _message_problems(body, "")


def over_limits(body: Any) -> list[str]:
    """The refused fields of a message body or interaction callback (for older tests)."""
    return list(
        refused_fields("interactions/x" if isinstance(body, dict) and "data" in body else "", body)
    )


def _too_long(problems: Problems, where: str, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        problems[where] = f"Must be {limit} or fewer in length."


def _message_problems(data: dict[str, Any], at: str) -> Problems:
    problems: Problems = {}
    pre = f"{at}." if at else ""
    _too_long(problems, pre + "content", data.get("content") or "", LIMITS["content"])
    embeds = data.get("embeds") or []
    if len(embeds) > LIMITS["embeds"]:
        problems[pre + "embeds"] = "Must be 10 or fewer in length."
    total = 0
    for n, embed in enumerate(embeds):
        where = f"{pre}embeds.{n}"
        texts = {
            "title": embed.get("title") or "",
            "description": embed.get("description") or "",
            "footer": (embed.get("footer") or {}).get("text") or "",
            "author": (embed.get("author") or {}).get("name") or "",
        }
        for name, value in texts.items():
            _too_long(problems, f"{where}.{name}", value, LIMITS[name])
        fields = embed.get("fields") or []
        if len(fields) > LIMITS["fields"]:
            problems[f"{where}.fields"] = "Must be 25 or fewer in length."
        for m, f in enumerate(fields):
            _too_long(problems, f"{where}.fields.{m}.name", f.get("name", ""), LIMITS["field_name"])
            _too_long(
                problems, f"{where}.fields.{m}.value", f.get("value", ""), LIMITS["field_value"]
            )
            if not f.get("name") or not f.get("value"):
                problems[f"{where}.fields.{m}"] = "This field is required"
            total += len(f.get("name", "")) + len(f.get("value", ""))
        total += sum(len(value) for value in texts.values())
    if total > LIMITS["embed_total"]:
        problems[pre + "embeds"] = "Embed size exceeds maximum size of 6000"
    problems |= _rows_problems(data.get("components") or [], pre + "components")
    return problems


def _rows_problems(rows: list[Any], at: str) -> Problems:
    problems: Problems = {}
    if len(rows) > LIMITS["rows"]:
        problems[at] = "Must be 5 or fewer in length."
    for n, row in enumerate(rows):
        inner = row.get("components") or []
        if len(inner) > LIMITS["per_row"]:
            problems[f"{at}.{n}.components"] = "Must be 5 or fewer in length."
        if any(item.get("type") == 3 for item in inner) and len(inner) > 1:
            problems[f"{at}.{n}.components"] = "A select menu must be alone in its row."
        for m, item in enumerate(inner):
            problems |= _item_problems(item, f"{at}.{n}.components.{m}")
    return problems


def _item_problems(item: dict[str, Any], where: str) -> Problems:
    problems: Problems = {}
    if item.get("type") != 2 or item.get("style") != 5:  # link buttons have no custom id
        custom_id = item.get("custom_id")
        if not custom_id:
            problems[f"{where}.custom_id"] = "This field is required"
        _too_long(problems, f"{where}.custom_id", custom_id, LIMITS["custom_id"])
    _too_long(problems, f"{where}.label", item.get("label"), LIMITS["label"])
    _too_long(problems, f"{where}.placeholder", item.get("placeholder"), LIMITS["placeholder"])
    options = item.get("options")
    if options is not None:
        if not 1 <= len(options) <= LIMITS["options"]:
            problems[f"{where}.options"] = "Must be between 1 and 25 in length."
        for k, option in enumerate(options):
            for name in ("label", "value", "description"):
                _too_long(
                    problems, f"{where}.options.{k}.{name}", option.get(name), LIMITS["option_text"]
                )
    return problems


def _modal_problems(data: dict[str, Any], at: str) -> Problems:
    problems: Problems = {}
    _too_long(problems, f"{at}.title", data.get("title"), LIMITS["modal_title"])
    if not data.get("title"):
        problems[f"{at}.title"] = "This field is required"
    _too_long(problems, f"{at}.custom_id", data.get("custom_id"), LIMITS["custom_id"])
    rows = data.get("components") or []
    if not 1 <= len(rows) <= LIMITS["modal_inputs"]:
        problems[f"{at}.components"] = "Must be between 1 and 5 in length."
    for n, row in enumerate(rows):
        where = f"{at}.components.{n}"
        _too_long(problems, f"{where}.label", row.get("label"), LIMITS["input_label"])
        inner = [row["component"]] if "component" in row else row.get("components") or []
        for item in inner:
            _too_long(problems, f"{where}.custom_id", item.get("custom_id"), LIMITS["custom_id"])
            _too_long(problems, f"{where}.label", item.get("label"), LIMITS["input_label"])
            _too_long(problems, f"{where}.value", item.get("value"), LIMITS["input_value"])
            if (item.get("max_length") or 0) > LIMITS["input_value"]:
                problems[f"{where}.max_length"] = "Must be 4000 or less."
            if item.get("options") is not None:
                problems |= _item_problems(item, where)
    return problems


def _choice_problems(data: dict[str, Any], at: str) -> Problems:
    problems: Problems = {}
    choices = data.get("choices") or []
    if len(choices) > LIMITS["choices"]:
        problems[f"{at}.choices"] = "Must be 25 or fewer in length."
    for n, choice in enumerate(choices):
        for name in ("name", "value"):
            _too_long(problems, f"{at}.choices.{n}.{name}", choice.get(name), LIMITS["choice_text"])
    return problems


def _command_problems(commands: list[Any]) -> Problems:
    problems: Problems = {}
    if len(commands) > LIMITS["commands"]:
        problems["commands"] = "Must be 100 or fewer in length."
    for n, command in enumerate(commands):
        _too_long(problems, f"{n}.name", command.get("name"), LIMITS["command_name"])
        _too_long(
            problems, f"{n}.description", command.get("description"), LIMITS["command_description"]
        )
        for m, option in enumerate(command.get("options") or []):
            _too_long(problems, f"{n}.options.{m}.name", option.get("name"), LIMITS["command_name"])
            _too_long(
                problems,
                f"{n}.options.{m}.description",
                option.get("description"),
                LIMITS["command_description"],
            )
    return problems


def _multipart_json(raw: bytes) -> Any:
    """The `payload_json` part of a multipart body (discord.py sends files that way)."""
    text = raw.decode("utf-8", "replace")
    start = text.find("{")
    end = text.rfind("}")
    return json.loads(text[start : end + 1]) if start >= 0 else None


def application() -> dict[str, Any]:
    return {
        "id": APP_ID,
        "name": "Practice bank",
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "summary": "",
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "owner": user("900000000000000099", "Owner"),
    }


def role(role_id: str, name: str, position: int) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "hoist": False,
        "position": position,
        "permissions": "0",
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel(channel_id: str, name: str, position: int) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": GUILD_ID,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def guild() -> dict[str, Any]:
    return {
        "id": GUILD_ID,
        "name": "Community safety partnership",
        "icon": None,
        "owner_id": "900000000000000099",
        "roles": [
            role(GUILD_ID, "@everyone", 0),
            role(MODERATOR_ROLE_ID, "Practice moderators", 1),
        ],
        "channels": [
            text_channel(CHANNEL_ID, "general", 0),
            text_channel(MODERATION_CHANNEL_ID, "practice-moderation", 1),
            text_channel(NOTICE_CHANNEL_ID, "welcome", 2),
        ],
        "system_channel_id": NOTICE_CHANNEL_ID,
        "members": [],
        "member_count": 3,
        "large": False,
        "unavailable": False,
        "emojis": [],
        "stickers": [],
        "features": [],
        "threads": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "premium_tier": 0,
        "preferred_locale": "en-GB",
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "afk_timeout": 300,
        "joined_at": TIMESTAMP,
    }


def dm_channel(recipient_id: str) -> dict[str, Any]:
    return {
        "id": dm_channel_id(recipient_id),
        "type": 1,
        "recipients": [user(recipient_id, f"user{recipient_id[-2:]}")],
        "last_message_id": None,
    }


def dm_channel_id(recipient_id: str) -> str:
    """The DM channel of a user: derived from their id, so tests can name it in advance."""
    return "6" + recipient_id[1:]
