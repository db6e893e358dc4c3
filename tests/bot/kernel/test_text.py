"""Cleaning typed text: control characters out, white space tidy, everything else kept."""

from __future__ import annotations

import pytest

from bot.kernel.text import (
    clean_note,
    clean_text,
    drop_bidi_controls,
    has_controls,
    is_blank,
    trim_invisible,
)


def test_clean_text_removes_controls_and_collapses_space():
    """Control characters go and white space collapses; emoji joiners stay."""
    assert clean_text("a\tb\n\x07c  👩‍⚕️") == "a b c 👩‍⚕️"


def test_clean_note_keeps_line_breaks_and_drops_other_controls():
    """A note keeps its lines (any line ending) and loses NULs and terminal escapes."""
    assert clean_note("  Add\x00 dates\x1b[2J\r\nthanks\rbye \t") == "Add dates[2J\nthanks\nbye"


@pytest.mark.parametrize(
    "kept",
    ["", "x" * 100_000, "<!channel> @everyone <b>hi</b>", "منع الجريمة", "'; DROP TABLE x; --"],
)
def test_cleaning_keeps_markup_mentions_and_any_script(kept):
    """Hostile but printable text is kept verbatim: renderers escape it, not the cleaner."""
    assert (clean_text(kept), clean_note(kept)) == (kept, kept)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("line one\nline two\ttab\r\n", False), ("bell\x07", True), ("nul\x00", True), ("", False)],
)
def test_has_controls_allows_only_line_breaks_and_tabs(raw, expected):
    """Only line breaks and tabs are control characters an answer may hold."""
    assert has_controls(raw) is expected


@pytest.mark.parametrize("raw", ["", " ", "\u200b", "\u2060\ufeff", "\u202e", "\u3164 \u2800"])
def test_text_of_only_invisible_characters_is_blank(raw):
    """White space, zero-width, bidi and blank-looking letters show nothing."""
    assert is_blank(raw)


@pytest.mark.parametrize("raw", ["a", "\u200bx", "👮\u200d♀️", "منع"])
def test_text_with_anything_visible_is_not_blank(raw):
    """One visible character is enough."""
    assert not is_blank(raw)


def test_bidi_controls_are_dropped_and_other_format_characters_kept():
    """Embeddings, overrides and isolates go; a zero-width joiner in an emoji stays."""
    raw = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069👮\u200d♀️"
    assert drop_bidi_controls(raw) == "👮\u200d♀️"


def test_invisible_ends_are_trimmed_and_the_middle_kept():
    """A BOM or zero-width space at either end goes; inside the text nothing changes."""
    assert trim_invisible("\ufeff \u200ba\u200bb \u2060") == "a\u200bb"
