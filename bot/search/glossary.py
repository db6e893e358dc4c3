"""The policing glossary the search understands: shipped acronyms and synonyms plus moderators' own.

The shipped list lives in `bot/search/glossary.json`; moderators add entries at run time through the
glossary repository. `Glossary` merges both, a stored entry replacing the shipped one for its term.

Entries work both ways round ("ASB" finds "anti-social behaviour" and the other way), except the
shipped *category* entries: "acquisitive crime" finds burglary, but "burglary" must not find every
practice that mentions crime in a neighbourhood, so a category term is searched one way only.

A shipped entry may also name a *broader* subject ("upskirting": sexual offences). That is not
a meaning of the term (a practice on sexual offences is not one on upskirting), so it never
makes a match; when the bank has nothing for the term itself, search offers practices on the
broader subject as the closest partial ones (see `bot.search.concepts`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from bot.kernel.ports import GlossaryEntry
from bot.kernel.text import has_controls
from bot.search.tokenise import fold

SHIPPED_GLOSSARY_PATH = Path(__file__).resolve().parent / "glossary.json"
ALTERNATIVE_SEPARATOR = ";"
ONE_WAY_KINDS = frozenset({"category"})
"""Kinds of shipped entry searched from the term to its expansion only."""


TERM_MAX_CHARS = 60
MEANING_MAX_CHARS = 200
TEACH_RULES = (
    f"A glossary term needs 1–{TERM_MAX_CHARS} characters and a meaning of "
    f"1–{MEANING_MAX_CHARS}, as plain text with at least one letter or digit; separate "
    "alternative meanings with `;`."
)


def _key(term: str) -> str:
    return " ".join(fold(term).split())


def term_key(term: str) -> str:
    """The form a term is looked up by: folded case and accents, single spaces."""
    return _key(term)


def read_entry(term: str, meaning: str, added_by: str) -> GlossaryEntry | str:
    """Check a term and its meaning as taught (CLI or chat): the entry, or what is wrong.

    The term is kept lower-case and both are kept with single spaces (line breaks collapse);
    other control characters are refused outright (`glossary list` prints terms back to a
    terminal, where an escape sequence would act).
    """
    if has_controls(term) or has_controls(meaning):
        return "A glossary term and its meaning must be plain text, without control characters."
    cleaned_term = " ".join(term.split()).lower()
    cleaned_meaning = " ".join(meaning.split())
    if not cleaned_term or not cleaned_meaning:
        return TEACH_RULES
    if len(cleaned_term) > TERM_MAX_CHARS or len(cleaned_meaning) > MEANING_MAX_CHARS:
        return TEACH_RULES
    alternatives = split_alternatives(cleaned_meaning)
    if not any(ch.isalnum() for ch in cleaned_term) or not alternatives:
        return TEACH_RULES
    if not all(any(ch.isalnum() for ch in part) for part in alternatives):
        return TEACH_RULES
    return GlossaryEntry(term=cleaned_term, expansion=cleaned_meaning, added_by=added_by)


class Glossary:
    """Terms the search reads as other words, keyed case- and accent-insensitively on the term.

    Later entries replace earlier ones for the same term, so
    `Glossary(shipped_entries, stored_entries)` lets moderators override what we ship.
    """

    def __init__(
        self,
        *sources: Iterable[GlossaryEntry],
        one_way: Iterable[str] = (),
        broader: Mapping[str, str] | None = None,
    ) -> None:
        """Merge the sources in order; terms in `one_way` are searched term-to-expansion only.

        `broader` maps a term to the broader subjects offered when the bank lacks the term.
        """
        by_term: dict[str, GlossaryEntry] = {}
        for source in sources:
            for entry in source:
                key = _key(entry.term)
                if key and entry.expansion.strip():
                    by_term[key] = entry
        self._by_term = by_term
        self._one_way = frozenset(_key(t) for t in one_way)
        self._broader = {_key(t): subjects for t, subjects in (broader or {}).items()}

    def merged(self, extra: Iterable[GlossaryEntry]) -> Glossary:
        """Return a glossary with `extra` (the moderators' entries) on top of this one.

        A moderator's entry for a one-way term makes it two-way, and drops any broader subject
        we shipped for it: theirs is a plain entry.
        """
        added = list(extra)
        replaced = {_key(e.term) for e in added}
        broader = {t: s for t, s in self._broader.items() if t not in replaced}
        return Glossary(
            self._by_term.values(), added, one_way=self._one_way - replaced, broader=broader
        )

    def is_one_way(self, term: str) -> bool:
        """True when `term` finds its expansion but the expansion does not find the term."""
        return _key(term) in self._one_way

    def broader(self, term: str) -> tuple[str, ...]:
        """The broader subjects offered for `term` when the bank has nothing for it (or none)."""
        return split_alternatives(self._broader.get(_key(term), ""))

    def __iter__(self) -> Iterator[GlossaryEntry]:
        """Every entry, in the order first added."""
        return iter(self._by_term.values())

    def __len__(self) -> int:
        """How many terms the glossary knows."""
        return len(self._by_term)

    def expansions(self, term: str) -> tuple[str, ...]:
        """Give the phrases searched alongside `term` (empty when the term is unknown)."""
        entry = self._by_term.get(_key(term))
        if entry is None:
            return ()
        return split_alternatives(entry.expansion)


def split_alternatives(expansion: str) -> tuple[str, ...]:
    """Split one expansion into its alternatives ("domestic abuse; domestic violence")."""
    return tuple(part.strip() for part in expansion.split(ALTERNATIVE_SEPARATOR) if part.strip())


def _shipped_items() -> list[dict[str, str]]:
    data = json.loads(SHIPPED_GLOSSARY_PATH.read_text("utf-8"))
    return [{k: str(v) for k, v in item.items()} for item in data["entries"]]


def load_shipped_entries() -> tuple[GlossaryEntry, ...]:
    """Read the glossary entries shipped with the package (`bot/search/glossary.json`)."""
    return tuple(
        GlossaryEntry(term=item["term"], expansion=item["expansion"]) for item in _shipped_items()
    )


def load_shipped_glossary() -> Glossary:
    """Load the shipped glossary; add the database's entries with `.merged(repo.list_all())`."""
    items = _shipped_items()
    one_way = [item["term"] for item in items if item.get("kind") in ONE_WAY_KINDS]
    broader = {item["term"]: item["broader"] for item in items if item.get("broader")}
    return Glossary(load_shipped_entries(), one_way=one_way, broader=broader)
