"""Relevance of our search against plain FTS5 BM25 on the labelled demo-bank queries.

Run from the project root: `python bench/relevance.py`. Prints nDCG@5, MRR and success@3 per
query kind and overall for both, and whether ours is ahead on every kind.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    LabelledQuery,
    load_demo_bank,
    load_queries,
    ndcg_at,
    reciprocal_rank,
    success_at,
)
from bench.fts5 import Fts5Search
from bot.search.engine import PracticeSearch
from bot.search.glossary import load_shipped_glossary

Metrics = tuple[float, float, float]


def evaluate(queries: list[LabelledQuery], run: Callable[[str], list[str]]) -> dict[str, Metrics]:
    """Mean (nDCG@5, MRR, success@3) per kind and under "overall"."""
    per_kind: dict[str, list[Metrics]] = defaultdict(list)
    for q in queries:
        ranked = run(q.query)
        scores = (
            ndcg_at(ranked, q.relevant),
            reciprocal_rank(ranked, q.relevant),
            success_at(ranked, q.relevant),
        )
        per_kind[q.kind].append(scores)
        per_kind["overall"].append(scores)
    return {
        kind: (
            sum(s[0] for s in rows) / len(rows),
            sum(s[1] for s in rows) / len(rows),
            sum(s[2] for s in rows) / len(rows),
        )
        for kind, rows in per_kind.items()
    }


def main() -> None:
    practices = load_demo_bank()
    queries = load_queries()
    ours = PracticeSearch(practices, load_shipped_glossary())
    fts = Fts5Search(practices)

    def run_ours(text: str) -> list[str]:
        return [h.practice.ref for h in ours.search(text, include_restricted=False, limit=10).hits]

    results = {"ours": evaluate(queries, run_ours), "fts5": evaluate(queries, fts.search)}
    counts: dict[str, int] = defaultdict(int)
    for q in queries:
        counts[q.kind] += 1
        counts["overall"] += 1
    print(f"{len(practices)} practices, {len(queries)} labelled queries")
    print("FTS5 baseline: porter unicode61 tokenizer, bm25(), the query's words OR-ed")
    print(
        f"{'kind':<9}{'n':>3}  {'nDCG@5 ours/fts5':>17}  {'MRR ours/fts5':>15}"
        f"  {'S@3 ours/fts5':>15}"
    )
    ahead_everywhere = True
    for kind in [*sorted(k for k in counts if k != "overall"), "overall"]:
        o, f = results["ours"][kind], results["fts5"][kind]
        # Ahead: better nDCG@5 and no worse on MRR or S@3 (both saturate at 1.0 on easy kinds).
        ahead = o[0] > f[0] and o[1] >= f[1] and o[2] >= f[2]
        ahead_everywhere &= ahead
        print(
            f"{kind:<9}{counts[kind]:>3}  {o[0]:>7.3f} / {f[0]:<7.3f}  {o[1]:>6.3f} / {f[1]:<6.3f}"
            f"  {o[2]:>6.3f} / {f[2]:<6.3f}  {'ahead' if ahead else 'NOT ahead'}"
        )
    verdict = "yes" if ahead_everywhere else "no"
    print(f"Ours ahead of FTS5 on every kind (better nDCG@5, no worse MRR and S@3): {verdict}")


if __name__ == "__main__":
    main()
