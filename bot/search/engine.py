"""`PracticeSearch`: ranks practices for a query, applies filters and visibility, pages results.

Scoring is BM25F over the index, one contribution per concept (the best of its alternatives),
damped when a practice matches only some of the concepts, then the strongest candidates get a
bonus when query words sit side by side in the title or summary, or all appear in the title.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice, pairwise

from bot.kernel.domain import Practice, format_ref
from bot.search.concepts import Concept, ConceptBuilder
from bot.search.glossary import Glossary
from bot.search.index import PracticeIndex
from bot.search.model import Hit, SearchFilters, SearchResult
from bot.search.query import MAX_QUERY_CHARS, blank_invisible, parse_query

MAX_LIMIT = 50
POSTINGS_CAP = 2000
"""Postings read per term: past the strongest 2,000 a common word cannot lift a practice into
the first pages, and this is what keeps query cost flat as the bank grows."""
POSTINGS_SCAN = 10 * POSTINGS_CAP
RERANK_DEPTH = 50
COORDINATION = 0.6
PHRASE_BONUS = 0.25
TITLE_BONUS = 0.3
# A practice ref written inside a query ("what about PB046?", "pb 46"): that practice comes first.
_REF_IN_TEXT = re.compile(r"\bpb[\s-]?0*([0-9]{1,9})\b", re.IGNORECASE)

EMPTY_QUERY_NOTICE = (
    'Type a few words to search for, such as "knife crime", or a filter such as focus:prevention.'
)


@dataclass(frozen=True)
class _Gate:
    """Which practices may appear: `allowed` (None = every one) minus `excluded`."""

    allowed: set[int] | None
    excluded: frozenset[int] | set[int]

    def apply(self, docs: set[int]) -> set[int]:
        if self.allowed is not None:
            docs &= self.allowed
        docs -= self.excluded
        return docs


class PracticeSearch:
    """Search over a fixed set of practices; build a new one when the bank or glossary changes."""

    def __init__(self, practices: Iterable[Practice], glossary: Glossary) -> None:
        """Index the practices (archived ones are left out) and compile the glossary."""
        self._index = PracticeIndex(practices)
        self._glossary = glossary
        self._concepts = ConceptBuilder(self._index, glossary)
        self._doc_by_ref = {p.ref.upper(): doc for doc, p in enumerate(self._index.practices)}

    def search(
        self,
        text: str,
        filters: SearchFilters = SearchFilters(),  # noqa: B008 - frozen, so a shared default is safe
        *,
        include_restricted: bool,
        limit: int = 5,
        offset: int = 0,
    ) -> SearchResult:
        """Return the ranked page of practices for `text` (inline filters allowed) and `filters`.

        Never raises on any text. Empty text with filters lists the filtered practices by ref;
        empty text without filters is an empty result with a notice saying what to type.
        """
        parsed = parse_query(text)
        merged = filters.merged(parsed.filters)
        notices = list(parsed.notices)
        concepts, cut = self._concepts.build(parsed.text)
        if cut:
            notices.append(
                f"I used the first {len(concepts)} words of your search and ignored the rest."
            )
        limit = max(0, min(limit, MAX_LIMIT))
        offset = max(0, offset)
        shown_text = text[:MAX_QUERY_CHARS]
        visible = _Gate(None, frozenset() if include_restricted else self._index.restricted)
        gate = visible if merged.is_empty else _Gate(self._filtered(merged), visible.excluded)

        def result(
            hits: list[Hit],
            total: int,
            did_you_mean: str | None = None,
            without_filters: int | None = None,
        ) -> SearchResult:
            return SearchResult(
                text=shown_text,
                filters=merged,
                hits=tuple(hits),
                total=total,
                offset=offset,
                did_you_mean=did_you_mean,
                without_filters=without_filters,
                notices=tuple(notices),
            )

        if not concepts:
            if merged.is_empty:
                notices.append(EMPTY_QUERY_NOTICE)
                return result([], 0)
            return result(*self._listing(gate, offset, limit))

        named = self._named(parsed.text, gate)
        matchable = [c for c in concepts if c.alternatives]
        matching = self._matching_docs(matchable)
        total = len(gate.apply(set(matching)) | set(named))
        without = len(visible.apply(matching)) if not merged.is_empty else None
        wanted = offset + limit + len(named)
        ranked = self._rank(matchable, gate, wanted) if matchable else []
        if named:
            first = (ranked[0][1] if ranked else 0.0) + 1.0
            ranked = [(doc, first) for doc in named] + [r for r in ranked if r[0] not in named]
        hits = [
            Hit(self._index.practices[d], round(s, 6)) for d, s in ranked[offset : offset + limit]
        ]
        return result(
            hits, total, self._did_you_mean(concepts, blank_invisible(shown_text)), without
        )

    def _listing(self, gate: _Gate, offset: int, limit: int) -> tuple[list[Hit], int]:
        """Filter-only search: the page of matching practices in ref order, and their count."""
        docs = gate.allowed if gate.allowed is not None else set(range(len(self._index)))
        docs = docs - gate.excluded
        page = heapq.nsmallest(offset + limit, docs)[offset:]
        return [Hit(self._index.practices[d], 0.0) for d in page], len(docs)

    def _filtered(self, filters: SearchFilters) -> set[int]:
        """Practices passing every filter (values within one filter are OR-ed)."""
        index = self._index
        groups: list[set[int]] = []
        if filters.effectiveness:
            groups.append(
                set().union(*(index.by_effectiveness.get(e, set()) for e in filters.effectiveness))
            )
        if filters.focus:
            groups.append(set().union(*(index.by_focus.get(f, set()) for f in filters.focus)))
        if filters.linked_to:
            groups.append(set().union(*(index.by_linked.get(x, set()) for x in filters.linked_to)))
        if filters.topics:
            groups.append(set().union(*(self._topic_docs(t) for t in filters.topics)))
        if filters.organisation:
            groups.append(index.docs_with_words(filters.organisation, index.by_org_word))
        groups.sort(key=len)
        allowed = set(groups[0])
        for group in groups[1:]:
            allowed &= group
        return allowed

    def _topic_docs(self, topic: str) -> set[int]:
        """Practices tagged with the topic's words, or with its glossary expansion's ("VAWG")."""
        docs = self._index.docs_with_words(topic, self._index.by_topic_word)
        for expansion in self._glossary.expansions(topic):
            docs |= self._index.docs_with_words(expansion, self._index.by_topic_word)
        return docs

    def _matching_docs(self, concepts: list[Concept]) -> set[int]:
        """Every practice matching at least one concept (before filters and visibility)."""
        docs: set[int] = set()
        for concept in concepts:
            for alternative in concept.alternatives:
                for term in alternative.terms:
                    docs.update(self._index.postings[term][0])
        return docs

    def _named(self, text: str, gate: _Gate) -> list[int]:
        """Practices whose ref the query names, in the order named, that the gate lets through."""
        named: list[int] = []
        for match in _REF_IN_TEXT.finditer(text):
            doc = self._doc_by_ref.get(format_ref(int(match.group(1))))
            if doc is not None and doc not in named and gate.apply({doc}):
                named.append(doc)
        return named

    def _rank(self, concepts: list[Concept], gate: _Gate, wanted: int) -> list[tuple[int, float]]:
        """Rank practices as (doc, score), best first, ties in ref order, at least `wanted`."""
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        for concept in concepts:
            for doc, score in self._concept_scores(concept, gate).items():
                scores[doc] = scores.get(doc, 0.0) + score
                matched[doc] = matched.get(doc, 0) + 1
        count = len(concepts)
        for doc in scores:
            scores[doc] *= (1.0 - COORDINATION) + COORDINATION * matched[doc] / count
        depth = max(wanted, RERANK_DEPTH)
        best = heapq.nsmallest(depth, scores.items(), key=lambda item: (-item[1], item[0]))
        head = [(doc, score * self._bonus(doc, concepts)) for doc, score in best[:RERANK_DEPTH]]
        head.sort(key=lambda item: (-item[1], item[0]))
        return head + best[RERANK_DEPTH:]

    def _concept_scores(self, concept: Concept, gate: _Gate) -> dict[int, float]:
        """Each practice's score for one concept: the best of its alternatives."""
        allowed, excluded = gate.allowed, gate.excluded
        best: dict[int, float] = {}
        for alternative in concept.alternatives:
            summed: dict[int, float] = {}
            for term in alternative.terms:
                docs, impacts = self._index.postings[term]
                taken = 0
                # Read at most POSTINGS_SCAN postings, so a selective filter cannot make a
                # common term walk the whole bank.
                for doc, impact in islice(zip(docs, impacts, strict=True), POSTINGS_SCAN):
                    if (allowed is not None and doc not in allowed) or doc in excluded:
                        continue
                    summed[doc] = summed.get(doc, 0.0) + impact
                    taken += 1
                    if taken >= POSTINGS_CAP:
                        break
            scale = alternative.weight / math.sqrt(alternative.size)
            for doc, score in summed.items():
                score *= scale
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def _bonus(self, doc: int, concepts: list[Concept]) -> float:
        """Boost query words side by side in title or summary, and all of them in the title."""
        text = self._index.phrases[doc]
        title = text[: text.index("|") + 1] if "|" in text else text
        term_sets = [{t for a in c.alternatives for t in a.terms} for c in concepts]
        adjacent = sum(
            1
            for left, right in pairwise(term_sets)
            if any(f" {a} {b} " in text for a in left for b in right)
        )
        phrases = sum(
            1
            for c in concepts
            for a in c.alternatives
            if len(a.terms) > 1 and f" {' '.join(a.terms)} " in text
        )
        in_title = all(any(f" {t} " in title for t in terms) for terms in term_sets)
        pairs = max(len(concepts) - 1, 1)
        return (
            1.0
            + PHRASE_BONUS * min(adjacent + phrases, pairs) / pairs
            + (TITLE_BONUS if in_title else 0.0)
        )

    @staticmethod
    def _did_you_mean(concepts: list[Concept], text: str) -> str | None:
        """Rewrite the query with misspelt words corrected, or None when none were."""
        corrections = [c.correction for c in concepts if c.correction is not None]
        if not corrections:
            return None
        for wrong, right in corrections:
            pattern = re.compile(rf"(?<!\w){re.escape(wrong)}(?!\w)", re.IGNORECASE)
            text = pattern.sub(right, text, count=1)
        return " ".join(text.split())
