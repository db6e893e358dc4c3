"""The compact sharing form in Slack: `/practice share form` opens a modal; the DM carries on."""

from __future__ import annotations

import json

from tests.adapters.slack.contract import action_errors_refusal
from tests.adapters.slack.fake_slack import TEAM
from tests.adapters.slack.test_moderation import view_submission

TYPED = {
    "title": "Bike marking at <!channel> stations",
    "summary": "Free cycle marking at stations, @everyone welcome.",
    "aim": "Cycle theft at commuter stations; the aim was fewer thefts.",
    "description": "Officers marked and registered bikes\n\nat three stations.",
    "learning": "Pair marking with secure racks.",
}


def _text_input(name: str, label: str, max_length: int, *, multiline: bool = True) -> dict:
    return {
        "type": "input",
        "block_id": name,
        "optional": False,
        "label": {"type": "plain_text", "text": label, "emoji": True},
        "element": {
            "type": "plain_text_input",
            "multiline": multiline,
            "max_length": max_length,
            "action_id": "value",
        },
    }


SHARE_FORM_MODAL = {
    "type": "modal",
    "callback_id": "share:form",
    "title": {"type": "plain_text", "text": "Share a practice", "emoji": True},
    "submit": {"type": "plain_text", "text": "Continue", "emoji": True},
    "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
    "private_metadata": "",  # where the command was typed, set by the test
    "blocks": [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*The long answers in one form*: title, summary, problem and aim, what "
                "was done, and learning. I'll ask the rest (focus, effectiveness, contact…) one "
                "at a time after.",
            },
        },
        _text_input("title", "Title", 200, multiline=False),
        _text_input("summary", "Summary", 300),
        # The dialogue's own limits: Slack's plain_text_input holds at most 3000 characters.
        _text_input("aim", "Problem and aim", 3000),
        _text_input("description", "What was done", 3000),
        _text_input("learning", "Learning", 3000),
    ],
}


def _values(typed: dict[str, str]) -> dict[str, dict]:
    return {name: {"type": "plain_text_input", "value": value} for name, value in typed.items()}


def test_share_form_command_opens_the_modal_and_the_dm_asks_the_focus(slack):
    """`/practice share form` → a loading modal at once, then the form → the DM asks focus."""
    trigger = slack.fake.trigger()
    slack.command("share form", trigger_id=trigger)

    opened = slack.fake.wait_for("views.open")[0].body
    assert (opened["trigger_id"], opened["view"]["callback_id"]) == (trigger, "slack:loading")
    updated = slack.fake.wait_for("views.update")[0].body
    opened_in = json.dumps(
        {"channel": "C0GENERAL", "response_url": slack.fake.response_url("cmd")},
        separators=(",", ":"),
    )
    assert updated == {"view_id": "V1", "view": {**SHARE_FORM_MODAL, "private_metadata": opened_in}}

    response = slack.interact(view_submission(updated["view"], "U0ALICE", _values(TYPED)))

    assert (response.status, response.body) == (200, "")
    asked = slack.fake.wait_for("chat.postMessage")[0].body
    assert asked["channel"] == "DU0ALICE"
    assert asked["blocks"][:3] == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Thanks, those answers are saved in your draft."},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Where does it intervene? Pick one or more, then press Done.*  (5/21)",
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "_You can also type them, e.g. prevention, diversion._",
            },
        },
    ]
    assert [e["action_id"] for e in asked["blocks"][3]["elements"]] == [
        "share:pick:prevention",
        "share:pick:diversion",
        "share:pick:reoffending",
        "share:pick:organisational",
        "share:pick:location",
        "share:done",
    ]
    with slack.store.uow_factory() as uow:
        (draft,) = uow.submissions.open_for(f"slack:{TEAM}:U0ALICE")
    assert draft.answers == TYPED


def test_refused_share_form_shows_each_reason_beside_its_field(slack):
    """An empty title and a 100 kB summary: the ack puts each reason under its field."""
    slack.command("share form")
    view = slack.fake.wait_for("views.update")[0].body["view"]

    typed = {**TYPED, "title": " ", "summary": "x" * 100_000}
    response = slack.interact(view_submission(view, "U0ALICE", _values(typed)))

    body = json.loads(response.body)
    assert body == {
        "response_action": "errors",
        "errors": {
            "title": "That answer is empty.",
            "summary": "That is 100,000 characters long; this answer can be at most 300. "
            "Please shorten it.",
        },
    }
    assert action_errors_refusal(body, view) == []
    assert slack.fake.calls_to("chat.postMessage") == []


def test_an_emoji_answer_at_the_limit_fits_the_modal_as_slack_counts(slack):
    """A title of 100 emoji (200 as Slack counts) is taken, and shown again in the form intact."""
    slack.command("share form")
    view = slack.fake.wait_for("views.update")[0].body["view"]
    emoji_title = "🚲" * 100
    slack.interact(view_submission(view, "U0ALICE", _values({**TYPED, "title": emoji_title})))
    slack.fake.wait_for("chat.postMessage")

    slack.command("share form")

    again = slack.fake.wait_for("views.update", 2)[1].body["view"]
    title = next(b for b in again["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == emoji_title
    assert title["element"]["max_length"] == 200


def test_typed_share_form_in_the_dm_offers_a_button_that_opens_the_modal(slack):
    """Typed text has no trigger_id: the DM gets *Open the form*, whose click opens the modal."""
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "share form",
            "ts": "1700000500.000500",
            "channel": "DU0ALICE",
        },
        event_id="Ev-FORM",
    )

    offered = slack.fake.wait_for("chat.postMessage")[0].body
    assert offered["channel"] == "DU0ALICE"
    assert offered["blocks"][1] == {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "share:form",
                "text": {"type": "plain_text", "text": "Open the form", "emoji": True},
                "style": "primary",
            }
        ],
    }
    assert slack.fake.calls_to("views.open") == []

    slack.click("share:form", channel="DU0ALICE")

    opened = slack.fake.wait_for("views.open")[0].body
    assert opened["view"]["callback_id"] == "share:form"
    assert [b.get("block_id") for b in opened["view"]["blocks"] if b["type"] == "input"] == [
        "title",
        "summary",
        "aim",
        "description",
        "learning",
    ]


def test_share_modal_inputs_allow_exactly_the_dialogues_limits(slack):
    """Each input of the share modal takes as much as the dialogue's question for that field."""
    from bot.sharing.questions import BY_FIELD

    slack.command("share form")
    view = slack.fake.wait_for("views.update")[0].body["view"]

    limits = {
        b["block_id"]: b["element"]["max_length"] for b in view["blocks"] if b["type"] == "input"
    }
    assert limits == {name: BY_FIELD[name].max_length for name in limits}
    assert limits["aim"] == 3000


def test_a_3000_character_answer_in_the_modal_is_saved_whole(slack):
    """The longest answer Slack lets a person type is stored whole, never cut."""
    slack.command("share form")
    view = slack.fake.wait_for("views.update")[0].body["view"]
    longest = "word " * 599 + "last."

    slack.interact(view_submission(view, "U0ALICE", _values({**TYPED, "aim": longest})))
    slack.fake.wait_for("chat.postMessage")

    with slack.store.uow_factory() as uow:
        (draft,) = uow.submissions.open_for(f"slack:{TEAM}:U0ALICE")
    assert len(longest) == 3000
    assert draft.answers["aim"] == longest
