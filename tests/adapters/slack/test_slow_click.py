"""A click whose core work is slow: the trigger_id is spent on a loading modal, then updated."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

from slack_bolt import BoltRequest

from adapters.slack.app import SlackAdapter, build_app
from bot.core import PracticeBank
from bot.kernel.events import Event
from bot.kernel.replies import Reply
from practicebank.bootstrap import build_bank
from store.platform_state import PlatformState
from tests.adapters.slack.conftest import (
    MODERATION_CHANNEL,
    MODERATOR,
    SECRET,
    block_actions_payload,
    command_body,
    signed_headers,
)
from tests.adapters.slack.test_moderation import posted_card, submit_for_moderation


class HeldBank:
    """The real core, held at the door until the test lets it go (a slow database, say)."""

    def __init__(self, bank: PracticeBank) -> None:
        self.bank = bank
        self.release = threading.Event()

    def handle(self, event: Event) -> list[Reply]:
        assert self.release.wait(timeout=10), "the test never released the core"
        return self.bank.handle(event)


def test_slow_click_opens_a_loading_modal_first_then_updates_it(slack):
    """The loading modal uses the trigger_id while the core works; views.update fills it in."""
    submission = submit_for_moderation(slack)
    posted_card(slack)
    held = HeldBank(build_bank(slack.store, slack.clock))
    adapter = SlackAdapter(
        held,
        slack.bot.client,
        PlatformState(slack.store.engine, "slack"),
        slack.clock,
        form_wait=0.05,
    )
    app = build_app(adapter, slack.bot.client, SECRET)
    payload = block_actions_payload(
        f"mod:approve:{submission.id}",
        user=MODERATOR,
        channel=MODERATION_CHANNEL,
        response_url=slack.fake.response_url("slow"),
    )
    payload["trigger_id"] = trigger = slack.fake.trigger()
    raw = urlencode({"payload": json.dumps(payload)})

    response = app.dispatch(BoltRequest(body=raw, headers=signed_headers(raw)))

    assert (response.status, response.body) == (200, "")
    opened = slack.fake.wait_for("views.open")[0].body
    metadata = json.dumps(
        {"channel": MODERATION_CHANNEL, "response_url": slack.fake.response_url("slow")},
        separators=(",", ":"),
    )
    assert opened == {
        "trigger_id": trigger,
        "view": {
            "type": "modal",
            "callback_id": "slack:loading",
            "title": {"type": "plain_text", "text": "Practice bank", "emoji": True},
            "close": {"type": "plain_text", "text": "Close", "emoji": True},
            "private_metadata": metadata,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Loading…"}}],
        },
    }
    assert slack.fake.calls_to("views.update") == []
    held.release.set()
    updated = slack.fake.wait_for("views.update")[0].body
    assert updated["view_id"] == "V1"
    assert updated["view"]["callback_id"] == f"mod:approve:{submission.id}"
    assert updated["view"]["submit"]["text"] == "Approve and publish"
    assert updated["view"]["private_metadata"] == metadata
    assert slack.fake.methods()[-2:] == ["views.open", "views.update"]


def test_fast_click_opens_the_form_directly(slack):
    """When the core answers in time, the form itself is opened: no loading modal."""
    submission = submit_for_moderation(slack)
    posted_card(slack)

    slack.click(f"mod:approve:{submission.id}", user=MODERATOR, channel=MODERATION_CHANNEL)

    opened = slack.fake.wait_for("views.open")[0].body
    assert opened["view"]["callback_id"] == f"mod:approve:{submission.id}"
    assert slack.fake.calls_to("views.update") == []


def test_share_form_command_spends_the_trigger_before_the_core_answers(slack):
    """`/practice share form` opens a loading modal while the core is still held, then fills it."""
    held = HeldBank(build_bank(slack.store, slack.clock))
    adapter = SlackAdapter(
        held, slack.bot.client, PlatformState(slack.store.engine, "slack"), slack.clock
    )
    app = build_app(adapter, slack.bot.client, SECRET)
    trigger = slack.fake.trigger()
    raw = command_body(
        "share form", channel="DU0ALICE", trigger_id=trigger, response_url=slack.fake.response_url()
    )

    response = app.dispatch(BoltRequest(body=raw, headers=signed_headers(raw)))

    assert response.status == 200
    opened = slack.fake.wait_for("views.open")[0].body
    assert (opened["trigger_id"], opened["view"]["callback_id"]) == (trigger, "slack:loading")
    slack.fake.advance(10)  # the core takes its time: the trigger would have expired by now
    held.release.set()
    updated = slack.fake.wait_for("views.update")[0].body
    assert updated["view"]["callback_id"] == "share:form"
