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

Memory decides how big a bank one worker can serve (a realistic bank of 100,000 practices has
22 million postings), so a weight is stored as a whole number of `WEIGHT_UNIT`s (1/29,789:
two bytes, where a float32 took four), and each term's postings keep their weights as runs —
one value and how many postings share it — beside the doc ids. Postings are sorted by weight, so
equal ones sit together: a realistic bank's 22 million postings have under four million runs.
Rounding moves a score by at most 0.002 % of the term's idf, far below any difference ranking
cares about (the relevance figures are unchanged), and the rounding is part of the weight
itself, so the index stays exact under changes.
"""

from __future__ import annotations

import marshal
import math
import operator
import re
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from enum import Enum
from functools import lru_cache
from itertools import accumulate, compress
from typing import Literal, NamedTuple

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.search.memory import release_free_memory
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
WEIGHT_SCALE = 65535 / (K1 + 1.0)
"""Stored weights are whole numbers: the saturated frequency (below K1 + 1) times this."""
WEIGHT_UNIT = 1.0 / WEIGHT_SCALE
"""What one stored weight step is worth: a posting weighs its stored value times this."""
_REF_PARTS = re.compile(r"(\D*)(\d*)(.*)", re.S)
_SPAN = 1 << 16
"""A build gathers doc ids by span of this many, in two bytes each (see `_build`)."""
_RELEASE_EVERY = 5000
"""A build hands freed memory back every this many practices (`bot.search.memory`)."""
_RELEASE_POSTINGS = 1 << 19
"""...and every this many postings sorted, as each term's gathered arrays are let go."""
_FORMAT = 4
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
# The enum-valued listing fields, kept as their string values (see `_listing`).
_ENUMS: dict[str, type[Enum]] = {
    "effectiveness": Effectiveness,
    "focus": Focus,
    "linked_to": LinkedTo,
    "visibility": Visibility,
}


class Postings(NamedTuple):
    """One term's postings: doc ids, strongest first (ties in ref order), and their weights.

    The weights are runs: `values[k]` (descending, in `WEIGHT_UNIT`s) is the weight of the next
    `counts[k]` docs.
    """

    docs: array[int]
    values: array[int]
    counts: array[int]


_EMPTY = Postings(array("i"), array("H"), array("i"))


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

    def weights(self) -> dict[str, int]:
        """Each term's BM25F saturated frequency in this practice, in `WEIGHT_UNIT`s (at least 1).

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
        return {
            term: max(1, round(tf * (K1 + 1.0) / (tf + K1) * WEIGHT_SCALE))
            for term, tf in pseudo.items()
        }


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


def _plain(value: object) -> object:
    """A listing field as `marshal` keeps it: enums (also inside tuples) by their values."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _listing(practice: Practice) -> tuple[object, ...]:
    """The practice's `LISTED` field values, enums by value."""
    return tuple(_plain(getattr(practice, name)) for name in LISTED)


def _listed(listing: tuple[object, ...]) -> Practice:
    """The practice a listing was made from, with its `LISTED` fields only."""
    fields = dict(zip(LISTED, listing, strict=True))
    for name, kind in _ENUMS.items():
        value = fields[name]
        fields[name] = tuple(map(kind, value)) if isinstance(value, tuple) else kind(value)
    return Practice(**fields)  # type: ignore[arg-type]


def _ids(ids: list[int]) -> tuple[str, bytes]:
    """Ids sorted and delta-coded, in the fewest bytes each that every gap fits (one, mostly)."""
    ordered = sorted(ids)
    deltas = [ordered[0], *map(operator.sub, ordered[1:], ordered)] if ordered else []
    top = max(deltas, default=0)
    code = "B" if top < 1 << 8 else "H" if top < 1 << 16 else "I"
    return code, array(code, deltas).tobytes()


def _from_ids(code: str, raw: bytes) -> list[int]:
    deltas = array(code)
    deltas.frombytes(raw)
    return list(accumulate(deltas))


class _Stored(NamedTuple):
    """What the index keeps of one live practice, beyond its postings (see `_pack`)."""

    listing: tuple[object, ...]
    phrase: str
    surface_ids: list[int]


