"""Searching from Slack: `/practice …` answers privately with Block Kit cards, paging, details."""

from __future__ import annotations

import pytest

from tests.adapters.slack.fake_slack import TEAM


def _respond(slack, name="cmd", count=1):
    return slack.fake.wait_for(f"respond/{name}", count)[count - 1].body


def test_slash_command_is_acknowledged_with_an_empty_200(slack):
    """Slack gets its ack at once: 200 and no body (the answer follows via response_url)."""
    response = slack.command("crime")

    assert (response.status, response.body) == (200, "")


def test_search_with_inline_filters_answers_ephemeral_cards(slack):
    """`/practice serious violence focus:diversion`: private cards with title, badge, focus."""
    slack.command("serious violence focus:diversion")

    body = _respond(slack)
    assert body["response_type"] == "ephemeral"
    assert body["replace_original"] is False
    assert body["text"] == "3 practices for “serious violence focus:diversion”."
    assert [b["type"] for b in body["blocks"]] == ["section"] + [
        "section",
        "context",
        "actions",
    ] * 3 + ["actions"] + ["section", "actions"]  # focus is in force: the rating list alone
    assert body["blocks"][:4] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*3 practices* for “serious violence focus:diversion”.",
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "1. *Habitual knife carrier index* · `PB017`\nAn index blends police crime "
                "and intelligence records with recognised serious violence risk factors to "
                "pinpoint habitual knife carriers and people most likely to become involved in "
                "knife crime.",
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": ":white_circle: *Untested – new or innovative* · "
                    "Focus: Prevention, Diversion · Sussex Police",
                }
            ],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "show:PB017",
                    "text": {"type": "plain_text", "text": "Details PB017", "emoji": True},
                }
            ],
        },
    ]


def test_a_page_of_results_carries_one_share_in_channel_button_for_the_page(slack):
    """Under the cards, before the filter lists: one *Share in channel* for the whole page."""
    slack.command("serious violence focus:diversion")

    body = _respond(slack)
    share = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in share if e["action_id"].startswith("slack:post:")] == [
        "slack:post:more:1:0"
    ]
    assert body["blocks"][-3] == {  # then the one rating list (focus is in force)
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "slack:post:more:1:0",
                "text": {"type": "plain_text", "text": "Share in channel", "emoji": True},
            }
        ],
    }


def test_more_results_button_shows_the_next_page(slack):
    """A broad search ends with *More results*; pressing it answers with results 6 on."""
    slack.command("crime")
    first = _respond(slack)
    more = first["blocks"][-6]["elements"][0]
    assert (more["action_id"], more["text"]["text"], more["style"]) == (
        "more:1:5",
        "More results",
        "primary",
    )

    slack.click("more:1:5", ephemeral=True)

    page = _respond(slack, "click")
    assert page["blocks"][0]["text"]["text"].startswith("*")
    assert "(showing 6–" in page["blocks"][0]["text"]["text"]
    assert page["blocks"][1]["text"]["text"].startswith("6. *")


def test_details_button_shows_the_full_practice(slack):
    """*Details* answers privately with the full card: title, facts, summary, labelled fields."""
    slack.click("show:PB017", ephemeral=True)

    body = _respond(slack, "click")
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][:2] == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Habitual knife carrier index* · `PB017`"},
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": ":white_circle: *Untested – new or innovative* · "
                    "Focus: Prevention, Diversion · Sussex Police",
                }
            ],
        },
    ]
    assert all(b["type"] == "section" for b in body["blocks"][2:-1])
    assert body["blocks"][-1]["elements"][0]["action_id"] == "slack:post:show:PB017"


def test_share_in_channel_posts_the_whole_practice_for_everyone(slack):
    """*Share in channel* under Details posts the full card in the channel, credited to the
    sharer, without a second *Share in channel*."""
    slack.click("slack:post:show:PB017", ephemeral=True)

    call = slack.fake.wait_for("chat.postMessage")[0]
    assert call.body["channel"] == "C0GENERAL"
    assert call.body["text"] == "PB017 Habitual knife carrier index"
    blocks = call.body["blocks"]
    assert blocks[0] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "<@U0ALICE> shared:"}],
    }
    assert blocks[1]["text"]["text"] == "*Habitual knife carrier index* · `PB017`"
    assert len(blocks) > 4  # the whole practice, not its summary
    assert not [b for b in blocks if b["type"] == "actions"]
    assert slack.fake.calls_to("respond/click") == []


