"""Relevance floors on the labelled demo-bank queries, per kind, so ranking regressions fail."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bench.common import load_demo_bank, load_queries, ndcg_at, reciprocal_rank, success_at
from bot.search.engine import PracticeSearch
from bot.search.glossary import load_shipped_glossary

KINDS = ("title", "typo", "acronym", "synonym", "filter")
# Floors sit a little under what the engine scores today (see bench/relevance.py).
SUCCESS_AT_3_FLOOR = 0.9
NDCG_AT_5_FLOOR = 0.9
MRR_FLOOR = 0.9


@pytest.fixture(scope="module")
def per_kind() -> dict[str, list[tuple[float, float, float]]]:
    search = PracticeSearch(load_demo_bank(), load_shipped_glossary())
    scores: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for q in load_queries():
        ranked = [
            h.practice.ref for h in search.search(q.query, include_restricted=False, limit=10).hits
        ]
        scores[q.kind].append(
            (
                success_at(ranked, q.relevant),
                ndcg_at(ranked, q.relevant),
                reciprocal_rank(ranked, q.relevant),
            )
        )
    return scores


def test_relevance_set_is_big_enough():
    """At least 40 labelled queries, at least 8 of each kind, all refs in the demo bank."""
    queries = load_queries()
    bank_refs = {p.ref for p in load_demo_bank()}
    assert len(queries) >= 40
    assert {kind: sum(q.kind == kind for q in queries) >= 8 for kind in KINDS} == dict.fromkeys(
        KINDS, True
    )
    assert {ref for q in queries for ref in q.relevant} <= bank_refs


@pytest.mark.parametrize("kind", KINDS)
def test_success_at_3_floor(per_kind, kind):
    """Something relevant is in the first three for nearly every query of the kind."""
    rows = per_kind[kind]
    assert sum(r[0] for r in rows) / len(rows) >= SUCCESS_AT_3_FLOOR


@pytest.mark.parametrize("kind", KINDS)
def test_ndcg_at_5_floor(per_kind, kind):
    """The first five are well ordered for the kind."""
    rows = per_kind[kind]
    assert sum(r[1] for r in rows) / len(rows) >= NDCG_AT_5_FLOOR


@pytest.mark.parametrize("kind", KINDS)
def test_mrr_floor(per_kind, kind):
    """The first relevant practice is near the top for the kind."""
    rows = per_kind[kind]
    assert sum(r[2] for r in rows) / len(rows) >= MRR_FLOOR
