"""Where Slack answers go: the core's two decisions carried out (a dialogue continues in the DM,
a shareable answer gets *Share in channel*), and where the bot cannot post where it was asked.

The first tests mirror `tests/adapters/discord/test_where_answers_go.py`, so the two platforms
are held to the same behaviour.
"""

from __future__ import annotations

import json
from typing import Any

from bot.kernel.events import Workspace
from bot.kernel.records import SubmissionState
from tests.adapters.slack.conftest import MODERATION_CHANNEL, SlackWorld
from tests.adapters.slack.contract import all_texts
from tests.adapters.slack.fake_slack import TEAM

ALICE, ALICE_DM = "U0ALICE", "DU0ALICE"
ANSWERS = {
    "title": "Night-time economy welfare hubs",
    "summary": "Volunteers run a welfare hub in town on Friday nights.",
    "aim": "Reduce violence and vulnerability in the night-time economy.",
    "description": "Volunteers staffed a hub with first aid and phone charging.",
    "focus": "prevention",
    "effectiveness": "promising",
    "learning": "Agree the hub's location with licensees.",
    "organisation": "Example Police",
    "contact_name": "Sam Patel",
    "contact_email": "sam.patel@example.police.uk",
    "visibility": "yes",
}


def _step(slack: SlackWorld) -> str | None:
    with slack.store.uow_factory() as uow:
        conversation = uow.conversations.get(f"slack:{TEAM}:{ALICE}")
    return conversation.step if conversation else None


def _say_in_dm(slack: SlackWorld, typed: str, n: int) -> dict[str, Any]:
    """Alice types a line in her DM with the bot; the bot's next message there."""
    posted = len(slack.fake.calls_to("chat.postMessage"))
    event = {
        "type": "message",
        "channel_type": "im",
        "user": ALICE,
        "text": typed,
        "ts": f"1700000700.{n:06d}",
        "channel": ALICE_DM,
    }
    slack.event(event, event_id=f"Ev-dm-{n}")
    return slack.fake.wait_for("chat.postMessage", posted + 1)[-1].body


