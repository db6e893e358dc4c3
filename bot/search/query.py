"""Reads what a person typed into free text plus filters: `knife crime focus:diversion rating:new`.

Filters use friendly names and values ("works:didn't work", `org:"Thames Valley"`). Nothing here
is an error: an unknown filter or value becomes a plain-words notice and is otherwise ignored,
and anything that does not clearly look like a filter ("12:30", a web address) stays as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from rapidfuzz import fuzz, process

from bot.kernel.domain import Effectiveness, Focus, LinkedTo
from bot.kernel.text import blank_invisible
from bot.search.model import ParsedQuery, SearchFilters
from bot.search.tokenise import fold

T = TypeVar("T")

MAX_QUERY_CHARS = 1000
"""Longer input is cut here: nobody searches with an essay, and work must stay bounded."""

_NOTICE_VALUE_CHARS = 40

EFFECTIVENESS_KEYS = frozenset(
    {"rating", "ratings", "effectiveness", "effective", "works", "work", "worked", "evidence"}
)
FOCUS_KEYS = frozenset({"focus", "focuses", "foci"})
TOPIC_KEYS = frozenset({"topic", "topics", "theme", "themes"})
LINKED_KEYS = frozenset({"linked", "linked_to", "linkedto", "linked-to", "link", "links", "scheme"})
ORGANISATION_KEYS = frozenset(
    {"org", "orgs", "organisation", "organization", "force", "agency", "partner"}
)

EFFECTIVENESS_ALIASES: dict[str, Effectiveness] = {
    **dict.fromkeys(
        ["worked", "works", "work", "working", "effective", "success", "successful", "proven"],
        Effectiveness.WORKED,
    ),
    **dict.fromkeys(["promising", "promise", "partly", "partial"], Effectiveness.PROMISING),
    **dict.fromkeys(
        [
            "untested",
            "new",
            "innovative",
            "new or innovative",
            "untested new or innovative",
            "not tested",
            "not yet tested",
            "untried",
            "unknown",
        ],
        Effectiveness.UNTESTED,
    ),
    **dict.fromkeys(
        [
            "didnt work",
            "didnt",
            "did not work",
            "didnt worked",
            "not worked",
            "not work",
            "notworked",
            "doesnt work",
            "does not work",
            "failed",
            "fail",
            "ineffective",
        ],
        Effectiveness.DIDNT_WORK,
    ),
}

FOCUS_ALIASES: dict[str, Focus] = {
    **dict.fromkeys(
        ["prevention", "prevent", "preventing", "preventative", "preventive"], Focus.PREVENTION
    ),
    **dict.fromkeys(["diversion", "divert", "diverting", "diversionary"], Focus.DIVERSION),
    **dict.fromkeys(
        ["reoffending", "re offending", "reoffend", "repeat offending", "recidivism"],
        Focus.REOFFENDING,
    ),
    **dict.fromkeys(
        ["organisational", "organizational", "organisation", "organization", "internal"],
        Focus.ORGANISATIONAL,
    ),
    **dict.fromkeys(["location", "locations", "place", "places", "place based"], Focus.LOCATION),
}

LINKED_ALIASES: dict[str, LinkedTo] = {
    **dict.fromkeys(["hmicfrs", "hmic", "inspectorate"], LinkedTo.HMICFRS),
    **dict.fromkeys(
        ["smarter practice", "smarter", "smarterpractice", "sp"], LinkedTo.SMARTER_PRACTICE
    ),
    **dict.fromkeys(
        ["tilley award", "tilley", "tilleyaward", "tilley awards"], LinkedTo.TILLEY_AWARD
    ),
    **dict.fromkeys(
        ["police star fund", "star fund", "star", "psf", "policestarfund"],
        LinkedTo.POLICE_STAR_FUND,
    ),
}

_KEY = re.compile(r"(?<![\w/.:@#-])([A-Za-z][A-Za-z_-]{0,30}):")
_QUOTES = {'"': '"', "“": "”", "”": "”", "'": "'", "‘": "’"}
_RATING_TAIL = re.compile(r"[ \t]+(?:not[ \t]+)?work(?:ed|s)?\b|[ \t]+or[ \t]+innovative\b", re.I)
_RATING_HEADS = frozenset({"didnt", "did", "not", "doesnt", "does", "new"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


# Mentions and channel links carry no meaning for a search: Slack's <@U123>, <@U123|name>,
# <!here>, <!subteam^S1|@team>, <#C123|name>; Discord's <@123>, <@!123>, <@&123>, <#123>,
# custom emoji <:name:123>; typed @everyone / @here / @someone; emoji shortcodes :wave:.
_MENTION = re.compile(
    r"<(?:[@#!][^<>]*|a?:\w+:\d+)>|(?<![\w@])@[\w.-]+|(?<![\w:]):[a-z0-9_+-]+:(?!\w)"
)
# A Slack link keeps its label (<https://x|label> -> label); a bare one goes (<https://x>).
_LINK = re.compile(r"<(?:https?|mailto|tel):[^<>|]*(?:\|([^<>]*))?>", re.IGNORECASE)


def strip_chat_markup(text: str) -> str:
    """Remove mentions, channel links and emoji codes; keep only a link's label.

    Emphasis marks (`*`, `_`, `~`, backticks) need no handling here: they are not letters, so
    the tokeniser never makes words of them.
    """
    text = _LINK.sub(lambda m: f" {m.group(1) or ''} ", text)
    return " ".join(_MENTION.sub(" ", text).split())


def normalise_value(value: str) -> str:
    """Fold a filter value to plain lower-case words: "Didn't_Work" -> "didnt work"."""
    folded = re.sub(r"['’‘`]", "", fold(value))
    return " ".join(_NON_WORD.sub(" ", folded).split())


def _short(value: str) -> str:
    return value if len(value) <= _NOTICE_VALUE_CHARS else value[: _NOTICE_VALUE_CHARS - 1] + "…"


def _lookup(value: str, aliases: Mapping[str, T]) -> T | None:
    """Find the enum an alias names, tolerating small typos ("promsing")."""
    key = normalise_value(value)
    if not key:
        return None
    if key in aliases:
        return aliases[key]
    match = process.extractOne(key, list(aliases), scorer=fuzz.ratio, score_cutoff=84)
    return aliases[match[0]] if match else None


_DESCRIBED: dict[str, tuple[str, str]] = {
    "effectiveness": ("rating", "worked, promising, untested (new or innovative), didn't work"),
    "focus": ("focus", "prevention, diversion, reoffending, organisational, location"),
    "linked_to": ("scheme", "HMICFRS, smarter practice, Tilley award, Police STAR fund"),
}
_ALIASES_BY_KIND: dict[str, Mapping[str, Effectiveness | Focus | LinkedTo]] = {
    "effectiveness": EFFECTIVENESS_ALIASES,
    "focus": FOCUS_ALIASES,
    "linked_to": LINKED_ALIASES,
}
E = TypeVar("E", Effectiveness, Focus, LinkedTo)


def parse_filter_value(kind: str, value: str, enum: type[E]) -> E:
    """Read one structured filter value with the same friendly aliases as inline filters.

    For callers with their own flags (the CLI's `--effectiveness "didn't work"`). `kind` is
    "effectiveness", "focus" or "linked_to". Raises ValueError with a plain-words message
    naming the accepted values when `value` is not one of them.
    """
    aliases = _ALIASES_BY_KIND.get(kind)
    found = _lookup(value, aliases) if aliases is not None else None
    if not isinstance(found, enum):
        noun, known = _DESCRIBED.get(kind, (kind, ", ".join(e.value for e in enum)))
        raise ValueError(f'"{_short(value)}" is not a {noun} I know. Try one of: {known}.')
    return found


class _FilterReader:
    """Collects filter values and notices while the text is scanned."""

    def __init__(self) -> None:
        self.effectiveness: set[Effectiveness] = set()
        self.focus: set[Focus] = set()
        self.linked_to: set[LinkedTo] = set()
        self.topics: set[str] = set()
        self.organisation: str | None = None
        self.notices: list[str] = []

    def add(self, key: str, raw_value: str) -> None:
        values = [v.strip() for v in raw_value.split(",") if v.strip()]
        if not values:
            self.notices.append(f'The filter "{_short(key)}:" had no value, so I ignored it.')
            return
        if key in EFFECTIVENESS_KEYS:
            noun, known = _DESCRIBED["effectiveness"]
            self._add_enum(key, values, EFFECTIVENESS_ALIASES, self.effectiveness.add, noun, known)
        elif key in FOCUS_KEYS:
            noun, known = _DESCRIBED["focus"]
            self._add_enum(key, values, FOCUS_ALIASES, self.focus.add, noun, known)
        elif key in LINKED_KEYS:
            noun, known = _DESCRIBED["linked_to"]
            self._add_enum(key, values, LINKED_ALIASES, self.linked_to.add, noun, known)
        elif key in TOPIC_KEYS:
            self.topics.update(t for t in (normalise_value(v) for v in values) if t)
        else:
            self.organisation = raw_value.strip()

    def _add_enum(
        self,
        key: str,
        values: list[str],
        aliases: dict[str, T],
        add: Callable[[T], None],
        noun: str,
        known: str,
    ) -> None:
        for value in values:
            found = _lookup(value, aliases)
            if found is None:
                self.notices.append(
                    f'"{_short(key)}:{_short(value)}" is not a {noun} I know, so I ignored it. '
                    f"Try one of: {known}."
                )
            else:
                add(found)

    def filters(self) -> SearchFilters:
        return SearchFilters(
            effectiveness=frozenset(self.effectiveness),
            focus=frozenset(self.focus),
            topics=frozenset(self.topics),
            linked_to=frozenset(self.linked_to),
            organisation=self.organisation or None,
        )


KNOWN_KEYS = EFFECTIVENESS_KEYS | FOCUS_KEYS | TOPIC_KEYS | LINKED_KEYS | ORGANISATION_KEYS


def _read_value(text: str, start: int) -> tuple[str, int]:
    """Read the filter value at `start` (quoted, or one word) and say where it ends."""
    if start < len(text) and text[start] in _QUOTES:
        closing = _QUOTES[text[start]]
        end = text.find(closing, start + 1)
        if end < 0:
            return text[start + 1 :], len(text)
        return text[start + 1 : end], end + 1
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end], end


def parse_query(text: str) -> ParsedQuery:
    """Split `text` into free text and filters; never raises, whatever the input.

    Known filter names take their value after the colon (a space is allowed, quotes keep
    spaces); unknown names that clearly look like a filter (`colour:red`) are dropped with a
    notice; anything else, such as "12:30" or a web address, stays in the text.
    """
    notices: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(
            f"Your search was very long, so I only used its first {MAX_QUERY_CHARS} characters."
        )
    text = strip_chat_markup(blank_invisible(text))
    reader = _FilterReader()
    kept: list[str] = []
    position = 0
    for match in _KEY.finditer(text):
        if match.start() < position:
            continue
        key = match.group(1).casefold().replace("-", "_")
        value_start = match.end()
        if key in KNOWN_KEYS or key.replace("_", "") in KNOWN_KEYS:
            while value_start < len(text) and text[value_start] in " \t":
                value_start += 1
            value, end = _read_value(text, value_start)
            if key in EFFECTIVENESS_KEYS and normalise_value(value) in _RATING_HEADS:
                tail = _RATING_TAIL.match(text, end)
                if tail:
                    value, end = text[value_start : tail.end()], tail.end()
            reader.add(key if key in KNOWN_KEYS else key.replace("_", ""), value)
        elif value_start < len(text) and (
            text[value_start].isalpha() or text[value_start] in _QUOTES
        ):
            value, end = _read_value(text, value_start)
            notices.append(
                f'I don\'t know the filter "{_short(match.group(1))}:", so I ignored '
                f'"{_short(match.group(1) + ":" + value)}". '
                "Filters I know: rating:, focus:, topic:, linked:, org:."
            )
        else:
            continue
        kept.append(text[position : match.start()])
        position = end
    kept.append(text[position:])
    free_text = " ".join(" ".join(kept).split())
    return ParsedQuery(
        text=free_text, filters=reader.filters(), notices=(*notices, *reader.notices)
    )
