"""The inverted index over the practices: BM25F term weights, vocabulary and filter sets.

The index changes in place: `add` and `remove` touch only one practice's postings, filter
entries and vocabulary, so a published, updated or retired practice is searchable (or gone) at
once, at the cost of a few hundred sorted-array inserts, without rebuilding the bank.

What makes that exact is that nothing stored depends on the rest of the bank. Each posting
holds the practice's BM25F saturated term frequency for the term, computed with fixed
reference field lengths (`FIELD_WEIGHTS`' third column: what a field of a listing is typically
long, rather than the bank's measured average, which every change would move); the idf, which
does depend on the bank, is computed at query time from exact counts. Postings stay sorted
strongest first (ties in ref order), so a new posting is placed by bisection. An index after
any sequence of changes is therefore identical to one freshly built from the same practices.
"""

from __future__ import annotations

import math
import operator
import re
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice
from bot.search.tokenise import STOPWORDS, index_terms, stem, surface_counts, word_terms, words

# (field weight, length normalisation b, reference length in terms). The title says what the
# practice is; long narrative fields mention many things in passing, so they weigh less. The
# reference length is what the field typically holds in a listing (the demo bank's titles and
# summaries; narrative fields of real listings run to about a hundred words).
FIELD_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "title": (3.0, 0.5, 6.0),
    "summary": (1.5, 0.75, 16.0),
    "topics": (1.5, 0.3, 2.0),
    "aim": (1.0, 0.75, 60.0),
    "intended_outcome": (1.0, 0.75, 40.0),
    "target_group": (1.0, 0.5, 6.0),
    "organisation": (1.0, 0.3, 3.0),
    "description": (0.8, 0.75, 100.0),
    "partners": (0.7, 0.3, 6.0),
    "evaluation": (0.6, 0.75, 80.0),
    "learning": (0.6, 0.75, 80.0),
    "focus": (0.5, 0.0, 1.0),
}
K1 = 1.2
_FIELD_NAMES = tuple(FIELD_WEIGHTS)
_WEIGHTS = tuple(FIELD_WEIGHTS[name] for name in _FIELD_NAMES)
_REF_PARTS = re.compile(r"(\D*)(\d*)(.*)", re.S)
_EMPTY: tuple[array[int], array[float]] = (array("i"), array("f"))
_FORMAT = 2
"""Bumped when the stored shape changes, so an older pickled index is refused, not misread."""
# What a result shows of a practice: its card in summary (title, summary and the facts marked
# `in_summary`), the command line's list and JSON, and what filters and visibility need. The
# rest (narrative fields, contacts, dates, links) is indexed where searchable but not kept: the
# store holds it, and showing a practice in full reads it from there.
LISTED = (
    "ref",
    "title",
    "summary",
    "effectiveness",
    "focus",
    "topics",
    "organisation",
    "region",
    "target_group",
    "linked_to",
    "visibility",
)


def ref_order(ref: str) -> tuple[str, int, str]:
    """Sort key putting PB999 before PB1000 (plain string order would not)."""
    match = _REF_PARTS.match(ref.upper())
    if match is None:  # cannot happen: every group may be empty
        return ref, -1, ""
    prefix, digits, rest = match.groups()
    return sys.intern(prefix), int(digits) if digits else -1, sys.intern(rest)


def field_text(practice: Practice, name: str) -> str:
    """One searchable field of a practice as plain text (lists joined, enums by label)."""
    if name == "focus":
        return " ".join(f.label for f in practice.focus)
    value = getattr(practice, name)
    if isinstance(value, tuple):
        return " ; ".join(str(v) for v in value)
    return value or ""


def phrase_text(title_terms: list[str], summary_terms: list[str]) -> str:
    """Title and summary terms with spaces round each, for adjacency checks (" knif crime ")."""
    return f" {' '.join(title_terms)} | {' '.join(summary_terms)} "


class _Analysis:
    """One practice tokenised: per-field term counts and lengths, and its spellings.

    Each field is counted by distinct word: a narrative field of a hundred words has far fewer
    distinct ones.
    """

    __slots__ = ("fields", "lengths", "surfaces")

    def __init__(self, practice: Practice) -> None:
        self.fields: list[dict[str, int]] = []
        self.surfaces: dict[str, str] = {}
        lengths: list[int] = []
        learn = self.surfaces.setdefault
        for name in _FIELD_NAMES:
            terms: dict[str, int] = {}
            length = 0
            for surface, count in surface_counts(field_text(practice, name)).items():
                spellings, surface_terms = _word_parts(surface)
                for spelling, spelt_stem in spellings:
                    learn(spelling, spelt_stem)
                for term in surface_terms:
                    terms[term] = terms.get(term, 0) + count
                length += count * len(surface_terms)
            self.fields.append(terms)
            lengths.append(length)
        self.lengths = tuple(lengths)

    def weights(self) -> dict[str, float]:
        """Each term's BM25F saturated frequency in this practice (as stored, in float32).

        Occurrences are added one by one in field order, so the sum is the same float whenever
        the practice is analysed (and as when every occurrence was visited in text order:
        within a field each adds the same amount); the keys are the practice's distinct terms
        in order of first occurrence.
        """
        pseudo: dict[str, float] = {}
        for (weight, b, reference), terms, length in zip(
            _WEIGHTS, self.fields, self.lengths, strict=True
        ):
            if terms:
                norm = weight / (1.0 - b + b * length / reference)
                for term, count in terms.items():
                    tf = pseudo.get(term, 0.0)
                    for _ in range(count):
                        tf += norm
                    pseudo[term] = tf
        stored = array("f", (tf * (K1 + 1.0) / (tf + K1) for tf in pseudo.values()))
        return dict(zip(pseudo, stored, strict=True))


