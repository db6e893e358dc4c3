"""Moderating in Slack: the channel card, a decision button's modal, the submission, the update."""

from __future__ import annotations

import json

from bot.kernel.records import Submission
from tests.adapters.slack.conftest import MODERATION_CHANNEL, MODERATOR, block_actions_payload
from tests.adapters.slack.fake_slack import TEAM
from tests.support.moderation import SAMPLE_ANSWERS, queue_for_moderation

# The title tries a channel-wide mention: every rendering of it must come out escaped.
ANSWERS = {**SAMPLE_ANSWERS, "title": "Bike marking at <!channel> stations"}


def submit_for_moderation(slack) -> Submission:
    """A submission waiting for moderation, with its card queued for the moderation channel."""
    return queue_for_moderation(
        slack.store.uow_factory,
        slack.clock.now(),
        platform="slack",
        workspace_id=TEAM,
        contributor_id="U0ALICE",
        answers=ANSWERS,
    )


def posted_card(slack):
    """Deliver the queue and return the moderation card's postMessage call."""
    slack.bot.loop.run_once()
    return slack.fake.wait_for("chat.postMessage")[0]


def view_submission(view: dict, user: str, values: dict[str, dict]) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": user.removeprefix("U0").lower(), "team_id": TEAM},
        "api_app_id": "A-APP",
        "trigger_id": "3.4.trigger",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {name: {"value": v} for name, v in values.items()}},
        },
    }


def initial_values(view: dict) -> dict[str, dict]:
    """What Slack sends back when the moderator submits the modal unchanged."""
    values: dict[str, dict] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind == "static_select":
            values[block["block_id"]] = {
                "type": kind,
                "selected_option": element.get("initial_option"),
            }
        elif kind in ("checkboxes", "multi_static_select"):
            values[block["block_id"]] = {
                "type": kind,
                "selected_options": element.get("initial_options", []),
            }
        else:
            values[block["block_id"]] = {"type": kind, "value": element.get("initial_value")}
    return values


def test_submission_card_is_posted_to_the_moderation_channel_with_decision_buttons(slack):
    """The outbox posts the card to the moderation channel: escaped title, three buttons."""
    submission = submit_for_moderation(slack)

    call = posted_card(slack)

    assert call.body["channel"] == MODERATION_CHANNEL
    assert "<!channel>" not in json.dumps(call.body)
    assert "&lt;!channel&gt;" in json.dumps(call.body)
    actions = [b for b in call.body["blocks"] if b["type"] == "actions"][-1]
    assert [(e["action_id"], e["text"]["text"], e.get("style")) for e in actions["elements"]] == [
        (f"mod:approve:{submission.id}", "Approve", "primary"),
        (f"mod:changes:{submission.id}", "Request changes", None),
        (f"mod:reject:{submission.id}", "Reject", "danger"),
    ]


def test_reject_button_opens_the_note_modal_at_once(slack):
    """*Reject* spends the trigger_id on views.open with the note form as a modal."""
    submission = submit_for_moderation(slack)
    card = posted_card(slack)

    assert card.body["channel"] == MODERATION_CHANNEL

    trigger = slack.fake.trigger()
    payload = block_actions_payload(
        f"mod:reject:{submission.id}",
        user=MODERATOR,
        channel=MODERATION_CHANNEL,
        response_url=slack.fake.response_url("click"),
    )
    slack.interact({**payload, "trigger_id": trigger})

    call = slack.fake.wait_for("views.open")[0]
    assert call.body["trigger_id"] == trigger
    assert call.body["view"] == {
        "type": "modal",
        "callback_id": f"mod:reject:{submission.id}",
        "title": {"type": "plain_text", "text": "Reject S-0001", "emoji": True},
        "submit": {"type": "plain_text", "text": "Reject", "emoji": True},
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "private_metadata": json.dumps(
            {"channel": MODERATION_CHANNEL, "response_url": slack.fake.response_url("click")},
            separators=(",", ":"),
        ),
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "S-0001: “Bike marking at &lt;!channel&gt; stations”",
                },
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": False,
                "label": {"type": "plain_text", "text": "Why is it not accepted?", "emoji": True},
                "element": {
                    "type": "plain_text_input",
                    "multiline": True,
                    "max_length": 2000,
                    "action_id": "value",
                },
            },
        ],
    }


def test_approve_modal_submission_publishes_and_updates_the_card(slack):
    """Approve → modal pre-filled → submit → ephemeral outcome, card edited by chat.update."""
    submission = submit_for_moderation(slack)
    posted_card(slack)
    slack.click(f"mod:approve:{submission.id}", user=MODERATOR, channel=MODERATION_CHANNEL)
    view = slack.fake.wait_for("views.open")[0].body["view"]
    assert [b.get("block_id") for b in view["blocks"]][1:] == [
        "effectiveness",
        "focus",
        "topics",
        "linked_to",
        "note",
    ]
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "promising"

    response = slack.interact(view_submission(view, MODERATOR, initial_values(view)))

    assert (response.status, response.body) == (200, "")
    outcome = slack.fake.wait_for("respond/click")[0].body
    assert outcome["response_type"] == "ephemeral"
    slack.bot.loop.run_once()
    update = slack.fake.wait_for("chat.update")[0].body
    assert (update["channel"], update["ts"]) == (MODERATION_CHANNEL, "1700000000.000001")
    assert all(b["type"] != "actions" for b in update["blocks"])
    assert "Approved by moira" in json.dumps(update["blocks"])
    dm = slack.fake.wait_for("conversations.open")[0].body
    assert dm["users"] == "U0ALICE"


def test_request_changes_without_a_note_keeps_the_modal_open(slack):
    """A refused submission answers in the ack with the modal again (response_action update)."""
    submission = submit_for_moderation(slack)
    posted_card(slack)
    slack.click(f"mod:changes:{submission.id}", user=MODERATOR, channel=MODERATION_CHANNEL)
    view = slack.fake.wait_for("views.open")[0].body["view"]

    response = slack.interact(
        view_submission(view, MODERATOR, {"note": {"type": "plain_text_input", "value": "  "}})
    )

    assert response.status == 200
    body = json.loads(response.body)
    assert body["response_action"] == "update"
    assert body["view"]["callback_id"] == f"mod:changes:{submission.id}"
    assert slack.fake.calls_to("chat.update") == []


def test_non_moderator_click_gets_an_ephemeral_refusal(slack):
    """Someone who does not moderate gets a private refusal and no modal."""
    submission = submit_for_moderation(slack)
    posted_card(slack)

    slack.click(f"mod:approve:{submission.id}", user="U0EVE", channel=MODERATION_CHANNEL)

    body = slack.fake.wait_for("respond/click")[0].body
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("Only this workspace's practice bank moderators can do that.")
    assert slack.fake.calls_to("views.open") == []
