"""A fake Socket Mode endpoint: an aiohttp websocket server on 127.0.0.1 (port 0) in a thread.

Each connection gets `hello`, then every envelope queued with `send`; whatever the client sends
back (the acks) is recorded. `wait_for_ack` polls the record with a bounded timeout. An ack that
carries a modal (`response_action: update` or `push`) is checked like any view the Web API gets,
and a refused one is recorded in `refusals`, which the `socket_server` fixture fails a test on.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.slack.contract import view_refusal


class FakeSocketMode:
    """Start with `start()`; `url` is what `apps.connections.open` should answer."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.refusals: list[list[str]] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._outgoing: asyncio.Queue[dict[str, Any]] | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def send(self, envelope: dict[str, Any]) -> None:
        """Queue an envelope for the connected client."""
        asyncio.run_coroutine_threadsafe(self._queue().put(envelope), self._loop).result(10)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        with self._changed:
            self._changed.wait_for(
                lambda: any(m.get("envelope_id") == envelope_id for m in self.received), timeout
            )
            acks = [m for m in self.received if m.get("envelope_id") == envelope_id]
        assert acks, f"no ack for {envelope_id}; received {self.received}"
        return acks[0]

    def _queue(self) -> asyncio.Queue[dict[str, Any]]:
        if self._outgoing is None:
            self._outgoing = asyncio.Queue()
        return self._outgoing

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        hello = {"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}}
        await socket.send_str(json.dumps(hello))
        sender = asyncio.ensure_future(self._send_queued(socket))
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    with self._changed:
                        self.received.append(ack)
                        view = (ack.get("payload") or {}).get("view")
                        if view is not None and view_refusal(view):
                            self.refusals.append(view_refusal(view))
                        self._changed.notify_all()
        finally:
            sender.cancel()
        return socket

    async def _send_queued(self, socket: web.WebSocketResponse) -> None:
        while True:
            envelope = await self._queue().get()
            await socket.send_str(json.dumps(envelope))
