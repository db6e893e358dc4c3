"""The policing glossary the search understands: shipped acronyms and synonyms plus moderators' own.

The shipped list lives in `bot/search/glossary.json`; moderators add entries at run time through the
glossary repository. `Glossary` merges both, a stored entry replacing the shipped one for its term.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from bot.kernel.ports import GlossaryEntry
from bot.search.tokenise import fold

SHIPPED_GLOSSARY_PATH = Path(__file__).resolve().parent / "glossary.json"
ALTERNATIVE_SEPARATOR = ";"


def _key(term: str) -> str:
    return " ".join(fold(term).split())


class Glossary:
    """Terms the search reads as other words, keyed case- and accent-insensitively on the term.

    Later entries replace earlier ones for the same term, so
    `Glossary(shipped_entries, stored_entries)` lets moderators override what we ship.
    """

    def __init__(self, *sources: Iterable[GlossaryEntry]) -> None:
        by_term: dict[str, GlossaryEntry] = {}
        for source in sources:
            for entry in source:
                key = _key(entry.term)
                if key and entry.expansion.strip():
                    by_term[key] = entry
        self._by_term = by_term

    def merged(self, extra: Iterable[GlossaryEntry]) -> Glossary:
        """Return a glossary with `extra` (the moderators' entries) on top of this one."""
        return Glossary(self._by_term.values(), extra)

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


def load_shipped_entries() -> tuple[GlossaryEntry, ...]:
    """Read the glossary entries shipped with the package (`bot/search/glossary.json`)."""
    data = json.loads(SHIPPED_GLOSSARY_PATH.read_text("utf-8"))
    return tuple(
        GlossaryEntry(term=str(item["term"]), expansion=str(item["expansion"]))
        for item in data["entries"]
    )


def load_shipped_glossary() -> Glossary:
    """Load the shipped glossary; add the database's entries with `.merged(repo.list_all())`."""
    return Glossary(load_shipped_entries())
