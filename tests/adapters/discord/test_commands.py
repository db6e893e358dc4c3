"""Slash commands through the real discord.py client and the fake Discord: exact callbacks."""

from __future__ import annotations

from tests.adapters.discord.fake_discord import APP_ID, GUILD_ID, refused_fields
from tests.adapters.discord.harness import huge_practice, play, slash

EPHEMERAL = 64
NO_PINGS = {"parse": []}
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


async def _answer(fake, payload):
    await fake.interact(payload)
    return (await fake.callback(payload["id"])).body


def _ids(data):
    return [c["custom_id"] for row in data.get("components", []) for c in row["components"]]


def test_start_up_uses_no_privileged_intent(world):
    """The bot identifies with the default intents: no members, presences or message content."""

    async def steps(fake, client):
        return fake.identify["intents"]

    intents = play(world, steps)
    assert intents & PRIVILEGED_INTENTS == 0
    assert intents & (1 << 12)  # direct messages


def test_commands_are_synced_to_the_configured_guild(world):
    """`/practice` with its subcommands is synced to DISCORD_GUILD_ID at start-up."""

    async def steps(fake, client):
        return fake.calls("PUT", f"applications/{APP_ID}/guilds/{GUILD_ID}/commands")

    synced = play(world, steps)
    assert len(synced) == 1
    (command,) = synced[0].body
    assert command["name"] == "practice"
    assert [o["name"] for o in command["options"]] == ["search", "show", "share", "help"]


def test_search_answers_with_ephemeral_knife_crime_embeds(world):
    """`/practice search query:knife crime` answers privately with knife-crime practice embeds."""

    async def steps(fake, client):
        return await _answer(fake, slash("search", {"query": "crime"}))

    answer = play(world, steps)
    assert answer["type"] == 4
    data = answer["data"]
    assert data["flags"] == EPHEMERAL
    assert data["allowed_mentions"] == NO_PINGS
    assert data["content"] == (
        "**11 practices** for “crime” (showing 1–5 of 11)."
        "\nFilter by effectiveness\nFilter by focus"
    )
    assert [e["title"] for e in data["embeds"]] == [
        "1. PB010 · Crime hot spots mobile phone app",
        "2. PB058 · Using community impact statements for knife crime",
        "3. PB017 · Habitual knife carrier index",
        "4. PB061 · Victim feedback panel",
        "5. PB029 · Investigative development programme for new sergeants",
    ]
    assert data["embeds"][2]["color"] == 0x1565C0  # untested: blue
    assert data["embeds"][0]["color"] == 0xF9A825  # promising: amber
    assert data["embeds"][2]["fields"] == [
        {"name": "Effectiveness", "value": "Untested – new or innovative", "inline": True},
        {"name": "Focus", "value": "Prevention, Diversion", "inline": True},
        {"name": "Organisation", "value": "Sussex Police", "inline": True},
        {"name": "Linked to", "value": "Smarter practice", "inline": True},
    ]
    assert _ids(data) == [
        "show:PB010",
        "show:PB058",
        "show:PB017",
        "show:PB061",
        "show:PB029",
        "more:1:5",
        "dc:post:more:1:0",
        "dc:choice:0",
        "dc:choice:1",
    ]


def test_search_options_become_filters(world):
    """The focus, effectiveness and topic options filter the search like inline filters."""

    async def steps(fake, client):
        payload = slash(
            "search",
            {"query": "knife crime", "focus": "diversion", "effectiveness": "untested"},
        )
        return await _answer(fake, payload)

    data = play(world, steps)["data"]
    assert [e["title"] for e in data["embeds"]] == [
        "1. PB017 · Habitual knife carrier index",
    ]
    assert all(e["color"] == 0x1565C0 for e in data["embeds"])


