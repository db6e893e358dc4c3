"""Reply <-> JSON codec: every block survives the round trip exactly, hostile text included."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Buttons,
    CardDetail,
    Choice,
    Choices,
    FieldKind,
    Form,
    FormField,
    Paragraph,
    PracticeCard,
    Reply,
    Span,
    text,
)
from bot.kernel.reply_codec import FORMAT, ReplyDecodeError, reply_from_json, reply_to_json

HOSTILE = [
    "",
    "x" * 100_000,
    "\x00\x01\x07\x1b[31mred\x7f\x9f",
    "🚔🔪👮🏽‍♀️",
    "\u202eمرحبا بالعالم\u202c",
    "'; DROP TABLE practices; --",
    "<!channel> @everyone @here <@U123> <#C1|x> **bold** _it_ <script>alert(1)</script>",
    "line\r\nbreak\u2028sep",
    "\ud800 lone surrogate",
]


def full_practice(value: str = "Text") -> Practice:
    return Practice(
        ref="PB042",
        title=value,
        summary=value,
        effectiveness=Effectiveness.DIDNT_WORK,
        focus=(Focus.PREVENTION, Focus.LOCATION),
        topics=(value, "Knife crime"),
        organisation=value,
        region=value,
        partners=(value,),
        target_group=value,
        stage=value,
        start_date=date(2021, 2, 3),
        end_date=date(2023, 4, 5),
        aim=value,
        intended_outcome=value,
        description=value,
        evaluation=value,
        learning=value,
        resources=value,
        contact_name=value,
        contact_email=value,
        links=(value, "https://example.org/a?b=1"),
        linked_to=(LinkedTo.TILLEY_AWARD, LinkedTo.HMICFRS),
        visibility=Visibility.RESTRICTED,
        added_at=datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        updated_at=datetime(2024, 6, 1, tzinfo=UTC),
        reviewed_at=datetime(2025, 1, 1, 12, tzinfo=UTC),
        archived_at=datetime(2025, 2, 2, tzinfo=UTC),
        version=7,
    )


def every_block_reply(value: str) -> Reply:
    return Reply(
        blocks=(
            Paragraph(
                (
                    Span(value),
                    Span(value, bold=True),
                    Span(value, italic=True, link=value),
                    Span(value, bold=True, italic=True, link="https://example.org"),
                )
            ),
            PracticeCard(full_practice(value), CardDetail.FULL, rank=3),
            PracticeCard(Practice("PB001", value, value, Effectiveness.WORKED)),
            Buttons(
                (
                    Action(f"mod:approve:{value}", value, ActionStyle.PRIMARY),
                    Action("mod:reject:1", value, ActionStyle.DANGER),
                    Action("show:PB001", value),
                )
            ),
            Choices(value, (Choice("share:pick:worked", value), Choice(value, "Other"))),
            Form(
                id=f"mod:changes:{value}",
                title=value,
                submit_label=value,
                fields=(
                    FormField("note", value, FieldKind.LONG_TEXT, required=True, default=value),
                    FormField(
                        "effectiveness",
                        value,
                        FieldKind.CHOICE,
                        options=(("worked", value), (value, "Promising")),
                        default="worked",
                        max_length=20,
                    ),
                    FormField("focus", "Focus", FieldKind.MULTI_CHOICE, default="a,b"),
                    FormField("title", "Title"),
                ),
            ),
        ),
        private=False,
        replace=True,
    )


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_every_block_round_trips_hostile_text(value):
    """A reply with every kind of block and hostile text decodes to an equal reply."""
    reply = every_block_reply(value)

    assert reply_from_json(reply_to_json(reply)) == reply


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_round_trip_survives_json_text(value):
    """The encoding survives being written out as JSON text and read back."""
    reply = every_block_reply(value)

    assert reply_from_json(json.loads(json.dumps(reply_to_json(reply)))) == reply


def test_empty_reply_round_trips_with_its_defaults():
    """A reply without blocks keeps private=True and replace=False."""
    assert reply_from_json(reply_to_json(Reply())) == Reply()


def test_minimal_practice_card_keeps_absent_fields_absent():
    """A card of a practice with only required fields comes back with None and empty tuples."""
    reply = Reply((PracticeCard(Practice("PB7", "T", "S", Effectiveness.UNTESTED)),))

    decoded = reply_from_json(reply_to_json(reply))

    assert decoded == reply
    card = decoded.blocks[0]
    assert isinstance(card, PracticeCard)
    assert card.practice.organisation is None
    assert card.practice.focus == ()
    assert card.rank is None


def test_timestamps_keep_their_instant_and_zone():
    """A card's timestamps come back as the same aware datetimes."""
    practice = replace(full_practice(), added_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    decoded = reply_from_json(reply_to_json(Reply((PracticeCard(practice),))))

    card = decoded.blocks[0]
    assert isinstance(card, PracticeCard)
    assert card.practice.added_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert card.practice.added_at.tzinfo is not None


def test_encoding_is_tagged_plain_json():
    """The encoding is versioned and names each block's kind."""
    data = reply_to_json(Reply((text("Hi"), Buttons((Action("help", "Help"),)))))

    assert data == {
        "format": FORMAT,
        "private": True,
        "replace": False,
        "blocks": [
            {
                "type": "paragraph",
                "spans": [{"text": "Hi", "bold": False, "italic": False, "link": None}],
            },
            {"type": "buttons", "actions": [{"id": "help", "label": "Help", "style": "default"}]},
        ],
    }


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "reply",
        {},
        {"format": 99, "private": True, "replace": False, "blocks": []},
        {"format": FORMAT, "private": "yes", "replace": False, "blocks": []},
        {"format": FORMAT, "private": True, "replace": False, "blocks": "x"},
        {"format": FORMAT, "private": True, "replace": False, "blocks": [{"type": "video"}]},
        {"format": FORMAT, "private": True, "replace": False, "blocks": [{"type": "paragraph"}]},
        {
            "format": FORMAT,
            "private": True,
            "replace": False,
            "blocks": [{"type": "paragraph", "spans": [{"text": 5}]}],
        },
        {
            "format": FORMAT,
            "private": True,
            "replace": False,
            "blocks": [{"type": "buttons", "actions": [{"id": "a", "label": "b", "style": "x"}]}],
        },
        {
            "format": FORMAT,
            "private": True,
            "replace": False,
            "blocks": [{"type": "practice_card", "practice": {"ref": "PB1"}, "detail": "full"}],
        },
    ],
    ids=range(12),
)
def test_malformed_data_is_refused_with_a_decode_error(data):
    """Anything the codec did not write raises ReplyDecodeError, never a half-built reply."""
    with pytest.raises(ReplyDecodeError):
        reply_from_json(data)


def test_card_with_a_bad_date_is_refused():
    """A practice card whose date is not ISO text raises ReplyDecodeError."""
    data = reply_to_json(Reply((PracticeCard(full_practice()),)))
    data["blocks"][0]["practice"]["start_date"] = "yesterday"

    with pytest.raises(ReplyDecodeError, match="start_date"):
        reply_from_json(data)
