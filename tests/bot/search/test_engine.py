"""PracticeSearch over the demo bank: ranking, typos, glossary, filters, visibility and paging."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bench.common import load_demo_bank
from bot.kernel.domain import Effectiveness, Focus, Practice, Visibility
from bot.kernel.ports import GlossaryEntry
from bot.search.engine import EMPTY_QUERY_NOTICE, MAX_LIMIT, PracticeSearch
from bot.search.glossary import Glossary, load_shipped_glossary
from bot.search.model import SearchFilters


@pytest.fixture(scope="module")
def bank() -> list[Practice]:
    return load_demo_bank()


@pytest.fixture(scope="module")
def search(bank) -> PracticeSearch:
    return PracticeSearch(bank, load_shipped_glossary())


def refs(result) -> list[str]:
    return [hit.practice.ref for hit in result.hits]


def test_exact_title_comes_first(search):
    """Typing a title finds that practice first."""
    result = search.search("Habitual knife carrier index", include_restricted=False)
    assert refs(result)[0] == "PB017"


def test_misspelt_words_are_corrected(search):
    """ "knfe crime" finds the knife crime practices; "knife crime" would list the same two, so
    no "did you mean" is offered."""
    result = search.search("knfe crime", include_restricted=False)
    assert set(refs(result)[:2]) == {"PB017", "PB058"}
    assert search.search("knife crime", include_restricted=False).total == result.total == 2
    assert result.did_you_mean is None


def test_misspelt_catalytic_converter_is_first(search):
    """ "catalitic convertor" puts the catalytic converter practice first."""
    result = search.search("catalitic convertor", include_restricted=False)
    assert refs(result)[0] == "PB046"
    assert result.did_you_mean is None  # the correction would find PB046 alone, as this does


def test_correctly_spelt_query_has_no_did_you_mean(search):
    """No correction is offered when the words are in the bank."""
    assert search.search("knife crime", include_restricted=False).did_you_mean is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ASB", {"PB055", "PB060"}),
        ("VAWG", {"PB013", "PB042"}),
        ("NTE", {"PB013", "PB049", "PB021"}),
        ("RASSO", {"PB014", "PB043", "PB044"}),
        ("stabbing", {"PB017", "PB058"}),
        ("break-in", {"PB011", "PB032", "PB041"}),
    ],
)
def test_acronyms_and_synonyms_find_what_they_stand_for(search, text, expected):
    """Glossary terms reach practices that only use the long form or a synonym."""
    result = search.search(text, include_restricted=False)
    assert set(refs(result)[: len(expected)]) == expected


def test_runtime_glossary_entry_is_used(bank):
    """A moderator's new entry changes what a query finds."""
    plain = PracticeSearch(bank, load_shipped_glossary())
    taught = PracticeSearch(
        bank, load_shipped_glossary().merged([GlossaryEntry("wave breaker", "jetskis", "mod")])
    )
    assert refs(plain.search("wave breaker", include_restricted=False))[:1] != []
    assert refs(taught.search("wave breaker", include_restricted=False))[0] == "PB055"
    assert refs(taught.search("zzjetboat", include_restricted=False)) == []


def test_inline_filters_restrict_the_results(search):
    """`focus:diversion` keeps only diversion practices."""
    result = search.search("knife crime focus:diversion", include_restricted=False)
    assert refs(result)[0] == "PB017"
    assert all(Focus.DIVERSION in hit.practice.focus for hit in result.hits)
    assert result.filters.focus == frozenset({Focus.DIVERSION})


def test_structured_and_inline_filters_combine(search):
    """Filters passed in and filters typed are AND-ed across kinds."""
    result = search.search(
        "domestic abuse focus:reoffending",
        SearchFilters(effectiveness=frozenset({Effectiveness.UNTESTED})),
        include_restricted=False,
    )
    assert refs(result)[0] == "PB052"
    assert all(
        hit.practice.effectiveness is Effectiveness.UNTESTED
        and Focus.REOFFENDING in hit.practice.focus
        for hit in result.hits
    )


def test_without_filters_counts_matches_if_filters_were_dropped(search):
    """When filters leave nothing, the result says how many the words alone match."""
    result = search.search("catalytic converters rating:didnt", include_restricted=False)
    assert result.hits == ()
    assert result.total == 0
    assert (
        result.without_filters
        == search.search("catalytic converters", include_restricted=False).total
    )


def test_filters_only_lists_by_ref(search):
    """Empty text with a filter lists the matching practices in ref order."""
    result = search.search("org:sussex", include_restricted=False, limit=10)
    assert refs(result) == ["PB017"]
    result = search.search("linked:smarter", include_restricted=False, limit=50)
    assert refs(result) == ["PB002", "PB009", "PB013", "PB017", "PB020", "PB039", "PB042"]
    assert result.total == 7


def test_topic_filter_understands_glossary_terms(search):
    """`topic:vawg` matches practices tagged "Violence against women and girls"."""
    result = search.search("topic:vawg", include_restricted=False)
    assert refs(result) == ["PB013", "PB042"]


def test_empty_query_without_filters_explains(search):
    """Nothing typed gives an empty result with a hint."""
    result = search.search("   ", include_restricted=False)
    assert result.hits == ()
    assert result.total == 0
    assert result.notices == (EMPTY_QUERY_NOTICE,)


def test_unknown_filter_notice_reaches_the_result(search):
    """Notices from parsing travel with the result."""
    result = search.search("burglary colour:red", include_restricted=False)
    assert refs(result)[0] in {"PB011", "PB032", "PB041"}
    assert len(result.notices) == 1
    assert result.notices[0].startswith('I don\'t know the filter "colour:"')


