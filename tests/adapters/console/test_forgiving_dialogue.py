"""The forgiving dialogue as a newcomer meets it at the terminal (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.app import ConsoleSession
from bot.core import PracticeBank
from bot.kernel.events import Actor
from tests.support.bank import fill_bank
from tests.support.memory import FixedClock

ADA = Actor("console", "local", "ada", "ada")
TITLE = "Street Triage"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def session(uow_factory, clock) -> ConsoleSession:
    fill_bank(uow_factory, restricted=False)
    return ConsoleSession(PracticeBank(uow_factory, clock), ADA)


def test_next_after_back_keeps_the_answer_at_the_terminal(session):
    """`back` shows the title with how to keep it; `next` keeps it and asks the summary."""
    session.push("share")
    session.push(TITLE)
    assert session.push("back") == [
        "What is the practice called? A short title, as you would like it listed.  (1/21)\n"
        f"Current answer: {TITLE}\n"
        "Type keep to keep it, or type a new answer.\n"
        "   [1] Back  [2] Cancel"
    ]
    (asked,) = session.push("next")
    assert asked.startswith("Sum it up in a sentence or two: what was done, for whom, and why.")


def test_typing_one_focus_value_moves_on_at_the_terminal(session):
    """`prevention` typed (not a button's label) moves on, as `prevention, diversion` does."""
    for line in ("share", TITLE, "Nurses attend crisis calls.", "Crisis detentions.", "Rota."):
        session.push(line)
    (asked,) = session.push("prevention")
    assert asked.startswith("As you see it, did it work?  (6/21)")


def test_a_dialogue_word_without_a_draft_is_a_hint_at_the_terminal(session):
    """`edit title` with no draft: one hint line, not a search."""
    assert session.push("edit title") == [
        "“edit title” works while you are sharing a practice, and you have no draft in progress.\n"
        "Type share to start one, or type what you are looking for."
    ]


def test_a_search_after_a_pause_is_answered_then_the_offer_at_the_terminal(session, clock):
    """After an idle hour `burglary` is searched, and continue/discard is offered after it."""
    session.push("share")
    session.push(TITLE)
    clock.at += timedelta(hours=2)
    printed = session.push("burglary")
    assert printed[0].startswith("3 practices for “burglary”")
    assert printed[-1] == (
        f"You were in the middle of your draft “{TITLE}”. Continue where you left off, or\n"
        "discard it?\n"
        "   [8] Continue  [9] Discard"
    )
    (resumed,) = session.push("continue")
    assert resumed.startswith("Welcome back. Here is where you were:")


def test_a_restarted_terminal_offers_the_draft_and_searches_the_first_line(uow_factory, clock):
    """Started again a minute later, the terminal offers the open draft before the first line;
    `burglary` is then searched (not stored as the summary) and `continue` picks up."""
    fill_bank(uow_factory, restricted=False)
    first = ConsoleSession(PracticeBank(uow_factory, clock), ADA)
    first.push("share")
    first.push(TITLE)
    clock.at += timedelta(minutes=1)
    again = ConsoleSession(PracticeBank(uow_factory, clock), ADA)
    assert again.arrive() == [
        f"You were in the middle of your draft “{TITLE}”. Continue where you left off, or\n"
        "discard it?\n"
        "   [1] Continue  [2] Discard"
    ]
    printed = again.push("burglary")
    assert printed[0].startswith("3 practices for “burglary”")
    (resumed,) = again.push("continue")
    assert resumed.startswith("Welcome back. Here is where you were:")
    assert "Sum it up in a sentence or two" in resumed
    assert "burglary" not in resumed


def test_a_terminal_started_without_a_draft_offers_nothing(session):
    """With no draft in progress, starting the terminal prints nothing beyond the greeting."""
    assert session.arrive() == []


def test_submit_typed_at_the_title_question_is_not_stored_as_the_title(session):
    """`submit` at the first question says what is missing; the title stays unanswered."""
    session.push("share")
    (said,) = session.push("submit")
    assert " ".join(said.split()).startswith(
        "I read “submit” as the command. To give “submit” as your answer, type it in quotes: "
        '"submit". Before submitting, I still need: title, summary,'
    )
    assert "What is the practice called?" in said
    assert "Current answer" not in said


def test_a_quoted_word_is_taken_as_a_one_word_title_at_the_terminal(session):
    """`"Submit"` in quotes is the title Submit, and the summary is asked next."""
    session.push("share")
    (asked,) = session.push('"Submit"')
    assert asked.startswith("Sum it up in a sentence or two")
    session.push("back")
    assert "Current answer: Submit\n" in session.transcript[-1]


def test_a_number_with_no_button_in_a_draft_says_how_to_answer(session):
    """`6` at the title question (three buttons) points to the question, not to a search."""
    session.push("share")
    assert session.push("6") == [
        "There is no button 6: pick 1–3, or type your answer to the question above."
    ]
    session.push("/practice knife crime")
    (said,) = session.push("99")
    assert said.endswith("or type a search.")


def test_a_year_typed_at_a_date_question_reaches_the_question(session):
    """`2024` at the start date is read by the dialogue (and refused as no month), not pressed."""
    session.push("share")
    session.push("edit start date")
    (said,) = session.push("2024")
    assert said.startswith("I can't read that as a date.")


def test_a_zero_width_title_is_refused_at_the_terminal(session):
    """A title of zero-width spaces is refused with the reason; the title is asked again."""
    session.push("share")
    (said,) = session.push("\u200b\u2060\ufeff")
    assert " ".join(said.split()).startswith(
        "That answer is made only of invisible characters (such as zero-width spaces), so it "
        "shows nothing. Please type the answer in words. Title takes a short title"
    )
    assert "What is the practice called?" in said
