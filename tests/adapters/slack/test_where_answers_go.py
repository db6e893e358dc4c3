"""Where Slack answers go when the bot cannot post where it was asked."""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import MODERATION_CHANNEL
from tests.adapters.slack.fake_slack import TEAM


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
