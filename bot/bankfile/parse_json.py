"""Read the JSON shape of a bank file: `{"practices": [...]}` or a bare list of practice objects.

Keys a practice object has beyond the practice fields are ignored (exports from other tools add
their own) and named in a warning; other top-level keys (the sample's "source", "vocabularies")
are metadata and ignored silently.
"""

from __future__ import annotations

import json

from bot.bankfile.problems import RowProblem, file_error
from bot.bankfile.validate import Record, kind_of
from bot.kernel.domain import PRACTICE_FIELDS

_KNOWN = frozenset(PRACTICE_FIELDS)


def _looks_like_csv(text: str) -> bool:
    first_line = text.lstrip().split("\n", 1)[0]
    return "," in first_line and not first_line.startswith(("{", "["))


def _describe_top(value: object) -> str:
    if isinstance(value, dict):
        return 'an object without a "practices" list'
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number"


def parse_json_records(
    text: str, source: str | None = None
) -> tuple[list[Record], list[RowProblem], list[str]]:
    """Return raw records numbered from 1, row problems (non-object entries) and warnings.

    Raises `BankFileError` (row 0) when the text is not JSON or not a bank's shape.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        hint = " (it looks like CSV: give the file a .csv name)" if _looks_like_csv(text) else ""
        raise file_error(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}{hint}",
            source,
        ) from None
    except RecursionError:
        raise file_error("not a bank file: JSON nested too deeply", source) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise file_error("not a bank file: holds a number too long to read", source) from None

    if isinstance(document, dict) and isinstance(document.get("practices"), list):
        entries: list[object] = document["practices"]
    elif isinstance(document, list):
        entries = document
    else:
        raise file_error(
            'expected an object with a "practices" list, or a list of practices; '
            f"found {_describe_top(document)}",
            source,
        )

    records: list[Record] = []
    problems: list[RowProblem] = []
    unknown: dict[str, list[int]] = {}
    for row, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            found = kind_of(entry)
            problems.append(RowProblem(row, "", f"expected a practice object, found {found}"))
            continue
        for key in entry.keys() - _KNOWN:
            unknown.setdefault(key, []).append(row)
        records.append((row, entry))
    warnings = [_unknown_key_warning(key, rows) for key, rows in sorted(unknown.items())]
    return records, problems, warnings


def _unknown_key_warning(key: str, rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    name = key if len(key) <= 40 else key[:40] + "…"
    return f"unknown key {name!r} ignored (practices {shown}{more})"
