"""The Filter control in Discord: two select menus under the results; a pick re-runs the search."""

from __future__ import annotations

import pytest

from tests.adapters.discord.harness import click, play, sent_message, slash

EFFECTIVENESS = [
    ("Worked", "worked"),
    ("Promising", "promising"),
    ("Untested – new or innovative", "untested"),
    ("Didn't work", "didnt_work"),
]
FOCUS = ["prevention", "diversion", "reoffending", "organisational", "location"]
UNKNOWN_BUTTON = "That button no longer works. Type what you are looking for, or \\`help\\`."


def _select(number, placeholder, options):
    return {
        "type": 1,
        "components": [
            {
                "type": 3,
                "custom_id": f"dc:choice:{number}",
                "min_values": 1,
                "max_values": 1,
                "disabled": False,
                "required": True,
                "placeholder": placeholder,
                "options": [
                    {"label": label, "value": value, "default": False} for label, value in options
                ],
            }
        ],
    }


def _filter_rows(search_id, *, left_out=()):
    ratings = [
        (label, f"filter:{search_id}:e:{v}") for label, v in EFFECTIVENESS if v not in left_out
    ]
    focuses = [(v.capitalize(), f"filter:{search_id}:f:{v}") for v in FOCUS if v not in left_out]
    return [
        _select(0, "Filter by effectiveness", ratings),
        _select(1, "Filter by focus", focuses),
    ]


def _row_ids(data):
    return [[c["custom_id"] for c in row["components"]] for row in data["components"]]


async def _search(fake, query):
    search = slash("search", {"query": query})
    await fake.interact(search)
    return await fake.callback(search["id"])


def test_results_end_with_the_two_filter_menus(world):
    """Five cards' Details fill one row, More results and Share in channel the next, then menus."""

    async def steps(fake, client):
        return (await _search(fake, "crime")).body["data"]

    data = play(world, steps)
    assert _row_ids(data) == [
        ["show:PB010", "show:PB058", "show:PB017", "show:PB061", "show:PB029"],
        ["more:1:5", "dc:post:more:1:0"],
        ["dc:choice:0"],
        ["dc:choice:1"],
    ]
    assert data["components"][2:] == _filter_rows(1)


def test_a_full_page_with_a_suggestion_keeps_both_menus_within_five_rows(world):
    """The largest page (did-you-mean, five Details, More, Share) still fits both menus."""

    async def steps(fake, client):
        return (await _search(fake, "crme")).body["data"]

    data = play(world, steps)
    assert len(data["components"]) == 4
    assert _row_ids(data) == [
        ["suggest:1", "show:PB010", "show:PB058", "show:PB017", "show:PB061"],
        ["show:PB029", "more:1:5", "dc:post:more:1:0"],
        ["dc:choice:0"],
        ["dc:choice:1"],
    ]


def test_picking_a_filter_answers_with_the_filtered_list(world):
    """The picked option's value is the click: the answer is the filtered list, with its menus."""

    async def steps(fake, client):
        results = sent_message(await _search(fake, "crime"))
        pick = click(results, "dc:choice:0", values=["filter:1:e:untested"])
        await fake.interact(pick)
        return (await fake.callback(pick["id"])).body

    answer = play(world, steps)
    assert answer["type"] == 4
    data = answer["data"]
    assert data["flags"] == 64
    assert data["content"] == (
        "**9 practices** for “crime rating:untested” (showing 1–5 of 9)."
        "\nFilter by effectiveness\nFilter by focus"
    )
    assert all(e["color"] == 0x1565C0 for e in data["embeds"])  # untested: blue
    assert data["components"][2:] == _filter_rows(2, left_out=("untested",))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "filter:1:e:" + "x" * 100_000,
        "filter:1:e:worked\x00\x1b[31m",
        "filter:1:f:🔪",
        "filter:1:f:\u202ediversion",
        "filter:1:e:worked'; DROP TABLE searches;--",
        "@everyone <@&1> <@500000000000000001>",
    ],
    ids=["empty", "100kB", "control", "emoji", "rtl", "sql", "mentions"],
)
def test_a_forged_menu_value_is_an_unknown_button(world, value):
    """A picked value that is not a filter id is answered politely, pinging no one."""

    async def steps(fake, client):
        results = sent_message(await _search(fake, "crime"))
        pick = click(results, "dc:choice:1", values=[value])
        await fake.interact(pick)
        return (await fake.callback(pick["id"])).body

    data = play(world, steps)["data"]
    assert data["content"] == UNKNOWN_BUTTON
    assert data["allowed_mentions"] == {"parse": []}
