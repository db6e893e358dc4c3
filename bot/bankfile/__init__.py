"""Practice bank files: import JSON or CSV as practices (all or nothing), export them losslessly.

Read with `read_bank_file(path)` or `parse_bank_text(text, "json" | "csv")`; both return the
practices (a list carrying `.warnings`) or raise `BankFileError` with every `RowProblem`. Write
with `write_bank(practices, "json" | "csv", stream)` or `write_bank_file(practices, path)`. The
field rules are in `bot.bankfile.validate`, the `;` cell escaping in `bot.bankfile.cells`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.bankfile.problems import BankFileError, ImportedPractices, RowProblem
from bot.bankfile.read import Progress, bank_format_of, parse_bank_text, read_bank_file
from bot.bankfile.write import BankFormat, practice_record, write_bank
from bot.kernel.domain import Practice


def write_bank_file(practices: Iterable[Practice], path: Path) -> int:
    """Export `practices` to `path` as JSON or CSV by its extension (UTF-8); returns how many."""
    fmt = bank_format_of(path)
    with path.open("w", encoding="utf-8", newline="") as stream:
        return write_bank(practices, fmt, stream)


__all__ = [
    "BankFileError",
    "BankFormat",
    "ImportedPractices",
    "Progress",
    "RowProblem",
    "bank_format_of",
    "parse_bank_text",
    "practice_record",
    "read_bank_file",
    "write_bank",
    "write_bank_file",
]
