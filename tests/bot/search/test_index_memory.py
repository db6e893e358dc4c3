"""The compact index: narrative fields are searched but not kept, and changes stay exact.

The index keeps a result's listing fields and a compressed record of each practice's terms
instead of the practice itself; these tests hold that a practice with long narrative fields
is found by them, shown without them, and replaced or retired exactly (its narrative words
leave search, vocabulary and counts) — which the demo bank, having no narrative, cannot show.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from bot.bankfile.demo import load_demo_practices
from bot.search.engine import PracticeSearch
from bot.search.glossary import load_shipped_glossary
from bot.search.index import LISTED
from bot.search.model import SearchFilters

GLOSSARY = load_shipped_glossary()
RETIRED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def narrated(seed: int) -> list:
    """The demo bank with narrative fields drawn from other practices' summaries."""
    rng = random.Random(seed)
    bank = load_demo_practices()
    words = [w for p in bank for w in p.summary.split()]
    return [
        replace(
            p,
            aim=" ".join(rng.choices(words, k=60)),
            description=" ".join(rng.choices(words, k=90)),
            evaluation=" ".join(rng.choices(words, k=70)),
            learning=" ".join(rng.choices(words, k=70)),
        )
        for p in bank
    ]


def answers(search: PracticeSearch, query: str) -> tuple[object, ...]:
    result = search.search(query, SearchFilters(), include_restricted=True, limit=20)
    return (
        [(h.practice.ref, h.score, h.match) for h in result.hits],
        result.total,
        result.partial_total,
        result.did_you_mean,
    )


def test_a_narrative_word_finds_the_practice_whose_result_shows_only_its_listing():
    """A word only in "what was done" finds the practice; the hit carries no narrative text."""
    bank = narrated(1)
    bank[5] = replace(bank[5], description=f"{bank[5].description} quokkafence")
    search = PracticeSearch(bank, GLOSSARY)
    result = search.search("quokkafence", include_restricted=True)
    assert [h.practice.ref for h in result.hits] == [bank[5].ref]
    shown = result.hits[0].practice
    assert shown.description is None and shown.aim is None
    assert all(getattr(shown, name) == getattr(bank[5], name) for name in LISTED)


def test_replacing_and_retiring_narrated_practices_answers_as_a_fresh_build():
    """Narrative words of a replaced or retired practice leave search exactly."""
    rng = random.Random(3)
    bank = narrated(2)
    bank[0] = replace(bank[0], learning=f"{bank[0].learning} quokkafence")
    live = {p.ref: p for p in bank}
    search = PracticeSearch(bank, GLOSSARY)
    others = narrated(9)
    for step in range(10):
        ref = bank[0].ref if step == 0 else rng.choice(sorted(live))
        if step % 3 == 2:
            search.apply([replace(live.pop(ref), archived_at=RETIRED_AT)])
        else:
            new = replace(live[ref], description=others[step].description, learning=None)
            live[ref] = new
            search.apply([new])
        fresh = PracticeSearch(live.values(), GLOSSARY)
        for query in ("knife crime", "burglary", "partnership evaluation", "burglery", "asb"):
            assert answers(search, query) == answers(fresh, query)
        if step == 0:  # the word only the old version's learning held is gone
            assert answers(search, "quokkafence") == answers(fresh, "quokkafence")
            assert search.search("quokkafence", include_restricted=True).hits == ()
