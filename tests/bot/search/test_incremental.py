"""An index changed in place answers exactly as one built afresh from the same practices.

Seeded random sequences of adds, updates (new words, new visibility) and retirements, checked
after every step against a freshly built `PracticeSearch` over the same live practices.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.bankfile.demo import load_demo_practices
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.search import index as index_module
from bot.search.engine import PracticeSearch
from bot.search.glossary import load_shipped_glossary
from bot.search.model import SearchFilters, SearchResult

GLOSSARY = load_shipped_glossary()
QUERIES = (
    "knife crime",
    "burglary",
    "young people diversion",
    "domestic abuse",
    "drugs county lines",
    "antisocial behaviour",
    "burglery",
    "PB012 theft",
    "focus:prevention",
    "effectiveness:worked mental health",
    "asb",
)
RETIRED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def answers(search: PracticeSearch, query: str, restricted: bool) -> tuple[object, ...]:
    """Everything a person sees of a search: every hit with its score and kind, and the counts."""
    result: SearchResult = search.search(
        query, SearchFilters(), include_restricted=restricted, limit=20
    )
    return (
        [(h.practice.ref, h.score, h.match) for h in result.hits],
        result.total,
        result.partial_total,
        result.did_you_mean,
    )


def mutate(rng: random.Random, practice: Practice, words: list[str]) -> Practice:
    """The practice with a few words of other practices in its title or summary, maybe hidden."""
    extra = " ".join(rng.sample(words, 3))
    if rng.random() < 0.5:
        changed = replace(practice, title=f"{practice.title} {extra}")
    else:
        changed = replace(practice, summary=f"{extra}. {practice.summary}")
    if rng.random() < 0.2:
        changed = replace(changed, visibility=Visibility.RESTRICTED)
    return changed


@pytest.mark.parametrize("seed", range(6))
def test_index_after_random_changes_answers_as_a_fresh_one(seed):
    """After any sequence of adds, updates and retirements the answers equal a fresh build's."""
    rng = random.Random(seed)
    bank = load_demo_practices()
    words = [w for p in bank for w in p.title.split() if len(w) > 3]
    live = {p.ref: p for p in bank[:30]}
    waiting = list(bank[30:])
    search = PracticeSearch(live.values(), GLOSSARY)
    for _ in range(12):
        batch: list[Practice] = []
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if waiting and roll < 0.4:
                practice = waiting.pop(rng.randrange(len(waiting)))
            elif live and roll < 0.8:
                practice = mutate(rng, rng.choice(list(live.values())), words)
            elif live:
                practice = replace(rng.choice(list(live.values())), archived_at=RETIRED_AT)
            else:
                continue
            batch.append(practice)
            if practice.archived_at is None:
                live[practice.ref] = practice
            else:
                live.pop(practice.ref)
        search.apply(batch)
        fresh = PracticeSearch(live.values(), GLOSSARY)
        for query in QUERIES:
            for restricted in (False, True):
                assert answers(search, query, restricted) == answers(fresh, query, restricted)
    assert len(search) == len(live)


@pytest.mark.parametrize("seed", range(3))
def test_a_stream_in_any_order_builds_the_index_the_sorted_bank_does(seed):
    """The build takes the bank as it streams (by row id, not ref), one practice at a time.

    A shuffled stream, with a ref repeated (the last one wins, as the store's upsert does)
    and an archived one, answers every query exactly as the bank given in ref order does.
    """
    rng = random.Random(seed)
    bank = load_demo_practices()
    shuffled = rng.sample(bank, len(bank))
    first, gone = shuffled[0], shuffled[1]
    stream = iter(
        [
            replace(first, title="A title the later copy replaces"),
            *shuffled[1:],
            replace(gone, archived_at=RETIRED_AT),
            first,
        ]
    )
    streamed = PracticeSearch(stream, GLOSSARY)
    sorted_bank = PracticeSearch([p for p in bank if p.ref != gone.ref], GLOSSARY)
    assert len(streamed) == len(sorted_bank) == len(bank) - 1
    for query in (*QUERIES, first.title, gone.title):
        for restricted in (False, True):
            assert answers(streamed, query, restricted) == answers(sorted_bank, query, restricted)


