"""The baseline: a plain SQLite FTS5 BM25 search over the same fields, the query's words OR-ed."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from bot.kernel.domain import Practice

FIELDS = (
    "title",
    "summary",
    "aim",
    "intended_outcome",
    "description",
    "evaluation",
    "learning",
    "topics",
    "organisation",
    "partners",
    "target_group",
)
_WORD = re.compile(r"\w+")


def _text(practice: Practice, name: str) -> str:
    value = getattr(practice, name)
    if isinstance(value, tuple):
        return " ; ".join(str(v) for v in value)
    return value or ""


class Fts5Search:
    """FTS5 in memory with the porter (or unicode61) tokenizer and default bm25() ranking."""

    def __init__(self, practices: Iterable[Practice], tokenizer: str = "porter unicode61") -> None:
        self.db = sqlite3.connect(":memory:")
        columns = ", ".join(FIELDS)
        self.db.execute(
            f"CREATE VIRTUAL TABLE bank USING fts5("
            f"ref UNINDEXED, {columns}, tokenize='{tokenizer}')"
        )
        placeholders = ", ".join("?" for _ in range(len(FIELDS) + 1))
        self.db.executemany(
            f"INSERT INTO bank VALUES ({placeholders})",
            (
                (p.ref, *(_text(p, name) for name in FIELDS))
                for p in practices
                if p.archived_at is None and not p.is_restricted
            ),
        )
        self.db.commit()

    def search(self, text: str, limit: int = 10) -> list[str]:
        """Refs of the best matches for the OR of the query's words."""
        words = _WORD.findall(text)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = self.db.execute(
            "SELECT ref FROM bank WHERE bank MATCH ? ORDER BY bm25(bank) LIMIT ?", (match, limit)
        ).fetchall()
        return [row[0] for row in rows]
