"""Rendering core replies for Discord: embed limits, colours, escaping and components."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.discord.render import (
    ButtonSpec,
    SelectSpec,
    escape,
    render_card,
    render_full_card,
    render_reply,
)
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.kernel.replies import (
    Action,
    Buttons,
    CardDetail,
    Choice,
    Choices,
    PracticeCard,
    Reply,
    text,
)
from practicebank.bootstrap import discord_config, discord_workspace_seed
from practicebank.settings import SettingsError, settings_from
from tests.adapters.discord.harness import huge_practice

HUGE = "x" * 100_000
HOSTILE = [
    "",
    HUGE,
    "bell\x07 nul\x00 esc\x1b[31m",
    "🚓🚲 emoji",
    "\u202eright-to-left \u05e9\u05dc\u05d5\u05dd",
    "'; DROP TABLE practices; --",
    "@everyone @here <@&123456789012345678> <@123456789012345678> **bold** `code` ||spoiler||",
]
# The fields of `huge_practice()`'s full card: the inline four first, then the core's order.
HUGE_FIELDS = [
    "Effectiveness",
    "Focus",
    "Organisation",
    "Linked to",
    "Topics",
    "Region",
    "Partners",
    "Target group",
    "Stage",
    "Started",
    "Ended",
    "Aim",
    "Intended outcome",
    "What was done",
    "Evaluation",
    "Learning",
    "Resources",
    "Contact",
    "Contact email",
    "Links",
    "Updated",
    "Reviewed",
]


def _practice(**changes) -> Practice:
    values = dict(
        ref="PB900",
        title="Knife crime diversion",
        summary="A summary.",
        effectiveness=Effectiveness.WORKED,
        focus=(Focus.DIVERSION,),
        organisation="Example Police",
        linked_to=(LinkedTo.TILLEY_AWARD,),
    )
    values.update(changes)
    return Practice(**values)


def _within_limits(embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in data.get("fields", []))
    assert len(embed) <= 6000


def test_summary_card_is_coloured_by_effectiveness_with_its_fields():
    """A summary card: green for worked, fields effectiveness, focus, organisation, linked-to."""
    embed = render_card(PracticeCard(_practice(), rank=2)).to_dict()
    assert embed["title"] == "2. PB900 · Knife crime diversion"
    assert embed["color"] == 0x2E7D32
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [
        ("Effectiveness", "Worked"),
        ("Focus", "Diversion"),
        ("Organisation", "Example Police"),
        ("Linked to", "Tilley award"),
    ]


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_full_card_of_hostile_text_stays_within_discords_limits(hostile):
    """Whatever a practice holds, its full card fits Discord's embed limits."""
    practice = _practice(
        title=hostile or "t",
        summary=hostile or "s",
        description=hostile or None,
        evaluation=HUGE,
        learning=HUGE,
        aim=HUGE,
        topics=tuple(hostile for _ in range(3)) if hostile else (),
    )
    _within_limits(render_card(PracticeCard(practice, CardDetail.FULL)))


def test_mentions_and_markdown_in_user_text_are_made_inert():
    """@everyone, @here, role and user mentions are broken; markdown is escaped."""
    shown = escape("@everyone @here <@&123456789012345678> **bold** ||x||")
    assert "@everyone" not in shown and "@here" not in shown
    assert "<@&123456789012345678>" not in shown
    assert "\\*\\*bold\\*\\*" in shown
    assert "\\|\\|x\\|\\|" in shown


def test_many_cards_are_split_across_messages_within_limits():
    """Twelve full cards of long text make several messages, none over ten embeds or 6,000."""
    cards = tuple(
        PracticeCard(_practice(ref=f"PB{n:03d}", summary=HUGE), CardDetail.FULL) for n in range(12)
    )
    rendered = render_reply(Reply((text("Many"), *cards, Buttons((Action("show:PB001", "A"),)))))
    assert len(rendered.messages) > 1
    for message in rendered.messages:
        assert len(message.embeds) <= 10
        assert sum(len(e) for e in message.embeds) <= 6000
    assert rendered.messages[0].content == "Many"
    assert rendered.anchor == 0
    assert rendered.messages[0].components == [ButtonSpec("show:PB001", "A")]


def test_choices_become_a_select_menu_of_action_ids():
    """A choice list is a select menu whose values are the choices' action ids."""
    reply = Reply((Choices("Pick a focus", (Choice("share:pick:prevention", "Prevention"),)),))
    rendered = render_reply(reply)
    assert rendered.messages[0].components == [
        SelectSpec("dc:choice:0", "Pick a focus", (("Prevention", "share:pick:prevention"),))
    ]


def test_buttons_beyond_five_rows_are_dropped_not_fatal():
    """Thirty buttons render as the twenty-five Discord can show."""
    actions = tuple(Action(f"show:PB{n:03d}", f"B{n}") for n in range(30))
    (message,) = render_reply(Reply((Buttons(actions),))).messages
    assert len(message.components) == 25


def test_config_requires_a_token():
    """Without DISCORD_TOKEN the adapter refuses to start, naming the variable."""
    with pytest.raises(SettingsError, match="DISCORD_TOKEN"):
        discord_config(settings_from({}))


