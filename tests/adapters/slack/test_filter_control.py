"""The Filter control in Slack: two static selects under the results, a pick re-runs the search."""

from __future__ import annotations

import pytest

# What a person sees under "crime": only the values its 11 matches have, each counted.
CRIME_RATINGS = [("Promising (2)", "promising"), ("Untested – new or innovative (9)", "untested")]
CRIME_FOCUSES = [
    ("Prevention (7)", "prevention"),
    ("Diversion (3)", "diversion"),
    ("Reoffending (1)", "reoffending"),
    ("Organisational (3)", "organisational"),
]


def _respond(slack, name, count=1):
    return slack.fake.wait_for(f"respond/{name}", count)[count - 1].body


def _option(label, value):
    return {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value}


def _filter_blocks(search_id, index, lists):
    """The blocks the lists render as: a prompt section and a select each, numbered from index.

    `lists` holds (prompt, kind, [(label, value), …]) per list shown.
    """
    blocks = []
    for number, (prompt, kind, options) in enumerate(lists):
        blocks += [
            {"type": "section", "text": {"type": "mrkdwn", "text": prompt}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": f"slack:choose:{index + number}",
                        "placeholder": {"type": "plain_text", "text": "Choose…", "emoji": True},
                        "options": [
                            _option(label, f"filter:{search_id}:{kind}:{v}") for label, v in options
                        ],
                    }
                ],
            },
        ]
    return blocks


def _crime_blocks(search_id, index):
    return _filter_blocks(
        search_id,
        index,
        [
            ("Filter by effectiveness", "e", CRIME_RATINGS),
            ("Filter by focus", "f", CRIME_FOCUSES),
        ],
    )


def test_results_end_with_the_two_filter_selects(slack):
    """A page of five results ends with both lists as selects whose values are the filter ids."""
    slack.command("crime")

    body = _respond(slack, "cmd")
    # Reply blocks: header, five cards with their Details rows, More results, Share in channel,
    # then the lists.
    assert body["blocks"][-4:] == _crime_blocks(1, 13)


def test_filter_menu_offers_only_values_present_with_counts(slack):
    """ "burglary" (3 matches) shows selects with only the values they have, each counted."""
    slack.command("burglary")

    body = _respond(slack, "cmd")
    assert body["text"] == "3 practices for “burglary”."
    # header, three cards with Details rows, Share in channel: the selects start at block 8.
    assert body["blocks"][-4:] == _filter_blocks(
        1,
        8,
        [
            (
                "Filter by effectiveness",
                "e",
                [("Promising (1)", "promising"), ("Untested – new or innovative (2)", "untested")],
            ),
            (
                "Filter by focus",
                "f",
                [("Prevention (2)", "prevention"), ("Reoffending (1)", "reoffending")],
            ),
        ],
    )


def test_filter_menu_counts_ignore_restricted_practices(slack):
    """In a public workspace "knife" neither lists nor counts the restricted promising PB900:
    only the focus select is left, with Diversion (1)."""
    slack.command("knife")

    body = _respond(slack, "cmd")
    assert "PB900" not in str(body)
    assert body["blocks"][-2:] == _filter_blocks(
        1, 6, [("Filter by focus", "f", [("Diversion (1)", "diversion")])]
    )


def test_a_full_page_with_a_suggestion_fits_in_slacks_fifty_blocks(slack):
    """The largest result page (did-you-mean, five cards, More results, Share in channel, two
    lists) stays small."""
    slack.command("dometic abuse")

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
    untested_focuses = [
        ("Prevention (5)", "prevention"),
        ("Diversion (2)", "diversion"),
        ("Reoffending (1)", "reoffending"),
        ("Organisational (3)", "organisational"),
    ]
    assert body["blocks"][-2:] == _filter_blocks(
        2, 13, [("Filter by focus", "f", untested_focuses)]
    )


def test_a_filter_not_offered_is_answered_with_why(slack):
    """A select value naming a rating no match has (forged) is answered with the reason."""
    slack.command("crime")
    _respond(slack, "cmd")

    slack.click("slack:choose:13", selected="filter:1:e:worked", ephemeral=True)

    body = _respond(slack, "click")
    assert body["text"] == (
        "Worked is not a filter for “crime”: none of its 11 practices has it. "
        "Pick one of the filters listed under its results, or type a new search."
    )


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
