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
    assert ids[-4:] == ["more:1:10", "dc:post:more:1:5", "dc:choice:0", "dc:choice:1"]


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


def test_share_in_channel_posts_the_whole_answer_publicly(world):
    """Share in channel posts the whole page for everyone, naming the sharer, pinging no one."""

    async def steps(fake, client):
        first = await _search_then_click(fake, "dc:post:more:1:0")
        await fake.wait_for(lambda r: r.method == "POST" and "embeds" in (r.body or {}))
        posts = [r.body for r in fake.calls("POST", "webhooks/")]
        return first, posts

    first, (named, page) = play(world, steps)
    assert first["type"] == 5  # thinking…, in public
    assert "flags" not in (first.get("data") or {})
    assert named["content"] == "Shared by Alice:"
    assert named["allowed_mentions"] == {"parse": []}
    assert not page.get("flags")  # not ephemeral
    assert page["allowed_mentions"] == {"parse": []}
    assert len(page["embeds"]) == 5
    assert page["embeds"][0]["title"] == "1. PB010 · Crime hot spots mobile phone app"
    ids = [c["custom_id"] for row in page["components"] for c in row["components"]]
    assert not any(i.startswith("dc:post") for i in ids)  # no second Share in channel


def test_share_in_channel_of_what_cannot_be_shared_answers_the_presser_only(world):
    """A forged or stale *Share in channel* (an unknown practice) is shown to Alice alone."""

    async def steps(fake, client):
        pressed = click(message_with_button("dc:post:show:PB999"), "dc:post:show:PB999")
        await fake.interact(pressed)
        first = (await fake.callback(pressed["id"])).body
        await fake.wait_for(lambda r: r.method == "POST" and r.path.startswith("webhooks/"))
        return first, fake.calls("DELETE", "webhooks/"), fake.calls("POST", "webhooks/")

    first, deleted, (answer,) = play(world, steps)
    assert first["type"] == 5
    assert len(deleted) == 1  # the public "thinking…" withdrawn
    assert answer.body["flags"] == 64
    assert answer.body["content"].startswith("No practice PB999 in the bank.")


def test_unknown_adapter_button_is_answered(world):
    """A button of ours the bot no longer knows still gets a private answer, not a failure."""

    async def steps(fake, client):
        pressed = click(message_with_button("dc:gone"), "dc:gone")
        await fake.interact(pressed)
        return (await fake.callback(pressed["id"])).body

    answer = play(world, steps)
    assert answer["type"] == 4
    assert answer["data"]["content"].startswith("That button no longer works.")
    assert answer["data"]["flags"] == EPHEMERAL


def test_stale_button_is_answered_not_dropped(world):
    """A forged or stale action id still gets an answer (never Discord's "interaction failed")."""

    async def steps(fake, client):
        message = message_with_button("more:999:5")
        pressed = click(message, "more:999:5")
        await fake.interact(pressed)
        return (await fake.callback(pressed["id"])).body

    data = play(world, steps)["data"]
    assert data["content"] == (
        "That button no longer works. Search again, for example **knife crime diversion**."
    )
