"""The Filter control in Discord: two select menus under the results; a pick re-runs the search."""

from __future__ import annotations

import pytest

from tests.adapters.discord.harness import click, play, sent_message, slash

# What a person sees under "crime": only the values its 11 matches have, each counted.
CRIME_RATINGS = [("Promising (2)", "promising"), ("Untested – new or innovative (9)", "untested")]
CRIME_FOCUSES = [
    ("Prevention (7)", "prevention"),
    ("Diversion (3)", "diversion"),
    ("Reoffending (1)", "reoffending"),
    ("Organisational (3)", "organisational"),
]
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


def _filter_rows(search_id, ratings, focuses):
    """The select rows shown: effectiveness then focus, each only if it offers something."""
    lists = [("Filter by effectiveness", "e", ratings), ("Filter by focus", "f", focuses)]
    shown = [(placeholder, kind, options) for placeholder, kind, options in lists if options]
    return [
        _select(
            number, placeholder, [(label, f"filter:{search_id}:{kind}:{v}") for label, v in options]
        )
        for number, (placeholder, kind, options) in enumerate(shown)
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
    assert data["components"][2:] == _filter_rows(1, CRIME_RATINGS, CRIME_FOCUSES)


def test_filter_menu_offers_only_values_present_with_counts(world):
    """ "burglary" (3 matches) offers menus with only the values they have, each counted."""

    async def steps(fake, client):
        return (await _search(fake, "burglary")).body["data"]

    data = play(world, steps)
    assert data["components"][1:] == _filter_rows(
        1,
        [("Promising (1)", "promising"), ("Untested – new or innovative (2)", "untested")],
        [("Prevention (2)", "prevention"), ("Reoffending (1)", "reoffending")],
    )


def test_filter_menu_counts_ignore_restricted_practices(world):
    """In a public server "knife" neither lists nor counts the restricted promising PB900:
    only the focus menu is left, with Diversion (1)."""

    async def steps(fake, client):
        return (await _search(fake, "knife")).body["data"]

    data = play(world, steps)
    assert "PB900" not in str(data)
    assert data["components"][1:] == _filter_rows(1, [], [("Diversion (1)", "diversion")])


def test_a_filter_not_offered_is_answered_with_why(world):
    """A forged pick of a rating no match has is answered with the reason, pinging no one."""

    async def steps(fake, client):
        results = sent_message(await _search(fake, "crime"))
        pick = click(results, "dc:choice:0", values=["filter:1:e:worked"])
        await fake.interact(pick)
        return (await fake.callback(pick["id"])).body

    data = play(world, steps)["data"]
    assert data["content"] == (
        "Worked is not a filter for “crime”: none of its 11 practices has it. "
        "Pick one of the filters listed under its results, or type a new search."
    )
    assert data["allowed_mentions"] == {"parse": []}


def test_a_full_page_with_a_suggestion_keeps_both_menus_within_five_rows(world):
    """The largest page (did-you-mean, five Details, More, Share) still fits both menus."""

    async def steps(fake, client):
        return (await _search(fake, "dometic abuse")).body["data"]

    data = play(world, steps)
    assert len(data["components"]) == 4
    assert _row_ids(data) == [
        ["suggest:1", "show:PB052", "show:PB033", "show:PB045", "show:PB016"],
        ["show:PB054", "more:1:5", "dc:post:more:1:0"],
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
        "**9 practices** for “crime rating:untested” (showing 1–5 of 9).\nFilter by focus"
    )
    assert all(e["color"] == 0x1565C0 for e in data["embeds"])  # untested: blue
    untested_focuses = [
        ("Prevention (5)", "prevention"),
        ("Diversion (2)", "diversion"),
        ("Reoffending (1)", "reoffending"),
        ("Organisational (3)", "organisational"),
    ]
    assert data["components"][2:] == _filter_rows(2, [], untested_focuses)


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
