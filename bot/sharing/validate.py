"""Reading one typed answer into a stored value, or a clear reason why it cannot be used.

Each reader takes the raw text and returns the JSON value kept in `Submission.answers`, or an
`Invalid` whose `reason` is said to the person before the question is asked again. Mentions such
as `@everyone` are kept as text: renderers escape them for their platform. Lengths are counted
as Slack's and Discord's clients count a text box (`length`: UTF-16 code units), so an answer the
dialogue takes always fits the same field of a modal, emoji included.

Every reader first refuses control characters, drops bidi controls and refuses an answer that
shows nothing (`bot.kernel.text`: only zero-width or other invisible characters is blank, with a
reason that says so), so no required field can be filled with an invisible answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from bot.kernel.text import (
    drop_bidi_controls,
    has_controls,
    is_blank,
    is_invisible,
    trim_invisible,
)

MAX_LIST_ITEMS = 10
MAX_LIST_ITEM_CHARS = 100
MAX_LINKS = 5
MAX_LINK_CHARS = 500
MAX_EMAIL_CHARS = 254
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_UK_MONTH = re.compile(r"([0-9]{1,2})/([0-9]{4})")
_NAMED_MONTH = re.compile(r"(?:([0-9]{1,2})(?:st|nd|rd|th)?\s+)?([a-z]{3,9})\.?,?\s+([0-9]{4})")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
DATE_REASON = "I can't read that as a date."
_LIST_SEPARATOR = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class Invalid:
    """Why an answer was refused, in words the person can act on.

    `explains` says the reason already shows what is accepted (an example address), so the
    dialogue need not add the question's `accepts`.
    """

    reason: str
    explains: bool = False


CONTROL_REASON = (
    "That answer contains control characters (such as terminal escapes), which I can't store. "
    "Please type it again as plain text."
)


EMPTY_REASON = "That answer is empty."
INVISIBLE_REASON = (
    "That answer is made only of invisible characters (such as zero-width spaces), so it "
    "shows nothing. Please type the answer in words."
)


def _prepared(raw: str) -> str | Invalid:
    """The raw answer without bidi controls, or why it cannot be read at all."""
    if has_controls(raw):
        return Invalid(CONTROL_REASON)
    text = drop_bidi_controls(raw)
    if is_blank(text):
        return _empty(raw)
    return text


def _empty(raw: str) -> Invalid:
    """Why nothing could be read: nothing was typed, or only characters that show nothing."""
    return Invalid(INVISIBLE_REASON if any(is_invisible(ch) for ch in raw) else EMPTY_REASON)


def length(value: str) -> int:
    """Length as chat clients count it: UTF-16 code units (an emoji beyond the BMP counts 2)."""
    return len(value.encode("utf-16-le")) // 2


def _too_long(size: int, limit: int) -> Invalid:
    return Invalid(
        f"That is {size:,} characters long; this answer can be at most {limit:,}. "
        "Please shorten it."
    )


def read_line(raw: str, max_length: int) -> str | Invalid:
    """One line of text: white space collapsed, not blank, no control characters, not too long."""
    text = _prepared(raw)
    if isinstance(text, Invalid):
        return text
    value = trim_invisible(" ".join(text.split()))
    if length(value) > max_length:
        return _too_long(length(value), max_length)
    return value


def read_long_text(raw: str, max_length: int) -> str | Invalid:
    """Several lines of text: paragraphs kept, trailing spaces and extra blank lines removed."""
    text = _prepared(raw)
    if isinstance(text, Invalid):
        return text
    lines = [
        trim_invisible(" ".join(line.split())) for line in text.replace("\r\n", "\n").split("\n")
    ]
    value = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if length(value) > max_length:
        return _too_long(length(value), max_length)
    return value


def read_list(raw: str, max_length: int) -> list[str] | Invalid:
    """Several short items separated by commas, semicolons or lines (blank and repeats dropped)."""
    text = _prepared(raw)
    if isinstance(text, Invalid):
        return text
    if length(text) > max_length:
        return _too_long(length(text), max_length)
    items: list[str] = []
    for part in _LIST_SEPARATOR.split(text):
        item = trim_invisible(" ".join(part.split()))
        if not item or item.casefold() in (i.casefold() for i in items):
            continue
        if len(item) > MAX_LIST_ITEM_CHARS:
            return Invalid(
                f"One item is {len(item):,} characters long; each can be at most "
                f"{MAX_LIST_ITEM_CHARS}. Separate items with commas."
            )
        items.append(item)
    if not items:
        return _empty(raw)
    if len(items) > MAX_LIST_ITEMS:
        return Invalid(f"That is {len(items)} items; please give at most {MAX_LIST_ITEMS}.")
    return items


def read_email(raw: str, max_length: int = MAX_EMAIL_CHARS) -> str | Invalid:
    """An email address such as name@force.police.uk."""
    value = read_line(raw, max(max_length, len(raw.strip()) + 1))
    if isinstance(value, Invalid):
        return value
    hidden = any(is_invisible(ch) for ch in value)  # a zero-width space breaks the address
    if len(value) > max_length or hidden or not _EMAIL.fullmatch(value):
        return Invalid(
            "That doesn't look like an email address. "
            "Please give one such as name@force.police.uk.",
            explains=True,
        )
    return value


def read_links(raw: str, max_length: int) -> list[str] | Invalid:
    """Web addresses starting with http:// or https://, separated by spaces, commas, semicolons."""
    text = _prepared(raw)
    if isinstance(text, Invalid):
        return text
    if length(text) > max_length:
        return _too_long(length(text), max_length)
    links: list[str] = []
    for found in re.split(r"[\s,;]+", text):
        part = trim_invisible(found)
        if not part or part in links:
            continue
        if len(part) > MAX_LINK_CHARS:
            return Invalid(f"A link can be at most {MAX_LINK_CHARS} characters long.")
        parts = urlsplit(part)
        hidden = any(is_invisible(ch) for ch in part)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or hidden:
            return Invalid(
                "Links must be web addresses starting with http:// or https://, such as "
                "https://www.college.police.uk. Separate several with spaces or commas.",
                explains=True,
            )
        links.append(part)
    if not links:
        return _empty(raw)
    if len(links) > MAX_LINKS:
        return Invalid(f"That is {len(links)} links; please give at most {MAX_LINKS}.")
    return links