@lru_cache(maxsize=1 << 16)
def _word_parts(surface: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """A folded word's spellings to remember and its terms to index (both cached per word)."""
    return _spellings(surface), word_terms(surface)


def _spellings(surface: str) -> tuple[tuple[str, str], ...]:
    """How an indexed word is spelt (surface, stem), for typo correction and "did you mean".

    A hyphenated word is remembered joined and by its parts; a stopword not at all.
    """
    if surface in STOPWORDS:
        return ()
    if "-" in surface:
        joined = surface.replace("-", "")
        parts = [part for part in surface.split("-") if part and part not in STOPWORDS]
        return ((joined, stem(joined)), *((part, stem(part)) for part in parts))
    return ((surface, stem(surface)),)


class _Vocabulary:
    """Spellings (surface to stem) with how many live practices use each, so removal is exact."""

    def __init__(self) -> None:
        self.surfaces: dict[str, str] = {}
        self._uses: Counter[str] = Counter()

    def add(self, surfaces: dict[str, str]) -> None:
        self.surfaces.update(surfaces)
        self._uses.update(surfaces.keys())

    def remove(self, surfaces: Iterable[str]) -> None:
        for surface in surfaces:
            self._uses[surface] -= 1
            if self._uses[surface] <= 0:
                del self._uses[surface]
                del self.surfaces[surface]


def _listing(practice: Practice) -> tuple[object, ...]:
    """The practice's `LISTED` field values.

    A tuple rather than a `Practice`: a dataclass instance carries a dict of its 30 fields,
    which at 100,000 practices is more memory than their titles and summaries.
    """
    return tuple(getattr(practice, name) for name in LISTED)


def _deltas(ids: list[int]) -> list[int]:
    return [ids[0], *map(operator.sub, ids[1:], ids)] if ids else []


def _pack(term_ids: list[int], surface_ids: list[int]) -> bytes:
    """A practice's term and spelling ids, sorted, delta-coded and compressed.

    A few hundred bytes, and all that taking the practice out of the index again needs.
    """
    values = array("I", [len(term_ids)])
    values.extend(_deltas(sorted(term_ids)))
    values.extend(_deltas(sorted(surface_ids)))
    return zlib.compress(values.tobytes(), 1)


def _unpack(record: bytes) -> tuple[list[int], list[int]]:
    values = array("I")
    values.frombytes(zlib.decompress(record))
    count = values[0]
    return list(accumulate(values[1 : count + 1])), list(accumulate(values[count + 1 :]))


def _find(docs: array[int], doc: int) -> int:
    """Where `doc` is in a term's postings, or -1.

    A byte search: a posting's weight, which would place it by bisection, is not kept outside
    the postings themselves.
    """
    raw, needle = docs.tobytes(), array("i", [doc]).tobytes()
    at = raw.find(needle)
    while at != -1 and at % docs.itemsize:
        at = raw.find(needle, at + 1)
    return -1 if at == -1 else at // docs.itemsize


class PracticeIndex:
    """Everything a query needs over the visible practices (archived ones are never indexed).

    Doc ids are given in arrival order and never reused; `order_key(doc)` is the ref order
    every tie breaks by; `practice(doc)` is a live practice's listing.

    Memory is what limits a worker at 100,000 practices, so what is kept is compact: postings
    are two typed arrays per term (4-byte doc ids and float32 weights), every term and spelling
    is one interned string with an id, a practice is kept as a tuple of its listing fields (the
    narrative fields are indexed but not kept: the store holds them), and what removing it
    needs is one compressed record of its term and spelling ids rather than its text.
    """

    def __init__(self, practices: Iterable[Practice] = ()) -> None:
        self._format = _FORMAT
        self._listings: dict[int, tuple[object, ...]] = {}
        self._records: dict[int, bytes] = {}
        self._phrases: dict[int, str] = {}
        self.order_keys: list[tuple[str, int, str]] = []
        self.live: set[int] = set()
        self.restricted: set[int] = set()
        self.restricted_df: Counter[str] = Counter()
        self.by_effectiveness: dict[Effectiveness, set[int]] = defaultdict(set)
        self.by_focus: dict[Focus, set[int]] = defaultdict(set)
        self.by_linked: dict[LinkedTo, set[int]] = defaultdict(set)
        self.by_topic_word: dict[str, set[int]] = defaultdict(set)
        self.by_org_word: dict[str, set[int]] = defaultdict(set)
        self._all_words = _Vocabulary()
        self._public_words = _Vocabulary()
        self._doc_by_ref: dict[str, int] = {}
        self._df: Counter[str] = Counter()
        self._ids: dict[str, int] = {}  # term or spelling -> id; ids are never reused
        self._names: list[str] = []  # id -> the one interned string
        # term -> (docs, negated weights): sorted by weight descending, then ref order.
        self._postings: dict[str, tuple[array[int], array[float]]] = {}
        self._build(practices)

    def __setstate__(self, state: dict[str, object]) -> None:
        """Refuse an index pickled in an older shape (a cache of it is then only a miss)."""
        if state.get("_format") != _FORMAT:
            raise TypeError("an index pickled by another version")
        self.__dict__.update(state)

    def _build(self, practices: Iterable[Practice]) -> None:
        """Index many practices at once: gather every posting, then sort each term's once.

        The practices are taken one at a time and not kept (a stream of the whole bank is
        never held whole). The result is what adding them one by one gives (`add` places each
        posting where this sort would), only without a bisection per posting: postings are
        ordered by weight, then by ref order, whatever order the practices came in. A ref that
        comes again replaces the first one's entry, as `add` does, once the rest is built.
        """
        gathered: dict[str, tuple[array[int], array[float]]] = {}
        again: list[Practice] = []
        keys = self.order_keys
        in_ref_order = True
        for practice in practices:
            if practice.ref.upper() in self._doc_by_ref:
                again.append(practice)
                continue
            if practice.archived_at is not None:
                continue
            doc, weights = self._register(practice)
            if doc and keys[doc] < keys[doc - 1]:
                in_ref_order = False
            for term, weight in weights.items():
                docs, negated = gathered.setdefault(term, (array("i"), array("f")))
                docs.append(doc)
                negated.append(-weight)
        # A stable sort by weight keeps the order among equal weights, so with docs in ref
        # order this is the order `add` would have placed them in; otherwise ref order is
        # sorted first. Each term's gathered arrays are let go as soon as its sorted ones
        # exist, so the postings are never held twice over.
        while gathered:
            term, (docs, negated) = gathered.popitem()
            order = list(range(len(docs)))
            if not in_ref_order:
                order.sort(key=lambda i: keys[docs[i]])
            order.sort(key=negated.__getitem__)
            self._postings[term] = (
                array("i", (docs[i] for i in order)),
                array("f", (negated[i] for i in order)),
            )
        for practice in again:
            self.add(practice)

    # -- changes -------------------------------------------------------------------------

    def add(self, practice: Practice) -> None:
        """Index the practice, replacing the one with its ref; an archived one is only removed."""
        self.remove(practice.ref)
        if practice.archived_at is not None:
            return
        doc, weights = self._register(practice)
        for term, weight in weights.items():
            docs, negated = self._postings.setdefault(term, (array("i"), array("f")))
            at = self._position(docs, negated, doc, -weight)
            docs.insert(at, doc)
            negated.insert(at, -weight)

    def _ids_of(self, names: Iterable[str]) -> list[int]:
        """The ids of terms or spellings, giving one to each name on first sight."""
        names = list(names)
        found = list(map(self._ids.get, names))
        for at, known in enumerate(found):
            if known is None:
                found[at] = self._ids[names[at]] = len(self._names)
                self._names.append(names[at])
        return found  # type: ignore[return-value]

    def _register(self, practice: Practice) -> tuple[int, dict[str, float]]:
        """Give a live practice its doc id, index all of it but its postings, return weights."""
        analysis = _Analysis(practice)
        weights = analysis.weights()
        term_ids = self._ids_of(weights)
        surface_ids = self._ids_of(analysis.surfaces)
        surfaces = analysis.surfaces
        doc = len(self.order_keys)
        self._listings[doc] = _listing(practice)
        self._records[doc] = _pack(term_ids, surface_ids)
        self._phrases[doc] = phrase_text(
            index_terms(field_text(practice, "title")), index_terms(practice.summary)
        )
        self.order_keys.append(ref_order(practice.ref))
        key = practice.ref.upper()
        self._doc_by_ref[practice.ref if key == practice.ref else key] = doc
        self.live.add(doc)
        self._filters(doc, practice, add=True)
        self._all_words.add(surfaces)
        terms = weights.keys()
        if practice.is_restricted:
            self.restricted.add(doc)
            self.restricted_df.update(terms)
        else:
            self._public_words.add(surfaces)
        self._df.update(terms)
        return doc, weights

    def remove(self, ref: str) -> bool:
        """Take the practice with this ref (any case) out of the index; False if it was not in."""
        doc = self._doc_by_ref.pop(ref.upper(), None)
        if doc is None:
            return False
        practice = self.practice(doc)
        del self._listings[doc]
        term_ids, surface_ids = _unpack(self._records.pop(doc))
        del self._phrases[doc]
        terms = [self._names[i] for i in term_ids]
        surfaces = [self._names[i] for i in surface_ids]
        self.live.discard(doc)
        self._filters(doc, practice, add=False)
        self._all_words.remove(surfaces)
        if practice.is_restricted:
            self.restricted.discard(doc)
            self.restricted_df.subtract(terms)
            for term in terms:
                if self.restricted_df[term] <= 0:
                    del self.restricted_df[term]
        else:
            self._public_words.remove(surfaces)
        self._df.subtract(terms)
        for term in terms:
            if self._df[term] <= 0:
                del self._df[term]
            docs, negated = self._postings[term]
            at = _find(docs, doc)
            if at >= 0:
                del docs[at]
                del negated[at]
            if not docs:
                del self._postings[term]
        return True

    def _position(self, docs: array[int], negated: array[float], doc: int, key: float) -> int:
        """Where `doc` with negated weight `key` sits in a term's sorted postings."""
        low, high = bisect_left(negated, key), bisect_right(negated, key)
        if low == high:
            return low
        keys = self.order_keys
        return bisect_left(docs, keys[doc], low, high, key=keys.__getitem__)

    def _filters(self, doc: int, practice: Practice, *, add: bool) -> None:
        def mark(docs: set[int]) -> None:
            if add:
                docs.add(doc)
            else:
                docs.discard(doc)

        mark(self.by_effectiveness[practice.effectiveness])
        for focus in practice.focus:
            mark(self.by_focus[focus])
        for linked in practice.linked_to:
            mark(self.by_linked[linked])
        for topic in practice.topics:
            for word in words(topic):
                mark(self.by_topic_word[word.stem])
        for word in words(practice.organisation or ""):
            mark(self.by_org_word[word.stem])

    # -- queries -------------------------------------------------------------------------

    def __len__(self) -> int:
        """How many practices are searchable."""
        return len(self.live)

    def doc_of(self, ref: str) -> int | None:
        """The doc id of the live practice with this ref (any case), or None."""
        return self._doc_by_ref.get(ref.upper())

    def practice(self, doc: int) -> Practice:
        """The live practice `doc` as a result shows it: its `LISTED` fields, the rest unset."""
        return Practice(**dict(zip(LISTED, self._listings[doc], strict=True)))  # type: ignore[arg-type]

    def phrase(self, doc: int) -> str:
        """The live practice's title and summary terms, for adjacency checks (`phrase_text`).

        Kept rather than worked out when asked: tokenising forty candidates' titles and
        summaries was a third of a query's time, for about 3 MB per 10,000 practices.
        """
        return self._phrases[doc]

    def order_key(self, doc: int) -> tuple[str, int, str]:
        """What ties break by: the practice's ref order."""
        return self.order_keys[doc]

    def terms(self) -> Iterator[str]:
        """Every term some live practice contains."""
        return iter(self._df)

    def df(self, term: str, *, include_restricted: bool = True) -> int:
        """How many practices contain the term (only the public ones unless told otherwise)."""
        count = self._df.get(term, 0)
        return count if include_restricted else count - self.restricted_df.get(term, 0)

    def postings(self, term: str) -> tuple[array[int], array[float]]:
        """The term's postings as (docs, negated weights), strongest first, ties by ref.

        A posting's score is `idf(term)` times its weight; the weight is stored negated so the
        array is ascending, as bisection wants.
        """
        return self._postings.get(term, _EMPTY)

    def idf(self, term: str) -> float:
        """The term's BM25 inverse document frequency over the live practices."""
        df = self._df.get(term, 0)
        count = max(len(self.live), 1)
        return math.log(1.0 + (count - df + 0.5) / (df + 0.5))

    def vocabulary(self, *, include_restricted: bool) -> dict[str, str]:
        """Spellings of the indexed words (surface to stem) a person may be offered back."""
        return (self._all_words if include_restricted else self._public_words).surfaces

    def docs_with_words(self, text: str, by_word: dict[str, set[int]]) -> set[int]:
        """Practices whose field (topics or organisation) holds every word of `text`."""
        stems = [w.stem for w in words(text)]
        if not stems:
            return set()
        result = set(by_word.get(stems[0], ()))
        for term in stems[1:]:
            result &= by_word.get(term, set())
        return result
