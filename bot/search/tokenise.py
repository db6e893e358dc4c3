"""Turns text into search terms: accent folding, case folding, light stemming, stopwords.

Documents and queries go through the same functions, so "burglaries" in a question meets
"burglary" in a practice; the stemmer is deliberately light (plurals and a few verb endings) so
that a term still reads like the word it came from when it is offered back as "did you mean".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import NamedTuple

STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "about",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "any",
        "all",
        "some",
    ]
)

# Words people wrap round a question in chat ("hi all, has anyone got anything on stalking
# please?"): they say nothing about what is wanted, so queries drop them (documents keep them).
CHAT_WORDS: frozenset[str] = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "hiya",
        "thanks",
        "thank",
        "cheers",
        "please",
        "pls",
        "plz",
        "everyone",
        "anyone",
        "anybody",
        "someone",
        "somebody",
        "all",
        "folks",
        "team",
        "guys",
        "here",
        "channel",
        "got",
        "get",
        "getting",
        "know",
        "knows",
        "need",
        "needs",
        "want",
        "wanted",
        "wants",
        "looking",
        "look",
        "find",
        "finding",
        "found",
        "tell",
        "show",
        "anything",
        "something",
        "ideas",
        "idea",
        "example",
        "examples",
        "done",
        "tried",
        "try",
        "trying",
        "doing",
        "did",
        "would",
        "could",
        "should",
        "might",
        "im",
        "ive",
        "id",
        "dont",
        "does",
        "do",
        "there",
        "works",
        "good",
        "best",
        "practice",
        "practices",
    ]
)

# Letters joined by "&" are one word (A&E, B&Q); apostrophes vanish (didn't -> didnt).
_AMPERSAND_WORD = re.compile(r"(?<=[0-9a-z])&(?=[0-9a-z])")
_APOSTROPHES = re.compile(r"['’‘`]")
_WORD = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*")
_VOWELS = frozenset("aeiouy")
_IRREGULAR: dict[str, str] = {
    "knives": "knife",
    "lives": "life",
    "wives": "wife",
    "thieves": "thief",
    "children": "child",
    "women": "woman",
    "men": "man",
    "people": "person",
    # One spelling for words written both ways in the bank ("independent sexual violence advisor").
    "advisor": "adviser",
    "advisors": "adviser",
}


def fold(text: str) -> str:
    """Lower-case `text` and strip accents, so "Café" and "cafe" are the same word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Reduce a folded word to a light stem: plurals, -ing, -ed, -ion and a final e go.

    Light on purpose: aggressive stemmers merge words the practice bank keeps apart
    ("policy"/"police") and make typo correction against the vocabulary less reliable.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    word = _IRREGULAR.get(word, word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "sis")):
        word = word[:-1]
    if word.endswith(("isation", "ization")):
        return word[:-7] + "is"
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 4 and any(ch in _VOWELS for ch in base):
            word = base
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stabbing -> stabb -> stab
            break
    if word.endswith("ion") and len(word) > 6:
        word = word[:-3]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if word.endswith("iz"):
        word = word[:-1] + "s"
    return word


class Word(NamedTuple):
    """One word of a text: its folded surface form and its stem."""

    surface: str
    stem: str


@lru_cache(maxsize=1 << 16)
def _word(surface: str) -> Word:
    return Word(surface, stem(surface))


def words(text: str) -> list[Word]:
    """Split text into words, keeping hyphenated compounds as one word (anti-social)."""
    return [_word(surface) for surface in _WORD.findall(_folded(text))]


def _folded(text: str) -> str:
    return _APOSTROPHES.sub("", _AMPERSAND_WORD.sub("", fold(text)))


def index_terms(text: str) -> list[str]:
    """Stems to index for a document field, stopwords dropped (see `word_terms`)."""
    return [term for surface in _WORD.findall(_folded(text)) for term in word_terms(surface)]


def terms_of(text_words: list[Word]) -> list[str]:
    """Stems to index for already split words, stopwords dropped (see `word_terms`)."""
    return [term for word in text_words for term in word_terms(word.surface)]


@lru_cache(maxsize=1 << 16)
def word_terms(surface: str) -> tuple[str, ...]:
    """Stems to index for one folded word: none for a stopword, one for a plain word.

    A hyphenated compound yields its joined form and then its parts ("anti-social" ->
    antisocial, anti, social), so both spellings a person might type find it.
    """
    if "-" in surface:
        parts = [p for p in surface.split("-") if p and p not in STOPWORDS]
        return (stem(surface.replace("-", "")), *(stem(part) for part in parts))
    return () if surface in STOPWORDS else (stem(surface),)


def surface_counts(text: str) -> Counter[str]:
    """How often each folded word occurs in `text`, in order of first occurrence.

    What `words` gives, counted: for a long field, indexing needs each distinct word once
    with its count, not every occurrence.
    """
    return Counter(_WORD.findall(_folded(text)))


def query_words(text: str) -> list[Word]:
    """Words of a query, stopwords and chat words dropped; a hyphenated compound stays one word."""
    result: list[Word] = []
    for word in words(text):
        joined = word.surface.replace("-", "")
        if joined and joined not in STOPWORDS and joined not in CHAT_WORDS:
            result.append(Word(joined, stem(joined)))
    return result
