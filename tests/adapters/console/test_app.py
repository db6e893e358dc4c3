"""Console transcripts on the real store: push a line, pop what the terminal prints."""

from __future__ import annotations

import io

import pytest

from adapters.console.app import (
    CONTINUATION_PROMPT,
    GREETING,
    LINE_TOO_LONG,
    ConsoleSession,
    console_place,
    run_console,
)
from adapters.console.render import ShownButton
from bot.core import PracticeBank
from bot.kernel.events import Actor
from bot.kernel.ports import WorkspaceSettings
from tests.support.bank import fill_bank
from tests.support.memory import FixedClock

ADA = Actor("console", "local", "ada", "ada")

PB046_FULL = (
    "PB046 · Reducing theft of catalytic converters\n"
    "   Operation Blink is a problem-solving plan that tackles the theft of catalytic\n"
    "   converters from vehicles throughout Surrey.\n"
    "   Effectiveness: Promising\n"
    "   Focus: Prevention"
)


@pytest.fixture
def bank(uow_factory) -> PracticeBank:
    fill_bank(uow_factory)
    return PracticeBank(uow_factory, FixedClock())


@pytest.fixture
def session(bank) -> ConsoleSession:
    return ConsoleSession(bank, ADA)


@pytest.fixture
def world(session, uow_factory):
    return session, uow_factory


def test_misspelt_search_shows_knife_crime_cards(session):
    """`knfe crime` lists the knife-crime practices first, numbered, with buttons."""
    session.push("knfe crime")
    lines = session.pop().splitlines()
    assert lines[:4] == [
        "2 practices for “knfe crime”.",
        "1. PB058 · Using community impact statements for knife crime",
        "   Untested – new or innovative · Prevention",
        "   Community impact statements describe how knife crime affects local communities more",
    ]
    assert lines[6:8] == [
        "2. PB017 · Habitual knife carrier index",
        "   Untested – new or innovative · Prevention, Diversion · Sussex Police",
    ]
    # Both are untested and prevention: only Diversion narrows them.
    assert lines[-2:] == ["Filter by focus", "   [3] Diversion (1)"]


def test_number_presses_the_button_with_that_number(session):
    """Typing 1 after a result list presses its first button (Details of the first card)."""
    session.push("knfe crime")
    assert session.push("1") == [
        "PB058 · Using community impact statements for knife crime\n"
        "   Community impact statements describe how knife crime affects local communities more\n"
        "   widely, and can be submitted as evidence to support prosecutions.\n"
        "   Effectiveness: Untested – new or innovative\n"
        "   Focus: Prevention"
    ]


def test_buttons_stay_pressable_after_opening_details(session):
    """After one Details, the list's other buttons still work without searching again."""
    session.push("knife")
    session.push("1")
    assert session.push("2")[0].startswith("PB058 · Using community impact statements")


def test_button_label_presses_the_button(session):
    """Typing a button's label presses it."""
    session.push("knife")
    assert session.push("details pb058")[0].startswith("PB058 · ")


@pytest.mark.parametrize("line", ["show pb046", "PB046", "pb46", "/practice show PB046"])
def test_show_prints_the_full_card(session, line):
    """`show pb046` and its variants print the practice in full."""
    assert session.push(line) == [PB046_FULL]


def test_more_results_pages_through(session):
    """The More results button prints the next page, numbered on from the first."""
    first = session.push("crime")[0]
    assert first.splitlines()[-9] == "   [6] More results"
    second = session.push("6")[0].splitlines()
    assert second[0] == "11 practices for “crime” (showing 6–10 of 11)."
    assert second[1].startswith("6. PB")
    third = session.push("6")[0].splitlines()
    assert third[0] == "11 practices for “crime” (showing 11–11 of 11)."
    assert "More results" not in "\n".join(third)


def test_typed_more_prints_the_next_page(session):
    """Typing `more` after a list prints the next page, as the More results button does."""
    session.push("crime")
    assert session.push("more")[0].splitlines()[:2] == [
        "11 practices for “crime” (showing 6–10 of 11).",
        "6. PB048 · Safer business action days",
    ]
    assert session.push("More?")[0].splitlines()[0] == (
        "11 practices for “crime” (showing 11–11 of 11)."
    )
    assert session.push("more") == ["That was everything for “crime”."]


