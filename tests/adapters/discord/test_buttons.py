"""Buttons under search results: More results, Details and Share in channel, through the fake."""

from __future__ import annotations

from tests.adapters.discord.harness import click, message_with_button, play, sent_message, slash

EPHEMERAL = 64


async def _search_then_click(fake, custom_id):
    search = slash("search", {"query": "crime"})
    await fake.interact(search)
    results = sent_message(await fake.callback(search["id"]))
    pressed = click(results, custom_id)
    await fake.interact(pressed)
    return (await fake.callback(pressed["id"])).body


def test_more_results_shows_the_next_page(world):
    """More results answers with practices 6–10 and a button for the page after."""

    async def steps(fake, client):
        return await _search_then_click(fake, "more:1:5")

    answer = play(world, steps)
    assert answer["type"] == 4
    data = answer["data"]
    assert data["flags"] == EPHEMERAL
    assert data["content"] == (
        "**11 practices** for “crime” (showing 6–10 of 11)."
        "\nFilter by effectiveness\nFilter by focus"
    )
    assert [e["title"].split(" · ")[0] for e in data["embeds"]] == [
        "6. PB048",
        "7. PB060",
        "8. PB009",
        "9. PB057",
        "10. PB034",
    ]
    ids = [c["custom_id"] for row in data["components"] for c in row["components"]]
    assert ids[-4:] == ["more:1:10", "dc:post", "dc:choice:0", "dc:choice:1"]


def test_details_shows_the_practice_in_full(world):
    """Details under a result answers with that practice's full card."""

    async def steps(fake, client):
        return await _search_then_click(fake, "show:PB017")

    data = play(world, steps)["data"]
    (embed,) = data["embeds"]
    assert embed["title"] == "PB017 · Habitual knife carrier index"
    assert [f["name"] for f in embed["fields"]] == [
        "Effectiveness",
        "Focus",
        "Organisation",
        "Linked to",
        "Topics",
    ]


def test_share_in_channel_reposts_the_cards_publicly(world):
    """Share in channel reposts the embeds for everyone, naming the sharer, pinging no one."""

    async def steps(fake, client):
        return await _search_then_click(fake, "dc:post")

    answer = play(world, steps)
    data = answer["data"]
    assert answer["type"] == 4
    assert "flags" not in data  # not ephemeral
    assert data["content"] == "Shared by Alice:"
    assert data["allowed_mentions"] == {"parse": []}
    assert len(data["embeds"]) == 5
    assert data["embeds"][0]["title"] == "1. PB010 · Crime hot spots mobile phone app"


def test_stale_button_is_answered_not_dropped(world):
    """A forged or stale action id still gets an answer (never Discord's "interaction failed")."""

    async def steps(fake, client):
        message = message_with_button("more:999:5")
        pressed = click(message, "more:999:5")
        await fake.interact(pressed)
        return (await fake.callback(pressed["id"])).body

    data = play(world, steps)["data"]
    assert data["content"] == (
        "That search is no longer available. Search again, for example **knife crime diversion**."
    )
