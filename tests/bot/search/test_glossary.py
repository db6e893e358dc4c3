"""The shipped glossary as data: well formed, large, and each kind of entry doing its job."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.common import load_demo_bank
from bot.kernel.domain import Effectiveness, Focus, Practice
from bot.kernel.ports import GlossaryEntry
from bot.search.engine import PracticeSearch
from bot.search.glossary import (
    ALTERNATIVE_SEPARATOR,
    SHIPPED_GLOSSARY_PATH,
    load_shipped_glossary,
    split_alternatives,
)
from bot.search.tokenise import fold, query_words

KINDS = ("acronym", "synonym", "category", "spelling")


def _entries() -> list[dict[str, str]]:
    return json.loads(SHIPPED_GLOSSARY_PATH.read_text("utf-8"))["entries"]


def _stems(phrase: str) -> tuple[str, ...]:
    return tuple(w.stem for w in query_words(phrase))


@pytest.fixture(scope="module")
def search() -> PracticeSearch:
    return PracticeSearch(load_demo_bank(), load_shipped_glossary())


def refs(result) -> list[str]:
    return [hit.practice.ref for hit in result.hits]


# --- well formed ---------------------------------------------------------------------------------


def test_glossary_has_hundreds_of_entries_of_every_kind():
    """At least 400 entries, each kind at least 20 of them."""
    kinds = Counter(entry["kind"] for entry in _entries())
    assert sum(kinds.values()) >= 400
    assert {kind: kinds[kind] >= 20 for kind in KINDS} == dict.fromkeys(KINDS, True)


def test_every_entry_has_exactly_a_term_an_expansion_and_a_known_kind():
    """No entry lacks a field, carries an unknown one, or names a kind we do not know."""
    bad = [
        e
        for e in _entries()
        if set(e) - {"broader"} != {"term", "expansion", "kind"}
        or e["kind"] not in KINDS
        or not e["term"].strip()
        or not e["expansion"].strip()
    ]
    assert bad == []


def test_no_term_is_listed_twice_even_spelt_differently():
    """No two entries share a term, by case, accents or the stems search sees."""
    folded = Counter(" ".join(fold(e["term"]).split()) for e in _entries())
    stemmed = Counter(_stems(e["term"]) for e in _entries())
    assert [t for t, n in folded.items() if n > 1] == []
    assert [t for t, n in stemmed.items() if n > 1] == []


def test_no_term_expands_to_itself():
    """No alternative is the term again, however spelt (that would only cost time)."""
    selfish = [
        (e["term"], alt)
        for e in _entries()
        for alt in split_alternatives(e["expansion"])
        if _stems(alt) == _stems(e["term"])
    ]
    assert selfish == []


def test_alternatives_are_distinct_and_searchable():
    """Each alternative has a searchable word, none is empty or repeated within an entry."""
    for entry in _entries():
        parts = entry["expansion"].split(ALTERNATIVE_SEPARATOR)
        alternatives = [p.strip() for p in parts]
        assert all(alternatives), entry
        assert all(_stems(a) for a in alternatives), entry
        assert len({_stems(a) for a in alternatives}) == len(alternatives), entry


def test_every_term_is_searchable():
    """A term made only of stop words could never be typed: none is."""
    assert [e["term"] for e in _entries() if not _stems(e["term"])] == []


def test_acronyms_are_short_and_written_as_acronyms():
    """Acronym entries are a few letters (or digits) with at least one capital, like "MAPPA"."""
    odd = [
        e["term"]
        for e in _entries()
        if e["kind"] == "acronym" and (len(e["term"]) > 10 or e["term"].islower())
    ]
    assert odd == []


# --- each kind does its job ---------------------------------------------------------------------


def test_acronym_finds_the_long_form(search):
    """ "ISVA" finds the visits practice, which says "independent sexual violence advisor"."""
    assert refs(search.search("ISVA", include_restricted=False))[0] == "PB027"


def test_acronym_is_found_from_its_long_form(search):
    """ "anti-social behaviour" and "ASB" find the same practices."""
    long_form = search.search("anti-social behaviour", include_restricted=False, limit=10)
    short = search.search("ASB", include_restricted=False, limit=10)
    assert set(refs(long_form)) == set(refs(short)) >= {"PB055", "PB060"}


@pytest.mark.parametrize(
    ("everyday", "officer"),
    [("mispers", "missing persons"), ("cuckooing", "county lines"), ("joyriding", "TWOC")],
)
def test_synonym_reaches_the_officers_word(everyday, officer):
    """A public word finds a practice written in officers' words."""
    practice = Practice(
        ref="PB800",
        title=f"Tackling {officer} together",
        summary=f"Partners share what they know about {officer} every week.",
        effectiveness=Effectiveness.UNTESTED,
        focus=(Focus.PREVENTION,),
    )
    search = PracticeSearch([*load_demo_bank(), practice], load_shipped_glossary())
    assert refs(search.search(everyday, include_restricted=False))[:1] == ["PB800"]