def test_help(session):
    """`help` prints what the bot can do."""
    [out] = session.push("help")
    assert out.splitlines()[0] == (
        "Practice bank: what police forces and partners tried against crime and harm, and whether"
    )
    assert "Show a practice: show PB046, or just PB046, or press Details under a result." in out


def test_pop_returns_outputs_in_order_then_raises(session):
    """`pop` gives each printed output once, oldest first, and raises when none is left."""
    session.push("show pb046")
    session.push("pb999")
    assert session.pop() == PB046_FULL
    assert session.pop().startswith("No practice PB999 in the bank.")
    with pytest.raises(LookupError):
        session.pop()


def test_transcript_keeps_lines_and_outputs(session):
    """The transcript reads like the terminal: prompt lines, then what was printed."""
    session.push("show pb046")
    assert session.transcript == ["> show pb046", PB046_FULL]


def test_quit_closes_the_session(session):
    """`quit` says goodbye and closes the session."""
    assert session.push("quit") == ["Goodbye."]
    assert session.closed is True


def test_restricted_practice_hidden_from_an_ordinary_console(session):
    """The console workspace is not police-only unless configured: the restricted ref is unknown."""
    assert session.push("show PB900")[0].startswith("No practice PB900 in the bank.")


def test_restricted_practice_shown_in_a_police_only_console(bank, uow_factory):
    """A console workspace configured police-only opens the restricted practice."""
    with uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("console", "local", police_only=True))
        uow.commit()
    session = ConsoleSession(bank, ADA)
    assert session.push("show PB900")[0].splitlines()[0] == (
        "PB900 · Covert knife test purchase tactics"
    )


# --- hostile input ------------------------------------------------------------------------------


def test_empty_line_prints_nothing(session):
    """A blank line is ignored."""
    assert session.push("") == []
    assert session.push("   ") == []


@pytest.mark.parametrize(
    "line",
    [
        "x" * 100_000,
        "\x1b[2J\x1b]0;owned\x07knife\x1b[31m",
        "\x00\x07\x08\r knife",
        "🔪 knife 👩‍⚕️",
        "جرائم السكاكين knife",
        "\u202eknife",
        "'; DROP TABLE practices; --",
        "<!channel> knife",
        "@everyone @here knife",
    ],
)
def test_hostile_lines_get_ordinary_safe_output(session, line):
    """Hostile lines get a normal answer that holds no escape or control characters."""
    [out] = session.push(line)
    assert "Something went wrong" not in out
    assert not any(ord(ch) < 32 and ch != "\n" for ch in out)
    assert "\x9b" not in out
    assert "\u202e" not in out


def test_mentions_are_printed_as_plain_text(session):
    """`<!channel>` and `@everyone` are quoted back literally; a terminal has no mentions."""
    [out] = session.push("<!channel> @everyone knife")
    assert "“<!channel> @everyone knife”" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("line", "number"), [("12", 12), ("0", 0), ("[42]", 42), ("123456789", 123456789)]
)
def test_pressing_a_button_number_that_does_not_exist(world, line, number):
    """A number with no button says which numbers exist and sends nothing to the core."""
    session, uow_factory = world
    session.push("knife")
    assert session.push(line) == [f"There is no button {number}: pick 1–3, or type a search."]
    with uow_factory() as uow:
        assert uow.searches.get(ADA, 2) is None


def test_number_before_any_list_is_explained(session):
    """A number typed before any buttons were shown is explained."""
    assert session.push("1") == [
        "There is no button 1 to press. Type what you are looking for, or `help`."
    ]


@pytest.mark.parametrize(
    ("action", "answer"),
    [
        ("more:999:5", "That button no longer works."),
        ("suggest:999", "That button no longer works."),
        ("show:PB999", "No practice PB999 in the bank."),
        ("mod:approve:S-0042", "That button no longer works."),
        ("more:1:5\x1b[2J", "That button no longer works."),
    ],
)
def test_stale_or_forged_buttons_are_answered(session, action, answer):
    """A button left over from an old session, or forged, gets a clear answer."""
    session.buttons = (ShownButton(1, "Old button", action),)
    [out] = session.push("1")
    assert out.startswith(answer)


