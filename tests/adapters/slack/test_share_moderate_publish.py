"""Issue 4's acceptance path in Slack payloads: share in DM, moderate, revise, approve, publish.

One contributor (Alice) and one moderator (Moira) on the real Bolt app, core and SQLite store;
every message goes through the fake Web API, and the key messages are compared as exact JSON.
"""

from __future__ import annotations

from typing import Any

from tests.adapters.slack.conftest import MODERATION_CHANNEL, MODERATOR
from tests.adapters.slack.fake_slack import TEAM
from tests.adapters.slack.test_moderation import initial_values, view_submission

ALICE = "U0ALICE"
ALICE_DM = "DU0ALICE"
TITLE = "Street triage for mental health calls"
ANSWERS = {
    "title": TITLE,
    "summary": "Officers and mental health nurses attend crisis calls together.",
    "aim": "Fewer people in crisis detained under s136.",
    "description": "A nurse rode with response officers on evening shifts.",
    "focus": "prevention",
    "effectiveness": "promising",
    "learning": "Agree the nurse rota with the health trust early.",
    "organisation": "Northshire Police",
    "contact_name": "Sam Patel",
    "contact_email": "sam.patel@northshire.police.uk",
    "visibility": "no",
}
NOTE = "Please say how you evaluated it."
EVALUATION = "Detentions fell by a third against the year before."


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def button(action_id: str, label: str, style: str | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
    }
    if style:
        shown["style"] = style
    return shown


class Alice:
    """Alice's side: messages typed in her DM with the bot, each answered by one message."""

    def __init__(self, slack) -> None:
        self.slack = slack
        self.sent = 0

    def step(self) -> str | None:
        with self.slack.store.uow_factory() as uow:
            conversation = uow.conversations.get(f"slack:{TEAM}:{ALICE}")
        return conversation.step if conversation else None

    def say(self, text: str) -> dict[str, Any]:
        """Type `text` in the DM; return the bot's answer there."""
        posted = len(self.slack.fake.calls_to("chat.postMessage"))
        self.sent += 1
        self.slack.event(
            {
                "type": "message",
                "channel_type": "im",
                "user": ALICE,
                "text": text,
                "ts": f"1700000600.{self.sent:06d}",
                "channel": ALICE_DM,
            },
            event_id=f"Ev-ALICE-{self.sent}",
        )
        answer = self.slack.fake.wait_for("chat.postMessage", posted + 1)[-1].body
        assert answer["channel"] == ALICE_DM
        return answer


def deliver(slack) -> None:
    """One pass of the outbox loop, as the background thread would run it."""
    outcome = slack.bot.loop.run_once()
    assert outcome.retrying == [] and outcome.given_up == []


PRACTICE_BLOCKS = [
    context(":large_yellow_circle: *Promising* · Focus: Prevention · Northshire Police"),
    section("Officers and mental health nurses attend crisis calls together."),
    section("*Aim*\nFewer people in crisis detained under s136."),
    section("*What was done*\nA nurse rode with response officers on evening shifts."),
]
CONTACT_BLOCKS = [
    section("*Learning*\nAgree the nurse rota with the health trust early."),
    section("*Contact*\nSam Patel"),
    section("*Contact email*\nsam.patel@northshire.police.uk"),
]
DECISION_BUTTONS = {
    "type": "actions",
    "elements": [
        button("mod:approve:1", "Approve", "primary"),
        button("mod:changes:1", "Request changes"),
        button("mod:reject:1", "Reject", "danger"),
    ],
}
DECIDED = "1 Mar 2025 09:30 UTC"


