"""The whole sharing dialogue over Slack's HTTP interface, typed the way Slack delivers text.

Alice's answers arrive as Slack formats them (`&amp;`, `<mailto:…|…>`, `<https://…|…>`) in signed
HTTP requests to the real WSGI handler, on SQLite and PostgreSQL; the review card shows, and the
stored submission holds, exactly what she typed.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt.adapter.wsgi import SlackRequestHandler

from adapters.slack.settings import EVENTS_PATH
from bot.kernel.events import Workspace
from bot.kernel.records import SubmissionState
from tests.adapters.slack.conftest import SlackWorld, event_body, make_world, signed_headers
from tests.adapters.slack.contract import all_texts
from tests.adapters.slack.fake_slack import TEAM

ALICE, ALICE_DM = "U0ALICE", "DU0ALICE"
# What Alice typed, and how Slack's client delivers it to the bot.
TYPED: dict[str, tuple[str, str]] = {
    "title": ("Street triage & mental health", "Street triage &amp; mental health"),
    "summary": (
        "Nurses & officers attend <crisis> calls together.",
        "Nurses &amp; officers attend &lt;crisis&gt; calls together.",
    ),
    "aim": ("Fewer s136 detentions > 20% down.", "Fewer s136 detentions &gt; 20% down."),
    "description": ("A nurse rode with officers.", "A nurse rode with officers."),
    "focus": ("prevention", "prevention"),
    "effectiveness": ("promising", "promising"),
    "learning": ("Agree the rota early.", "Agree the rota early."),
    "organisation": ("Northshire Police", "Northshire Police"),
    "contact_name": ("Sam Patel", "Sam Patel"),
    "contact_email": (
        "sam.patel@northshire.police.uk",
        "<mailto:sam.patel@northshire.police.uk|sam.patel@northshire.police.uk>",
    ),
    "links": (
        "https://northshire.police.uk/triage",
        "<https://northshire.police.uk/triage|https://northshire.police.uk/triage>",
    ),
    "visibility": ("no", "no"),
}


class WebServer:
    """Bolt's WSGI handler served on 127.0.0.1 (port 0), as gunicorn serves it."""

    def __init__(self, world: SlackWorld) -> None:
        class Quiet(WSGIRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

        handler = SlackRequestHandler(world.bot.app, path=EVENTS_PATH)
        self.server: WSGIServer = make_server("127.0.0.1", 0, handler, handler_class=Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def post(self, body: dict[str, Any]) -> int:
        raw = json.dumps(body)
        headers = signed_headers(raw) | {"content-type": "application/json"}
        host, port = self.server.server_address[:2]
        request = urllib.request.Request(
            f"http://{host}:{port}{EVENTS_PATH}", raw.encode(), headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local
            return int(response.status)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def world(fake, database_url) -> Iterator[SlackWorld]:
    made = make_world(fake, database_url)
    yield made
    made.store.engine.dispose()


@pytest.fixture
def web(world) -> Iterator[WebServer]:
    server = WebServer(world)
    yield server
    server.stop()


def _step(world: SlackWorld) -> str | None:
    with world.store.uow_factory() as uow:
        conversation = uow.conversations.get(f"slack:{TEAM}:{ALICE}")
    return conversation.step if conversation else None


def _say(world: SlackWorld, web: WebServer, formatted: str, n: int) -> dict[str, Any]:
    posted = len(world.fake.calls_to("chat.postMessage"))
    event = {
        "type": "message",
        "channel_type": "im",
        "user": ALICE,
        "text": formatted,
        "ts": f"1700000600.{n:06d}",
        "channel": ALICE_DM,
    }
    assert web.post(event_body(event, event_id=f"Ev-{n}")) == 200
    return world.fake.wait_for("chat.postMessage", posted + 1)[-1].body


def test_sharing_over_http_in_slacks_formats_keeps_exactly_what_was_typed(world, web):
    """An address as <mailto:…>, a link as <https://…>, a title with &: all taken as typed."""
    _say(world, web, "share", 0)
    for n in range(1, 41):  # 21 questions; the bound turns a stuck dialogue into a failure
        step = _step(world)
        if step == "review":
            break
        answer = _say(world, web, TYPED.get(step or "", ("", "skip"))[1], n)
        assert _step(world) != step or step is None, answer["text"]  # never asked again
    assert _step(world) == "review"

    review = world.fake.calls_to("chat.postMessage")[-1].body
    shown = "\n".join(all_texts(review["blocks"]))
    assert "*Street triage &amp; mental health* · `" in shown
    assert "Nurses &amp; officers attend &lt;crisis&gt; calls together." in shown
    assert "*Contact email*\nsam.patel@northshire.police.uk" in shown
    assert "&amp;amp;" not in shown and "mailto:" not in shown

    _say(world, web, "submit", 50)
    with world.store.uow_factory() as uow:
        (submission,) = uow.submissions.list_by_state(
            Workspace("slack", TEAM), SubmissionState.SUBMITTED
        )
    answers = submission.answers
    assert answers["title"] == "Street triage & mental health"
    assert answers["summary"] == "Nurses & officers attend <crisis> calls together."
    assert answers["aim"] == "Fewer s136 detentions > 20% down."
    assert answers["contact_email"] == "sam.patel@northshire.police.uk"
    assert answers["links"] == ["https://northshire.police.uk/triage"]

    world.bot.loop.run_once()
    card = world.fake.calls_to("chat.postMessage")[-1].body
    assert card["channel"] == "C0MOD"
    assert "*Street triage &amp; mental health* · `S-0001`" in "\n".join(all_texts(card["blocks"]))
