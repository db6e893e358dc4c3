"""Slack test harness: the real bot (Bolt app, core, SQLite store) against the fake Web API.

`slack` gives a `SlackWorld`: send signed slash commands, clicks, modal submissions and events
through `app.dispatch` exactly as Slack would, then read what the fake received.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from adapters.slack.server import SlackBot
from practicebank.bootstrap import (
    SlackProcess,
    Store,
    build_slack,
    load_demo_bank_if_empty,
    open_store,
)
from practicebank.settings import settings_from
from tests.adapters.slack.contract import view_refusal
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, Refusal
from tests.support.memory import FixedClock

SECRET = "test-signing-secret"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
MODERATION_CHANNEL = "C0MOD"
MODERATOR = "U0MOIRA"
DEFAULT_TRIGGER = "1.2.trigger"
"""Stands for "a fresh trigger_id": `SlackWorld` swaps it for one the fake has just issued."""


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature,
    }


def command_body(text: str, user: str = "U0ALICE", channel: str = "C0GENERAL", **extra: str) -> str:
    fields = {
        "token": "unused",
        "team_id": TEAM,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "general",
        "user_id": user,
        "user_name": user.removeprefix("U0").lower(),
        "command": "/practice",
        "text": text,
        "api_app_id": "A-APP",
        "response_url": extra.pop("response_url", ""),
        "trigger_id": DEFAULT_TRIGGER,
        **extra,
    }
    return urlencode(fields)


def block_actions_payload(
    action_id: str,
    *,
    user: str = "U0ALICE",
    channel: str = "C0GENERAL",
    response_url: str = "",
    message_ts: str = "1700000000.000001",
    ephemeral: bool = False,
    selected: str | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b1", "type": "button"}
    if selected is not None:
        action = {
            "action_id": action_id,
            "block_id": "b1",
            "type": "static_select",
            "selected_option": {"value": selected, "text": {"type": "plain_text", "text": "x"}},
        }
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": user.removeprefix("U0").lower(), "team_id": TEAM},
        "api_app_id": "A-APP",
        "trigger_id": DEFAULT_TRIGGER,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": channel, "name": "general"},
        "message": {"ts": message_ts, "text": "x"},
        "response_url": response_url,
        "actions": [action],
    }


def event_body(event: dict[str, Any], event_id: str = "Ev1") -> dict[str, Any]:
    return {
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": "A-APP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "event": event,
    }


@dataclass
class SlackWorld:
    fake: FakeSlack
    bot: SlackBot
    store: Store
    clock: FixedClock
    process: SlackProcess | None = None

    def dispatch(self, raw: str, headers: dict[str, str] | None = None) -> BoltResponse:
        """Deliver a signed request; an ack carrying a modal is checked as Slack checks it."""
        request = BoltRequest(
            body=raw, headers=headers if headers is not None else signed_headers(raw)
        )
        response = self.bot.app.dispatch(request)
        self._check_ack(response)
        return response

    def _check_ack(self, response: BoltResponse) -> None:
        try:
            ack = json.loads(response.body) if response.body.startswith("{") else {}
        except ValueError:
            return
        problems: list[str] = []
        if ack.get("response_action") in ("update", "push"):
            problems = view_refusal(ack.get("view"))
        elif ack.get("response_action") == "errors":
            problems = [] if isinstance(ack.get("errors"), dict) and ack["errors"] else ["errors"]
        if problems:
            self.fake.refusals.append(
                Refusal("view_submission ack", "invalid_arguments", tuple(problems))
            )

    def command(self, text: str, **fields: str) -> BoltResponse:
        fields.setdefault("response_url", self.fake.response_url("cmd"))
        fields.setdefault("trigger_id", self.fake.trigger())
        return self.dispatch(command_body(text, **fields))

    def interact(self, payload: dict[str, Any]) -> BoltResponse:
        if payload.get("trigger_id") == DEFAULT_TRIGGER:
            payload = {**payload, "trigger_id": self.fake.trigger()}  # fresh, as Slack sends
        return self.dispatch(urlencode({"payload": json.dumps(payload)}))

    def click(self, action_id: str, **kwargs: Any) -> BoltResponse:
        kwargs.setdefault("response_url", self.fake.response_url("click"))
        return self.interact(block_actions_payload(action_id, **kwargs))

    def event(
        self, event: dict[str, Any], event_id: str = "Ev1", retry: int | None = None
    ) -> BoltResponse:
        raw = json.dumps(event_body(event, event_id))
        headers = signed_headers(raw) | {"content-type": "application/json"}
        if retry is not None:
            headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self.dispatch(raw, headers)


def make_world(
    fake: FakeSlack,
    database_url: str,
    env: dict[str, str] | None = None,
    *,
    searches: bool = True,
) -> SlackWorld:
    values = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "SLACK_MODERATION_CHANNEL": MODERATION_CHANNEL,
        "SLACK_MODERATORS": MODERATOR,
        **(env or {}),
    }
    clock = FixedClock(NOW)
    store = open_store(database_url)
    load_demo_bank_if_empty(store.uow_factory)  # the bot never does this by itself
    process = build_slack(settings_from(values), store, clock, searches=searches)
    return SlackWorld(fake, process.bot, store, clock, process)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """The strict fake Slack; a test fails if it sent anything Slack would refuse unexpectedly."""
    server = FakeSlack().start()
    yield server
    server.stop()
    refused = server.unexpected_refusals()
    assert not refused, f"Slack would have refused: {refused}"


@pytest.fixture
def slack(fake: FakeSlack, tmp_path: Path) -> Iterator[SlackWorld]:
    world = make_world(fake, f"sqlite:///{tmp_path / 'slack.db'}")
    yield world
    world.store.engine.dispose()
