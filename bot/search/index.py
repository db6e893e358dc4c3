"""The inverted index over the practices: BM25F term impacts, vocabulary and filter sets.

The index changes in place: `add` and `remove` touch only one practice's postings, filter
entries and vocabulary, so a published, updated or retired practice is searchable (or gone) at
once without rebuilding the bank. What each posting keeps is the raw term frequency per field;
the bank-wide statistics a BM25F impact depends on (how many practices, how many contain the
term, average field lengths) are kept exact as practices come and go, and a term's impacts are
computed from them when a query first needs the term after a change, then reused until the next
change. So an index after any sequence of changes ranks exactly as one freshly built from the
same practices.

A removed practice leaves a tombstone (its doc id is never reused) and its raw postings stay
until `compact` drops them, which `PracticeSearch` does once tombstones outnumber live entries.
Ties always break in ref order (PB999 before PB1000), whatever order practices arrived in.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice
from bot.search.tokenise import STOPWORDS, Word, stem, terms_of, words

# (field weight, length normalisation b). The title says what the practice is; long narrative
# fields mention many things in passing, so they weigh less.
FIELD_WEIGHTS: dict[str, tuple[float, float]] = {
    "title": (3.0, 0.5),
    "summary": (1.5, 0.75),
    "topics": (1.5, 0.3),
    "aim": (1.0, 0.75),
    "intended_outcome": (1.0, 0.75),
    "target_group": (1.0, 0.5),
    "organisation": (1.0, 0.3),
    "description": (0.8, 0.75),
    "partners": (0.7, 0.3),
    "evaluation": (0.6, 0.75),
    "learning": (0.6, 0.75),
    "focus": (0.5, 0.0),
}
K1 = 1.2
_FIELD_NAMES = tuple(FIELD_WEIGHTS)
_WEIGHTS = tuple(FIELD_WEIGHTS[name] for name in _FIELD_NAMES)
_FIELD_BITS = 4  # a posting code is doc << 4 | field: twelve fields fit in four bits
_FIELD_MASK = (1 << _FIELD_BITS) - 1
_MAX_TF = 0xFFFF  # tf per (term, field) is kept in 16 bits; more repeats add nothing to BM25
_REF_PARTS = re.compile(r"(\D*)(\d*)(.*)", re.S)
_EMPTY: tuple[array[int], array[float]] = (array("i"), array("f"))


def ref_order(ref: str) -> tuple[str, int, str]:
    """Sort key putting PB999 before PB1000 (plain string order would not)."""
    match = _REF_PARTS.match(ref.upper())
    if match is None:  # cannot happen: every group may be empty
        return ref, -1, ""
    prefix, digits, rest = match.groups()
    return prefix, int(digits) if digits else -1, rest


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
    """One practice tokenised: per-field terms, lengths, spellings and its phrase text."""

    __slots__ = ("fields", "lengths", "phrase", "surfaces")

    def __init__(self, practice: Practice) -> None:
        self.fields: list[list[str]] = []
        self.surfaces: dict[str, str] = {}
        for name in _FIELD_NAMES:
            field_words = words(field_text(practice, name))
            _learn_surfaces(field_words, self.surfaces)
            self.fields.append(terms_of(field_words))
        self.lengths = tuple(len(terms) for terms in self.fields)
        self.phrase = phrase_text(self.fields[0], self.fields[1])

    def terms(self) -> set[str]:
        """Every distinct term of the practice, whatever the field."""
        return {t for terms in self.fields for t in terms}


def _learn_surfaces(field_words: list[Word], surfaces: dict[str, str]) -> None:
    """Remember how indexed words are spelt, for typo correction and "did you mean"."""
    for word in field_words:
        if word.surface in surfaces or word.surface in STOPWORDS:
            continue
        if "-" in word.surface:
            joined = word.surface.replace("-", "")
            surfaces.setdefault(joined, stem(joined))
            for part in word.surface.split("-"):
                if part and part not in STOPWORDS:
                    surfaces.setdefault(part, stem(part))
        else:
            surfaces[word.surface] = word.stem


class _Vocabulary:
    """Spellings (surface to stem) with how many live practices use each, so removal is exact."""

    def __init__(self) -> None:
        self.surfaces: dict[str, str] = {}
        self._uses: Counter[str] = Counter()

    def add(self, surfaces: dict[str, str]) -> None:
        self.surfaces.update(surfaces)
        self._uses.update(surfaces.keys())

    def remove(self, surfaces: dict[str, str]) -> None:
        for surface in surfaces:
            self._uses[surface] -= 1
            if self._uses[surface] <= 0:
                del self._uses[surface]
                del self.surfaces[surface]


class PracticeIndex:
    """Everything a query needs over the visible practices (archived ones are never indexed).

    Doc ids are given in arrival order and never reused; `order_key(doc)` is the ref order
    every tie breaks by. `practices` holds the live practices by doc id.
    """

    def __init__(self, practices: Iterable[Practice] = ()) -> None:
        self.practices: dict[int, Practice] = {}
        self.phrases: list[str] = []
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
        self._lengths: list[tuple[int, ...]] = []
        self._total_len = [0] * len(_FIELD_NAMES)
        self._df: Counter[str] = Counter()
        self._raw: dict[str, tuple[array[int], array[int]]] = {}
        self._impacts: dict[str, tuple[array[int], array[float]]] = {}
        self._avg_len: list[float] | None = None
        self._dead_postings = 0
        self._live_postings = 0
        for practice in sorted(practices, key=lambda p: ref_order(p.ref)):
            self.add(practice)

    # -- changes -------------------------------------------------------------------------

    def add(self, practice: Practice) -> None:
        """Index the practice, replacing the one with its ref; an archived one is only removed."""
        self.remove(practice.ref)
        if practice.archived_at is not None:
            return
        analysis = _Analysis(practice)
        doc = len(self.order_keys)
        self.practices[doc] = practice
        self.phrases.append(analysis.phrase)
        self.order_keys.append(ref_order(practice.ref))
        self._lengths.append(analysis.lengths)
        self._doc_by_ref[practice.ref.upper()] = doc
        self.live.add(doc)
        for f, length in enumerate(analysis.lengths):
            self._total_len[f] += length
        self._filters(doc, practice, add=True)
        self._all_words.add(analysis.surfaces)
        terms = analysis.terms()
        if practice.is_restricted:
            self.restricted.add(doc)
            self.restricted_df.update(terms)
        else:
            self._public_words.add(analysis.surfaces)
        self._df.update(terms)
        for f, field_terms in enumerate(analysis.fields):
            for term, tf in Counter(field_terms).items():
                codes, tfs = self._raw.setdefault(term, (array("i"), array("H")))
                codes.append(doc << _FIELD_BITS | f)
                tfs.append(min(tf, _MAX_TF))
                self._live_postings += 1
        self._changed()

    def remove(self, ref: str) -> bool:
        """Take the practice with this ref (any case) out of the index; False if it was not in."""
        doc = self._doc_by_ref.pop(ref.upper(), None)
        if doc is None:
            return False
        practice = self.practices.pop(doc)
        analysis = _Analysis(practice)
        self.phrases[doc] = ""
        self.live.discard(doc)
        for f, length in enumerate(self._lengths[doc]):
            self._total_len[f] -= length
        self._filters(doc, practice, add=False)
        self._all_words.remove(analysis.surfaces)
        terms = analysis.terms()
        if practice.is_restricted:
            self.restricted.discard(doc)
            self.restricted_df.subtract(terms)
            for term in terms:
                if self.restricted_df[term] <= 0:
                    del self.restricted_df[term]
        else:
            self._public_words.remove(analysis.surfaces)
        self._df.subtract(terms)
        for term in terms:
            if self._df[term] <= 0:
                del self._df[term]
        dead = sum(len(set(field_terms)) for field_terms in analysis.fields)
        self._dead_postings += dead
        self._live_postings -= dead
        self._changed()
        return True

    def needs_compacting(self) -> bool:
        """True once removed practices' postings outnumber the live ones (memory, not answers)."""
        return self._dead_postings > max(self._live_postings, 10_000)

    def compact(self) -> None:
        """Drop the raw postings of removed practices (answers are unchanged)."""
        for term in list(self._raw):
            codes, tfs = self._raw[term]
            keep = [i for i, code in enumerate(codes) if (code >> _FIELD_BITS) in self.live]
            if not keep:
                del self._raw[term]
            elif len(keep) < len(codes):
                kept_codes = array("i", (codes[i] for i in keep))
                self._raw[term] = (kept_codes, array("H", (tfs[i] for i in keep)))
        self._dead_postings = 0

    def _changed(self) -> None:
        """Bank-wide statistics moved: every term's impacts are recomputed when next asked for."""
        self._impacts.clear()
        self._avg_len = None

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
        """The term's live postings as (docs, BM25F impacts), strongest first, ties by ref."""
        cached = self._impacts.get(term)
        if cached is not None:
            return cached
        raw = self._raw.get(term)
        if raw is None or term not in self._df:
            return _EMPTY
        computed = self._compute(term, *raw)
        self._impacts[term] = computed
        return computed

    def _compute(
        self, term: str, codes: array[int], tfs: array[int]
    ) -> tuple[array[int], array[float]]:
        count = max(len(self.live), 1)
        if self._avg_len is None:
            self._avg_len = [max(total / count, 1.0) for total in self._total_len]
        avg_len, lengths, live = self._avg_len, self._lengths, self.live
        # Fields of one doc are appended in field order, so the sum below adds them in the
        # same order whichever way the index was built: the floats come out identical.
        pseudo: dict[int, float] = {}
        for code, tf in zip(codes, tfs, strict=True):
            doc = code >> _FIELD_BITS
            if doc not in live:
                continue
            f = code & _FIELD_MASK
            weight, b = _WEIGHTS[f]
            norm = weight / (1.0 - b + b * lengths[doc][f] / avg_len[f])
            pseudo[doc] = pseudo.get(doc, 0.0) + tf * norm
        df = len(pseudo)
        idf = math.log(1.0 + (count - df + 0.5) / (df + 0.5))
        keys = self.order_keys
        scored = sorted(
            ((doc, idf * tf * (K1 + 1.0) / (tf + K1)) for doc, tf in pseudo.items()),
            key=lambda item: (-item[1], keys[item[0]]),
        )
        return array("i", (doc for doc, _ in scored)), array("f", (s for _, s in scored))

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
