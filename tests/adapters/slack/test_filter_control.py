"""The Filter control in Slack: two static selects under the results, a pick re-runs the search."""

from __future__ import annotations

import pytest

EFFECTIVENESS = [
    ("Worked", "worked"),
    ("Promising", "promising"),
    ("Untested – new or innovative", "untested"),
    ("Didn't work", "didnt_work"),
]
FOCUS = ["prevention", "diversion", "reoffending", "organisational", "location"]


def _respond(slack, name, count=1):
    return slack.fake.wait_for(f"respond/{name}", count)[count - 1].body


def _option(label, value):
    return {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value}


def _filter_blocks(search_id, index, *, left_out=()):
    """The four blocks the two lists render as: a prompt section and a select each."""
    ratings = [_option(label, f"filter:{search_id}:e:{v}") for label, v in EFFECTIVENESS]
    focuses = [_option(v.capitalize(), f"filter:{search_id}:f:{v}") for v in FOCUS]
    blocks = []
    for number, (prompt, options) in enumerate(
        [("Filter by effectiveness", ratings), ("Filter by focus", focuses)]
    ):
        shown = [o for o in options if o["value"].rsplit(":", 1)[1] not in left_out]
        blocks += [
            {"type": "section", "text": {"type": "mrkdwn", "text": prompt}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": f"slack:choose:{index + number}",
                        "placeholder": {"type": "plain_text", "text": "Choose…", "emoji": True},
                        "options": shown,
                    }
                ],
            },
        ]
    return blocks


def test_results_end_with_the_two_filter_selects(slack):
    """A page of five results ends with both lists as selects whose values are the filter ids."""
    slack.command("crime")

    body = _respond(slack, "cmd")
    # Reply blocks: header, five cards with their Details rows, More results, Share in channel,
    # then the lists.
    assert body["blocks"][-4:] == _filter_blocks(1, 13)


def test_a_full_page_with_a_suggestion_fits_in_slacks_fifty_blocks(slack):
    """The largest result page (did-you-mean, five cards, More results, Share in channel, two
    lists) stays small."""
    slack.command("crme")

    body = _respond(slack, "cmd")
    assert [b["type"] for b in body["blocks"]] == (
        ["section", "actions"]
        + ["section", "context", "actions"] * 5
        + ["actions"] * 2
        + ["section", "actions"] * 2
    )
    assert len(body["blocks"]) == 23


def test_picking_a_filter_answers_with_the_filtered_list(slack):
    """Picking *Untested* sends the option's value as the click; the answer is the filtered list."""
    slack.command("crime")
    _respond(slack, "cmd")

    slack.click("slack:choose:12", selected="filter:1:e:untested", ephemeral=True)

    body = _respond(slack, "click")
    assert body["response_type"] == "ephemeral"
    assert body["text"] == "9 practices for “crime rating:untested” (showing 1–5 of 9)."
    assert body["blocks"][0]["text"]["text"] == (
        "*9 practices* for “crime rating:untested” (showing 1–5 of 9)."
    )
    assert body["blocks"][-4:] == _filter_blocks(2, 13, left_out=("untested",))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "filter:1:e:" + "x" * 100_000,
        "filter:1:e:worked\x00\x1b[31m",
        "filter:1:f:🔪",
        "filter:1:f:\u202ediversion",
        "filter:1:e:worked'; DROP TABLE searches;--",
        "<!channel> @here <@U123>",
    ],
    ids=["empty", "100kB", "control", "emoji", "rtl", "sql", "mentions"],
)
def test_a_forged_select_value_is_an_unknown_button(slack, value):
    """A select value that is not a filter id is answered politely and mentions no one."""
    slack.command("crime")
    _respond(slack, "cmd")

    slack.click("slack:choose:12", selected=value, ephemeral=True)

    body = _respond(slack, "click")
    assert body["text"] == (
        "That button no longer works. Type what you are looking for, or `help`."
    )
