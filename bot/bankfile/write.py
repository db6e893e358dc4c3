r"""Write practices as a bank file (JSON or CSV) that reads back as exactly the same practices.

JSON is the demo bank's shape, `{"practices": [...]}`, with every practice field in
`PRACTICE_FIELDS` order, UTF-8 as is (no `\u` escapes). CSV has a header row of
`PRACTICE_FIELDS`, RFC 4180 quoting and `\r\n` between rows, so open the stream with
`newline=""`; multi-valued cells are joined as `bot.bankfile.cells` describes. Cells are not
defused against spreadsheet formulas (a leading `=`, `+`, `-` or `@` is written as is) because
the file must round-trip exactly; open it as data, not as a workbook to trust.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, TextIO

from bot.bankfile.cells import join_cell
from bot.kernel.domain import MULTI_VALUED_FIELDS, PRACTICE_FIELDS, Practice

BankFormat = Literal["json", "csv"]

JsonValue = str | int | list[str] | None


def _plain(value: object) -> JsonValue:
    """Turn a practice field into a JSON value: enums by value, ISO dates, tuples as lists."""
    if isinstance(value, StrEnum):
        return value.value
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [str(item) for item in value]
    raise TypeError(f"cannot write {type(value).__name__} to a bank file")


def practice_record(practice: Practice) -> dict[str, JsonValue]:
    """Every field of a practice as a JSON-ready value, in `PRACTICE_FIELDS` order."""
    return {field: _plain(getattr(practice, field)) for field in PRACTICE_FIELDS}


def _csv_cell(field: str, value: JsonValue) -> str:
    if value is None:
        return ""
    if field in MULTI_VALUED_FIELDS and isinstance(value, list):
        return join_cell(value)
    return str(value)


def write_bank(practices: Iterable[Practice], fmt: BankFormat, stream: TextIO) -> int:
    """Write `practices` to `stream` as a JSON or CSV bank file; returns how many were written.

    The output reads back through `parse_bank_text` / `read_bank_file` as equal practices.
    """
    if fmt == "json":
        records = [practice_record(practice) for practice in practices]
        json.dump({"practices": records}, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return len(records)
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(PRACTICE_FIELDS)
        count = 0
        for practice in practices:
            record = practice_record(practice)
            writer.writerow([_csv_cell(field, value) for field, value in record.items()])
            count += 1
        return count
    raise ValueError(f"unknown bank file format {fmt!r}: use 'json' or 'csv'")
