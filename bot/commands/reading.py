"""Reading what a person typed: which verb they meant (search, show, help, more) and on what.

The same words arrive as a slash command (`/practice show PB046`), as plain text in a direct
message, or as a line in the terminal; this module turns all of them into one `Request`.

Words of the sharing dialogue and of moderation (`back`, `skip`, `keep`, `submit`, `edit title`,
`approve`, ...) typed when no draft is in progress are `DIALOGUE_WORD` requests: the person
gets a short hint (`dialogue_word_hint`), and they are neither searched nor recorded in the gaps
report. `next` stays the next page of a search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.kernel import replies
from bot.kernel.domain import format_ref
from bot.kernel.replies import Reply, bold
from bot.kernel.text import clean_text

SEARCH = "search"
SHOW = "show"
HELP = "help"
# Moderators' commands (bot.moderation.reports, bot.calls.service).
QUEUE = "queue"
STATS = "stats"
CALL = "call"
# Sharing a practice (bot.sharing).
SHARE = "share"
# The next page of the person's latest search (bot.search.chat).
MORE = "more"
# A practice's history of changes, for moderators (bot.moderation.history).
HISTORY = "history"
# Moderators teach search a term (bot.moderation.teaching).
GLOSSARY = "glossary"
# Everyone: the open calls for practice (bot.calls.service).
CALLS = "calls"
# A word of the sharing dialogue or of moderation typed where it means nothing: a hint.
DIALOGUE_WORD = "dialogue_word"

# Whole lines that only make sense inside a draft (or on a moderation card).
_DRAFT_WORDS = frozenset(
    {"back", "skip", "keep", "done", "submit", "send", "cancel", "continue", "resume", "discard"}
)
_MODERATION_WORDS = frozenset({"approve", "reject", "request changes"})
# `edit` and a field name of up to three words (`edit contact email`).
_EDIT = re.compile(r"edit(?:\s+\S+){0,3}")

# Words a person may start with to name a verb; anything else is the start of a search.
VERB_WORDS: dict[str, str] = {
    "search": SEARCH,
    "find": SEARCH,
    "show": SHOW,
    "details": SHOW,
    "help": HELP,
    "?": HELP,
    "queue": QUEUE,
    "stats": STATS,
    "call": CALL,
    "share": SHARE,
    "history": HISTORY,
    "glossary": GLOSSARY,
    "calls": CALLS,
}

# Whole lines that ask for the next page; `more burglary` is a search, so these are not verb words.
MORE_PHRASES = frozenset({"more", "next", "more results", "next page"})

# Slash-command names that only say "this is for the practice bank" and carry no verb.
BOT_NAMES = frozenset({"practice", "practices", "practicebank", "pb"})

# `pb46`, `PB046`, `pb-46`, `PB 0046`: people type refs loosely; ASCII digits only.
_LOOSE_REF = re.compile(r"pb[\s-]?0*([0-9]{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class Request:
    """What the person asked for: a verb from the constants above and the text it applies to."""

    verb: str
    text: str


def normalise_ref(raw: str) -> str | None:
    """Return the canonical ref (`PB046`) for a loosely typed one (`pb46`), or None."""
    match = _LOOSE_REF.fullmatch(raw.strip())
    return format_ref(int(match.group(1))) if match else None


def _is_more(text: str) -> bool:
    """Whether the line is one of the next-page phrases, ignoring case and punctuation around it."""
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1
    return " ".join(text[start:end].casefold().split()) in MORE_PHRASES


def _is_edge(character: str) -> bool:
    """Punctuation or white space, which may surround a phrase (`more?`, `…next.`)."""
    return character.isspace() or unicodedata.category(character).startswith("P")


def _dialogue_word(text: str) -> str | None:
    """The dialogue or moderation word the whole line is (folded), if it is one."""
    if len(text) > 60:
        return None
    words = " ".join(text.strip(" .!?").split()).casefold()
    if words in _DRAFT_WORDS or words in _MODERATION_WORDS or _EDIT.fullmatch(words):
        return words
    return None


def dialogue_word_hint(word: str) -> Reply:
    """The short answer to a dialogue word typed with no draft in progress."""
    shown = word if len(word) <= 40 else word[:39] + "…"
    if word in _MODERATION_WORDS:
        return Reply(
            (
                replies.text(
                    f"“{shown}” is done with the buttons on a submission's card in the "
                    "moderation channel. Moderators can type ",
                    bold("queue"),
                    " to see what is waiting.",
                ),
            )
        )
    return Reply(
        (
            replies.text(
                f"“{shown}” works while you are sharing a practice, and you have no draft in "
                "progress. Type ",
                bold("share"),
                " to start one, or type what you are looking for.",
            ),
        )
    )


def read_request(raw: str) -> Request:
    """Read a line of text: a leading verb, a bare ref (meaning show), or else a search."""
    text = clean_text(raw)
    if _is_more(text):
        return Request(MORE, "")
    word = _dialogue_word(text.removeprefix("/"))
    if word is not None:
        return Request(DIALOGUE_WORD, word)
    first, _, rest = text.partition(" ")
    word = first.lstrip("/").casefold() if first.startswith("/") else first.casefold()
    if first.startswith("/") and word in BOT_NAMES:
        return read_request(rest)
    if word in VERB_WORDS:
        return Request(VERB_WORDS[word], rest)
    if first.startswith("/") and word:
        # An unknown slash word: treat the rest of the line as the search, not the slash word.
        return Request(SEARCH, f"{word} {rest}".strip())
    if normalise_ref(text):
        return Request(SHOW, text)
    return Request(SEARCH, text)


def request_for_command(name: str, text: str) -> Request:
    """Read a platform command, whose name is either a verb or just the bot's name."""
    verb = VERB_WORDS.get(clean_text(name).lstrip("/").casefold())
    if verb is not None:
        return Request(verb, clean_text(text))
    return read_request(text)
