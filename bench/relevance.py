"""Relevance of our search against plain FTS5 BM25 on the labelled demo-bank queries.

Run from the project root: `python bench/relevance.py`. For the tuned set
(`tests/bot/search/relevance_queries.json`) and the held-out set (`relevance_heldout.json`,
never tuned on) it prints, per query kind and overall, ours beside FTS5 in the same run:

- nDCG@5, MRR and success@3 over the list as a person sees it (full matches, then partial ones);
- precision@5: of the first five *answers* (ours: full matches only; FTS5: every hit, as it has
  no other kind), the share that are relevant; a query with relevant practices but no answer
  scores 0. The denominator is the number of answers shown (at most five), not five, so a
  query with one relevant practice can score 1.0 by showing only it;
- honest, on `no_answer` queries only: the share that get no full match (FTS5: no hit at all).

`no_answer` queries have nothing to rank, so only "honest" is printed for them and they stay out
of the ranking metrics' "overall".
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    RELEVANCE_HELDOUT,
    RELEVANCE_QUERIES,
    LabelledQuery,
    load_demo_bank,
    load_queries,
    ndcg_at,
    precision_at,
    reciprocal_rank,
    success_at,
)
from bench.fts5 import Fts5Search
from bot.search.engine import PracticeSearch
from bot.search.glossary import load_shipped_glossary

NO_ANSWER = "no_answer"
METRICS = ("nDCG@5", "MRR", "S@3", "P@5")


@dataclass(frozen=True)
class Ranked:
    """What one engine gave for one query: everything shown in order, and the answers among it."""

    shown: list[str]
    answers: list[str]


@dataclass(frozen=True)
class KindScores:
    """Mean metrics for one kind of query (`honest` only for no-answer queries)."""

    count: int
    means: dict[str, float]
    honest: float | None


def evaluate(
    queries: Sequence[LabelledQuery], run: Callable[[str], Ranked]
) -> dict[str, KindScores]:
    """Mean metrics per kind and under "overall" (no-answer queries only count for honest)."""
    rows: dict[str, list[dict[str, float]]] = defaultdict(list)
    honest: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        got = run(q.query)
        if q.kind == NO_ANSWER:
            honest[q.kind].append(0.0 if got.answers else 1.0)
            continue
        scores = {
            "nDCG@5": ndcg_at(got.shown, q.relevant),
            "MRR": reciprocal_rank(got.shown, q.relevant),
            "S@3": success_at(got.shown, q.relevant),
            "P@5": precision_at(got.answers, q.relevant),
        }
        rows[q.kind].append(scores)
        rows["overall"].append(scores)
    result: dict[str, KindScores] = {}
    for kind, kind_rows in rows.items():
        means = {m: sum(r[m] for r in kind_rows) / len(kind_rows) for m in METRICS}
        result[kind] = KindScores(len(kind_rows), means, None)
    for kind, values in honest.items():
        result[kind] = KindScores(len(values), {}, sum(values) / len(values))
    return result


def report(name: str, queries: Sequence[LabelledQuery], ours: Ranker, fts: Ranker) -> list[str]:
    """The printed table for one query set, ours / FTS5 in each cell."""
    mine, theirs = evaluate(queries, ours), evaluate(queries, fts)
    lines = [
        f"{name}: {len(queries)} labelled queries (ours / fts5)",
        f"{'kind':<10}{'n':>3}  "
        + "  ".join(f"{m + ' ours/fts5':>17}" for m in METRICS)
        + f"  {'honest ours/fts5':>17}",
    ]
    kinds = sorted(k for k in mine if k not in ("overall", NO_ANSWER))
    for kind in [*kinds, "overall", NO_ANSWER]:
        if kind not in mine:
            continue
        o, f = mine[kind], theirs[kind]
        cells = [
            f"{o.means[m]:>7.3f} / {f.means[m]:<7.3f}" if o.honest is None else f"{'-':>17}"
            for m in METRICS
        ]
        tail = f"{o.honest:>7.3f} / {f.honest:<7.3f}" if o.honest is not None else f"{'-':>17}"
        lines.append(f"{kind:<10}{o.count:>3}  " + "  ".join(cells) + f"  {tail}")
    return lines


Ranker = Callable[[str], Ranked]


def rankers() -> tuple[int, Ranker, Ranker]:
    """Our engine and FTS5 over the demo bank, as functions from query to `Ranked`."""
    practices = load_demo_bank()
    ours = PracticeSearch(practices, load_shipped_glossary())
    fts = Fts5Search(practices)

    def run_ours(text: str) -> Ranked:
        hits = ours.search(text, include_restricted=False, limit=10).hits
        return Ranked(
            [h.practice.ref for h in hits], [h.practice.ref for h in hits if h.match == "full"]
        )

    def run_fts(text: str) -> Ranked:
        refs = fts.search(text)
        return Ranked(refs, refs)

    return len(practices), run_ours, run_fts


def main() -> None:
    size, ours, fts = rankers()
    print(f"Demo bank: {size} practices. FTS5 baseline: porter unicode61, bm25(), words OR-ed.")
    for name, path in (("tuned", RELEVANCE_QUERIES), ("held-out", RELEVANCE_HELDOUT)):
        print()
        print("\n".join(report(name, load_queries(path), ours, fts)))


if __name__ == "__main__":
    main()
