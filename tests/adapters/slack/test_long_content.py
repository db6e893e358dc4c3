"""Long practices fit Slack, always: shortened cards, the full text in the thread, nothing lost."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack.render import render_message
from adapters.slack.text import escape
from bot.kernel.domain import Focus
from bot.kernel.records import Audience, Notification, Submission, SubmissionState
from bot.kernel.replies import Reply, text
from bot.sharing.questions import BY_FIELD, QUESTIONS, Kind, read_answer
from bot.sharing.render import moderation_card
from bot.sharing.validate import Invalid
from tests.adapters.slack.conftest import MODERATION_CHANNEL, MODERATOR, NOW
from tests.adapters.slack.contract import all_texts, message_refusal
from tests.adapters.slack.fake_slack import TEAM
from tests.adapters.slack.test_moderation import initial_values, view_submission
from tests.support.moderation import queue_for_moderation

# Text that grows when escaped for Slack (`&` becomes `&amp;`): the worst case for the budget.
FILLER = "Knife & <crime> diversion — "


def _fill(limit: int) -> str:
    return (FILLER * (limit // len(FILLER) + 1))[: limit - 1].rstrip().ljust(limit - 1, "x") + "x"


def _longest(field: str) -> Any:
    """The longest answer the dialogue takes for `field`, read by the dialogue's own reader."""
    question = BY_FIELD[field]
    if question.kind is Kind.MULTI_CHOICE:
        raw = ", ".join(value for value, _ in question.choices)
    elif question.kind is Kind.CHOICE:
        raw = question.choices[0][0]
    elif field == "contact_email":
        raw = "a" * 64 + "@" + "b" * 179 + ".police.uk"
    elif field in ("start_date", "end_date"):
        raw = "2024-03-01" if field == "start_date" else "2025-03-01"
    elif field == "links":
        raw = " ".join(f"https://example.org/{n}/" + "p" * 470 for n in range(5))
    elif field in ("topics", "partners"):
        raw = ", ".join(f"{n} " + "t & <v>" * 13 for n in range(10))
    else:
        raw = _fill(question.max_length)
    value = read_answer(question, raw)
    assert not isinstance(value, Invalid), (field, value)
    return value


LONGEST = {q.field: _longest(q.field) for q in QUESTIONS}
LONGEST["effectiveness"] = "worked"


def _queue_longest(slack) -> int:
    submission = queue_for_moderation(
        slack.store.uow_factory,
        NOW,
        platform="slack",
        workspace_id=TEAM,
        contributor_id="U0ALICE",
        answers=LONGEST,
    )
    return submission.id


def test_longest_answers_are_really_the_limits():
    """The fixture holds each long answer at exactly its field's limit."""
    assert len(LONGEST["aim"]) == BY_FIELD["aim"].max_length == 3000
    assert len(LONGEST["title"]) == 200
    assert LONGEST["focus"] == [f.value for f in Focus]


