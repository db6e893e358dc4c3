"""The inverted index over the practices: BM25F term impacts, vocabulary and filter sets.

Each term's postings hold precomputed BM25F impacts sorted best first, so a query can stop after
the strongest postings of a very common term instead of walking the whole bank.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

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
_REF_PARTS = re.compile(r"(\D*)(\d*)(.*)", re.S)


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


class PracticeIndex:
    """Everything a query needs, built once from the visible practices (archived ones left out).

    Document ids follow ref order, so "sorted by id" is "sorted by ref".
    """

    def __init__(self, practices: Iterable[Practice]) -> None:
        live = sorted(
            (p for p in practices if p.archived_at is None), key=lambda p: ref_order(p.ref)
        )
        self.practices: list[Practice] = live
        self.phrases: list[str] = []
        self.surfaces: dict[str, str] = {}
        self.public_surfaces: dict[str, str] = {}
        self.restricted_df: Counter[str] = Counter()
        self.by_effectiveness: dict[Effectiveness, set[int]] = defaultdict(set)
        self.by_focus: dict[Focus, set[int]] = defaultdict(set)
        self.by_linked: dict[LinkedTo, set[int]] = defaultdict(set)
        self.by_topic_word: dict[str, set[int]] = defaultdict(set)
        self.by_org_word: dict[str, set[int]] = defaultdict(set)
        self.restricted: set[int] = set()
        self.postings: dict[str, tuple[array[int], array[float]]] = {}
        self._build()

    def _build(self) -> None:
        """Two passes: tokenise and measure field lengths, then compute BM25F impacts.

        Between passes each practice is kept as one compact array of (term, field) codes, which
        keeps memory near the size of the finished index even for a very large bank.
        """
        term_ids: dict[str, int] = {}
        per_doc: list[tuple[array[int], tuple[int, ...]]] = []
        fields = len(_FIELD_NAMES)
        total_len = [0] * fields
        for doc, practice in enumerate(self.practices):
            self._index_filters(doc, practice)
            codes: array[int] = array("i")
            lengths = [0] * fields
            title_and_summary: list[list[str]] = []
            public = not practice.is_restricted
            doc_terms: set[str] = set()
            for f, name in enumerate(_FIELD_NAMES):
                field_words = words(field_text(practice, name))
                self._learn_surfaces(field_words, self.surfaces)
                if public:
                    self._learn_surfaces(field_words, self.public_surfaces)
                terms = terms_of(field_words)
                if f < 2:
                    title_and_summary.append(terms)
                codes.extend(term_ids.setdefault(t, len(term_ids)) * fields + f for t in terms)
                if not public:
                    doc_terms.update(terms)
                lengths[f] = len(terms)
                total_len[f] += len(terms)
            self.restricted_df.update(doc_terms)
            per_doc.append((codes, tuple(lengths)))
            self.phrases.append(phrase_text(*title_and_summary))
        count = max(len(self.practices), 1)
        avg_len = [max(n / count, 1.0) for n in total_len]
        weights = [FIELD_WEIGHTS[name] for name in _FIELD_NAMES]
        doc_lists: list[array[int]] = [array("i") for _ in term_ids]
        tf_lists: list[array[float]] = [array("f") for _ in term_ids]
        for doc, (doc_codes, doc_lengths) in enumerate(per_doc):
            norms = [
                weight / (1.0 - b + b * length / avg)
                for (weight, b), length, avg in zip(weights, doc_lengths, avg_len, strict=True)
            ]
            pseudo: dict[int, float] = defaultdict(float)
            for code, tf in Counter(doc_codes).items():
                tid, f = divmod(code, fields)
                pseudo[tid] += tf * norms[f]
            for tid, weighted_tf in pseudo.items():
                doc_lists[tid].append(doc)
                tf_lists[tid].append(weighted_tf)
        per_doc.clear()
        for term, term_id in term_ids.items():
            self.postings[term] = _impact_ordered(doc_lists[term_id], tf_lists[term_id], count)
            doc_lists[term_id], tf_lists[term_id] = array("i"), array("f")  # free as we go

    @staticmethod
    def _learn_surfaces(field_words: list[Word], surfaces: dict[str, str]) -> None:
        """Remember how indexed words are spelt, for typo correction and "did you mean".

        Two vocabularies are kept: every practice's, and the public practices' only, so that
        a person who may not see restricted practices is never offered their words.
        """
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

    def _index_filters(self, doc: int, practice: Practice) -> None:
        self.by_effectiveness[practice.effectiveness].add(doc)
        for focus in practice.focus:
            self.by_focus[focus].add(doc)
        for linked in practice.linked_to:
            self.by_linked[linked].add(doc)
        for topic in practice.topics:
            for word in words(topic):
                self.by_topic_word[word.stem].add(doc)
        for word in words(practice.organisation or ""):
            self.by_org_word[word.stem].add(doc)
        if practice.is_restricted:
            self.restricted.add(doc)

    def __len__(self) -> int:
        """How many practices are searchable."""
        return len(self.practices)

    def df(self, term: str, *, include_restricted: bool = True) -> int:
        """How many practices contain the term (only the public ones unless told otherwise)."""
        posting = self.postings.get(term)
        count = len(posting[0]) if posting else 0
        return count if include_restricted else count - self.restricted_df.get(term, 0)

    def vocabulary(self, *, include_restricted: bool) -> dict[str, str]:
        """Spellings of the indexed words (surface to stem) a person may be offered back."""
        return self.surfaces if include_restricted else self.public_surfaces

    def docs_with_words(self, text: str, by_word: dict[str, set[int]]) -> set[int]:
        """Practices whose field (topics or organisation) holds every word of `text`."""
        stems = [w.stem for w in words(text)]
        if not stems:
            return set()
        result = set(by_word.get(stems[0], ()))
        for term in stems[1:]:
            result &= by_word.get(term, set())
        return result


def _impact_ordered(
    docs: array[int], tfs: array[float], count: int
) -> tuple[array[int], array[float]]:
    """BM25 impacts for one term's postings, strongest first (ties by ref)."""
    idf = math.log(1.0 + (count - len(docs) + 0.5) / (len(docs) + 0.5))
    impacts = [idf * tf * (K1 + 1.0) / (tf + K1) for tf in tfs]
    key: Callable[[int], tuple[float, int]] = lambda i: (-impacts[i], docs[i])  # noqa: E731
    order = sorted(range(len(docs)), key=key)
    return array("i", (docs[i] for i in order)), array("f", (impacts[i] for i in order))