@pytest.mark.parametrize(
    ("term", "alternative"),
    [
        ("spiking", "drink spiking"),
        ("upskirting", "voyeurism"),
        ("honour-based abuse", "forced marriage"),
        ("doorstep crime", "rogue traders"),
        ("ram raid", "smash and grab"),
        ("CSE", "child sexual exploitation"),
        ("MAPPA", "multi-agency public protection arrangements"),
    ],
)
def test_the_issues_everyday_words_and_acronyms_are_known(term, alternative):
    """The words the issue names (spiking, upskirting, CSE, MAPPA…) are in the glossary."""
    assert alternative in load_shipped_glossary().expansions(term)


def test_category_finds_the_crimes_inside_it(search):
    """ "acquisitive crime" finds the burglary practices."""
    found = set(refs(search.search("acquisitive crime", include_restricted=False, limit=10)))
    assert {"PB011", "PB032", "PB041"} <= found


def test_category_is_one_way(search):
    """ "burglary" does not find every practice mentioning crime in a neighbourhood."""
    result = search.search("burglary", include_restricted=False, limit=10)
    assert sorted(refs(result)) == ["PB011", "PB032", "PB041"]


def test_a_moderators_entry_for_a_category_term_works_both_ways(search):
    """A moderator's own entry replacing a category is an ordinary two-way entry."""
    glossary = load_shipped_glossary()
    assert glossary.is_one_way("acquisitive crime")
    taught = glossary.merged([GlossaryEntry("acquisitive crime", "burglary", "mod")])
    assert not taught.is_one_way("acquisitive crime")


def test_spelling_variant_finds_the_same_practices(search):
    """ "licenced premises" finds what "licensed premises" finds."""
    variant = search.search("licenced premises", include_restricted=False, limit=10)
    usual = search.search("licensed premises", include_restricted=False, limit=10)
    assert refs(variant) == refs(usual) != []


# --- broader subjects ----------------------------------------------------------------------------


def test_every_broader_subject_is_searchable_and_not_a_meaning():
    """A broader subject is non-empty text, not also listed among the term's meanings."""
    with_broader = [e for e in _entries() if "broader" in e]
    assert with_broader != []
    for entry in with_broader:
        broader = {_stems(b) for b in split_alternatives(entry["broader"])}
        meanings = {_stems(m) for m in split_alternatives(entry["expansion"])}
        assert broader and all(broader), entry
        assert broader.isdisjoint(meanings), entry


def test_a_word_the_bank_lacks_offers_its_broader_subject_as_partial_only(search):
    """ "upskirting" (no such practice): no full match, the sexual-offences practices closest."""
    result = search.search("upskirting", include_restricted=False, limit=10)
    assert result.total == 0
    assert {hit.match for hit in result.hits} == {"partial"}
    assert set(refs(result)) == {"PB014", "PB016", "PB044"}


def test_a_bank_with_the_practice_answers_with_it_alone():
    """Once an upskirting practice exists it is the answer, and the broader ones are not shown."""
    practice = Practice(
        ref="PB801",
        title="Upskirting awareness on the tram network",
        summary="Posters and patrols against upskirting and voyeurism on trams.",
        effectiveness=Effectiveness.UNTESTED,
        focus=(Focus.PREVENTION,),
    )
    search = PracticeSearch([*load_demo_bank(), practice], load_shipped_glossary())
    result = search.search("upskirting", include_restricted=False, limit=10)
    assert [(hit.practice.ref, hit.match) for hit in result.hits] == [("PB801", "full")]


def test_a_moderators_entry_replaces_the_broader_subject_too():
    """A taught entry for the term is plain: no broader subject is kept from what we shipped."""
    glossary = load_shipped_glossary()
    assert glossary.broader("upskirting") == ("sexual offences",)
    taught = glossary.merged([GlossaryEntry("upskirting", "up-skirt photos", "mod")])
    assert taught.broader("upskirting") == ()
    search = PracticeSearch(load_demo_bank(), taught)
    assert refs(search.search("upskirting", include_restricted=False, limit=10)) == []


def test_an_everyday_phrase_for_sexual_assault_finds_the_rasso_practices(search):
    """ "sex attacks" reaches the practices written as rape and serious sexual offences."""
    result = search.search("sex attacks", include_restricted=False, limit=10)
    assert refs(result)[:2] == ["PB043", "PB044"]
    assert {"PB014", "PB016"} <= set(refs(result))