def _month_number(name: str) -> int | None:
    """1-12 for a month's English name or its first three letters (`mar`, `March`)."""
    folded = name.casefold()
    for number, month in enumerate(_MONTHS, start=1):
        if folded == month or (len(folded) >= 3 and month.startswith(folded)):
            return number
    return None


def parse_date(raw: str) -> date | None:
    """A date typed as 2024-03-01, 1/3/2024 (day first), 1 March 2024, or a month, else None.

    A month alone (2024-03, 3/2024, March 2024, Mar 2024) is stored as its first day: people
    often know only the month a practice started or ended.
    """
    value = " ".join(raw.split()).casefold()
    iso, uk = _ISO_DATE.fullmatch(value), _UK_DATE.fullmatch(value)
    iso_month, uk_month = _ISO_MONTH.fullmatch(value), _UK_MONTH.fullmatch(value)
    named = _NAMED_MONTH.fullmatch(value)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif uk:
        day, month, year = (int(g) for g in uk.groups())
    elif iso_month:
        year, month, day = int(iso_month.group(1)), int(iso_month.group(2)), 1
    elif uk_month:
        month, year, day = int(uk_month.group(1)), int(uk_month.group(2)), 1
    elif named and (number := _month_number(named.group(2))) is not None:
        day, month, year = int(named.group(1) or 1), number, int(named.group(3))
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(raw: str, max_length: int = 20) -> str | Invalid:
    """A date within a plausible range, stored as ISO text (a month as its first day)."""
    when = parse_date(raw) if length(raw) <= max_length else None
    if when is None:
        return Invalid(DATE_REASON)
    if not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
        return Invalid(f"Please give a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return when.isoformat()