def test_moderation_card_with_every_field_at_its_limit_reaches_the_moderators(slack):
    """Every field at its maximum: the card is posted in the moderation channel, with buttons."""
    submission_id = _queue_longest(slack)

    outcome = slack.bot.loop.run_once()

    assert outcome.delivered and not outcome.given_up
    card = slack.fake.calls_to("chat.postMessage")[0].body
    assert card["channel"] == MODERATION_CHANNEL
    assert message_refusal(card) is None
    buttons = [
        e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [
        f"mod:approve:{submission_id}",
        f"mod:changes:{submission_id}",
        f"mod:reject:{submission_id}",
    ]
    assert card["blocks"][-1]["elements"][0]["text"] == (
        "Long answers are shortened here to fit Slack; the full text follows in the thread."
    )


def test_the_full_text_of_a_long_submission_follows_in_the_cards_thread(slack):
    """Every long answer is in the thread, whole and escaped once: the moderator reads it all."""
    _queue_longest(slack)

    slack.bot.loop.run_once()

    posts = slack.fake.calls_to("chat.postMessage")
    card, thread = posts[0], posts[1:]
    assert thread
    assert all(p.body["thread_ts"] == card.answer["ts"] for p in thread)
    shown = "".join(t for p in thread for t in all_texts(p.body["blocks"]))
    for field in ("aim", "description", "learning", "evaluation", "resources"):
        assert escape(LONGEST[field]).replace(" ", "") in shown.replace(" ", "").replace("\n", "")


def test_a_decision_edits_the_long_card_without_posting_the_thread_again(slack):
    """After a decision the card is edited; the full text is not posted a second time."""
    submission_id = _queue_longest(slack)
    slack.bot.loop.run_once()
    posted = len(slack.fake.calls_to("chat.postMessage"))

    slack.click(f"mod:approve:{submission_id}", user=MODERATOR, channel=MODERATION_CHANNEL)
    view = slack.fake.wait_for("views.open")[0].body["view"]
    # The approve form keeps topics to 80 characters each (the dialogue allows 100): shorter here.
    values = {**initial_values(view), "topics": {"type": "plain_text_input", "value": "knives"}}
    slack.interact(view_submission(view, MODERATOR, values))
    slack.fake.wait_for("respond/click")
    slack.bot.loop.run_once()

    updates = slack.fake.wait_for("chat.update")
    assert message_refusal(updates[0].body) is None
    channel_posts = [
        c
        for c in slack.fake.calls_to("chat.postMessage")
        if c.body["channel"] == MODERATION_CHANNEL
    ]
    assert len(channel_posts) == posted


@pytest.mark.parametrize("share", [False, True])
def test_every_message_of_a_full_card_fits_slack(share):
    """The longest practice, rendered as a message: the message and each follow-up fit."""
    submission = Submission(
        id=7,
        contributor_key=f"slack:{TEAM}:U0ALICE",
        contributor_name="Alice & <Bob>",
        platform="slack",
        workspace_id=TEAM,
        state=SubmissionState.SUBMITTED,
        answers=LONGEST,
        created_at=NOW,
        submitted_at=NOW,
    )
    message = render_message(moderation_card(submission), share_button=share)

    for blocks in (message.blocks, *message.more):
        assert message_refusal({"channel": "C", "text": message.text, "blocks": blocks}) is None


def test_a_long_paragraph_is_split_not_cut():
    """A 20,000-character paragraph is sent whole over several messages."""
    typed = "word " * 4000
    message = render_message(Reply((text(typed),)))

    shown = " ".join(
        b["text"]["text"]
        for blocks in (message.blocks, *message.more)
        for b in blocks
        if b["type"] == "section"
    )
    assert shown.split() == typed.split()
    assert message.blocks[-1]["elements"][0]["text"] == "This is long: it continues in the thread."
    for blocks in (message.blocks, *message.more):
        assert message_refusal({"channel": "C", "text": "x", "blocks": blocks}) is None


def _moderation_notification(slack, recipient=MODERATION_CHANNEL) -> int:
    with slack.store.uow_factory() as uow:
        stored = uow.outbox.add(
            Notification(
                "slack",
                TEAM,
                Audience.CHANNEL,
                recipient,
                Reply((text("Submission S-0042 from Alice."),), private=False),
                key="submission:42",
                created_at=NOW,
            )
        )
        uow.commit()
    assert stored.id is not None
    return stored.id


def test_a_moderation_channel_the_bot_is_not_in_is_given_up_and_moderators_are_told(slack):
    """channel_not_found is not retried: it is recorded, and each moderator gets a DM about it."""
    slack.fake.members.discard(MODERATION_CHANNEL)
    slack.fake.expect("channel_not_found")
    notification_id = _moderation_notification(slack)

    outcome = slack.bot.loop.run_once()

    assert outcome.given_up == [notification_id]
    with slack.store.uow_factory() as uow:
        failed = next(n for n in uow.outbox.all() if n.id == notification_id)
    assert failed.last_error == "channel_not_found"
    told = [c.body for c in slack.fake.calls_to("chat.postMessage") if c.answer.get("ok")]
    assert [t["channel"] for t in told] == [MODERATOR]
    assert told[0]["text"] == (
        "I could not deliver a message about `submission:42` to <#C0MOD>: Slack answered "
        "`channel_not_found`. Invite me there with `/invite @Practice bank`, or check the "
        "channel id."
    )
    assert slack.bot.loop.run_once().delivered == []


def test_msg_blocks_too_long_is_not_retried_and_the_moderators_are_told(slack):
    """A refusal for length is permanent: one attempt, recorded, and the moderators DM'd."""
    slack.fake.fail_next("chat.postMessage", 200, {"ok": False, "error": "msg_blocks_too_long"})
    notification_id = _moderation_notification(slack)

    outcome = slack.bot.loop.run_once()

    assert outcome.given_up == [notification_id]
    assert len(slack.fake.calls_to("chat.postMessage")) == 2  # the attempt, then the DM
    assert slack.fake.calls_to("chat.postMessage")[1].body["channel"] == MODERATOR


def test_a_contributors_dm_that_fails_is_reported_in_the_moderation_channel(slack):
    """A person's notification that cannot be sent is reported where the moderators read."""
    slack.fake.fail_next("conversations.open", 200, {"ok": False, "error": "user_not_found"})
    with slack.store.uow_factory() as uow:
        uow.outbox.add(
            Notification(
                "slack",
                TEAM,
                Audience.PERSON,
                "U0GONE",
                Reply((text("Your practice was published."),), private=False),
                created_at=NOW,
            )
        )
        uow.commit()

    slack.bot.loop.run_once()

    told = slack.fake.calls_to("chat.postMessage")[0].body
    assert told["channel"] == MODERATION_CHANNEL
    assert "to <@U0GONE>: Slack answered `user_not_found`" in told["text"]