def test_config_reads_endpoints_and_guild_settings():
    """The endpoints and the guild's moderation settings come from the environment."""
    settings = settings_from(
        {
            "DISCORD_TOKEN": "t",
            "DISCORD_API_URL": "http://127.0.0.1:9/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway",
            "DISCORD_GUILD_ID": "42",
            "DISCORD_MODERATION_CHANNEL_ID": "43",
            "DISCORD_MODERATOR_ROLES": "Practice moderators, Admins",
        }
    )
    config = discord_config(settings)
    assert config.api_url == "http://127.0.0.1:9/api/v10"
    assert config.gateway_url == "ws://127.0.0.1:9/gateway"
    seed = discord_workspace_seed(settings)
    assert seed is not None
    assert (seed.workspace_id, seed.moderation_channel) == ("42", "43")
    assert seed.moderator_roles == ("Practice moderators", "Admins")


def test_config_refuses_a_guild_id_that_is_not_a_snowflake():
    """DISCORD_GUILD_ID must be digits."""
    with pytest.raises(SettingsError, match="DISCORD_GUILD_ID"):
        settings_from({"DISCORD_TOKEN": "t", "DISCORD_GUILD_ID": "my guild"})


def test_practice_of_20_kb_in_every_field_fits_every_embed_limit():
    """Every field 20 kB: title, description, fields and the 6,000 total stay within limits."""
    practice = huge_practice()
    for detail in CardDetail:
        embed = render_card(PracticeCard(practice, detail, rank=1))
        _within_limits(embed)
        data = embed.to_dict()
        assert len(data["title"]) == 256 and data["title"].endswith("…")
        assert data["description"].endswith("…")
        assert data["fields"][2]["name"] == "Organisation"
        assert data["fields"][2]["value"].endswith("…")


def test_full_card_of_a_huge_practice_shows_every_field_cut_fairly():
    """The full card of a 20 kB practice shows all 22 fields, the long ones cut to equal shares."""
    data = render_card(PracticeCard(huge_practice(), CardDetail.FULL)).to_dict()
    assert [f["name"] for f in data["fields"]] == HUGE_FIELDS
    long_ones = [len(f["value"]) for f in data["fields"] if f["value"].endswith("…")]
    shares = [len(data["description"]), *long_ones]
    assert max(shares) - min(shares) <= 1  # one fair share each (less a trailing space cut)
    assert len(data["description"]) > 300


def test_restricted_huge_practice_keeps_its_footer_within_limits():
    """The police-only footer is never cut away by long text."""
    embed = render_card(
        PracticeCard(replace(huge_practice(), visibility=Visibility.RESTRICTED), CardDetail.FULL)
    )
    _within_limits(embed)
    assert embed.footer.text == "Restricted: police only"


def test_card_in_a_small_budget_drops_trailing_fields_rather_than_showing_slivers():
    """With room for little, the card keeps its first fields readable and drops the rest."""
    embed = render_card(PracticeCard(huge_practice(), CardDetail.FULL), budget=600)
    assert len(embed) <= 600
    values = [f["value"] for f in embed.to_dict()["fields"]]
    assert 0 < len(values) < len(HUGE_FIELDS)
    assert all(len(v) >= 10 for v in values)


def test_reply_of_ten_20_kb_practices_is_given_whole_within_message_limits():
    """Ten 20 kB full cards and 100 kB of text: every message within limits, no text lost."""
    cards = tuple(PracticeCard(huge_practice(f"PB{n:03d}"), CardDetail.FULL) for n in range(3))
    rendered = render_reply(Reply((text(HUGE), *cards)))
    for message in rendered.messages:
        assert len(message.content) <= 2000
        assert len(message.embeds) <= 10
        assert sum(len(e) for e in message.embeds) <= 6000
        for embed in message.embeds:
            _within_limits(embed)
    shown = "".join(m.content for m in rendered.messages)
    assert _letters(shown) == _letters(escape(HUGE))


def _letters(value: str) -> str:
    return "".join(value.split())


def test_full_card_of_a_huge_practice_gives_every_field_in_full():
    """A 20 kB practice's full card continues over embeds: each field's whole text is there."""
    practice = huge_practice()
    embeds = render_full_card(PracticeCard(practice, CardDetail.FULL))
    assert len(embeds) > 1
    for embed in embeds:
        _within_limits(embed)
    texts = "".join(
        (e.description or "") + "".join(f.value or "" for f in e.fields) for e in embeds
    )
    for value in (practice.summary, practice.description, practice.learning, practice.evaluation):
        assert _letters(escape(value)) in _letters(texts)


def test_full_card_that_fits_stays_one_embed():
    """A practice of ordinary length is one embed, exactly as the one-embed card."""
    card = PracticeCard(_practice(), CardDetail.FULL)
    assert [e.to_dict() for e in render_full_card(card)] == [render_card(card).to_dict()]


def test_full_card_puts_version_among_fields_and_visibility_in_the_footer():
    """An updated, restricted practice: Version is a field, police-only is the footer only."""
    practice = _practice(visibility=Visibility.RESTRICTED, version=2, topics=("Knife crime",))
    data = render_card(PracticeCard(practice, CardDetail.FULL)).to_dict()
    assert [(f["name"], f["value"], f["inline"]) for f in data["fields"]] == [
        ("Effectiveness", "Worked", True),
        ("Focus", "Diversion", True),
        ("Organisation", "Example Police", True),
        ("Linked to", "Tilley award", True),
        ("Topics", "Knife crime", False),
        ("Version", "2", False),
    ]
    assert data["footer"]["text"] == "Restricted: police only"
