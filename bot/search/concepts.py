"""Turns the words of a query into concepts: each word or glossary phrase with what it may match.

A concept is one thing the person asked about ("knife", "ASB", a misspelt "catalitic"); its
alternatives are the index terms that count as a match: the word itself, the glossary's
expansions (both ways round), a typo correction against the bank's vocabulary, or the two halves
of a run-together word ("nighttime"). An alternative of several terms matches a practice only
when the practice holds all of them: "organised crime group" is not matched by "groups" alone.

A glossary term the visible bank has nothing for (neither the term nor any of its meanings)
brings its *broader* subject, when the glossary names one, as a concept of its own: "upskirting"
in a bank without such a practice becomes "upskirting" (matching nothing) and "sexual offences",
so the practices on sexual offences are partial matches, shown as the closest ones and never as
answers, and a bank that has an upskirting practice is searched for it alone.

A concept is *generic* when every term it could match is a word common across the bank
("crime", "police", "children"): such words order the results but cannot on their own make a
practice a match.

Everything offered back to the person (a typo correction) and everything that decides whether a
word "exists" comes from the vocabulary of the practices the asker may see, so a public
workspace cannot learn a restricted practice's words from "did you mean".

Typo correction is deliberately conservative: it is tried only for a word that neither the
visible bank nor the glossary knows, it allows one edit (two for words of eight letters or more
when the first letter is kept, a swap of neighbours counting as one), and among close spellings
it takes the commonest. A word
the bank or glossary knows is never "corrected" into another, rarer one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.search.glossary import Glossary
from bot.search.index import PracticeIndex
from bot.search.tokenise import Word, query_words, stem

MAX_CONCEPTS = 12
"""Words beyond this are ignored (with a notice): they cannot improve a ranking, only slow it."""

EXPANSION_WEIGHT = 0.5
SPLIT_WEIGHT = 0.9
TYPO_WEIGHT = 0.85
MIN_TYPO_LENGTH = 4
TYPO_CUTOFF = 80.0
_MAX_PHRASE = 6
LONG_WORD = 8
"""From this length a typo may be two edits away; shorter words get one."""

COMMON_SHARE = 0.25
"""A term in at least this share of a bank of `COMMON_MIN_BANK` or more practices is common."""
COMMON_MIN_BANK = 40

# Words that describe most of the bank rather than any one practice: they order results but
# never make a match on their own. Written as a person would type them; stemmed on load.
GENERIC_WORDS: frozenset[str] = frozenset(
    stem(w)
    for w in [
        "crime",
        "crimes",
        "police",
        "policing",
        "officer",
        "officers",
        "staff",
        "force",
        "forces",
        "behaviour",
        "group",
        "groups",
        "health",
        "child",
        "children",
        "young",
        "youth",
        "people",
        "person",
        "community",
        "communities",
        "victim",
        "victims",
        "support",
        "service",
        "services",
        "programme",
        "program",
        "project",
        "scheme",
        "approach",
        "initiative",
        "partner",
        "partners",
        "partnership",
        "team",
        "local",
        "work",
        "working",
        "help",
        "safety",
        "safe",
        "risk",
        "reduce",
        "reducing",
        "reduction",
        "prevent",
        "prevention",
        "preventing",
        "improve",
        "improving",
        "new",
        "public",
        "issue",
        "issues",
        "problem",
        "problems",
        "area",
        "areas",
        "use",
        "using",
        "tackle",
        "tackling",
        "response",
        "national",
        "intervention",
        "interventions",
        "offence",
        "offences",
        "offender",
        "offenders",
        "case",
        "cases",
    ]
)


@dataclass(frozen=True)
class Alternative:
    """Index terms that together stand for a concept; `size` is the phrase length they came from."""

    terms: tuple[str, ...]
    weight: float
    size: int = 1


@dataclass(frozen=True)
class Concept:
    """One thing asked about, the alternatives that match it and any typo correction made."""

    words: tuple[str, ...]
    alternatives: tuple[Alternative, ...]
    correction: tuple[str, str] | None = None
    generic: bool = False


class ConceptBuilder:
    """Knows the index vocabulary and the compiled glossary; makes concepts for each query."""

    def __init__(
        self, index: PracticeIndex, glossary: Glossary, *, like: ConceptBuilder | None = None
    ) -> None:
        """Compile the glossary, or reuse the compiled glossary of `like` (same glossary).

        The bank's part (common words, correction candidates) is worked out afresh, the
        candidates only when a typo first needs them: after a change to the bank this is all
        that is redone, which keeps a change cheap.
        """
        self._index = index
        self._by_length_cache: dict[bool, dict[int, list[str]]] = {}
        self._common = set(GENERIC_WORDS)
        if len(index) >= COMMON_MIN_BANK:
            floor = COMMON_SHARE * len(index)
            self._common.update(t for t in index.terms() if index.df(t) >= floor)
        self._phrases: dict[tuple[str, ...], list[tuple[str, ...]]]
        self._broader: dict[tuple[str, ...], list[tuple[str, ...]]]
        self._glossary_words: dict[str, tuple[str, ...]]
        self._longest: int
        if like is not None:
            self._phrases = like._phrases
            self._broader = like._broader
            self._glossary_words = like._glossary_words
            self._longest = like._longest
            return
        self._phrases = defaultdict(list)
        self._broader = {}
        self._glossary_words = {}
        for entry in glossary:
            term = tuple(w.stem for w in query_words(entry.term))
            if not term:
                continue
            broader = [tuple(w.stem for w in query_words(b)) for b in glossary.broader(entry.term)]
            if any(broader):
                self._broader[term] = [b for b in broader if b]
            if len(term) == 1:
                self._glossary_words[query_words(entry.term)[0].surface] = term
            for expansion in glossary.expansions(entry.term):
                phrase = tuple(w.stem for w in query_words(expansion))
                if phrase and phrase != term:
                    self._add_phrase(term, phrase)
                    if not glossary.is_one_way(entry.term):
                        self._add_phrase(phrase, term)
        self._longest = min(max((len(k) for k in self._phrases), default=1), _MAX_PHRASE)

    def _by_length(self, visible: bool) -> dict[int, list[str]]:
        """Correction candidates by length for one visibility, worked out on first use."""
        cached = self._by_length_cache.get(visible)
        if cached is None:
            cached = self._lengths(self._index.vocabulary(include_restricted=visible))
            self._by_length_cache[visible] = cached
        return cached

    def _lengths(self, vocabulary: dict[str, str]) -> dict[int, list[str]]:
        """Correction candidates (the vocabulary and the glossary's words) by length."""
        by_length: dict[int, list[str]] = defaultdict(list)
        # Sorted, so the candidates do not depend on the order practices reached the index.
        for surface in sorted({*vocabulary, *self._glossary_words}):
            by_length[len(surface)].append(surface)
        return by_length

    def _add_phrase(self, key: tuple[str, ...], phrase: tuple[str, ...]) -> None:
        if phrase not in self._phrases[key]:
            self._phrases[key].append(phrase)

    def build(self, text: str, *, include_restricted: bool = True) -> tuple[list[Concept], bool]:
        """Concepts for the free text, and whether words were dropped past `MAX_CONCEPTS`.

        Only the vocabulary of the practices the asker may see is used (`include_restricted`).
        """
        query = query_words(text)
        concepts: list[Concept] = []
        i = 0
        while i < len(query) and len(concepts) < MAX_CONCEPTS:
            concept, used = self._at(query, i, include_restricted)
            concepts.append(self._marked(concept))
            key = tuple(w.stem for w in query[i : i + used])
            if not concept.alternatives and key in self._broader:
                concepts.extend(self._broader_concepts(concept, key, include_restricted))
            i += used
        return concepts[:MAX_CONCEPTS], i < len(query)

    def _broader_concepts(
        self, concept: Concept, key: tuple[str, ...], visible: bool
    ) -> list[Concept]:
        """The broader subject of a glossary term the bank has nothing for, as one concept."""
        alternatives = tuple(
            a
            for a in (
                self._phrase_alternative(p, EXPANSION_WEIGHT, visible) for p in self._broader[key]
            )
            if a is not None
        )
        return [self._marked(Concept(concept.words, alternatives))] if alternatives else []

    def _marked(self, concept: Concept) -> Concept:
        """The concept with `generic` set when every term it could match is common."""
        terms = {t for a in concept.alternatives for t in a.terms}
        if terms and terms <= self._common:
            return Concept(concept.words, concept.alternatives, concept.correction, generic=True)
        return concept

    def _at(self, query: list[Word], i: int, visible: bool) -> tuple[Concept, int]:
        """Make the concept starting at word `i`, preferring the longest glossary phrase."""
        stems = [w.stem for w in query]
        for length in range(min(self._longest, len(query) - i), 0, -1):
            key = tuple(stems[i : i + length])
            if key in self._phrases:
                surfaces = tuple(w.surface for w in query[i : i + length])
                return Concept(surfaces, self._glossary_alternatives(key, visible)), length
        word = query[i]
        own = self._resolve(word.surface, word.stem, visible)
        if own is not None:
            return Concept((word.surface,), (own,)), 1
        return self._corrected(word, visible), 1

    def _glossary_alternatives(
        self, key: tuple[str, ...], visible: bool
    ) -> tuple[Alternative, ...]:
        alternatives = [self._phrase_alternative(key, 1.0, visible)]
        alternatives += [
            self._phrase_alternative(p, EXPANSION_WEIGHT, visible) for p in self._phrases[key]
        ]
        return tuple(a for a in alternatives if a is not None)

    def _phrase_alternative(
        self, phrase: tuple[str, ...], weight: float, visible: bool
    ) -> Alternative | None:
        """The phrase as index terms, or None when the bank lacks one of its words.

        A phrase stands for one thing: a practice holding only some of its words ("group" of
        "organised crime group") has not matched it, so a phrase with a missing word is dropped.
        """
        terms: list[str] = []
        for word_stem in phrase:
            # No splitting here: a glossary phrase is written as meant, so "self-harm" must not
            # turn into "self" and "harm" found anywhere in a practice.
            resolved = self._resolve(word_stem, word_stem, visible, split=False)
            if resolved is None:
                return None
            terms.extend(resolved.terms)
        return Alternative(tuple(dict.fromkeys(terms)), weight, len(phrase))

    def _resolve(
        self, surface: str, word_stem: str, visible: bool, *, split: bool = True
    ) -> Alternative | None:
        """Find the word as indexed, or split in two indexed words; None if the bank lacks it."""
        if self._index.df(word_stem, include_restricted=visible) > 0:
            return Alternative((word_stem,), 1.0)
        if not split:
            return None
        surfaces = self._index.vocabulary(include_restricted=visible)
        best: tuple[str, str] | None = None
        for cut in range(3, len(surface) - 2):
            left, right = surface[:cut], surface[cut:]
            if (
                left in surfaces
                and right in surfaces
                and (best is None or min(len(left), len(right)) > min(len(best[0]), len(best[1])))
            ):
                best = (left, right)
        if best is None:
            return None
        return Alternative((surfaces[best[0]], surfaces[best[1]]), SPLIT_WEIGHT, 2)

    def _corrected(self, word: Word, visible: bool) -> Concept:
        """Match a word the bank lacks to its closest spelling in the bank or the glossary."""
        typed = word.surface
        if len(typed) < MIN_TYPO_LENGTH or typed.isdigit():
            return Concept((typed,), ())
        by_length = self._by_length(visible)
        choices = [
            surface
            for length in range(len(typed) - 2, len(typed) + 3)
            for surface in by_length.get(length, ())
        ]
        edits = 2 if len(typed) >= LONG_WORD else 1
        # A second edit only keeps the first letter: people seldom mistype how a word starts,
        # and a long word two edits from one that starts differently is usually another word
        # ("isolation" is not a misspelt "solution", and matched practices on solutions).
        matches = [
            m
            for m in process.extract(
                typed, choices, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=8
            )
            if OSA.distance(typed, m[0]) <= (edits if m[0][:1] == typed[:1] else 1)
        ]
        if not matches:
            return Concept((typed,), ())
        vocabulary = self._index.vocabulary(include_restricted=visible)
        ranked = sorted(matches, key=lambda m: (-m[1], -self._popularity(m[0], visible), m[0]))
        best_surface, best_score = ranked[0][0], ranked[0][1]
        correction = (typed, best_surface)
        if best_surface in self._glossary_words:
            key = self._glossary_words[best_surface]
            if key in self._phrases:
                scaled = tuple(
                    Alternative(a.terms, a.weight * TYPO_WEIGHT, a.size)
                    for a in self._glossary_alternatives(key, visible)
                )
                return Concept((typed,), scaled, correction if scaled else None)
        alternatives = tuple(
            Alternative((vocabulary[surface],), TYPO_WEIGHT * score / 100.0)
            for surface, score, _ in ranked[:2]
            if surface in vocabulary and score >= best_score - 3.0
        )
        return Concept((typed,), alternatives, correction if alternatives else None)

    def _popularity(self, surface: str, visible: bool) -> int:
        word_stem = self._index.vocabulary(include_restricted=visible).get(surface)
        return self._index.df(word_stem, include_restricted=visible) if word_stem else 0
