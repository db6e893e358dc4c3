"""Cleaning typed text: control characters out, white space tidy, everything else kept."""

from __future__ import annotations

import pytest

from bot.kernel.text import clean_note, clean_text, has_controls


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