def _pack(practice: Practice, surface_ids: list[int]) -> bytes:
    """A practice's listing, phrase text and spelling ids, in one compressed blob.

    A dataclass `Practice` carries a dict of its 30 fields, and each kept field is a Python
    object of its own; at 100,000 practices that was 150 MB, and this is about a fifth of it.
    A result's few practices, the phrase texts of the forty it reranks and a removal are all
    that unpack it, at a few microseconds each. The spelling ids are all that taking the
    practice out of the index again needs: its terms are its spellings' stems (`_terms_of`),
    so they are not kept twice.
    """
    phrase = phrase_text(index_terms(field_text(practice, "title")), index_terms(practice.summary))
    kept = (_listing(practice), phrase, *_ids(surface_ids))
    return zlib.compress(marshal.dumps(kept))  # type: ignore[arg-type]


def _unpack(blob: bytes) -> _Stored:
    kept = marshal.loads(zlib.decompress(blob))  # noqa: S302 - our own blob, made by _pack
    listing, phrase, surface_code, surfaces = kept
    return _Stored(listing, phrase, _from_ids(surface_code, surfaces))


_RATINGS = tuple(Effectiveness)
_FOCI = tuple(Focus)
_LINKS = tuple(LinkedTo)
_NO_DOCS: array[int] = array("i")


def _mask(values: Iterable[Enum], members: tuple[Enum, ...]) -> int:
    """A bit mask of the values' places among `members` (at most eight)."""
    mask = 0
    for value in values:
        mask |= 1 << members.index(value)
    return mask


