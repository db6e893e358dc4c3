"""Cleaning what people type before it is read, stored or quoted back: the control-character rules.

Control characters (terminal escapes, NUL, bells) mean nothing in chat text, could redraw a
terminal when echoed, and PostgreSQL cannot store NUL. Markup, mentions, emoji and any script are
kept as typed: renderers escape user text for their platform.

Invisible characters are judged here too, once for every reader: bidi embedding, override and
isolate controls (U+202A–U+202E, U+2066–U+2069) are dropped before anything is stored, since they
can make stored text display reversed or spoof what follows it (right-to-left text needs none of
them); and text made only of white space and invisible characters (zero-width spaces, word
joiners, BOMs, Hangul fillers) counts as blank, so a required answer cannot be "answered" with it.
Other format characters are kept inside text (emoji joiners, Arabic shaping marks) but trimmed
from its ends, where they mean nothing.
"""

from __future__ import annotations

import unicodedata

# White space a person may paste into several lines of text; every other control character is not.
LINE_CONTROLS = frozenset("\n\t\r")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that draw nothing (Unicode classes them as letters, not format characters).
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def is_control(character: str) -> bool:
    """Whether a character is a control character (Unicode category Cc)."""
    return unicodedata.category(character) == "Cc"


def has_controls(raw: str) -> bool:
    """Whether the text holds control characters other than line breaks and tabs."""
    return any(is_control(ch) and ch not in LINE_CONTROLS for ch in raw)


def clean_text(raw: str) -> str:
    """One line of text: control characters become spaces and runs of white space collapse.

    Format characters such as emoji joiners are kept.
    """
    without_controls = "".join(" " if is_control(ch) else ch for ch in raw)
    return " ".join(without_controls.split())


def clean_note(raw: str) -> str:
    """Several lines of text as typed, minus control characters other than newlines and tabs."""
    unified = raw.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in unified if ch in "\n\t" or not is_control(ch))
    return kept.strip()


def is_invisible(character: str) -> bool:
    """Whether a character draws nothing: control, format, unassigned, or a blank-looking letter."""
    return unicodedata.category(character)[0] == "C" or character in BLANK_LOOKING


def blank_invisible(text: str) -> str:
    """Replace control, format and unassigned characters with spaces (RTL marks, NULs, ZWJ).

    Stricter than `clean_text`, which keeps format characters: in a search query they only split
    or hide words.
    """
    return "".join(" " if is_invisible(ch) else ch for ch in text)


def is_blank(text: str) -> bool:
    """Whether the text shows nothing: only white space and invisible characters (or nothing)."""
    return not blank_invisible(text).strip()


def drop_bidi_controls(text: str) -> str:
    """The text without bidi embedding, override and isolate controls (see the module docstring)."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def trim_invisible(text: str) -> str:
    """The text without white space or invisible characters at either end."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or is_invisible(text[start])):
        start += 1
    while end > start and (text[end - 1].isspace() or is_invisible(text[end - 1])):
        end -= 1
    return text[start:end]
