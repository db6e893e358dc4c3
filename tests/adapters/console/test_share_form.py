"""The compact sharing form at the terminal: its five fields asked one by one, then the dialogue."""

from __future__ import annotations

import pytest

from adapters.console.app import ConsoleSession
from bot.core import PracticeBank
from bot.kernel.events import Actor
from tests.support.memory import FixedClock

ADA = Actor("console", "local", "ada", "ada")
FORM_INTRO = (
    "The long answers in one form: title, summary, problem and aim, what was done, and\n"
    "learning. I'll ask the rest (focus, effectiveness, contact…) one at a time after."
)
FORM_TITLE = (
    "Share a practice (5 questions; an empty line keeps the value in [brackets], `/cancel` "
    "leaves the form)"
)
FOCUS_ASKED = (
    "Thanks, those answers are saved in your draft.\n"
    "Where does it intervene? Pick one or more, then press Done.  (5/21)\n"
    "You can also type them, e.g. prevention, diversion.\n"
    "   [1] ☐ Prevention  [2] ☐ Diversion  [3] ☐ Reoffending  [4] ☐ Organisational"
    "  [5] ☐ Location  [6] Done\n"
    "   [7] Back  [8] Cancel"
)


@pytest.fixture
def session(uow_factory) -> ConsoleSession:
    return ConsoleSession(PracticeBank(uow_factory, FixedClock()), ADA)


def test_share_form_asks_its_five_fields_then_the_focus(session):
    """`share form` prompts title, summary, aim, what was done, learning; then the focus."""
    assert session.push("share form") == [FORM_INTRO, FORM_TITLE, "(1/5) Title (required):"]
    assert session.push("Bike marking <!channel> @everyone") == ["(2/5) Summary (required):"]
    assert session.push("Free marking at stations.") == ["(3/5) Problem and aim (required):"]
    assert session.push("Cycle theft; fewer thefts.") == ["(4/5) What was done (required):"]
    assert session.push("Officers marked bikes.") == ["(5/5) Learning (required):"]
    assert session.push("Pair it with racks.") == [FOCUS_ASKED]


def test_share_form_asks_at_once_without_an_open_the_form_button(session):
    """The terminal asks the form's questions straight away: no *Open the form* to press."""
    out = session.push("share form")
    assert "Open the form" not in "\n".join(out)
    assert out[-1] == "(1/5) Title (required):"


def test_share_form_again_shows_the_draft_answers_as_defaults(session):
    """Asked again, the form shows the draft's answers in brackets; empty lines keep them."""
    for line in ("share form", "Bike marking", "Free.", "Theft.", "Marked.", "Racks."):
        session.push(line)
    assert session.push("share form")[2] == "(1/5) Title (required) [Bike marking]:"
    for expected in (
        "(2/5) Summary (required) [Free.]:",
        "(3/5) Problem and aim (required) [Theft.]:",
        "(4/5) What was done (required) [Marked.]:",
        "(5/5) Learning (required) [Racks.]:",
    ):
        assert session.push("") == [expected]
    assert session.push("") == [FOCUS_ASKED]


def test_refused_form_prints_the_reason_and_asks_again_with_the_cleaned_value(session):
    """A title with terminal escapes is refused; only the title is asked again, cleaned."""
    for line in ("share form", "bell\x07 and \x1b[2J escape", "S", "A", "D"):
        session.push(line)
    assert session.push("L") == [
        "Please check these answers: nothing you typed is lost.\n"
        "Title: That answer contains control characters (such as terminal escapes), which I "
        "can't\nstore. Please type it again as plain text.",
        FORM_TITLE.replace("5 questions", "1 question"),
        "(1/1) Title (required) [bell and [2J escape]:",
    ]
    (saved,) = session.push("")
    assert saved.startswith("Thanks, those answers are saved in your draft.")
    session.push("edit learning")
    assert "Current answer: L\n" in session.transcript[-1]
