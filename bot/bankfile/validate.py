"""Turn one raw record of a bank file into a `Practice`, noting every problem, not just the first.

Both readers hand records over in the same shape (JSON-like values: text, numbers, lists of text,
None), so CSV and JSON are held to exactly the same rules here. Rules, per field:

- text is kept as written, except that Windows line breaks (CRLF, CR) become LF and short
  one-line fields (title, organisation, region, target group, stage, contact name/email, each
  item of a list) lose surrounding spaces; empty or blank text counts as absent (None or ()).
- control characters are rejected, not stripped (silently changing a record is worse than asking
  for a fix): tab and line feed are allowed only in long text (summary, aim, intended outcome,
  description, evaluation, learning, resources); NUL, other C0/C1 controls, DEL and lone
  surrogates never are.
- limits: title 200 characters, summary 1,000, any other text or list item 20,000.
- effectiveness, focus, linked_to and visibility accept the value or the bank's label in any case,
  ignoring punctuation and spacing ("Didn't work", "didnt_work", "Smarter practice"); repeated
  enum values in a list are kept once.
- dates are ISO dates, timestamps ISO datetimes (naive ones are taken as UTC; all come back in
  UTC); version is a whole number from 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlsplit

from bot.bankfile.problems import RowProblem
from bot.kernel.domain import (
    EFFECTIVENESS_LABELS,
    LINKED_TO_LABELS,
    REF_PATTERN,
    Effectiveness,
    Focus,
    LinkedTo,
    Practice,
    Visibility,
)

TITLE_MAX = 200
SUMMARY_MAX = 1_000
TEXT_MAX = 20_000
EMAIL_MAX = 254
LINK_MAX = 2_000
VERSION_MAX = 2**31 - 1  # what an SQL integer column holds

_E = TypeVar("_E", bound=StrEnum)

# One practice as a reader found it: its row number and its fields as JSON-like values.
Record = tuple[int, Mapping[str, object]]

# Line breaks (CR, LF, U+2028/9) and tabs are not allowed in one-line text.
_BAD_IN_SHORT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# Long text may hold tab and LF (CR is turned into LF before this check).
_BAD_IN_LONG = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_NOT_KEY = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=4096)  # a bank repeats a handful of words thousands of times
def _key(text: str) -> str:
    """Reduce an enum word to its matching key: case, spaces and punctuation do not matter."""
    return _NOT_KEY.sub("", text.casefold())


def _lookup(values: type[_E], labels: Mapping[_E, str]) -> dict[str, _E]:
    table = {_key(member.value): member for member in values}
    table.update({_key(label): member for member, label in labels.items()})
    return table


_EFFECTIVENESS = _lookup(Effectiveness, EFFECTIVENESS_LABELS)
_FOCUS = _lookup(Focus, {member: member.label for member in Focus})
_LINKED_TO = _lookup(LinkedTo, LINKED_TO_LABELS)
_VISIBILITY = _lookup(Visibility, {})


def kind_of(value: object) -> str:
    """Name a JSON value's type as a person would, for a wrong-type message."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return type(value).__name__


