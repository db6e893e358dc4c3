"""Terminal lines become core events: text for the core, numbers and labels press shown buttons."""

from __future__ import annotations

import pytest

from adapters.console.inbound import LocalAnswer, Nothing, on_line
from adapters.console.render import ShownButton
from bot.kernel.events import Actor, Click, Place, Text

ACTOR = Actor("console", "local", "ada", "ada")
PLACE = Place("console", "local", "console", is_direct=True)
BUTTONS = (
    ShownButton(1, "Details PB017", "show:PB017"),
    ShownButton(2, "Details PB058", "show:PB058"),
    ShownButton(3, "More results", "more:1:5"),
)


@pytest.mark.parametrize(
    "line",
    [
        "knife crime",
        "show pb46",
        "/practice knife crime",
        "12:30 meeting",
        "<!channel> @everyone",
        "'; DROP TABLE practices; --",
        "\x1b[31mred",
        "🔪",
        "جرائم السكاكين",
        "x" * 100_000,
    ],
)
def test_lines_are_text_for_the_core(line):
    """Anything that is not a button press reaches the core unchanged as Text."""
    assert on_line(line, ACTOR, PLACE, BUTTONS) == Text(ACTOR, PLACE, line)


@pytest.mark.parametrize(("line", "action"), [("2", "show:PB058"), (" [3] ", "more:1:5")])
def test_number_presses_the_button(line, action):
    """A number (bare or bracketed as shown) presses the button with that number."""
    assert on_line(line, ACTOR, PLACE, BUTTONS) == Click(ACTOR, PLACE, action)


def test_exact_label_presses_the_button_whatever_its_case():
    """Typing a shown button's label presses it."""
    assert on_line("more  RESULTS", ACTOR, PLACE, BUTTONS) == Click(ACTOR, PLACE, "more:1:5")


@pytest.mark.parametrize("line", ["0", "4", "999999999", "[9]"])
def test_number_without_a_button_is_answered_locally(line):
    """A number that no shown button carries gets a local explanation, not a click."""
    number = int(line.strip("[]"))
    assert on_line(line, ACTOR, PLACE, BUTTONS) == LocalAnswer(
        f"There is no button {number}: pick 1–3, or type a search."
    )


def test_number_before_any_button_is_answered_locally():
    """A number typed before any buttons were shown is explained, not sent."""
    assert on_line("1", ACTOR, PLACE, ()) == LocalAnswer(
        "There is no button 1 to press. Type what you are looking for, or `help`."
    )


@pytest.mark.parametrize("line", ["", "   ", "\t"])
def test_blank_line_does_nothing(line):
    """A blank line is ignored."""
    assert on_line(line, ACTOR, PLACE, BUTTONS) == Nothing()


@pytest.mark.parametrize("line", ["quit", "EXIT", " /quit "])
def test_quit_ends_the_session(line):
    """`quit` (and `exit`) leave."""
    assert on_line(line, ACTOR, PLACE, BUTTONS) == LocalAnswer("Goodbye.", quit=True)


def test_number_past_a_single_button_names_the_one_button():
    """With one button shown, `99` is told "There is only one button: type 1", not "pick 1–1"."""
    assert on_line("99", ACTOR, PLACE, BUTTONS[:1]) == LocalAnswer(
        "There is no button 99. There is only one button: type 1, or type a search."
    )


def test_number_without_a_button_in_a_dialogue_says_to_answer_the_question():
    """Inside the sharing dialogue the hint is to answer the question, not to search."""
    assert on_line("6", ACTOR, PLACE, BUTTONS, in_dialogue=True) == LocalAnswer(
        "There is no button 6: pick 1–3, or type your answer to the question above."
    )
    assert on_line("6", ACTOR, PLACE, BUTTONS[:1], in_dialogue=True) == LocalAnswer(
        "There is no button 6. There is only one button: type 1, or type your answer to the "
        "question above."
    )
    assert on_line("6", ACTOR, PLACE, (), in_dialogue=True) == LocalAnswer(
        "There is no button 6 to press: type your answer to the question above."
    )


@pytest.mark.parametrize("line", ["2024", "150", "[2024]"])
def test_a_long_number_in_a_dialogue_is_an_answer_not_a_press(line):
    """A number no button could carry (a year, a cost) goes to the question as typed."""
    assert on_line(line, ACTOR, PLACE, BUTTONS, in_dialogue=True) == Text(ACTOR, PLACE, line)
