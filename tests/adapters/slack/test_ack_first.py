"""Ack first, whatever else is slow: Slack gets its 200 while the core or the database is held.

The core (or the database claims) is held on a `threading.Event`; a request's `dispatch` returning
200 while it is held shows the ack waited for none of it, and the answer follows once released.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from urllib.parse import urlencode

from slack_bolt import BoltRequest, BoltResponse

from adapters.slack.app import SlackAdapter, build_app
from bot.core import PracticeBank
from bot.kernel.events import Event
from bot.kernel.replies import Reply
from practicebank.bootstrap import build_bank
from store.platform_state import EVENT_LEASE, PlatformState
from tests.adapters.slack.conftest import (
    SECRET,
    SlackWorld,
    block_actions_payload,
    command_body,
    event_body,
    signed_headers,
)
from tests.adapters.slack.fake_slack import TEAM


class HeldBank:
    """The real core, held at the door until the test lets it go (a slow search, say)."""

    def __init__(self, bank: PracticeBank) -> None:
        self.bank = bank
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.waiting = 0

    def handle(self, event: Event) -> list[Reply]:
        with self._lock:
            self.waiting += 1
        assert self.release.wait(timeout=30), "the test never released the core"
        return self.bank.handle(event)


class HeldState(PlatformState):
    """The real database claims, held until released (a stalled PostgreSQL, say)."""

    def __init__(self, state: PlatformState) -> None:
        self.__dict__.update(state.__dict__)
        self.release = threading.Event()

    def begin(self, key: str, at: datetime, lease: timedelta = EVENT_LEASE) -> bool:
        assert self.release.wait(timeout=30), "the test never released the database"
        return super().begin(key, at, lease)


def held_app(slack: SlackWorld, *, threads: int = 4) -> tuple[HeldBank, HeldState, object]:
    held = HeldBank(build_bank(slack.store, slack.clock))
    state = HeldState(PlatformState(slack.store.engine, "slack"))
    adapter = SlackAdapter(held, slack.bot.client, state, slack.clock, listener_threads=threads)
    return held, state, build_app(adapter, slack.bot.client, SECRET)


def dispatch(app: object, raw: str, headers: dict[str, str] | None = None) -> BoltResponse:
    request = BoltRequest(body=raw, headers=headers or signed_headers(raw))
    return app.dispatch(request)  # type: ignore[attr-defined, no-any-return]


def test_slash_command_is_acked_while_the_core_is_held_and_answered_once_released(slack):
    """`/practice crime` gets its 200 before the core answers; the cards follow on release."""
    held, state, app = held_app(slack)
    state.release.set()
    raw = command_body("crime", response_url=slack.fake.response_url("held"))

    response = dispatch(app, raw)

    assert (response.status, response.body) == (200, "")
    assert slack.fake.calls_to("respond/held") == []
    held.release.set()
    answer = slack.fake.wait_for("respond/held")[0].body
    assert answer["text"] == "11 practices for “crime” (showing 1–5 of 11)."


def test_every_request_is_acked_while_every_work_thread_is_busy(slack):
    """Twelve commands on two busy work threads: all twelve get 200, then all are answered."""
    held, state, app = held_app(slack, threads=2)
    state.release.set()

    statuses = [
        dispatch(app, command_body("crime", response_url=slack.fake.response_url(f"n{n}"))).status
        for n in range(12)
    ]

    assert statuses == [200] * 12
    assert held.waiting <= 2  # the other ten wait for a thread, acked already
    held.release.set()
    for n in range(12):
        assert slack.fake.wait_for(f"respond/n{n}", timeout=30)[0].body["text"].startswith("11 ")


def test_click_is_acked_while_the_core_is_held(slack):
    """A button press (no form) gets 200 at once; its answer follows when the core is free."""
    held, state, app = held_app(slack)
    state.release.set()
    payload = block_actions_payload("show:PB010", response_url=slack.fake.response_url("click"))
    payload["trigger_id"] = ""
    raw = urlencode({"payload": json.dumps(payload)})

    response = dispatch(app, raw)

    assert response.status == 200
    assert slack.fake.calls_to("respond/click") == []
    held.release.set()
    assert slack.fake.wait_for("respond/click")[0].body["blocks"]


def test_direct_message_is_acked_while_the_database_is_held(slack):
    """A DM event gets 200 before its event id is claimed in the database; the answer follows."""
    held, state, app = held_app(slack)
    held.release.set()
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU0ALICE",
        "user": "U0ALICE",
        "text": "knife crime",
        "ts": "1700000900.000100",
    }
    raw = json.dumps(event_body(event, "Ev-HELD") | {"team_id": TEAM})
    headers = signed_headers(raw) | {"content-type": "application/json"}

    response = dispatch(app, raw, headers)

    assert response.status == 200
    assert slack.fake.calls_to("chat.postMessage") == []
    state.release.set()
    posted = slack.fake.wait_for("chat.postMessage")[0].body
    assert posted["channel"] == "DU0ALICE"