def test_restricted_practices_only_when_allowed(bank):
    """A restricted practice is hidden unless the workspace may see it."""
    hidden = [replace(p, visibility=Visibility.RESTRICTED) if p.ref == "PB017" else p for p in bank]
    search = PracticeSearch(hidden, load_shipped_glossary())
    assert "PB017" not in refs(search.search("knife", include_restricted=False))
    assert "PB017" in refs(search.search("knife", include_restricted=True))
    assert "PB017" not in refs(search.search("org:sussex", include_restricted=False))


def test_archived_practices_never_appear(bank):
    """Archived practices are not searchable even with restricted access."""
    archived = [
        replace(p, archived_at=datetime(2025, 1, 1, tzinfo=UTC)) if p.ref == "PB046" else p
        for p in bank
    ]
    search = PracticeSearch(archived, load_shipped_glossary())
    result = search.search("catalytic converters", include_restricted=True)
    assert "PB046" not in refs(result)


def test_pages_follow_on_without_overlap(search):
    """Page two continues where page one stopped."""
    whole = search.search("victims", include_restricted=False, limit=10)
    first = search.search("victims", include_restricted=False, limit=5)
    second = search.search("victims", include_restricted=False, limit=5, offset=5)
    assert refs(first) + refs(second) == refs(whole)
    assert first.has_more
    assert second.offset == 5
    assert first.total == whole.total


def test_limit_is_capped(search):
    """A huge limit is cut to the maximum page size."""
    result = search.search("police", include_restricted=False, limit=10_000)
    assert len(result.hits) == min(MAX_LIMIT, result.total)


def test_negative_paging_is_treated_as_first_page(search):
    """Negative offsets and limits do not raise."""
    result = search.search("police", include_restricted=False, limit=-3, offset=-7)
    assert result.hits == ()
    assert result.offset == 0


def test_scores_are_descending(search):
    """Best answer first."""
    scores = [hit.score for hit in search.search("domestic abuse", include_restricted=False).hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0


def test_empty_bank_returns_nothing():
    """A bank with no practices answers every query with no hits."""
    search = PracticeSearch([], Glossary())
    result = search.search("knife crime", include_restricted=True)
    assert result.hits == ()
    assert result.total == 0


HOSTILE = [
    "",
    "x" * 100_000,
    "knife " * 20_000,
    "\x00\x01\x02\x1b[31mknife\x7f",
    "🔪🔪 knife 🚓 crime 👮‍♀️",
    "סכין פשע \u202eknife\u202c",
    "سكين جريمة",
    "'; DROP TABLE practices; --",
    '" OR 1=1 --',
    "<script>alert(1)</script> <@U123> <!channel> @everyone @here",
    "**bold** _it_ `code` [link](http://x)",
    'focus:"unterminated',
    "rating: org: topic:",
    ":::: ,,,, ----",
    "\ud800 lone surrogate",
    "k" * 5_000 + " " + "z" * 5_000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_raises(search, text):
    """Any string gives a well-formed result within the page size."""
    result = search.search(text, include_restricted=False, limit=5)
    assert len(result.hits) <= 5
    assert result.total + result.partial_total >= len(result.hits)
    assert len(result.text) <= 1_000
    assert all(len(notice) < 300 for notice in result.notices)


def test_long_query_says_words_were_dropped(search):
    """Past the word cap the person is told the rest was ignored."""
    text = " ".join(f"word{i}" for i in range(40))
    result = search.search(text, include_restricted=False)
    assert "I used the first 12 words of your search and ignored the rest." in result.notices


def test_did_you_mean_keeps_the_filters(search):
    """The corrected query can be re-run as it stands."""
    result = search.search("dometic abuse focus:prevention", include_restricted=False)
    assert result.did_you_mean == "domestic abuse focus:prevention"


def test_listing_orders_refs_numerically(bank):
    """PB999 comes before PB1000 when listing by filters."""
    renamed = [replace(bank[0], ref="PB1000"), replace(bank[1], ref="PB999")]
    search = PracticeSearch(renamed, Glossary())
    result = search.search("rating:promising", include_restricted=False)
    assert refs(result) == ["PB999", "PB1000"]


@pytest.mark.parametrize(
    "text", ["what about PB046?", "pb46 please", "tell me about PB-046", "PB046 knife"]
)
def test_a_ref_named_in_the_query_comes_first(search, text):
    """A practice ref written inside a longer query puts that practice first."""
    result = search.search(text, include_restricted=False)
    assert refs(result)[0] == "PB046"
    assert result.total >= 1


def test_refs_named_keep_their_order_and_other_matches_follow(search):
    """Two refs come first in the order named; the words' own matches follow, without repeats."""
    result = search.search("knife PB017 and PB046", include_restricted=False, limit=10)
    found = refs(result)
    assert found[:2] == ["PB017", "PB046"]
    assert "PB058" in found[2:]
    assert len(found) == len(set(found))


def test_a_named_ref_still_obeys_filters_and_restriction(bank):
    """A named ref outside the filters, or restricted, is not pinned."""
    restricted = replace(bank[45], visibility=Visibility.RESTRICTED)
    hidden = PracticeSearch([*bank[:45], restricted, *bank[46:]], load_shipped_glossary())
    assert "PB046" not in refs(hidden.search("what about PB046", include_restricted=False))
    assert refs(hidden.search("what about PB046", include_restricted=True))[0] == "PB046"
    search = PracticeSearch(bank, load_shipped_glossary())
    assert "PB046" not in refs(search.search("PB046 focus:diversion", include_restricted=False))


def test_an_unknown_ref_in_the_query_changes_nothing(search):
    """A ref that no practice has is just a word."""
    assert refs(search.search("PB999 catalytic", include_restricted=False))[0] == "PB046"
