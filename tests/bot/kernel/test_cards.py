"""What a practice card shows: its rows, their order and labels, and how values read as text."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

import pytest

from bot.kernel.cards import CARD_FIELDS, CardRow, card_rows, field_text
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.kernel.replies import CardDetail
from tests.support.hostile import HOSTILE_TEXT


def _practice(**changes: object) -> Practice:
    values: dict[str, object] = dict(
        ref="PB900",
        title="Knife crime diversion",
        summary="A summary.",
        effectiveness=Effectiveness.WORKED,
    )
    values.update(changes)
    return Practice(**values)  # type: ignore[arg-type]


FULL = _practice(
    focus=(Focus.DIVERSION, Focus.PREVENTION),
    topics=("Knife crime",),
    organisation="Example Police",
    start_date=date(2021, 4, 1),
    learning="Start small.",
    linked_to=(LinkedTo.TILLEY_AWARD, LinkedTo.HMICFRS),
    visibility=Visibility.RESTRICTED,
    added_at=datetime(2024, 1, 2, 23, 59, tzinfo=UTC),
    version=3,
)


def test_every_practice_field_but_the_card_head_has_one_card_field():
    """Each Practice field except ref, title and summary is on the card exactly once."""
    names = [card_field.name for card_field in CARD_FIELDS]
    practice_names = {f.name for f in fields(Practice)} - {"ref", "title", "summary"}
    assert sorted(names) == sorted(practice_names)


def test_full_card_rows_follow_the_card_order_and_skip_empty_fields():
    """A full card lists each filled field, labelled, in CARD_FIELDS order."""
    assert card_rows(FULL) == [
        CardRow("Effectiveness", "effectiveness", "Worked"),
        CardRow("Focus", "focus", "Diversion, Prevention"),
        CardRow("Topics", "topics", "Knife crime"),
        CardRow("Organisation", "organisation", "Example Police"),
        CardRow("Started", "start_date", "2021-04-01"),
        CardRow("Learning", "learning", "Start small."),
        CardRow("Linked to", "linked_to", "Tilley award, HMICFRS"),
        CardRow("Added", "added_at", "2024-01-02"),
        CardRow("Version", "version", "3"),
        CardRow("Visibility", "visibility", "restricted: police only"),
    ]


def test_summary_card_rows_are_the_headline_facts():
    """A summary card keeps effectiveness, focus, organisation and linked-to only."""
    assert [row.name for row in card_rows(FULL, CardDetail.SUMMARY)] == [
        "effectiveness",
        "focus",
        "organisation",
        "linked_to",
    ]


def test_a_bare_practice_shows_only_its_effectiveness():
    """First version and public visibility are the norm and go unsaid, like empty fields."""
    assert card_rows(_practice()) == [CardRow("Effectiveness", "effectiveness", "Worked")]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Effectiveness.UNTESTED, "Untested – new or innovative"),
        (Effectiveness.DIDNT_WORK, "Didn't work"),
        ((Focus.LOCATION, Focus.REOFFENDING), "Location, Reoffending"),
        ((LinkedTo.POLICE_STAR_FUND,), "Police STAR fund"),
        ((), ""),
        (("a", "b, c"), "a, b, c"),
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "2025-12-31"),
        (date(2020, 2, 29), "2020-02-29"),
        (Visibility.PUBLIC, "public"),
        (Visibility.RESTRICTED, "restricted: police only"),
        (2, "2"),
    ],
)
def test_field_text_reads_each_kind_of_value(value, text):
    """Lists join with commas, closed lists show labels, timestamps show their date."""
    assert field_text(value) == text


@pytest.mark.parametrize(
    "hostile", [t for t in HOSTILE_TEXT if t], ids=range(len(HOSTILE_TEXT) - 1)
)
def test_hostile_text_reaches_the_renderer_unchanged(hostile):
    """Rows carry user text as it is: escaping is each platform renderer's job."""
    rows = card_rows(_practice(region=hostile, partners=(hostile,)))
    assert [row for row in rows if row.name in {"region", "partners"}] == [
        CardRow("Region", "region", hostile),
        CardRow("Partners", "partners", hostile),
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"region": ""},
        {"region": " \t\n "},
        {"partners": ()},
        {"partners": ("", " ")},
        {"end_date": None},
    ],
)
def test_blank_fields_have_no_row(changes):
    """A field with nothing to read (blank text, an empty or blank list) is left off the card."""
    assert card_rows(_practice(**changes)) == [CardRow("Effectiveness", "effectiveness", "Worked")]
