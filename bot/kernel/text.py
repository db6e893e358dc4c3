"""Cleaning what people type before it is read, stored or quoted back: the control-character rules.

Control characters (terminal escapes, NUL, bells) mean nothing in chat text, could redraw a
terminal when echoed, and PostgreSQL cannot store NUL. Markup, mentions, emoji and any script are
kept as typed: renderers escape user text for their platform.
"""

from __future__ import annotations

import unicodedata

# White space a person may paste into several lines of text; every other control character is not.
LINE_CONTROLS = frozenset("\n\t\r")


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
