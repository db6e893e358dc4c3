"""Stable action ids: what a button carries to the platform and brings back when it is clicked.

An id is short text such as `show:PB046` or `more:42:5`. Clicks can be stale, forged or replayed,
so `decode` checks every part and answers None for anything it does not recognise, never raising.
Ids stay well under Discord's 100-character `custom_id` limit (Slack allows 255).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ACTION_ID_LENGTH = 100
# Bounds that keep forged numbers from reaching the store as absurd values.
MAX_SEARCH_ID = 2**63 - 1
MAX_OFFSET = 10_000

# ASCII digits only and `fullmatch`: `\d` accepts other scripts' digits and `$` a trailing newline.
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
_REF = re.compile(r"PB[0-9]{3,12}")


@dataclass(frozen=True)
class ShowPractice:
    """Show one practice in full."""

    ref: str


@dataclass(frozen=True)
class MoreResults:
    """The next page of a recorded search, starting at `offset`."""

    search_id: int
    offset: int


@dataclass(frozen=True)
class TrySuggestion:
    """Run the "did you mean" spelling of a recorded search that found nothing."""

    search_id: int


@dataclass(frozen=True)
class DropFilters:
    """Run a recorded search again with its filters removed."""

    search_id: int


@dataclass(frozen=True)
class ShowHelp:
    """Explain what the bot can do."""


BotAction = ShowPractice | MoreResults | TrySuggestion | DropFilters | ShowHelp


def encode(action: BotAction) -> str:
    """Make the id to put on a button; `decode` turns it back into the same action."""
    match action:
        case ShowPractice(ref=ref):
            return f"show:{ref}"
        case MoreResults(search_id=search_id, offset=offset):
            return f"more:{search_id}:{offset}"
        case TrySuggestion(search_id=search_id):
            return f"suggest:{search_id}"
        case DropFilters(search_id=search_id):
            return f"unfiltered:{search_id}"
        case ShowHelp():
            return "help"


def _number(raw: str, maximum: int) -> int | None:
    """Read a plain non-negative decimal (no sign, spaces, leading zeros) up to `maximum`."""
    if not _NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= maximum else None


def _search_id(raw: str) -> int | None:
    """Read a positive search id, or None."""
    value = _number(raw, MAX_SEARCH_ID)
    return value if value else None


def decode(raw: object) -> BotAction | None:
    """Return the action an id stands for, or None if it is malformed, unknown or out of range.

    Accepts any object (a platform may hand us None or a number) so callers need no checks.
    """
    if not isinstance(raw, str) or not raw or len(raw) > MAX_ACTION_ID_LENGTH:
        return None
    verb, _, rest = raw.partition(":")
    parts = rest.split(":") if rest else []
    if verb == "help" and not parts:
        return ShowHelp()
    if verb == "show" and len(parts) == 1 and _REF.fullmatch(parts[0]):
        return ShowPractice(parts[0])
    if verb == "more" and len(parts) == 2:
        search_id, offset = _search_id(parts[0]), _number(parts[1], MAX_OFFSET)
        if search_id is not None and offset is not None:
            return MoreResults(search_id, offset)
        return None
    if verb in ("suggest", "unfiltered") and len(parts) == 1:
        search_id = _search_id(parts[0])
        if search_id is None:
            return None
        return TrySuggestion(search_id) if verb == "suggest" else DropFilters(search_id)
    return None