def test_share_in_channel_posts_the_whole_page_of_results(slack):
    """*Share in channel* under a page of results posts that page, cards and all, publicly."""
    slack.command("serious violence focus:diversion")
    _respond(slack)

    slack.click("slack:post:more:1:0", ephemeral=True)

    call = slack.fake.wait_for("chat.postMessage")[0]
    assert call.body["channel"] == "C0GENERAL"
    texts = [b["text"]["text"] for b in call.body["blocks"] if b["type"] == "section"]
    assert texts[0] == "*3 practices* for “serious violence focus:diversion”."
    assert [t.split(" · ")[0] for t in texts[1:4]] == [
        "1. *Habitual knife carrier index*",
        "2. *" + texts[2].split("*")[1] + "*",
        "3. *" + texts[3].split("*")[1] + "*",
    ]
    shared = [
        e["action_id"] for b in call.body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert not [a for a in shared if a.startswith("slack:post:")]


def test_share_in_channel_of_what_cannot_be_shared_answers_privately(slack):
    """A forged or stale *Share in channel* (an unknown practice) answers the presser only."""
    slack.click("slack:post:show:PB999", ephemeral=True)

    body = _respond(slack, "click")
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("No practice PB999 in the bank.")
    assert slack.fake.calls_to("chat.postMessage") == []


def test_share_in_channel_where_the_bot_is_not_is_posted_through_response_url(slack):
    """In a channel the bot was not invited to, the answer is shared there all the same."""
    slack.fake.expect("channel_not_found")

    slack.click("slack:post:show:PB017", ephemeral=True, channel="C0ELSEWHERE")

    body = _respond(slack, "click")
    assert body["response_type"] == "in_channel"
    assert body["blocks"][0]["elements"][0]["text"] == "<@U0ALICE> shared:"


def test_share_in_channel_without_a_response_url_says_how_to_invite_the_bot(slack):
    """When Slack refuses the post and there is no response_url, the sharer is told why."""
    slack.fake.fail_next("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})

    slack.click("slack:post:show:PB017", ephemeral=True, response_url="")

    body = slack.fake.wait_for("chat.postEphemeral")[0].body
    assert body["text"].startswith("I can't post in this channel yet: invite me first")


def test_mention_answers_in_the_thread(slack):
    """`@Practice bank knife crime` in a channel is answered in a thread under the question."""
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": "<@U0BOT> serious violence focus:diversion",
            "ts": "1700000100.000100",
            "channel": "C0GENERAL",
            "team": TEAM,
        }
    )

    call = slack.fake.wait_for("chat.postMessage")[0]
    assert call.body["channel"] == "C0GENERAL"
    assert call.body["thread_ts"] == "1700000100.000100"
    assert call.body["text"] == "3 practices for “serious violence focus:diversion”."


def test_direct_message_question_is_answered_in_the_dm(slack):
    """A question typed in the bot's DM is answered there as a message."""
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "PB017",
            "ts": "1700000100.000200",
            "channel": "DU0ALICE",
        }
    )

    call = slack.fake.wait_for("chat.postMessage")[0]
    assert call.body["channel"] == "DU0ALICE"
    assert "thread_ts" not in call.body
    assert call.body["blocks"][0]["text"]["text"] == "*Habitual knife carrier index* · `PB017`"


HOSTILE = {
    "empty": "",
    "huge": "knife " * 20_000,
    "control": "knife\x00\x1b[31m crime\x07",
    "emoji": "🔪🔪 knife 👮‍♀️ crime",
    "rtl": "\u202eknife crime\u202c سكين",
    "sql": "knife'; DROP TABLE practices; --",
    "mentions": "<!channel> <!here> <@U123> <!subteam^S1> knife & <script>",
}


@pytest.mark.parametrize("query", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_queries_are_answered_within_limits_and_never_mention(slack, query):
    """Whatever is typed, the answer fits Slack's limits and carries no live mention or tag."""
    slack.command(query)

    body = _respond(slack)
    texts = [body["text"]] + [_all_text(b) for b in body["blocks"]]
    joined = "\n".join(texts)
    for live in ("<!channel>", "<!here>", "<@U123>", "<!subteam", "<script>"):
        assert live not in joined
    assert "\x00" not in joined and "\x1b" not in joined
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in body["blocks"])
    assert len(body["blocks"]) <= 50


def test_mention_injection_in_a_query_is_escaped(slack):
    """`@channel & @U123` typed in a search comes back as plain names that ping nobody."""
    slack.command("<!channel> &amp; <@U123> &lt;!here&gt;")  # as Slack delivers what was typed

    body = _respond(slack)
    assert body["blocks"][0]["text"]["text"] == (
        "No practices found for “@channel &amp; @U123 &lt;!here&gt;”."
    )


def test_forged_signature_is_rejected_with_401(slack):
    """A request signed with another secret is refused before any work."""
    from tests.adapters.slack.conftest import command_body, signed_headers

    raw = command_body("crime", response_url=slack.fake.response_url())
    response = slack.dispatch(raw, signed_headers(raw, secret="not-the-secret"))

    assert response.status == 401
    assert slack.fake.methods() == ["auth.test"]


def test_old_timestamp_is_rejected_with_401(slack):
    """A correctly signed request older than five minutes (a replay) is refused."""
    import time

    from tests.adapters.slack.conftest import command_body, signed_headers

    raw = command_body("crime", response_url=slack.fake.response_url())
    response = slack.dispatch(raw, signed_headers(raw, timestamp=int(time.time()) - 600))

    assert response.status == 401
    assert slack.fake.methods() == ["auth.test"]


def _all_text(value):
    if isinstance(value, dict):
        return "\n".join(_all_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_all_text(v) for v in value)
    return value if isinstance(value, str) else ""


def test_practice_ref_in_a_mention_is_unfurled_as_a_card_in_the_thread(slack):
    """`@Practice bank PB017` in a channel shows that practice's card in a thread."""
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": "<@U0BOT> PB017",
            "ts": "1700000100.000300",
            "channel": "C0GENERAL",
            "team": TEAM,
        }
    )

    call = slack.fake.wait_for("chat.postMessage")[0]
    assert (call.body["channel"], call.body["thread_ts"]) == ("C0GENERAL", "1700000100.000300")
    assert call.body["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Habitual knife carrier index* · `PB017`"},
    }