def _show(text: str, limit: int = 40) -> str:
    """Quote a value for a problem message, shortened so a hostile 100 kB cell stays readable."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return repr(shown)


class _RowCheck:
    """Problems found in one row, and the helpers that find them."""

    def __init__(self, row: int, problems: list[RowProblem]) -> None:
        self.row = row
        self.problems = problems
        self.failed = False
        self._failed_fields: set[str] = set()

    def problem(self, field: str, reason: str) -> None:
        self.failed = True
        self._failed_fields.add(field)
        self.problems.append(RowProblem(self.row, field, reason))

    def failed_on(self, field: str) -> bool:
        return field in self._failed_fields

    def _string(self, field: str, value: object) -> str | None:
        """Return the value as text, or None when absent; a non-text value is a problem."""
        if value is None:
            return None
        if isinstance(value, str):
            return value
        self.problem(field, f"expected text, got {kind_of(value)}")
        return None

    def text(
        self, field: str, value: object, *, required: bool, max_len: int, multiline: bool
    ) -> str | None:
        if value is None:
            if required:
                self.problem(field, "required")
            return None
        if not isinstance(value, str):
            self.problem(field, f"expected text, got {kind_of(value)}")
            return None
        raw = value
        if "\r" in raw:
            raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        if not multiline:
            raw = raw.strip()
        if not raw or raw.isspace():
            if required:
                self.problem(field, "required")
            return None
        if len(raw) > max_len:
            self.problem(field, f"too long: {len(raw):,} characters, the limit is {max_len:,}")
            return None
        bad = (_BAD_IN_LONG if multiline else _BAD_IN_SHORT).search(raw)
        if bad is not None:
            char = bad.group()
            what = "a line break or tab" if char in "\t\n\u2028\u2029" else "a control character"
            self.problem(
                field, f"contains {what} (U+{ord(char):04X}) at character {bad.start() + 1}"
            )
            return None
        return raw

    def items(self, field: str, value: object) -> list[str]:
        """Return the raw items of a multi-valued field: a list of text, or one text alone."""
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple):
            items: list[str] = []
            for item in value:
                if item is None:
                    continue
                if not isinstance(item, str):
                    self.problem(field, f"expected a list of text, found {kind_of(item)} in it")
                    return []
                items.append(item)
            return items
        self.problem(field, f"expected a list of text, got {kind_of(value)}")
        return []

    def text_list(self, field: str, value: object) -> tuple[str, ...]:
        checked: list[str] = []
        for item in self.items(field, value):
            text = self.text(field, item, required=False, max_len=TEXT_MAX, multiline=False)
            if text is not None:
                checked.append(text)
        return tuple(checked)

    def enum(
        self, field: str, value: object, table: Mapping[str, _E], *, required: bool
    ) -> _E | None:
        raw = self._string(field, value)
        if raw is None or not raw.strip():
            if required and (value is None or isinstance(value, str)):
                self.problem(field, "required")
            return None
        member = table.get(_key(raw))
        if member is None:
            self._unknown(field, raw, table)
        return member

    def enum_list(self, field: str, value: object, table: Mapping[str, _E]) -> tuple[_E, ...]:
        found: dict[_E, None] = {}
        for item in self.items(field, value):
            if not item.strip():
                continue
            member = table.get(_key(item))
            if member is None:
                self._unknown(field, item, table)
            else:
                found[member] = None
        return tuple(found)

    def _unknown(self, field: str, raw: str, table: Mapping[str, _E]) -> None:
        allowed = ", ".join(dict.fromkeys(member.value for member in table.values()))
        self.problem(field, f"{_show(raw)} is not one of: {allowed}")

    def ref(self, value: object) -> str | None:
        raw = self.text("ref", value, required=True, max_len=TEXT_MAX, multiline=False)
        if raw is None:
            return None
        ref = raw.upper()
        if not (ref.isascii() and REF_PATTERN.match(ref)):
            self.problem("ref", f"{_show(raw)} is not a reference like PB001")
            return None
        return ref

    def day(self, field: str, value: object) -> date | None:
        raw = self.text(field, value, required=False, max_len=100, multiline=False)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.problem(field, f"{_show(raw)} is not a date like 2024-03-31")
            return None

    def timestamp(self, field: str, value: object) -> datetime | None:
        raw = self.text(field, value, required=False, max_len=100, multiline=False)
        if raw is None:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            self.problem(field, f"{_show(raw)} is not a date and time like 2024-03-31T09:30:00Z")
            return None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    def version(self, value: object) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            digits = value.strip()
            if not digits:
                return 1
            if digits.isascii() and digits.isdigit() and len(digits) <= 10:
                number = int(digits)
        elif value is None:
            return 1
        if number is None or not 1 <= number <= VERSION_MAX:
            if isinstance(value, str):
                shown = _show(value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                shown = _show(str(value))[1:-1]
            else:
                shown = kind_of(value)
            self.problem("version", f"{shown} is not a whole number from 1")
            return 1
        return number

    def email(self, value: object) -> str | None:
        raw = self.text("contact_email", value, required=False, max_len=EMAIL_MAX, multiline=False)
        if raw is not None and not _EMAIL.match(raw):
            self.problem("contact_email", f"{_show(raw)} does not look like an email address")
            return None
        return raw

    def links(self, value: object) -> tuple[str, ...]:
        links = self.text_list("links", value)
        for link in links:
            if len(link) > LINK_MAX or not _is_web_link(link):
                self.problem("links", f"{_show(link)} is not an http(s) link")
        return links


def _is_web_link(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


class PracticeValidator:
    """Checks the records of one bank file in turn, remembering refs so duplicates are caught."""

    def __init__(self) -> None:
        self._first_row_of: dict[str, int] = {}

    def check(
        self, row: int, record: Mapping[str, object], problems: list[RowProblem]
    ) -> Practice | None:
        """Return the practice the record describes, or None after adding its problems."""
        check = _RowCheck(row, problems)
        get = record.get
        ref = check.ref(get("ref"))
        if ref is not None:
            first = self._first_row_of.setdefault(ref, row)
            if first != row:
                check.problem("ref", f"{ref} is already used by row {first}")

        def short(field: str) -> str | None:
            return check.text(field, get(field), required=False, max_len=TEXT_MAX, multiline=False)

        def long(field: str) -> str | None:
            return check.text(field, get(field), required=False, max_len=TEXT_MAX, multiline=True)

        title = check.text("title", get("title"), required=True, max_len=TITLE_MAX, multiline=False)
        summary = check.text(
            "summary", get("summary"), required=True, max_len=SUMMARY_MAX, multiline=True
        )
        effectiveness = check.enum(
            "effectiveness", get("effectiveness"), _EFFECTIVENESS, required=True
        )
        focus = check.enum_list("focus", get("focus"), _FOCUS)
        if not focus and not check.failed_on("focus"):
            check.problem("focus", "required: at least one of " + ", ".join(Focus))
        start_date = check.day("start_date", get("start_date"))
        end_date = check.day("end_date", get("end_date"))
        if start_date and end_date and end_date < start_date:
            check.problem("end_date", f"{end_date} is before the start date {start_date}")
        # The fallbacks below only stand in for values already reported as problems: such a
        # practice is discarded, but building it still checks (and reports) every other field.
        practice = Practice(
            ref=ref or "",
            title=title or "",
            summary=summary or "",
            effectiveness=effectiveness or Effectiveness.UNTESTED,
            focus=focus,
            topics=check.text_list("topics", get("topics")),
            organisation=short("organisation"),
            region=short("region"),
            partners=check.text_list("partners", get("partners")),
            target_group=short("target_group"),
            stage=short("stage"),
            start_date=start_date,
            end_date=end_date,
            aim=long("aim"),
            intended_outcome=long("intended_outcome"),
            description=long("description"),
            evaluation=long("evaluation"),
            learning=long("learning"),
            resources=long("resources"),
            contact_name=short("contact_name"),
            contact_email=check.email(get("contact_email")),
            links=check.links(get("links")),
            linked_to=check.enum_list("linked_to", get("linked_to"), _LINKED_TO),
            visibility=check.enum("visibility", get("visibility"), _VISIBILITY, required=False)
            or Visibility.PUBLIC,
            added_at=check.timestamp("added_at", get("added_at")),
            updated_at=check.timestamp("updated_at", get("updated_at")),
            reviewed_at=check.timestamp("reviewed_at", get("reviewed_at")),
            archived_at=check.timestamp("archived_at", get("archived_at")),
            version=check.version(get("version")),
        )
        return None if check.failed else practice