def refiled(rng: random.Random, practice: Practice, bank: list[Practice]) -> Practice:
    """The practice with its rating, focuses, links, topics and organisation taken from others."""
    return replace(
        practice,
        effectiveness=rng.choice(list(Effectiveness)),
        focus=tuple(rng.sample(list(Focus), k=rng.randint(0, 2))),
        linked_to=tuple(rng.sample(list(LinkedTo), k=rng.randint(0, 2))),
        topics=rng.choice(bank).topics,
        organisation=rng.choice(bank).organisation,
    )


FILTER_QUERIES = (
    ("", SearchFilters(effectiveness=frozenset({Effectiveness.WORKED}))),
    ("youth", SearchFilters(focus=frozenset({Focus.PREVENTION, Focus.DIVERSION}))),
    ("", SearchFilters(linked_to=frozenset({LinkedTo.TILLEY_AWARD}))),
    ("crime", SearchFilters(topics=frozenset({"Serious violence and homicide", "VAWG"}))),
    ("", SearchFilters(organisation="police")),
    ("knife crime", SearchFilters()),
)


@pytest.mark.parametrize("seed", range(4))
def test_filters_and_their_counts_after_changes_answer_as_a_fresh_build(seed):
    """Re-rated, re-tagged and retired practices leave and join each filter and count exactly."""
    rng = random.Random(seed)
    bank = load_demo_practices()
    live = {p.ref: p for p in bank}
    search = PracticeSearch(live.values(), GLOSSARY)
    for _ in range(8):
        batch = []
        for ref in rng.sample(sorted(live), 5):
            if rng.random() < 0.2:
                batch.append(replace(live.pop(ref), archived_at=RETIRED_AT))
            else:
                live[ref] = refiled(rng, live[ref], bank)
                batch.append(live[ref])
        search.apply(batch)
        fresh = PracticeSearch(live.values(), GLOSSARY)
        for text, filters in FILTER_QUERIES:
            for restricted in (False, True):
                got, want = (
                    s.search(text, filters, include_restricted=restricted, limit=50)
                    for s in (search, fresh)
                )
                assert [h.practice.ref for h in got.hits] == [h.practice.ref for h in want.hits]
                assert (got.total, got.counts) == (want.total, want.counts)
    rated = search.search(
        "", SearchFilters(effectiveness=frozenset({Effectiveness.WORKED})), include_restricted=False
    )
    assert rated.total == sum(
        1 for p in live.values() if p.effectiveness is Effectiveness.WORKED and not p.is_restricted
    )


def test_a_build_gathering_in_many_spans_answers_as_one_span(monkeypatch):
    """Doc ids are gathered two bytes each by span (`_SPAN`); spans of four give the same index.

    A real bank crosses a span at 65,536 practices; a tiny span makes every boundary case (a
    term absent from a span, a span of one) happen on the demo bank.
    """
    bank = load_demo_practices()
    whole = PracticeSearch(bank, GLOSSARY)
    monkeypatch.setattr(index_module, "_SPAN", 4)
    spanned = PracticeSearch(bank, GLOSSARY)
    for query in (*QUERIES, bank[-1].title):
        for restricted in (False, True):
            assert answers(spanned, query, restricted) == answers(whole, query, restricted)


def test_retiring_every_practice_leaves_no_term_or_spelling_behind():
    """A practice's terms are read back from its spellings on removal, compounds included.

    Hyphenated words (joined and by their parts), stopwords inside them, a lone hyphen and
    non-Latin text: once every practice is retired the index holds no term, posting or word.
    """
    odd = "anti-social re-offending stop-and-search the-end -- co-op ПБ-тест naïve café-bar"
    bank = [
        replace(p, title=f"{p.title} {odd}", summary=f"{odd} {p.summary}")
        for p in load_demo_practices()[:12]
    ]
    search = PracticeSearch(bank, GLOSSARY)
    index = search._index
    assert index.df("antisocial") and index.postings("offend").docs  # the compounds are indexed

    search.apply([replace(p, archived_at=RETIRED_AT) for p in bank])

    assert len(search) == 0
    assert list(index.terms()) == []
    assert index.vocabulary(include_restricted=True) == {}
    assert all(not index.postings(term).docs for term in ("antisocial", "offend", "co", "op"))
