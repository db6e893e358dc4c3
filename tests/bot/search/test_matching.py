"""What a search matches: meaning rather than a shared word, honest when nothing matches."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.common import load_demo_bank
from bot.kernel.domain import Effectiveness, Focus, Practice, Visibility
from bot.search.engine import PracticeSearch
from bot.search.glossary import load_shipped_glossary

COUNTY_LINES = Practice(
    ref="PB700",
    title="Disrupting county lines drug dealing from the city",
    summary="Partners trace phones used to run drugs into market towns and safeguard the children "
    "recruited to carry them.",
    effectiveness=Effectiveness.PROMISING,
    focus=(Focus.PREVENTION,),
)
# A restricted practice whose distinctive word nothing public uses.
COVERT = Practice(
    ref="PB901",
    title="Zephyrine covert observation posts",
    summary="Officers staff zephyrine observation posts overlooking repeat burglary streets.",
    effectiveness=Effectiveness.UNTESTED,
    focus=(Focus.PREVENTION,),
    visibility=Visibility.RESTRICTED,
)


@pytest.fixture(scope="module")
def search() -> PracticeSearch:
    return PracticeSearch(load_demo_bank(), load_shipped_glossary())


@pytest.fixture(scope="module")
def with_covert() -> PracticeSearch:
    return PracticeSearch([*load_demo_bank(), COVERT], load_shipped_glossary())


def refs(result) -> list[str]:
    return [hit.practice.ref for hit in result.hits]


def test_suicide_puts_the_motorway_bridges_practice_first_not_self_leadership(search):
    """ "suicide" shows the motorway bridges practice first and never the self-leadership one."""
    result = search.search("suicide", include_restricted=False, limit=10)
    assert refs(result)[0] == "PB053"
    assert result.hits[0].practice.title == "Suicide prevention focused on motorway bridges"
    assert "PB050" not in refs(result)


def test_ocg_finds_organised_crime_not_pedals(search):
    """ "OCG" finds Clear, hold, build and does not bring PeDALS (it only shares "groups")."""
    result = search.search("OCG", include_restricted=False, limit=10)
    assert refs(result)[0] == "PB009"
    assert "PB040" not in refs(result)


def test_county_lines_puts_a_county_lines_practice_first():
    """With a county-lines practice in the bank, "county lines" shows it first."""
    search = PracticeSearch([*load_demo_bank(), COUNTY_LINES], load_shipped_glossary())
    result = search.search("county lines", include_restricted=False, limit=10)
    assert refs(result)[0] == "PB700"
    assert "PB026" not in refs(result)


def test_county_lines_on_the_demo_bank_is_an_honest_nothing(search):
    """The demo bank has no county-lines practice, so nothing is offered as an answer."""
    result = search.search("county lines", include_restricted=False, limit=10)
    assert result.total == 0
    assert all(hit.match == "partial" for hit in result.hits)


def test_everyone_mention_returns_what_burglary_returns(search):
    """ "@everyone burglary" gives exactly the results of "burglary"."""
    plain = search.search("burglary", include_restricted=False, limit=10)
    noisy = search.search("@everyone burglary", include_restricted=False, limit=10)
    assert refs(noisy) == refs(plain)
    assert (noisy.total, noisy.partial_total) == (plain.total, plain.partial_total) == (3, 0)


@pytest.mark.parametrize(
    "noisy",
    [
        "<@U024BE7LH> burglary",
        "<!here> burglary",
        "<!channel> <@U1|alice> burglary",
        "<#C0123|general> burglary",
        "<@&123456> <@!98765> burglary",
        "*burglary*",
        "_burglary_ ~please~",
        "`burglary`",
        "hi all, has anyone got anything on burglary please?",
        ":wave: burglary :pray:",
        "@here @someone burglary",
    ],
)
def test_mentions_markup_and_chat_words_carry_no_weight(search, noisy):
    """Mentions, emphasis, emoji codes and chat words around a query change nothing."""
    plain = search.search("burglary", include_restricted=False, limit=10)
    assert refs(search.search(noisy, include_restricted=False, limit=10)) == refs(plain)


def test_a_link_keeps_its_label_as_words(search):
    """A pasted Slack link searches for its label, not its address."""
    result = search.search("<https://example.org/x|catalytic converters>", include_restricted=False)
    assert refs(result)[0] == "PB046"


def test_common_words_alone_make_no_match(search):
    """ "hate crime" finds nothing: "crime" is common across the bank and "hate" matches nothing."""
    result = search.search("hate crime", include_restricted=False, limit=10)
    assert (result.total, result.partial_total, result.hits) == (0, 0, ())


def test_a_query_of_common_words_still_finds_them(search):
    """When every word is common ("crime"), those words are what is asked about."""
    result = search.search("crime", include_restricted=False, limit=10)
    assert result.total == 11
    assert {hit.match for hit in result.hits} == {"full"}


def test_partial_matches_come_after_every_full_match(search):
    """ "burglary leaflets" puts the practice with both words first, then those with one."""
    result = search.search("burglary leaflets", include_restricted=False, limit=10)
    matches = [hit.match for hit in result.hits]
    assert refs(result)[0] == "PB032"
    assert matches == sorted(matches)  # "full" sorts before "partial"
    assert result.total == 1
    assert result.partial_total == len(result.hits) - 1 >= 2


def test_no_full_match_gives_only_closest_partial_ones(search):
    """ "knife arches" matches no practice fully; the knife practices are offered as partial."""
    result = search.search("knife arches", include_restricted=False, limit=10)
    assert result.total == 0
    assert sorted(refs(result)) == ["PB017", "PB058"]
    assert {hit.match for hit in result.hits} == {"partial"}


def test_paging_runs_from_full_into_partial_matches(search):
    """The second page continues where the first stopped, across full and partial matches."""
    first = search.search("burglary leaflets", include_restricted=False, limit=2)
    second = search.search("burglary leaflets", include_restricted=False, limit=2, offset=2)
    everything = search.search("burglary leaflets", include_restricted=False, limit=10)
    assert refs(first) + refs(second) == refs(everything)[:4]
    assert first.has_more


def test_a_glossary_phrase_needs_all_its_words(search):
    """ "MAPPA" (multi-agency public protection arrangements) is not matched by "public" alone."""
    result = search.search("MAPPA", include_restricted=False, limit=10)
    assert result.hits == ()


def test_did_you_mean_is_offered_when_the_correction_finds_more_full_matches(search):
    """ "dometic violence" matches one practice fully; "domestic violence" (a glossary phrase
    once spelt right) matches seven, so the correction is offered."""
    result = search.search("dometic violence", include_restricted=False)
    corrected = search.search("domestic violence", include_restricted=False)
    assert (result.total, corrected.total) == (1, 7)
    assert result.did_you_mean == "domestic violence"


def test_did_you_mean_is_offered_when_the_typed_query_has_no_full_match(search):
    """ "dometic violence focus:reoffending" matches nothing fully; the correction, filter kept,
    matches two, so it is offered (the rule used to need a full match before offering one)."""
    result = search.search("dometic violence focus:reoffending", include_restricted=False)
    corrected = search.search("domestic violence focus:reoffending", include_restricted=False)
    assert (result.total, corrected.total) == (0, 2)
    assert result.did_you_mean == "domestic violence focus:reoffending"


def test_did_you_mean_is_not_offered_when_the_correction_lists_the_same_practices(search):
    """ "stalkng" already finds what "stalking" finds: a button that changes nothing is left out."""
    result = search.search("stalkng", include_restricted=False, limit=10)
    corrected = search.search("stalking", include_restricted=False, limit=10)
    assert refs(result) == refs(corrected)
    assert refs(result)[0] == "PB018"
    assert result.did_you_mean is None


def test_did_you_mean_is_not_offered_for_typos_already_searched_as_corrected(search):
    """A correction whose full matches are all among the typed query's finds nothing better."""
    for typed in ("knfe crime", "oficers", "burglray", "antisocial behavor", "<@U1> knfe"):
        result = search.search(typed, include_restricted=False)
        assert (typed, result.did_you_mean) == (typed, None)