def test_share_moderate_revise_approve_publish_then_search(slack):
    """Share in DM, changes requested, revised, approved: the new ref is then found by search."""
    fake = slack.fake
    alice = Alice(slack)

    # --- Alice starts in a channel; the dialogue moves to her DM and she answers each question ---
    slack.command("share", response_url=fake.response_url("share"))
    assert fake.wait_for("respond/share")[0].body["text"].startswith("I've sent you a direct")
    assert fake.wait_for("chat.postMessage")[0].body["channel"] == ALICE_DM
    for _ in range(40):  # 21 questions; the bound turns a stuck dialogue into a failure
        if alice.step() == "review":
            break
        alice.say(ANSWERS.get(alice.step() or "", "skip"))
    assert alice.step() == "review", [c.body["text"] for c in fake.calls_to("chat.postMessage")]
    assert alice.say("submit")["blocks"] == [
        section("Thanks — S-0001 is with the moderators."),
        section("I'll tell you here when they have looked at it."),
    ]

    # --- the moderation card reaches the moderation channel ---
    deliver(slack)
    first_card = fake.calls_to("chat.postMessage")[-1]
    assert first_card.body == {
        "channel": MODERATION_CHANNEL,
        "text": "Submission S-0001 from alice.",
        "blocks": [
            section("*Submission S-0001* from alice."),
            section(f"*{TITLE}* · `S-0001`"),
            *PRACTICE_BLOCKS,
            *CONTACT_BLOCKS,
            DECISION_BUTTONS,
        ],
    }

    # --- Moira asks for changes with a note, in the modal the button opens ---
    slack.click(
        "mod:changes:1",
        user=MODERATOR,
        channel=MODERATION_CHANNEL,
        message_ts=first_card.answer["ts"],
        response_url=fake.response_url("changes"),
    )
    view = fake.wait_for("views.open")[0].body["view"]
    assert (view["callback_id"], view["submit"]["text"]) == ("mod:changes:1", "Send request")
    response = slack.interact(
        view_submission(view, MODERATOR, {"note": {"type": "plain_text_input", "value": NOTE}})
    )
    assert (response.status, response.body) == (200, "")
    assert fake.wait_for("respond/changes")[0].body["text"] == (
        "Changes requested on S-0001. The contributor was sent your note."
    )
    deliver(slack)
    assert fake.wait_for("chat.update")[0].body == {
        "channel": MODERATION_CHANNEL,
        "ts": first_card.answer["ts"],
        "text": f"Submission S-0001 from alice.\nChanges requested by moira at {DECIDED}.\n"
        f"Note: {NOTE}",
        "blocks": [
            section("*Submission S-0001* from alice."),
            section(f"*{TITLE}* · `S-0001`"),
            *PRACTICE_BLOCKS,
            *CONTACT_BLOCKS,
            section(f"*Changes requested by moira at {DECIDED}.*"),
            section(f"Note: {NOTE}"),
        ],
    }
    asked = fake.calls_to("chat.postMessage")[-1]
    assert asked.body["channel"] == ALICE_DM
    assert asked.body["blocks"] == [
        section(f"The moderators asked for changes to your submission S-0001 “{TITLE}”:"),
        section(NOTE),
        section("Revise it and submit it again; it keeps its place."),
        {"type": "actions", "elements": [button("share:revise:1", "Revise", "primary")]},
    ]

    # --- Alice presses Revise in her DM, adds the evaluation and submits again ---
    posted = len(fake.calls_to("chat.postMessage"))
    slack.click("share:revise:1", channel=ALICE_DM, message_ts=asked.answer["ts"])
    revising = fake.wait_for("chat.postMessage", posted + 1)[-1].body
    assert revising["blocks"][:2] == [
        section("*Revising S-0001*."),
        section(f"The moderators asked: _{NOTE}_"),
    ]
    assert alice.say("edit evaluation")["blocks"][0] == section(
        "*How was it evaluated, and what were the results?*  (7/21)"
    )
    assert alice.say(EVALUATION)["blocks"][0] == section(
        "*Please check your practice* before it goes to the moderators:"
    )
    assert alice.say("submit")["blocks"][0] == section("Thanks — S-0001 is with the moderators.")

    # --- a fresh card, carrying the earlier request; Moira approves it through the modal ---
    deliver(slack)
    second_card = fake.calls_to("chat.postMessage")[-1]
    evaluated = section(f"*Evaluation*\n{EVALUATION}")
    resubmitted = "*Submission S-0001* from alice, resubmitted after changes were requested."
    earlier = f"Changes requested by moira at {DECIDED}: _{NOTE}_"
    assert second_card.body["channel"] == MODERATION_CHANNEL
    assert second_card.body["blocks"] == [
        section(resubmitted),
        section(earlier),
        section(f"*{TITLE}* · `S-0001`"),
        *PRACTICE_BLOCKS,
        evaluated,
        *CONTACT_BLOCKS,
        DECISION_BUTTONS,
    ]
    slack.click(
        "mod:approve:1",
        user=MODERATOR,
        channel=MODERATION_CHANNEL,
        message_ts=second_card.answer["ts"],
        response_url=fake.response_url("approve"),
    )
    view = fake.wait_for("views.open", 2)[-1].body["view"]
    assert (view["callback_id"], view["submit"]["text"]) == ("mod:approve:1", "Approve and publish")
    response = slack.interact(view_submission(view, MODERATOR, initial_values(view)))
    assert (response.status, response.body) == (200, "")
    assert fake.wait_for("respond/approve")[0].body["text"] == (
        "Approved S-0001: published as PB064 (Promising). The contributor was told."
    )

    # --- the card is edited with the outcome; Alice is told in her DM ---
    deliver(slack)
    assert fake.wait_for("chat.update", 2)[-1].body == {
        "channel": MODERATION_CHANNEL,
        "ts": second_card.answer["ts"],
        "text": "Submission S-0001 from alice, resubmitted after changes were requested.\n"
        f"Changes requested by moira at {DECIDED}: {NOTE}\n"
        f"Approved by moira at {DECIDED}: published as PB064.",
        "blocks": [
            section(resubmitted),
            section(earlier),
            section(f"*{TITLE}* · `S-0001`"),
            *PRACTICE_BLOCKS,
            evaluated,
            *CONTACT_BLOCKS,
            section(f"*Approved by moira at {DECIDED}: published as PB064.*"),
        ],
    }
    published = fake.calls_to("chat.postMessage")[-1].body
    told = f"Your practice “{TITLE}” was approved and is now in the bank as PB064."
    assert published == {
        "channel": ALICE_DM,
        "text": told,
        "blocks": [
            section(told),
            section(f"*{TITLE}* · `PB064`"),
            *PRACTICE_BLOCKS,
            evaluated,
            *CONTACT_BLOCKS,
            section("*Added*\n2025-03-01"),
            section("*Updated*\n2025-03-01"),
        ],
    }
    assert fake.methods()[-4:] == [
        "respond/approve",
        "conversations.open",
        "chat.postMessage",
        "chat.update",
    ]

    # --- anyone searching for the title now finds the new practice first ---
    slack.command(TITLE, response_url=fake.response_url("search"))
    found = fake.wait_for("respond/search")[0].body
    assert found["blocks"][1] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"1. *{TITLE}* · `PB064`\n"
            "Officers and mental health nurses attend crisis calls together.",
        },
    }
    assert found["blocks"][3] == {
        "type": "actions",
        "elements": [button("show:PB064", "Details PB064")],
    }