def test_share_button_under_help_continues_in_the_dm_and_reaches_the_review_card(slack):
    """*Share* under help in a channel asks in Alice's DM; answering there reaches the review
    card, and submitting it puts the card in the moderation channel."""
    slack.command("help")
    helped = slack.fake.wait_for("respond/cmd")[0].body
    buttons = [
        e["action_id"] for b in helped["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "share" in buttons

    slack.click("share", ephemeral=True)

    said = slack.fake.wait_for("respond/click")[0].body
    assert said["response_type"] == "ephemeral"
    assert said["text"] == (
        "I've sent you a direct message to share your practice there, one question at a time."
    )
    first = slack.fake.wait_for("chat.postMessage")[0].body
    assert first["channel"] == ALICE_DM
    assert "What is the practice called?" in first["text"]
    for n in range(1, 41):  # 21 questions; the bound turns a stuck dialogue into a failure
        step = _step(slack)
        if step == "review":
            break
        answer = _say_in_dm(slack, ANSWERS.get(step or "", "skip"), n)
        assert answer["channel"] == ALICE_DM
        assert _step(slack) != step, answer["text"]  # never asked again
    review = slack.fake.calls_to("chat.postMessage")[-1].body
    review_buttons = [
        e["action_id"] for b in review["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "share:submit" in review_buttons
    assert "*Night-time economy welfare hubs*" in "\n".join(all_texts(review["blocks"]))

    _say_in_dm(slack, "submit", 50)
    slack.bot.loop.run_once()

    card = slack.fake.calls_to("chat.postMessage")[-1].body
    assert card["channel"] == MODERATION_CHANNEL
    assert "*Night-time economy welfare hubs* · `S-0001`" in "\n".join(all_texts(card["blocks"]))
    with slack.store.uow_factory() as uow:
        (submitted,) = uow.submissions.list_by_state(
            Workspace("slack", TEAM), SubmissionState.SUBMITTED
        )
    assert submitted.answers["title"] == "Night-time economy welfare hubs"


def test_asking_the_bot_to_share_in_a_channel_thread_continues_in_the_dm(slack):
    """`@Practice bank share` in a channel: the first question comes in the DM, not the thread."""
    slack.event(
        {
            "type": "app_mention",
            "user": ALICE,
            "text": "<@U0BOT> share",
            "ts": "1700000100.000100",
            "channel": "C0GENERAL",
            "team": TEAM,
        }
    )

    posts = slack.fake.wait_for("chat.postMessage", 2)
    said, first = sorted((c.body for c in posts), key=lambda body: body["channel"] == ALICE_DM)
    assert (said["channel"], said["thread_ts"]) == ("C0GENERAL", "1700000100.000100")
    assert said["text"].startswith("I've sent you a direct message")
    assert first["channel"] == ALICE_DM
    assert "What is the practice called?" in first["text"]


def test_share_in_channel_is_offered_in_a_channel_but_not_in_the_bots_dm(slack):
    """Details in a channel carries *Share in channel*; the same in the bot's DM does not."""
    slack.click("show:PB017", ephemeral=True)
    slack.click("show:PB017", channel=ALICE_DM, response_url="")

    in_channel = slack.fake.wait_for("respond/click")[0].body
    in_dm = slack.fake.wait_for("chat.postMessage")[0].body

    def shares(body: dict[str, Any]) -> list[str]:
        ids = [
            e["action_id"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        return [i for i in ids if i.startswith("slack:post:")]

    assert shares(in_channel) == ["slack:post:show:PB017"]
    assert in_dm["channel"] == ALICE_DM
    assert shares(in_dm) == []


def test_practice_in_a_dm_between_two_people_is_answered_through_response_url(slack):
    """`/practice knife crime` typed in a DM between two people gets its results there."""
    slack.command("knife crime", channel="D0ALICEBOB", response_url=slack.fake.response_url("dm"))

    answer = slack.fake.wait_for("respond/dm")[0].body
    assert answer["response_type"] == "ephemeral"
    assert "practices for “knife crime”" in answer["text"]
    assert slack.fake.calls_to("chat.postMessage") == []
    assert slack.fake.refusals == []


def test_share_in_a_dm_between_two_people_moves_to_the_bots_own_dm(slack):
    """`/practice share` from a DM between people: the bot's DM asks the first question."""
    slack.command("share", channel="D0ALICEBOB", response_url=slack.fake.response_url("dm"))

    said = slack.fake.wait_for("respond/dm")[0].body
    assert said["text"].startswith("I've sent you a direct message")
    asked = slack.fake.wait_for("chat.postMessage")[0].body
    assert asked["channel"] == "DU0ALICE"


def test_a_public_answer_in_a_channel_the_bot_is_not_in_goes_through_response_url(slack):
    """A command in a channel the bot was never invited to is still answered."""
    slack.command("help", channel="C0ELSEWHERE", response_url=slack.fake.response_url("else"))

    answer = slack.fake.wait_for("respond/else")[0].body
    assert answer["blocks"]


def test_a_stale_modal_is_answered_in_the_dm_never_with_an_empty_channel(slack):
    """A modal with no channel in its metadata (opened long ago) is answered in the person's DM."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": "U0ALICE", "username": "alice", "team_id": TEAM},
        "api_app_id": "A-APP",
        "trigger_id": "9.9.trigger",
        "view": {
            "id": "V9",
            "type": "modal",
            "callback_id": "mod:reject:999",
            "private_metadata": "",
            "state": {"values": {"note": {"value": {"type": "plain_text_input", "value": "x"}}}},
        },
    }

    response = slack.interact(payload)

    assert response.status == 200
    posted = slack.fake.wait_for("chat.postMessage")[0].body
    assert posted["channel"] == "U0ALICE"
    assert slack.fake.calls_to("chat.postEphemeral") == []


def test_an_expired_trigger_is_refused_like_slack_refuses_it(fake):
    """The fake refuses a trigger_id older than 3 s with `expired_trigger_id`."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token="xoxb-test", base_url=fake.url)
    trigger = fake.trigger()
    fake.advance(3.5)
    fake.expect("expired_trigger_id")
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []}
    try:
        client.views_open(trigger_id=trigger, view=view)
    except SlackApiError as error:
        assert error.response["error"] == "expired_trigger_id"
    else:
        raise AssertionError("an expired trigger_id was accepted")


def test_a_message_over_12000_characters_is_refused_like_slack(fake):
    """The fake answers `msg_blocks_too_long` for 13,000 characters across blocks."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token="xoxb-test", base_url=fake.url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2600}}] * 5
    fake.expect("msg_blocks_too_long")
    try:
        client.chat_postMessage(channel=MODERATION_CHANNEL, text="x", blocks=json.dumps(blocks))
    except SlackApiError as error:
        assert error.response["error"] == "msg_blocks_too_long"
    else:
        raise AssertionError("a 13,000-character message was accepted")


def test_an_answer_in_a_mention_thread_carries_no_share_in_channel(slack):
    """`@Practice bank PB017` is answered in the thread, which everyone sees: nothing to share."""
    slack.event(
        {
            "type": "app_mention",
            "user": ALICE,
            "text": "<@U0BOT> PB017",
            "ts": "1700000100.000300",
            "channel": "C0GENERAL",
            "team": TEAM,
        }
    )

    answer = slack.fake.wait_for("chat.postMessage")[0].body
    assert answer["thread_ts"] == "1700000100.000300"
    assert answer["blocks"][0]["text"]["text"] == "*Habitual knife carrier index* · `PB017`"
    ids = [
        e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert not [i for i in ids if i.startswith("slack:post:")]
