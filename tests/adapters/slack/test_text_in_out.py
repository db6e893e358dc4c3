"""Slack's message formatting in, what the person typed to the core, escaped once on the way out."""

from __future__ import annotations

import pytest

from adapters.slack.inbound import on_direct_message, without_mentions
from adapters.slack.text import decode
from tests.adapters.slack.conftest import event_body
from tests.adapters.slack.fake_slack import TEAM

# (what Slack delivers, what the person typed) from Slack's "Formatting text for app surfaces".
FORMATTED = [
    ("<mailto:sam@force.police.uk|sam@force.police.uk>", "sam@force.police.uk"),
    ("<mailto:sam@force.police.uk>", "sam@force.police.uk"),
    ("<https://example.org/report|https://example.org/report>", "https://example.org/report"),
    ("<https://example.org/report>", "https://example.org/report"),
    ("<http://www.college.police.uk|www.college.police.uk>", "http://www.college.police.uk"),
    ("<https://example.org/r|the report>", "the report (https://example.org/r)"),
    ("<@U123>", "@U123"),
    ("<@U123|sam>", "@sam"),
    ("<#C123|general>", "#general"),
    ("<#C123>", "#C123"),
    ("<!here>", "@here"),
    ("<!channel> <!everyone>", "@channel @everyone"),
    ("<!subteam^S123|@moderators>", "@moderators"),
    ("Street triage &amp; mental health", "Street triage & mental health"),
    ("a &lt;b&gt; c", "a <b> c"),
    ("&amp;lt; typed literally", "&lt; typed literally"),
    ("🔪 knife – crime", "🔪 knife – crime"),
    ("", ""),
]


@pytest.mark.parametrize(("formatted", "typed"), FORMATTED)
def test_slack_formatting_is_decoded_to_what_was_typed(formatted, typed):
    """Links, addresses, mentions and entities come back as the person typed them."""
    assert decode(formatted) == typed


def test_a_dm_reaches_the_core_as_typed():
    """A DM with an address, a link and `&` reaches the core as plain typed text."""
    body = event_body(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DU0ALICE",
            "user": "U0ALICE",
            "ts": "1700000100.000100",
            "text": "Mail <mailto:a@b.uk|a@b.uk> &amp; see <https://x.uk|https://x.uk>",
            "team": TEAM,
        }
    )

    event = on_direct_message(body).event

    assert event.text == "Mail a@b.uk & see https://x.uk"  # type: ignore[union-attr]


def test_a_mention_keeps_other_mentions_as_names():
    """`@Practice bank knife crime near @sam` asks about "knife crime near @sam", pinging no one."""
    assert without_mentions("<@U0BOT> knife crime near <@U0SAM|sam> &amp; <!here>") == (
        "knife crime near @sam & @here"
    )


def _dm(**fields: object) -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "DU0ALICE",
        "user": "U0ALICE",
        "ts": "1700000100.000100",
        "text": "PB017",
        **fields,
    }


def test_bot_messages_and_edits_in_the_dm_are_ignored(slack):
    """A bot's message and an edited message get no answer (and crash nothing)."""
    slack.event(_dm(subtype="bot_message", bot_id="B-BOT", user=None), event_id="Ev-bot")
    slack.event(
        _dm(
            subtype="message_changed",
            user=None,
            message={"type": "message", "user": "U0ALICE", "text": "PB046", "ts": "1.1"},
            previous_message={"type": "message", "user": "U0ALICE", "text": "PB017"},
        ),
        event_id="Ev-edit",
    )
    slack.event(_dm(text="PB017"), event_id="Ev-typed")

    posts = slack.fake.wait_for("chat.postMessage")
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert posts[0].body["blocks"][0]["text"]["text"] == "*Habitual knife carrier index* · `PB017`"


def test_a_file_shared_with_words_is_read_for_its_words(slack):
    """A file shared in the DM with a message: the message is answered."""
    files = [{"id": "F1", "name": "report.pdf", "mimetype": "application/pdf"}]
    slack.event(_dm(subtype="file_share", files=files, text="PB017"))

    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["blocks"][0]["text"]["text"] == "*Habitual knife carrier index* · `PB017`"


def test_a_file_shared_alone_is_answered_that_only_text_is_read(slack):
    """A file with no words gets a short answer, not silence."""
    files = [{"id": "F1", "name": "photo.png", "mimetype": "image/png"}]
    slack.event(_dm(subtype="file_share", files=files, text=""))

    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert post["text"] == (
        "I can only read typed text, not files: please type your answer as a message."
    )


def test_a_reply_in_a_dm_thread_is_answered_in_the_thread(slack):
    """Writing inside a thread of the DM keeps the answer in that thread."""
    slack.event(_dm(thread_ts="1700000000.000050"))

    post = slack.fake.wait_for("chat.postMessage")[0].body
    assert (post["channel"], post["thread_ts"]) == ("DU0ALICE", "1700000000.000050")
