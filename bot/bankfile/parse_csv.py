"""Read the CSV shape of a bank file: a header row of practice field names, one practice per row.

Header names match the practice fields in any case, with spaces or hyphens for underscores; an
unknown or repeated column is a problem (a typo there would silently drop a whole field). Columns
may come in any order and optional ones may be left out. Multi-valued cells hold `;`-separated
values (see `bot.bankfile.cells`). Blank rows, and blank columns with no header, are skipped.
"""

from __future__ import annotations

import csv
import io

from bot.bankfile.cells import split_cell
from bot.bankfile.problems import BankFileError, RowProblem, file_error
from bot.bankfile.validate import Record
from bot.kernel.domain import MULTI_VALUED_FIELDS, PRACTICE_FIELDS

REQUIRED_COLUMNS: tuple[str, ...] = ("ref", "title", "summary", "effectiveness", "focus")

_KNOWN = frozenset(PRACTICE_FIELDS)


def _column_name(header: str) -> str:
    return header.strip().casefold().replace(" ", "_").replace("-", "_")


def _read_rows(text: str, source: str | None) -> list[list[str]]:
    # newline="" keeps line breaks inside quoted cells exactly as written.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            rows.append(cells)
    except csv.Error as error:
        reason = str(error)
        if "field larger than field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters"
        raise file_error(f"malformed CSV at row {len(rows) + 1}: {reason}", source) from None
    return rows


def _columns(header: list[str], source: str | None) -> list[tuple[int, str]]:
    """Map each named column to its field as (cell index, field); raise on an unusable header."""
    problems: list[RowProblem] = []
    columns: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(header):
        if not raw.strip():
            continue
        name = _column_name(raw)
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        if name not in _KNOWN:
            problems.append(RowProblem(1, shown, "unknown column (not a practice field)"))
        elif name in seen:
            problems.append(RowProblem(1, name, "column appears more than once"))
        else:
            seen.add(name)
            columns.append((index, name))
    problems.extend(
        RowProblem(1, name, "required column missing")
        for name in REQUIRED_COLUMNS
        if name not in seen
    )
    if problems:
        raise BankFileError(problems, source)
    return columns


def parse_csv_records(
    text: str, source: str | None = None
) -> tuple[list[Record], list[RowProblem]]:
    """Return raw records numbered as spreadsheet rows (header = 1, data from 2), row problems.

    Raises `BankFileError` when the text is not CSV (or is JSON) or its header cannot be used.
    """
    if text.lstrip().startswith(("{", "[")):
        raise file_error("this looks like JSON, not CSV: give the file a .json name", source)
    rows = _read_rows(text, source)
    if not rows:
        raise file_error("file is empty", source)
    header = rows[0]
    columns = [
        (index, name, name in MULTI_VALUED_FIELDS) for index, name in _columns(header, source)
    ]
    used = {index for index, _, _ in columns}
    width = len(header)

    records: list[Record] = []
    problems: list[RowProblem] = []
    for row, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        for index, cell in enumerate(cells):
            if index in used or not cell.strip():
                continue
            where = "" if index >= width else f"column {index + 1}"
            reason = (
                f"{len(cells)} cells but the header has {width} columns"
                if index >= width
                else "a value under a column with no name"
            )
            problems.append(RowProblem(row, where, reason))
            break
        record: dict[str, object] = {}
        count = len(cells)
        for index, name, multi in columns:
            if index < count and cells[index]:
                cell = cells[index]
                record[name] = split_cell(cell) if multi else cell
        records.append((row, record))
    return records, problems