# --- the loop -----------------------------------------------------------------------------------


def test_run_console_on_piped_input(bank):
    """Piped input gets the greeting and the answers with no prompts, and stops at `quit`."""
    stdin = io.StringIO("show pb46\n\nquit\nknife\n")
    stdout = io.StringIO()
    run_console(bank, stdin, stdout, actor=ADA, place=console_place())
    assert stdout.getvalue() == f"{GREETING}\n{PB046_FULL}\n\nGoodbye.\n\n"


def test_run_console_stops_at_end_of_input(bank):
    """End of input ends the loop quietly, even after a line without newline."""
    stdout = io.StringIO()
    run_console(bank, io.StringIO("pb46"), stdout, actor=ADA)
    assert stdout.getvalue() == f"{GREETING}\n{PB046_FULL}\n\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_console_prompts_on_a_terminal(bank):
    """On a terminal, a prompt precedes each line read."""
    stdout = io.StringIO()
    run_console(bank, _Terminal("pb46\n"), stdout, actor=ADA)
    assert stdout.getvalue() == f"{GREETING}\n> {PB046_FULL}\n\n> "


def test_run_console_survives_bytes_that_are_not_utf8(bank):
    """Invalid UTF-8 on standard input is replaced, not fatal."""
    stdin = io.TextIOWrapper(io.BytesIO(b"pb46\n\xff\xfe knife\n"), encoding="utf-8")
    stdout = io.StringIO()
    run_console(bank, stdin, stdout, actor=ADA)
    out = stdout.getvalue()
    assert out.startswith(f"{GREETING}\n{PB046_FULL}\n\n")
    assert "“�� knife”" in out


def _draft_answers(uow_factory) -> dict:
    with uow_factory() as uow:
        (draft,) = uow.submissions.open_for(ADA.key)
    return dict(draft.answers)


def test_a_terminal_line_cut_at_the_buffer_is_refused_not_stored(bank, uow_factory):
    """A 4,095-byte tty line ending in a cut character (U+FFFD) is refused with how to go on."""
    cut = "x" * 4094 + "\ufffd"  # what a terminal delivers of a longer paste ending in "é…"
    stdin = _Terminal(f"share\nStreet Triage\n{cut}\nNurses attend crisis calls.\n")
    stdout = io.StringIO()
    run_console(bank, stdin, stdout, actor=ADA)
    assert f"> {LINE_TOO_LONG}\n\n> " in stdout.getvalue()
    answers = _draft_answers(uow_factory)
    assert answers["summary"] == "Nurses attend crisis calls."
    assert not any("\ufffd" in str(value) for value in answers.values())


def test_a_long_line_piped_in_is_not_taken_as_cut(bank, uow_factory):
    """Piped input has no terminal buffer: a 5,000-character line reaches the dialogue."""
    stdin = io.StringIO("share\nStreet Triage\nS.\n" + "a" * 5000 + "\n")
    stdout = io.StringIO()
    run_console(bank, stdin, stdout, actor=ADA)
    assert LINE_TOO_LONG not in stdout.getvalue()
    assert "That is 5,000 characters long; this answer can be at most 3,000." in " ".join(
        stdout.getvalue().split()
    )


def test_lines_ending_in_a_backslash_are_joined_into_one_answer(bank, uow_factory):
    """A long answer typed as continued lines is one answer, its lines kept."""
    stdin = _Terminal("share\nStreet \\\nTriage\nS.\nFirst part,\\\nsecond part.\\\n\\\nMore.\n")
    stdout = io.StringIO()
    run_console(bank, stdin, stdout, actor=ADA)
    assert f"> {CONTINUATION_PROMPT}" in stdout.getvalue()  # a continued line is prompted
    answers = _draft_answers(uow_factory)
    assert answers["title"] == "Street Triage"
    assert answers["aim"] == "First part,\nsecond part.\n\nMore."


def test_input_ending_inside_a_continued_answer_still_sends_it(bank, uow_factory):
    """End of input after a trailing backslash sends what was typed rather than losing it."""
    run_console(bank, io.StringIO("share\nStreet \\\nTriage\\\n"), io.StringIO(), actor=ADA)
    assert _draft_answers(uow_factory)["title"] == "Street Triage"
