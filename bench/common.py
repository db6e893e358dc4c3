"""Shared bench helpers: the demo bank as `Practice` objects, the labelled queries, and metrics."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice

ROOT = Path(__file__).resolve().parent.parent
DEMO_BANK = ROOT / "bot" / "bankfile" / "demo_bank.json"
RELEVANCE_QUERIES = ROOT / "tests" / "bot" / "search" / "relevance_queries.json"
RELEVANCE_HELDOUT = ROOT / "tests" / "bot" / "search" / "relevance_heldout.json"


def load_demo_bank(path: Path = DEMO_BANK) -> list[Practice]:
    """The demo bank's practices, built straight from its JSON."""
    data = json.loads(path.read_text("utf-8"))
    return [
        Practice(
            ref=item["ref"],
            title=item["title"],
            summary=item["summary"],
            effectiveness=Effectiveness(item["effectiveness"]),
            focus=tuple(Focus(f) for f in item.get("focus") or ()),
            topics=tuple(item.get("topics") or ()),
            organisation=item.get("organisation"),
            linked_to=tuple(LinkedTo(x) for x in item.get("linked_to") or ()),
        )
        for item in data["practices"]
    ]


@dataclass(frozen=True)
class LabelledQuery:
    """One query of the relevance set with its graded relevant refs."""

    kind: str
    query: str
    relevant: Mapping[str, int]


def load_queries(path: Path = RELEVANCE_QUERIES) -> list[LabelledQuery]:
    """The labelled relevance set."""
    data = json.loads(path.read_text("utf-8"))
    return [LabelledQuery(q["kind"], q["query"], q["relevant"]) for q in data["queries"]]


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 5) -> float:
    """Normalised discounted cumulative gain of the first k refs (graded gains 2^g - 1)."""
    dcg = sum(
        (2 ** relevant.get(ref, 0) - 1) / math.log2(i + 2) for i, ref in enumerate(ranked[:k])
    )
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """1/rank of the first relevant ref within the first k, else 0."""
    for i, ref in enumerate(ranked[:k]):
        if relevant.get(ref, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def success_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 3) -> float:
    """1 when a relevant ref is among the first k, else 0."""
    return 1.0 if any(relevant.get(ref, 0) > 0 for ref in ranked[:k]) else 0.0


def precision_at(answers: Sequence[str], relevant: Mapping[str, int], k: int = 5) -> float:
    """Share of the first k answers that are relevant (of those shown); 0 when none is shown."""
    shown = answers[:k]
    if not shown:
        return 0.0
    return sum(1 for ref in shown if relevant.get(ref, 0) > 0) / len(shown)