def test_did_you_mean_is_not_offered_when_the_correction_finds_no_full_match(search):
    """A correction that would still leave no exact match is not proposed."""
    result = search.search("hate stalkng", include_restricted=False)
    assert result.total == 0
    assert result.did_you_mean is None


@pytest.mark.parametrize("word", ["policing", "stalker", "sergeants", "jetskis"])
def test_a_word_the_bank_or_glossary_knows_is_never_corrected(search, word):
    """A word the bank or the glossary knows is searched as typed, never turned into another."""
    result = search.search(word, include_restricted=False)
    assert result.did_you_mean is None
    assert result.total >= 1


def test_a_real_word_is_not_corrected_two_letters_away(search):
    """ "hate" is not "corrected" into a different word such as "date" or "rate"."""
    assert search.search("hate", include_restricted=False).did_you_mean is None


def test_did_you_mean_drops_mentions(search):
    """The suggestion is the person's words corrected, without the mention."""
    result = search.search("<@U123> dometic violence <!everyone>", include_restricted=False)
    assert result.did_you_mean == "domestic violence"


def test_restricted_word_typo_is_not_corrected_for_a_public_asker(with_covert):
    """A public workspace typing "zephyrrine" gets no "did you mean zephyrine" and no count."""
    result = with_covert.search("zephyrrine", include_restricted=False)
    assert (result.did_you_mean, result.total, result.partial_total) == (None, 0, 0)


