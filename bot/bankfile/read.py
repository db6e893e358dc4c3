"""Read a bank file (JSON or CSV, by extension) into practices, all or nothing.

Every record is checked and every problem collected before anything is returned, so one import
attempt shows the whole list of fixes; a file with any problem yields no practices at all.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import get_args

from bot.bankfile.parse_csv import parse_csv_records
from bot.bankfile.parse_json import parse_json_records
from bot.bankfile.problems import BankFileError, ImportedPractices, RowProblem, file_error
from bot.bankfile.validate import PracticeValidator, Record
from bot.bankfile.write import BankFormat
from bot.kernel.domain import Practice

Progress = Callable[[int, int], None]

# How many records are checked between two progress calls.
PROGRESS_EVERY = 1_000

_FORMATS: tuple[str, ...] = get_args(BankFormat)


def bank_format_of(path: Path) -> BankFormat:
    """Tell the format from the extension (.json or .csv, any case); anything else is an error."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        return "csv"
    shown = f"'{path.suffix}'" if path.suffix else "no extension"
    raise file_error(f"cannot tell the format from {shown}: name the file .json or .csv", path.name)


def decode_bank_bytes(data: bytes, source: str | None = None) -> str:
    """Decode a bank file as UTF-8, with or without a byte-order mark; anything else is an error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error("the file is UTF-16 text: save it as UTF-8", source)
    if b"\x00" in data:
        raise file_error("this is a binary file, not a JSON or CSV bank file", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = data[error.start]
        raise file_error(
            f"not UTF-8 text: byte 0x{bad:02X} at offset {error.start} (save the file as UTF-8)",
            source,
        ) from None


def read_bank_file(path: Path, *, progress: Progress | None = None) -> ImportedPractices:
    """Read every practice in the JSON or CSV bank file at `path`, or raise listing all problems.

    The format follows the extension (.json / .csv, any case). Row numbers in problems are as a
    person counts them: CSV spreadsheet rows (header = row 1, so the first practice is row 2),
    JSON practices from 1; row 0 is the file itself. `progress(done, total)` is called every
    `PROGRESS_EVERY` records and once at the end.
    """
    fmt = bank_format_of(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise file_error(f"cannot read the file: {error.strerror or error}", path.name) from None
    text = decode_bank_bytes(data, path.name)
    return _parse(text, fmt, progress, path.name)


def parse_bank_text(
    text: str, fmt: BankFormat, *, progress: Progress | None = None, source: str | None = None
) -> ImportedPractices:
    """Read every practice in bank-file text already in memory (e.g. an upload), all or nothing.

    Same rules and row numbering as `read_bank_file`; `fmt` is "json" or "csv"; `source` names
    the text in error messages.
    """
    chosen = fmt.lower() if isinstance(fmt, str) else fmt
    if chosen not in _FORMATS:
        raise file_error(f"unknown bank file format {fmt!r}: use 'json' or 'csv'", source)
    return _parse(text, "json" if chosen == "json" else "csv", progress, source)


def _parse(
    text: str, fmt: BankFormat, progress: Progress | None, source: str | None
) -> ImportedPractices:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise file_error("file is empty", source)
    if "\x00" in text:
        raise file_error("this is a binary file, not a JSON or CSV bank file", source)
    warnings: list[str] = []
    with _cyclic_gc_paused():
        if fmt == "json":
            records, problems, warnings = parse_json_records(text, source)
        else:
            records, problems = parse_csv_records(text, source)
        practices = _check_all(records, problems, progress)
    if problems:
        problems.sort(key=lambda problem: problem.row)
        raise BankFileError(problems, source)
    return ImportedPractices(practices, tuple(warnings))


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Hold off the cycle collector while a file's millions of small, acyclic objects are made.

    On Python 3.11 it would otherwise rescan the growing heap again and again, roughly doubling
    the time for a 100,000-row file; nothing made here forms a cycle, and it is re-enabled after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_all(
    records: list[Record], problems: list[RowProblem], progress: Progress | None
) -> list[Practice]:
    validator = PracticeValidator()
    practices: list[Practice] = []
    total = len(records)
    for done, (row, record) in enumerate(records):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        practice = validator.check(row, record, problems)
        if practice is not None:
            practices.append(practice)
    if progress is not None:
        progress(total, total)
    return practices
