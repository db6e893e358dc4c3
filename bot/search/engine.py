"""`PracticeSearch`: ranks practices for a query, applies filters and visibility, pages results.

Scoring is BM25F over the index, one contribution per concept (the best of its alternatives),
damped when a practice matches only some of the concepts, then the strongest candidates get a
bonus when query words sit side by side in the title or summary, or all appear in the title.

What counts as a match is decided before scoring, on meaning rather than on any shared word:

- the query's *specific* concepts are those that are not generic (see `bot.search.concepts`);
  when every concept is generic ("young people"), all of them are specific;
- a practice is a **full** match when it matches every specific concept (for a long question of
  four or more specific concepts, all but one: a person's extra word should not hide the answer);
- it is a **partial** match when it matches some specific concept but not enough of them;
- a practice matching only generic concepts, or nothing, is not in the result at all.

Full matches come first, then partial ones, each in score order; `SearchResult.total` counts the
full ones and `partial_total` the partial ones. "Did you mean" is offered only when the corrected
query finds a full match the asker may see that the typed one does not: a correction listing the
same practices would be a button that changes nothing.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, islice, pairwise, repeat

from bot.kernel.domain import Effectiveness, Focus, Practice, format_ref
from bot.kernel.text import blank_invisible
from bot.search.concepts import Concept, ConceptBuilder
from bot.search.glossary import Glossary
from bot.search.index import WEIGHT_UNIT, PracticeIndex
from bot.search.model import FilterCounts, Hit, SearchFilters, SearchResult
from bot.search.query import MAX_QUERY_CHARS, parse_query, strip_chat_markup

MAX_LIMIT = 50
POSTINGS_CAP = 2000
"""Postings read per term: past the strongest 2,000 a common word cannot lift a practice into
the first pages, and this is what keeps query cost flat as the bank grows."""
POSTINGS_SCAN = 10 * POSTINGS_CAP
RERANK_DEPTH = 50
COORDINATION = 0.6
PHRASE_BONUS = 0.25
TITLE_BONUS = 0.3
LONG_QUESTION = 4
"""From this many specific concepts, a full match may miss one of them."""
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
    """Search over the practices, kept up to date in place by `apply` and `use_glossary`.

    One lock guards the index: a search and a change never interleave, so a worker's threads
    may share one `PracticeSearch` (the GIL would serialise the pure-Python work anyway).
    """

    def __init__(self, practices: Iterable[Practice], glossary: Glossary) -> None:
        """Index the practices (archived ones are left out) and compile the glossary."""
        self._lock = threading.RLock()
        self._index = PracticeIndex(practices)
        self._glossary = glossary
        self._concepts: ConceptBuilder | None = None
        self._compiled: ConceptBuilder | None = None  # the last builder, for its glossary

    def __len__(self) -> int:
        """How many practices are searchable."""
        return len(self._index)

    def __getstate__(self) -> dict[str, object]:
        """What a pickle keeps (the CLI's on-disk cache): the index and glossary, no lock."""
        return {"index": self._index, "glossary": self._glossary}

    def __setstate__(self, state: dict[str, object]) -> None:
        """Rebuild from `__getstate__`; concepts are compiled again on the first query."""
        index, glossary = state["index"], state["glossary"]
        if not isinstance(index, PracticeIndex) or not isinstance(glossary, Glossary):
            raise TypeError("not a pickled PracticeSearch")
        self._lock = threading.RLock()
        self._index = index
        self._glossary = glossary
        self._concepts = self._compiled = None

    def apply(self, practices: Iterable[Practice]) -> int:
        """Bring the given practices' current state into the index; return how many changed.

        A practice replaces the indexed one with its ref; an archived one leaves search.
        """
        changed = 0
        with self._lock:
            for practice in practices:
                self._index.add(practice)
                changed += 1
            if changed:
                self._concepts = None  # the vocabulary and common words moved; not the glossary
        return changed

    def use_glossary(self, glossary: Glossary) -> None:
        """Search with this glossary from the next query on (the index is untouched)."""
        with self._lock:
            self._glossary = glossary
            self._concepts = self._compiled = None

    def _builder(self) -> ConceptBuilder:
        """The concept builder for the index and glossary as they stand (compiled on demand)."""
        if self._concepts is None:
            self._concepts = ConceptBuilder(self._index, self._glossary, like=self._compiled)
            self._compiled = self._concepts
        return self._concepts

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
        with self._lock:
            return self._search(text, filters, include_restricted, limit, offset)

    def _search(
        self,
        text: str,
        filters: SearchFilters,
        include_restricted: bool,
        limit: int,
        offset: int,
    ) -> SearchResult:
        parsed = parse_query(text)
        merged = filters.merged(parsed.filters)
        notices = list(parsed.notices)
        concepts, cut = self._builder().build(parsed.text, include_restricted=include_restricted)
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
            partial_total: int = 0,
            did_you_mean: str | None = None,
            without_filters: int | None = None,
            counts: FilterCounts = FilterCounts(),  # noqa: B008 - frozen, so sharing is safe
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
                partial_total=partial_total,
                counts=counts,
            )

        if not concepts:
            if merged.is_empty:
                notices.append(EMPTY_QUERY_NOTICE)
                return result([], 0)
            hits, docs = self._listing(gate, offset, limit)
            return result(hits, len(docs), counts=self._counts(docs))

        named = self._named(parsed.text, gate)
        full_all, partial_all = self._coverage(concepts)
        # The matches before filters are counted only when filters narrowed them; the sets are
        # then narrowed in place (at 100,000 practices a copy is megabytes per query).
        without = len(visible.apply(set(full_all))) if not merged.is_empty else None
        full, partial = gate.apply(full_all), gate.apply(partial_all)
        full.update(named)
        partial -= full
        wanted = offset + limit
        unnamed = full - set(named) if named else full  # no copy of a big set for nothing
        ranked = [(doc, s, "full") for doc, s in self._rank(concepts, unnamed, wanted)]
        if len(ranked) < wanted:
            more = self._rank(concepts, partial, wanted - len(ranked))
            ranked += [(doc, s, "partial") for doc, s in more]
        if named:
            first = (ranked[0][1] if ranked else 0.0) + 1.0
            ranked = [(doc, first, "full") for doc in named] + ranked
        hits = [
            Hit(self._practice(d), round(s, 6), "full" if m == "full" else "partial")
            for d, s, m in ranked[offset : offset + limit]
        ]
        suggestion = self._did_you_mean(concepts, strip_chat_markup(blank_invisible(shown_text)))
        if suggestion is not None and not self._finds_more(
            suggestion, concepts, full, gate, include_restricted
        ):
            suggestion = None
        return result(
            hits,
            len(full),
            len(partial),
            suggestion,
            without,
            self._counts(full),
        )

    def _listing(self, gate: _Gate, offset: int, limit: int) -> tuple[list[Hit], set[int]]:
        """Filter-only search: the page of matching practices in ref order, and all of them."""
        docs = gate.allowed if gate.allowed is not None else self._index.live_docs()
        docs = docs - gate.excluded
        page = heapq.nsmallest(offset + limit, docs, key=self._index.order_key)[offset:]
        return [Hit(self._practice(d), 0.0) for d in page], docs

    def _counts(self, full: set[int]) -> FilterCounts:
        """How many of the full matches have each rating and focus."""
        ratings, focuses = self._index.facet_counts(full)
        return FilterCounts(
            effectiveness=tuple((e, ratings[e]) for e in Effectiveness if ratings[e]),
            focus=tuple((f, focuses[f]) for f in Focus if focuses[f]),
        )

    def _practice(self, doc: int) -> Practice:
        return self._index.practice(doc)

    def _filtered(self, filters: SearchFilters) -> set[int]:
        """Practices passing every filter (values within one filter are OR-ed)."""
        index = self._index
        groups: list[set[int]] = []
        if filters.effectiveness:
            groups.append(index.rated(filters.effectiveness))
        if filters.focus:
            groups.append(index.with_focus(filters.focus))
        if filters.linked_to:
            groups.append(index.linked(filters.linked_to))
        if filters.topics:
            groups.append(set().union(*(self._topic_docs(t) for t in filters.topics)))
        if filters.organisation:
            groups.append(index.docs_with_words(filters.organisation, "organisation"))
        groups.sort(key=len)
        allowed = set(groups[0])
        for group in groups[1:]:
            allowed &= group
        return allowed

    def _topic_docs(self, topic: str) -> set[int]:
        """Practices tagged with the topic's words, or with its glossary expansion's ("VAWG")."""
        docs = self._index.docs_with_words(topic, "topics")
        for expansion in self._glossary.expansions(topic):
            docs |= self._index.docs_with_words(expansion, "topics")
        return docs

    def _coverage(
        self, concepts: list[Concept], *, partial: bool = True
    ) -> tuple[set[int], set[int]]:
        """The full and the partial matches (before filters and visibility), see the module.

        Fresh sets, the caller's to narrow; `partial` False leaves the partial ones out (empty).
        """
        specific = [c for c in concepts if not c.generic] or concepts
        required = len(specific) if len(specific) < LONG_QUESTION else len(specific) - 1
        counts: Counter[int] = Counter()
        for concept in specific:
            counts.update(self._concept_docs(concept))
        full = {doc for doc, n in counts.items() if n >= required}
        return full, {doc for doc, n in counts.items() if n < required} if partial else set()

    def _concept_docs(self, concept: Concept) -> Iterable[int]:
        """Every practice matching the concept (each once): all the terms of an alternative.

        A concept of one word with one spelling is its term's postings as they are: they hold
        each practice once already, and a set of them is megabytes at 100,000 practices.
        """
        if len(concept.alternatives) == 1 and len(concept.alternatives[0].terms) == 1:
            return self._index.postings(concept.alternatives[0].terms[0]).docs
        docs: set[int] = set()
        for alternative in concept.alternatives:
            postings = sorted((self._index.postings(t)[0] for t in alternative.terms), key=len)
            found = set(postings[0])
            for other in postings[1:]:
                found.intersection_update(other)
            docs |= found
        return docs

    def _named(self, text: str, gate: _Gate) -> list[int]:
        """Practices whose ref the query names, in the order named, that the gate lets through."""
        named: list[int] = []
        for match in _REF_IN_TEXT.finditer(text):
            doc = self._index.doc_of(format_ref(int(match.group(1))))
            if doc is not None and doc not in named and gate.apply({doc}):
                named.append(doc)
        return named

    def _rank(
        self, concepts: list[Concept], candidates: set[int], wanted: int
    ) -> list[tuple[int, float]]:
        """Rank the candidates as (doc, score), best first, ties in ref order, at least `wanted`.

        Every concept, generic ones included, adds to the score; the candidates were chosen on
        the specific ones. A candidate beyond the postings read scores 0 and sorts by ref.
        """
        if not candidates or wanted <= 0:
            return []
        gate = _Gate(candidates, frozenset())
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
        keys = self._index.order_keys

        def by_score(item: tuple[int, float]) -> tuple[float, tuple[str, int, str]]:
            return -item[1], keys[item[0]]

        best = heapq.nsmallest(depth, scores.items(), key=by_score)
        head = [(doc, score * self._bonus(doc, concepts)) for doc, score in best[:RERANK_DEPTH]]
        head.sort(key=by_score)
        ranked = head + best[RERANK_DEPTH:]
        if len(ranked) < wanted and len(scores) < len(candidates):
            unscored = (doc for doc in candidates if doc not in scores)
            rest = heapq.nsmallest(wanted - len(ranked), unscored, key=self._index.order_key)
            ranked += [(doc, 0.0) for doc in rest]
        return ranked

    def _concept_scores(self, concept: Concept, gate: _Gate) -> dict[int, float]:
        """Each practice's score for one concept: the best of its alternatives."""
        allowed, excluded = gate.allowed, gate.excluded
        best: dict[int, float] = {}
        for alternative in concept.alternatives:
            summed: dict[int, float] = {}
            hits: dict[int, int] = {}
            for term in alternative.terms:
                docs, values, counts = self._index.postings(term)
                unit = self._index.idf(term) * WEIGHT_UNIT
                weights = chain.from_iterable(map(repeat, values, counts))
                taken = 0
                # Read at most POSTINGS_SCAN postings, so a selective filter cannot make a
                # common term walk the whole bank.
                for doc, weight in islice(zip(docs, weights, strict=True), POSTINGS_SCAN):
                    if (allowed is not None and doc not in allowed) or doc in excluded:
                        continue
                    summed[doc] = summed.get(doc, 0.0) + unit * weight
                    hits[doc] = hits.get(doc, 0) + 1
                    taken += 1
                    if taken >= POSTINGS_CAP:
                        break
            scale = alternative.weight / math.sqrt(alternative.size)
            needed = len(alternative.terms)
            for doc, score in summed.items():
                if hits[doc] < needed:
                    continue  # a phrase is matched by all its words, not some of them
                score *= scale
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def _bonus(self, doc: int, concepts: list[Concept]) -> float:
        """Boost query words side by side in title or summary, and all of them in the title."""
        text = self._index.phrase(doc)
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

    def _finds_more(
        self,
        suggestion: str,
        typed: list[Concept],
        full: set[int],
        gate: _Gate,
        include_restricted: bool,
    ) -> bool:
        """Whether the corrected query finds a full match, one the asker may see, that `full` lacks.

        The typed word's concept already matches what its correction matches, so the corrected
        query usually lists the very same practices: offering it then is a button that changes
        nothing. It is worth offering only when it finds something new (a full match where the
        typed query had none, or one more), judged through the same gate (filters, visibility).
        """
        words = parse_query(suggestion).text
        concepts, _ = self._builder().build(words, include_restricted=include_restricted)
        if not concepts or _narrows(concepts, typed):
            return False
        corrected = gate.apply(self._coverage(concepts, partial=False)[0])  # its own set
        return not corrected <= full or any(doc not in full for doc in self._named(words, gate))

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


def _narrows(corrected: list[Concept], typed: list[Concept]) -> bool:
    """Whether the corrected query can only find what the typed one found (no search needed).

    So it is when concept by concept the corrected one is as generic and each of its
    alternatives is one of the typed concept's (the typed word already searched its
    correction): every practice matching a corrected concept matches the typed one, and with
    the same concepts specific the same number must match, so its full matches are among the
    typed query's. This is the usual case, and it spares a typo a second search.
    """
    if len(corrected) != len(typed):
        return False
    return all(
        c.generic == t.generic
        and {a.terms for a in c.alternatives} <= {a.terms for a in t.alternatives}
        for c, t in zip(corrected, typed, strict=True)
    )
