"""Turns the words of a query into concepts: each word or glossary phrase with what it may match.

A concept is one thing the person asked about ("knife", "ASB", a misspelt "catalitic"); its
alternatives are the index terms that count as a match: the word itself, the glossary's
expansions (both ways round), a typo correction against the bank's vocabulary, or the two halves
of a run-together word ("nighttime").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.search.glossary import Glossary
from bot.search.index import PracticeIndex
from bot.search.tokenise import Word, query_words

MAX_CONCEPTS = 12
"""Words beyond this are ignored (with a notice): they cannot improve a ranking, only slow it."""

EXPANSION_WEIGHT = 0.9
SPLIT_WEIGHT = 0.9
TYPO_WEIGHT = 0.85
MIN_TYPO_LENGTH = 4
TYPO_CUTOFF = 80.0
_MAX_PHRASE = 6


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


class ConceptBuilder:
    """Knows the index vocabulary and the compiled glossary; makes concepts for each query."""

    def __init__(self, index: PracticeIndex, glossary: Glossary) -> None:
        self._index = index
        self._phrases: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
        self._glossary_words: dict[str, tuple[str, ...]] = {}
        for entry in glossary:
            term = tuple(w.stem for w in query_words(entry.term))
            if not term:
                continue
            if len(term) == 1:
                self._glossary_words[query_words(entry.term)[0].surface] = term
            for expansion in glossary.expansions(entry.term):
                phrase = tuple(w.stem for w in query_words(expansion))
                if phrase and phrase != term:
                    self._add_phrase(term, phrase)
                    self._add_phrase(phrase, term)
        self._longest = min(max((len(k) for k in self._phrases), default=1), _MAX_PHRASE)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for surface in (*index.surfaces, *self._glossary_words):
            self._by_length[len(surface)].append(surface)

    def _add_phrase(self, key: tuple[str, ...], phrase: tuple[str, ...]) -> None:
        if phrase not in self._phrases[key]:
            self._phrases[key].append(phrase)

    def build(self, text: str) -> tuple[list[Concept], bool]:
        """Concepts for the free text, and whether words were dropped past `MAX_CONCEPTS`."""
        query = query_words(text)
        concepts: list[Concept] = []
        i = 0
        while i < len(query) and len(concepts) < MAX_CONCEPTS:
            concept, used = self._at(query, i)
            concepts.append(concept)
            i += used
        return concepts, i < len(query)

    def _at(self, query: list[Word], i: int) -> tuple[Concept, int]:
        """Make the concept starting at word `i`, preferring the longest glossary phrase."""
        stems = [w.stem for w in query]
        for length in range(min(self._longest, len(query) - i), 0, -1):
            key = tuple(stems[i : i + length])
            if key in self._phrases:
                surfaces = tuple(w.surface for w in query[i : i + length])
                return Concept(surfaces, self._glossary_alternatives(key)), length
        word = query[i]
        own = self._resolve(word.surface, word.stem)
        if own is not None:
            return Concept((word.surface,), (own,)), 1
        return self._corrected(word), 1

    def _glossary_alternatives(self, key: tuple[str, ...]) -> tuple[Alternative, ...]:
        alternatives = [self._phrase_alternative(key, 1.0)]
        alternatives += [self._phrase_alternative(p, EXPANSION_WEIGHT) for p in self._phrases[key]]
        return tuple(a for a in alternatives if a.terms)

    def _phrase_alternative(self, phrase: tuple[str, ...], weight: float) -> Alternative:
        terms: list[str] = []
        for stem in phrase:
            resolved = self._resolve(stem, stem)
            if resolved is not None:
                terms.extend(resolved.terms)
        return Alternative(tuple(terms), weight, len(phrase))

    def _resolve(self, surface: str, stem: str) -> Alternative | None:
        """Find the word as indexed, or split in two indexed words; None if the bank lacks it."""
        if stem in self._index.postings:
            return Alternative((stem,), 1.0)
        surfaces = self._index.surfaces
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

    def _corrected(self, word: Word) -> Concept:
        """Match a word the bank lacks to its closest spelling in the bank or the glossary."""
        if len(word.surface) < MIN_TYPO_LENGTH or word.surface.isdigit():
            return Concept((word.surface,), ())
        choices = [
            surface
            for length in range(len(word.surface) - 2, len(word.surface) + 3)
            for surface in self._by_length.get(length, ())
        ]
        matches = process.extract(
            word.surface, choices, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=8
        )
        if not matches:
            return Concept((word.surface,), ())
        ranked = sorted(matches, key=lambda m: (-m[1], -self._popularity(m[0]), m[0]))
        best_surface, best_score = ranked[0][0], ranked[0][1]
        correction = (word.surface, best_surface)
        if best_surface in self._glossary_words:
            key = self._glossary_words[best_surface]
            if key in self._phrases:
                scaled = tuple(
                    Alternative(a.terms, a.weight * TYPO_WEIGHT, a.size)
                    for a in self._glossary_alternatives(key)
                )
                return Concept((word.surface,), scaled, correction)
        alternatives = tuple(
            Alternative((self._index.surfaces[surface],), TYPO_WEIGHT * score / 100.0)
            for surface, score, _ in ranked[:2]
            if surface in self._index.surfaces and score >= best_score - 3.0
        )
        return Concept((word.surface,), alternatives, correction)

    def _popularity(self, surface: str) -> int:
        stem = self._index.surfaces.get(surface)
        return self._index.df(stem) if stem else 0
