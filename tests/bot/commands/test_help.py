"""Help per role: everyone reads `calls`; moderators also read how to teach search."""

from __future__ import annotations

from bot.commands.help import help_reply


def test_help_tells_everyone_how_to_list_the_open_calls():
    """Every person's help says `calls` lists the open calls for practice."""
    assert "calls lists the open calls for practice." in help_reply().plain


def test_moderator_help_tells_how_to_teach_search():
    """A moderator's help names `glossary add ocg = organised crime group` and `glossary`."""
    shown = help_reply(moderator=True).plain
    assert "glossary add ocg = organised crime group teaches search a term" in shown
    assert "glossary add" not in help_reply().plain


def test_moderator_help_tells_how_to_take_a_term_back():
    """A moderator's help names `glossary remove` and `glossary history`; others' does not."""
    shown = help_reply(moderator=True).plain
    assert "glossary remove ocg takes one back, glossary history shows who changed what" in shown
    assert "glossary remove" not in help_reply().plain