def test_show_answers_with_the_full_practice(world):
    """`/practice show ref:pb46` shows PB046 in full, privately."""

    async def steps(fake, client):
        return await _answer(fake, slash("show", {"ref": "pb46"}))

    data = play(world, steps)["data"]
    assert data["flags"] == EPHEMERAL
    (embed,) = data["embeds"]
    assert embed["title"] == "PB046 · Reducing theft of catalytic converters"
    assert embed["color"] == 0xF9A825
    assert embed["fields"] == [
        {"name": "Effectiveness", "value": "Promising", "inline": True},
        {"name": "Focus", "value": "Prevention", "inline": True},
    ]
    assert _ids(data) == ["dc:post:show:PB046"]


def test_hostile_ref_is_escaped_and_pings_nobody(world):
    """A ref full of mentions and markdown comes back inert: escaped, and no mention allowed."""

    async def steps(fake, client):
        return await _answer(
            fake, slash("show", {"ref": "@everyone <@&1234567890123456789> **x**"})
        )

    data = play(world, steps)["data"]
    assert data["allowed_mentions"] == NO_PINGS
    assert "@everyone" not in data["content"]
    assert "@\u200beveryone" in data["content"]
    assert "<@&1234567890123456789>" not in data["content"]
    assert "\\*\\*x\\*\\*" in data["content"]


def test_help_lists_what_the_bot_does(world):
    """`/practice help` answers privately with the help and a Share button."""

    async def steps(fake, client):
        return await _answer(fake, slash("help"))

    data = play(world, steps)["data"]
    assert data["content"].startswith("**Practice bank**: what police forces and partners tried")
    assert _ids(data) == ["share"]


def test_autocomplete_offers_matching_practice_titles(world):
    """Typing in `ref:` offers matching practices, valued by their ref."""

    async def steps(fake, client):
        return await _answer(fake, slash("show", {"ref": "catalytic"}, focused="ref"))

    answer = play(world, steps)
    assert answer["type"] == 8
    assert answer["data"]["choices"][0] == {
        "name": "PB046 · Reducing theft of catalytic converters",
        "value": "PB046",
    }


def test_autocomplete_of_the_query_offers_titles(world):
    """Typing in `query:` offers practice titles to search for."""

    async def steps(fake, client):
        return await _answer(fake, slash("search", {"query": "knife carrier"}, focused="query"))

    choices = play(world, steps)["data"]["choices"]
    assert {
        "name": "PB017 · Habitual knife carrier index",
        "value": "Habitual knife carrier index",
    } in choices


def test_autocomplete_of_nothing_offers_nothing(world):
    """An empty autocomplete query answers an empty list at once."""

    async def steps(fake, client):
        return await _answer(fake, slash("show", {"ref": ""}, focused="ref"))

    assert play(world, steps) == {"type": 8, "data": {"choices": []}}


def test_show_of_a_20_kb_practice_is_accepted_by_discord(world):
    """A practice with 20 kB in every field is shown within limits: the fake (which refuses
    oversized messages with 400 code 50035, as Discord does) accepts the callback."""
    with world.uow_factory() as uow:
        uow.practices.upsert_many([huge_practice("PB950")])
        uow.commit()

    async def steps(fake, client):
        payload = slash("show", {"ref": "PB950"})
        await fake.interact(payload)
        answered = await fake.callback(payload["id"])
        await fake.wait_for(lambda r: r.path.startswith("webhooks/"))
        return answered, fake.calls("POST", "webhooks/")

    answered, followups = play(world, steps)
    assert answered.status == 200
    embed, *_ = answered.body["data"]["embeds"]
    assert embed["title"].startswith("PB950 · title \\*\\*x\\*\\* @\u200beveryone")
    assert len(embed["title"]) == 256
    assert followups  # the rest of the practice follows, nothing cut away
    assert all(r.status == 200 for r in followups)
    assert refused_fields(answered.path, answered.body) == {}


def test_fake_refuses_a_message_over_discords_limits():
    """The fake's limit check itself: an over-long content or field value is named."""
    field = {"name": "n", "value": "v" * 1025}
    body = {"content": "x" * 2001, "embeds": [{"title": "t", "fields": [field]}]}
    assert set(refused_fields("channels/1/messages", body)) == {
        "content",
        "embeds.0.fields.0.value",
    }