def _chosen(codes: bytearray, chosen: list[bool]) -> set[int]:
    """The docs whose code (a byte) is one `chosen` marks, read in C over every doc."""
    return set(compress(range(len(codes)), codes.translate(bytes(chosen))))


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
    are typed arrays per term (4-byte doc ids and runs of 2-byte weights, see `Postings`), every
    spelling is one interned string with an id, and a practice is one compressed blob
    of its listing fields, its phrase text and its spelling ids (`_pack`; the narrative
    fields are indexed but not kept: the store holds them).
    """

    def __init__(self, practices: Iterable[Practice] = ()) -> None:
        self._format = _FORMAT
        self._blobs: list[bytes | None] = []  # doc -> `_pack`ed practice, None once removed
        self.order_keys: list[tuple[str, int, str]] = []
        self._live = 0  # how many practices are searchable (their docs: `live_docs`)
        self.restricted: set[int] = set()
        self.restricted_df: Counter[str] = Counter()
        # What filters read, one byte a doc (0 once removed): 1 + the rating's place in
        # `_RATINGS`, and bit masks of the focuses and links; a set of doc ids cost 50 bytes
        # an entry. Topic and organisation words keep each word's docs, ascending.
        self._rating = bytearray()
        self._focus = bytearray()
        self._linked = bytearray()
        self._words: dict[str, dict[str, array[int]]] = {"topics": {}, "organisation": {}}
        self._all_words = _Vocabulary()
        self._public_words = _Vocabulary()
        self._doc_by_ref: dict[str, int] = {}
        self._df: Counter[str] = Counter()
        self._ids: dict[str, int] = {}  # spelling -> id; ids are never reused
        self._names: list[str] = []  # id -> the one interned string
        self._postings: dict[str, Postings] = {}
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
        # Postings are gathered two bytes a doc id: doc ids are given in arrival order, so each
        # term's arrive ascending, and are kept by span of `_SPAN` ids (the span's first id
        # taken off) beside their two-byte weights. Four bytes a posting rather than six: the
        # gathered postings are most of the build's peak (at 100,000 realistic practices, 22
        # million of them).
        gathered: dict[str, list[tuple[int, array[int], array[int]]]] = {}
        again: list[Practice] = []
        keys = self.order_keys
        in_ref_order = True
        for count, practice in enumerate(practices, 1):
            if count % _RELEASE_EVERY == 0:
                release_free_memory()  # the texts analysed so far (see `bot.search.memory`)
            if practice.ref.upper() in self._doc_by_ref:
                again.append(practice)
                continue
            if practice.archived_at is not None:
                continue
            doc, weights = self._register(practice)
            if doc and keys[doc] < keys[doc - 1]:
                in_ref_order = False
            span, low = divmod(doc, _SPAN)
            for term, weight in weights.items():
                parts = gathered.setdefault(term, [])
                if not parts or parts[-1][0] != span:
                    parts.append((span, array("H"), array("H")))
                _, lows, values = parts[-1]
                lows.append(low)
                values.append(weight)
        # A stable sort by weight keeps the order among equal weights (`reverse` keeps it
        # too), so with docs in ref order this is the order `add` would have placed them in;
        # otherwise ref order is sorted first. Each term's gathered arrays are let go as soon
        # as its sorted ones exist, so the postings are never held twice over.
        release_free_memory()
        sorted_since_release = 0
        while gathered:
            term, parts = gathered.popitem()
            docs, values = array("i"), array("H")
            for span, lows, weights_ in parts:
                docs.extend(map((span * _SPAN).__add__, lows))
                values.extend(weights_)
            del parts
            sorted_since_release += len(docs)
            if sorted_since_release >= _RELEASE_POSTINGS:
                release_free_memory()  # the gathered arrays and sort lists let go so far
                sorted_since_release = 0
            order = list(range(len(docs)))
            if not in_ref_order:
                order.sort(key=lambda i: keys[docs[i]])
            order.sort(key=values.__getitem__, reverse=True)
            counts = Counter(values)
            runs = sorted(counts, reverse=True)
            self._postings[term] = Postings(
                array("i", map(docs.__getitem__, order)),
                array("H", runs),
                array("i", map(counts.__getitem__, runs)),
            )
        for practice in again:
            self.add(practice)
        release_free_memory()

    # -- changes -------------------------------------------------------------------------

    def add(self, practice: Practice) -> None:
        """Index the practice, replacing the one with its ref; an archived one is only removed."""
        self.remove(practice.ref)
        if practice.archived_at is not None:
            return
        doc, weights = self._register(practice)
        keys = self.order_keys
        for term, weight in weights.items():
            docs, values, counts = self._postings.setdefault(
                term, Postings(array("i"), array("H"), array("i"))
            )
            run = bisect_left(values, -weight, key=operator.neg)  # values descend
            start = sum(counts[:run])
            if run < len(values) and values[run] == weight:
                at = bisect_left(docs, keys[doc], start, start + counts[run], key=keys.__getitem__)
                counts[run] += 1
            else:
                at = start
                values.insert(run, weight)
                counts.insert(run, 1)
            docs.insert(at, doc)

    def _ids_of(self, names: Iterable[str]) -> list[int]:
        """The ids of spellings, giving one to each on first sight."""
        names = list(names)
        found = list(map(self._ids.get, names))
        for at, known in enumerate(found):
            if known is None:
                found[at] = self._ids[names[at]] = len(self._names)
                self._names.append(names[at])
        return found  # type: ignore[return-value]

    def _register(self, practice: Practice) -> tuple[int, dict[str, int]]:
        """Give a live practice its doc id, index all of it but its postings, return weights."""
        analysis = _Analysis(practice)
        weights = analysis.weights()
        surface_ids = self._ids_of(analysis.surfaces)
        surfaces = analysis.surfaces
        doc = len(self.order_keys)
        self._blobs.append(_pack(practice, surface_ids))
        self.order_keys.append(ref_order(practice.ref))
        key = practice.ref.upper()
        self._doc_by_ref[practice.ref if key == practice.ref else key] = doc
        self._live += 1
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
        stored = self._stored(doc)
        practice = _listed(stored.listing)
        self._blobs[doc] = None
        surfaces = [self._names[i] for i in stored.surface_ids]
        terms = self._terms_of(surfaces)
        self._live -= 1
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
            docs, values, counts = self._postings[term]
            at = _find(docs, doc)
            if at >= 0:
                run = bisect_right(list(accumulate(counts)), at)
                del docs[at]
                counts[run] -= 1
                if not counts[run]:
                    del counts[run]
                    del values[run]
            if not docs:
                del self._postings[term]
        return True

    def _terms_of(self, surfaces: list[str]) -> set[str]:
        """An indexed practice's terms: the stems of its spellings (`_Analysis` makes both).

        A word's spellings (`_spellings`) and its terms (`word_terms`) are the same words —
        a hyphenated one joined and by its parts, a stopword neither — so the terms are the
        spellings' stems, read before the vocabulary forgets them.
        """
        known = self._all_words.surfaces
        return {known[surface] for surface in surfaces}

    def _stored(self, doc: int) -> _Stored:
        blob = self._blobs[doc]
        if blob is None:
            raise KeyError(doc)
        return _unpack(blob)

    def _filters(self, doc: int, practice: Practice, *, add: bool) -> None:
        """Mark what the filters read for a new doc (the highest yet), or clear a removed one."""
        if add:
            self._rating.append(1 + _RATINGS.index(practice.effectiveness))
            self._focus.append(_mask(practice.focus, _FOCI))
            self._linked.append(_mask(practice.linked_to, _LINKS))
        else:
            self._rating[doc] = self._focus[doc] = self._linked[doc] = 0
        tagged = {
            "topics": {w.stem for topic in practice.topics for w in words(topic)},
            "organisation": {w.stem for w in words(practice.organisation or "")},
        }
        for field, stems in tagged.items():
            by_word = self._words[field]
            for word in stems:
                docs = by_word.setdefault(word, array("i"))
                if add:
                    docs.append(doc)
                else:
                    del docs[bisect_left(docs, doc)]
                    if not docs:
                        del by_word[word]

    # -- queries -------------------------------------------------------------------------

    def __len__(self) -> int:
        """How many practices are searchable."""
        return self._live

    def live_docs(self) -> set[int]:
        """Every searchable practice's doc (a live doc's rating byte is never 0), read in C.

        Made when asked (only a filter-only search over the whole bank asks) rather than kept:
        a set of 100,000 doc ids is 6.6 MB.
        """
        return set(compress(range(len(self._rating)), self._rating))

    def doc_of(self, ref: str) -> int | None:
        """The doc id of the live practice with this ref (any case), or None."""
        return self._doc_by_ref.get(ref.upper())

    def practice(self, doc: int) -> Practice:
        """The live practice `doc` as a result shows it: its `LISTED` fields, the rest unset."""
        return _listed(self._stored(doc).listing)

    def phrase(self, doc: int) -> str:
        """The live practice's title and summary terms, for adjacency checks (`phrase_text`).

        Kept rather than worked out when asked: tokenising forty candidates' titles and
        summaries was a third of a query's time; unpacking it is a few microseconds.
        """
        return self._stored(doc).phrase

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

    def postings(self, term: str) -> Postings:
        """The term's postings, strongest first, ties by ref.

        A posting's score is `idf(term)` times its weight, its run's value times `WEIGHT_UNIT`.
        """
        return self._postings.get(term, _EMPTY)

    def idf(self, term: str) -> float:
        """The term's BM25 inverse document frequency over the live practices."""
        df = self._df.get(term, 0)
        count = max(self._live, 1)
        return math.log(1.0 + (count - df + 0.5) / (df + 0.5))

    def vocabulary(self, *, include_restricted: bool) -> dict[str, str]:
        """Spellings of the indexed words (surface to stem) a person may be offered back."""
        return (self._all_words if include_restricted else self._public_words).surfaces

    def docs_with_words(self, text: str, field: Literal["topics", "organisation"]) -> set[int]:
        """Practices whose field (topics or organisation) holds every word of `text`."""
        by_word = self._words[field]
        found = sorted((by_word.get(w.stem, _NO_DOCS) for w in words(text)), key=len)
        if not found:
            return set()
        result = set(found[0])
        for docs in found[1:]:
            result.intersection_update(docs)
        return result

    def rated(self, ratings: Iterable[Effectiveness]) -> set[int]:
        """Live practices with one of these ratings."""
        wanted = {1 + _RATINGS.index(r) for r in ratings}
        return _chosen(self._rating, [code in wanted for code in range(256)])

    def with_focus(self, focuses: Iterable[Focus]) -> set[int]:
        """Live practices with at least one of these focuses."""
        bits = _mask(focuses, _FOCI)
        return _chosen(self._focus, [bool(m & bits) for m in range(256)])

    def linked(self, links: Iterable[LinkedTo]) -> set[int]:
        """Live practices linked to at least one of these schemes."""
        bits = _mask(links, _LINKS)
        return _chosen(self._linked, [bool(m & bits) for m in range(256)])

    def facet_counts(self, docs: set[int]) -> tuple[dict[Effectiveness, int], dict[Focus, int]]:
        """How many of `docs` have each rating and each focus (every one, zeros included)."""
        ratings = Counter(map(self._rating.__getitem__, docs))
        masks = Counter(map(self._focus.__getitem__, docs))
        return (
            {r: ratings[1 + at] for at, r in enumerate(_RATINGS)},
            {f: sum(n for m, n in masks.items() if m >> at & 1) for at, f in enumerate(_FOCI)},
        )