def test_restricted_word_typo_is_corrected_for_a_police_only_asker(with_covert):
    """Someone who may see restricted practices finds the practice through the correction (and
    no "did you mean": "zephyrine" would list the same practice)."""
    result = with_covert.search("zephyrrine", include_restricted=True)
    assert result.did_you_mean is None
    assert refs(result) == ["PB901"]


def test_a_restricted_word_reads_to_the_public_as_an_unknown_word(with_covert):
    """For a public asker, a restricted practice's word behaves exactly like a made-up word."""
    known = with_covert.search("zephyrine burglary", include_restricted=False, limit=10)
    unknown = with_covert.search("qqqqqq burglary", include_restricted=False, limit=10)
    assert (refs(known), known.total, known.partial_total, known.did_you_mean) == (
        refs(unknown),
        unknown.total,
        unknown.partial_total,
        unknown.did_you_mean,
    )


def test_restricted_words_do_not_reach_public_autocomplete(with_covert):
    """What public autocomplete runs (a public search of the typed start) never shows PB901."""
    for typed in ("zephyr", "zephyrine", "zephyrine covert"):
        assert "PB901" not in refs(with_covert.search(typed, include_restricted=False))


def test_filters_still_apply_to_partial_matches(search):
    """A filter keeps partial matches to the practices it allows."""
    result = search.search("burglary leaflets rating:untested", include_restricted=False, limit=10)
    assert all(h.practice.effectiveness is Effectiveness.UNTESTED for h in result.hits)
    assert result.total == 0
    assert result.without_filters == 1


def test_archived_practice_is_not_a_partial_match_either(search):
    """An archived practice never appears, fully or partly matched."""
    from datetime import UTC, datetime

    bank = [
        replace(p, archived_at=datetime(2024, 1, 1, tzinfo=UTC)) if p.ref == "PB017" else p
        for p in load_demo_bank()
    ]
    result = PracticeSearch(bank, load_shipped_glossary()).search(
        "knife arches", include_restricted=False
    )
    assert refs(result) == ["PB058"]


def test_a_long_word_is_not_corrected_two_edits_into_one_starting_differently(search):
    """ "isolation" is not a misspelt "solution": no practice on solutions is offered as closest."""
    result = search.search("social isolation", include_restricted=False, limit=10)
    assert "PB062" not in refs(result)  # Virtual volunteers – solution-oriented policing
    assert result.did_you_mean is None


def test_a_long_typo_two_edits_away_keeps_its_correction(search):
    """Two edits that keep the first letter are still corrected ("harrasment" to "harassment")."""
    assert search.search("harrasment", include_restricted=False).total == 2
