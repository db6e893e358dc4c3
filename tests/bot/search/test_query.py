"""Parsing what people type into free text, inline filters and notices."""

from __future__ import annotations

import pytest

from bot.kernel.domain import Effectiveness, Focus, LinkedTo
from bot.search.model import SearchFilters
from bot.search.query import MAX_QUERY_CHARS, parse_filter_value, parse_query


def test_inline_filters_are_taken_out_of_the_text():
    """Focus and rating filters leave only the free words behind."""
    parsed = parse_query("knife crime focus:diversion rating:promising")
    assert parsed.text == "knife crime"
    assert parsed.filters == SearchFilters(
        effectiveness=frozenset({Effectiveness.PROMISING}), focus=frozenset({Focus.DIVERSION})
    )
    assert parsed.notices == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rating:didn't work", Effectiveness.DIDNT_WORK),
        ("rating:didnt", Effectiveness.DIDNT_WORK),
        ("works:not worked", Effectiveness.DIDNT_WORK),
        ('effectiveness:"did not work"', Effectiveness.DIDNT_WORK),
        ("rating:new", Effectiveness.UNTESTED),
        ("rating:untested", Effectiveness.UNTESTED),
        ("rating:innovative", Effectiveness.UNTESTED),
        ("rating:new or innovative", Effectiveness.UNTESTED),
        ("works:works", Effectiveness.WORKED),
        ("rating:worked", Effectiveness.WORKED),
        ("rating:Promising", Effectiveness.PROMISING),
        ("rating:promsing", Effectiveness.PROMISING),
    ],
)
def test_rating_aliases(text, expected):
    """Friendly wordings of a rating all map to the same effectiveness, leaving no text."""
    parsed = parse_query(text)
    assert parsed.filters.effectiveness == frozenset({expected})
    assert parsed.text == ""


def test_quoted_organisation_keeps_its_spaces():
    """`org:"Thames Valley"` is one organisation filter."""
    parsed = parse_query('org:"Thames Valley" night-time economy')
    assert parsed.filters.organisation == "Thames Valley"
    assert parsed.text == "night-time economy"


def test_linked_topic_and_several_values():
    """Comma-separated values are OR-ed within one filter."""
    parsed = parse_query("linked:smarter topic:vawg,knife focus:prevention,location")
    assert parsed.filters.linked_to == frozenset({LinkedTo.SMARTER_PRACTICE})
    assert parsed.filters.topics == frozenset({"vawg", "knife"})
    assert parsed.filters.focus == frozenset({Focus.PREVENTION, Focus.LOCATION})


def test_space_after_a_known_filter_name_is_allowed():
    """`focus: diversion` reads like `focus:diversion`."""
    parsed = parse_query("focus: diversion youth")
    assert parsed.filters.focus == frozenset({Focus.DIVERSION})
    assert parsed.text == "youth"


def test_unknown_filter_is_ignored_with_a_notice():
    """An unknown key that looks like a filter is dropped and explained."""
    parsed = parse_query("burglary colour:red")
    assert parsed.text == "burglary"
    assert parsed.filters.is_empty
    assert parsed.notices == (
        'I don\'t know the filter "colour:", so I ignored "colour:red". '
        "Filters I know: rating:, focus:, topic:, linked:, org:.",
    )


def test_unknown_value_is_ignored_with_a_notice():
    """A rating nobody uses becomes a notice, not an error."""
    parsed = parse_query("rating:fantastic burglary")
    assert parsed.filters.is_empty
    assert parsed.text == "burglary"
    assert parsed.notices == (
        '"rating:fantastic" is not a rating I know, so I ignored it. '
        "Try one of: worked, promising, untested (new or innovative), didn't work.",
    )


@pytest.mark.parametrize("text", ["meeting at 12:30", "see https://example.org/x", "ratio 3:1"])
def test_things_that_are_not_clearly_filters_stay_text(text):
    """Times, web addresses and ratios are searched as words."""
    parsed = parse_query(text)
    assert parsed.text == text
    assert parsed.filters.is_empty
    assert parsed.notices == ()


def test_empty_filter_value_gets_a_notice():
    """`focus:` with nothing after it is ignored and explained."""
    parsed = parse_query("focus:")
    assert parsed.text == ""
    assert parsed.notices == ('The filter "focus:" had no value, so I ignored it.',)


def test_very_long_input_is_cut_with_a_notice():
    """Input past the cap is not read, and the person is told."""
    parsed = parse_query("knife " * 20_000)
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert parsed.notices == (
        f"Your search was very long, so I only used its first {MAX_QUERY_CHARS} characters.",
    )


def test_control_and_direction_characters_become_spaces():
    """NULs, bidi overrides and zero-width joiners do not glue words together."""
    parsed = parse_query("knife\x00crime\u202edrugs\u200dgangs")
    assert parsed.text == "knife crime drugs gangs"


def test_sql_is_plain_text_and_mentions_carry_no_weight():
    """Injection attempts are just words to search for; mentions are dropped from the words."""
    parsed = parse_query("'; DROP TABLE practices;-- <@here> <!channel>")
    assert parsed.text == "'; DROP TABLE practices;--"
    assert parsed.filters.is_empty


def test_parse_filter_value_accepts_aliases():
    """Structured callers get the same aliases as inline filters."""
    assert (
        parse_filter_value("effectiveness", "didn't work", Effectiveness)
        is Effectiveness.DIDNT_WORK
    )
    assert parse_filter_value("focus", "prevent", Focus) is Focus.PREVENTION
    assert (
        parse_filter_value("linked_to", "smarter_practice", LinkedTo) is LinkedTo.SMARTER_PRACTICE
    )


def test_parse_filter_value_rejects_unknown_values_in_plain_words():
    """An unknown value raises ValueError naming what is accepted."""
    with pytest.raises(ValueError) as raised:
        parse_filter_value("focus", "sideways", Focus)
    assert str(raised.value) == (
        '"sideways" is not a focus I know. '
        "Try one of: prevention, diversion, reoffending, organisational, location."
    )
