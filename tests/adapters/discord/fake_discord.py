"""A fake Discord on 127.0.0.1: the REST API and the gateway, enough for the real discord.py client.

It records every REST request (tests assert on the exact JSON the bot sent), answers as Discord
does (JSON with content type exactly `application/json`), and enforces the 3-second deadline
of interactions: a first callback later than `deadline` seconds after the interaction was
dispatched gets 404 with code 10062, as Discord answers. Channels listed in `closed_dms` refuse
messages with 403 code 50007 (the person's DMs are closed to the bot). A path listed in
`rate_limited` answers 429 (with `Retry-After`, as Discord does) that many times before it
succeeds. Messages over Discord's size limits (content, embeds, components) are refused with 400
code 50035, as Discord refuses them, so every test also checks the bot stays within them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
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
        if self.rate_limited.get(path, 0) > 0:
            self.rate_limited[path] -= 1
            limited = {"message": "You are being rate limited.", "retry_after": self.retry_after}
            await self._record(Recorded(request.method, path, body, 429, limited))
            response = _json({**limited, "global": False}, 429)
            # discord.py retries a 429 only when it came through Discord's proxy (`Via`).
            response.headers["Via"] = "1.1 google"
            response.headers["Retry-After"] = str(self.retry_after)
            return response
        problems = over_limits(body) if request.method in ("POST", "PATCH") else []
        if problems:
            status, answer = (
                400,
                {"code": 50035, "message": "Invalid Form Body", "errors": problems},
            )
        else:
            status, answer = self._answer(request.method, path, body)
        await self._record(Recorded(request.method, path, body, status, answer))
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
        if parts[0] == "channels" and parts[2:3] == ["messages"]:
            return self._channel_message(method, parts, body)
        return 404, {"code": 0, "message": f"fake has no {method} {path}"}

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
        if started is None or now - started > self.deadline:
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


# Discord's message limits, as its API enforces them.
LIMITS = {"content": 2000, "title": 256, "description": 4096, "field_name": 256}
LIMITS |= {"field_value": 1024, "footer": 2048, "fields": 25, "embeds": 10, "embed_total": 6000}
LIMITS |= {"rows": 5, "per_row": 5, "custom_id": 100, "label": 80, "options": 25}


def over_limits(body: Any) -> list[str]:
    """What in a message body (or an interaction callback's `data`) breaks Discord's limits."""
    if not isinstance(body, dict):
        return []
    data = body.get("data") if isinstance(body.get("data"), dict) else body
    problems: list[str] = []
    if len(data.get("content") or "") > LIMITS["content"]:
        problems.append("content")
    embeds = data.get("embeds") or []
    if len(embeds) > LIMITS["embeds"]:
        problems.append("embeds")
    total = 0
    for embed in embeds:
        fields = embed.get("fields") or []
        texts = {
            "title": embed.get("title") or "",
            "description": embed.get("description") or "",
            "footer": (embed.get("footer") or {}).get("text") or "",
        }
        problems += [name for name, value in texts.items() if len(value) > LIMITS[name]]
        if len(fields) > LIMITS["fields"]:
            problems.append("fields")
        for f in fields:
            if len(f["name"]) > LIMITS["field_name"] or len(f["value"]) > LIMITS["field_value"]:
                problems.append(f"field {f['name'][:40]}")
            total += len(f["name"]) + len(f["value"])
        total += sum(len(value) for value in texts.values())
    if total > LIMITS["embed_total"]:
        problems.append("embed_total")
    rows = data.get("components") or []
    if len(rows) > LIMITS["rows"] and data.get("title") is None:  # a modal's rows are labels
        problems.append("rows")
    for row in rows:
        inner = row.get("components") or [row.get("component") or {}]
        if len(inner) > LIMITS["per_row"]:
            problems.append("per_row")
        for item in inner:
            if len(item.get("custom_id") or "") > LIMITS["custom_id"]:
                problems.append("custom_id")
            if len(item.get("label") or "") > LIMITS["label"]:
                problems.append("label")
            if len(item.get("options") or []) > LIMITS["options"]:
                problems.append("options")
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
