r"""How several values share one CSV cell: `;` between values, `\;` for a semicolon inside one.

A backslash before anything other than `;` or `\` is kept as it is, so hand-written paths such as
`C:\temp` survive; the writer doubles every backslash so what it writes always reads back the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SEPARATOR = ";"
ESCAPE = "\\"

# A cell is a run of: escaped `;` or `\`, a separator, plain text, or a backslash kept as it is.
_TOKEN = re.compile(r"\\[;\\]|;|[^;\\]+|\\")
_ESCAPED = frozenset({ESCAPE + SEPARATOR, ESCAPE + ESCAPE})


def join_cell(values: Iterable[str]) -> str:
    """One cell holding every value, escaped so `split_cell` gives them back unchanged."""
    return SEPARATOR.join(
        value.replace(ESCAPE, ESCAPE * 2).replace(SEPARATOR, ESCAPE + SEPARATOR) for value in values
    )


def split_cell(cell: str) -> list[str]:
    """Split a multi-valued cell into its unescaped values (empty ones are the caller's to drop)."""
    if ESCAPE not in cell:
        return cell.split(SEPARATOR)
    values: list[str] = []
    current: list[str] = []
    for token in _TOKEN.findall(cell):
        if token == SEPARATOR:
            values.append("".join(current))
            current = []
        elif token in _ESCAPED:
            current.append(token[1])
        else:
            current.append(token)
    values.append("".join(current))
    return values
