"""Answer lengths are counted as chat clients count a text box, so dialogue and modal agree."""

from __future__ import annotations

import pytest

from bot.sharing.questions import BY_FIELD, read_answer
from bot.sharing.validate import INVISIBLE_REASON, Invalid, length


def test_an_emoji_counts_as_two_as_slack_and_discord_count_it():
    """ "🚲" is two UTF-16 units, "é" one: the length a text box shows."""
    assert (length("🚲"), length("é"), length("abc")) == (2, 1, 3)


def test_a_title_of_100_emoji_is_taken_and_101_is_refused():
    """Up to 200 as the clients count: 100 bicycles fit, 101 are refused with the count."""
    title = BY_FIELD["title"]
    assert read_answer(title, "🚲" * 100) == "🚲" * 100
    refused = read_answer(title, "🚲" * 101)
    assert refused == Invalid(
        "That is 202 characters long; this answer can be at most 200. Please shorten it."
    )


def test_the_long_answers_allow_what_a_slack_text_input_holds():
    """Aim, what was done, evaluation and learning take 3000 characters, and no more."""
    for field in ("aim", "description", "evaluation", "learning"):
        question = BY_FIELD[field]
        assert read_answer(question, "x" * 3000) == "x" * 3000
        assert isinstance(read_answer(question, "x" * 3001), Invalid)


INVISIBLE_ONLY = [
    "\u200b",
    "\u2060\u2060",
    "\ufeff",
    " \u200b \u200c\u200d ",
    "\u202e\u202c",
    "\u2066\u2069",
    "\u3164",
    "\u200b\n\u2060\n\ufeff",
]
TEXT_FIELDS = ("title", "summary", "aim", "description", "learning", "organisation")


@pytest.mark.parametrize("raw", INVISIBLE_ONLY)
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_an_answer_of_only_invisible_characters_is_refused_for_what_it_is(field, raw):
    """Zero-width, word-joiner, BOM, bidi-only or filler answers show nothing, and say so."""
    assert read_answer(BY_FIELD[field], raw) == Invalid(INVISIBLE_REASON)


@pytest.mark.parametrize("field", ("topics", "partners", "links"))
def test_list_and_link_answers_of_zero_width_spaces_are_refused(field):
    """No reader takes an invisible answer: lists and links neither, separators or not."""
    assert read_answer(BY_FIELD[field], "\u200b, \u2060 ; \ufeff") == Invalid(INVISIBLE_REASON)
    assert read_answer(BY_FIELD[field], "\u200b\u2060") == Invalid(INVISIBLE_REASON)


def test_an_email_of_zero_width_spaces_is_refused_as_invisible():
    """The contact email is required: a zero-width answer is refused for what it is."""
    assert read_answer(BY_FIELD["contact_email"], "\u200b\ufeff") == Invalid(INVISIBLE_REASON)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Bike marking\u202e at stations", "Bike marking at stations"),
        ("\u2067منع الجريمة\u2069 in Leeds", "منع الجريمة in Leeds"),
        ("\u202aa\u202bb\u202cc\u202dd\u2066e\u2068f", "abcdef"),
        ("\ufeff\u200bStreet Triage\u200b", "Street Triage"),
        ("👮\u200d♀️ patrols", "👮\u200d♀️ patrols"),
    ],
)
def test_bidi_controls_are_dropped_and_invisible_ends_trimmed_before_storing(raw, stored):
    """Overrides and isolates go, emoji joiners inside text stay, zero-width ends go."""
    assert read_answer(BY_FIELD["title"], raw) == stored
    assert read_answer(BY_FIELD["description"], raw) == stored


def test_a_list_drops_invisible_items_and_bidi_controls():
    """`knife crime, \u200b, \u202edrugs` keeps two real topics."""
    assert read_answer(BY_FIELD["topics"], "knife crime, \u200b, \u202edrugs") == [
        "knife crime",
        "drugs",
    ]


def test_an_address_or_link_with_a_hidden_character_is_refused():
    """A zero-width space inside an email or a link would break it; both are refused."""
    assert isinstance(read_answer(BY_FIELD["contact_email"], "pat\u200b@force.police.uk"), Invalid)
    assert isinstance(read_answer(BY_FIELD["links"], "https://exa\u200bmple.org"), Invalid)


def test_an_empty_answer_is_still_called_empty():
    """Nothing typed at all keeps the plain reason."""
    assert read_answer(BY_FIELD["title"], "   ") == Invalid("That answer is empty.")
