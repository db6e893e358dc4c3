"""The Filter control in the terminal: numbered options under the results, pressed like buttons."""

from __future__ import annotations

import pytest

from adapters.console.app import ConsoleSession
from bot.core import PracticeBank
from bot.kernel.events import Actor
from tests.support.bank import fill_bank
from tests.support.memory import FixedClock

ADA = Actor("console", "local", "ada", "ada")
FILTER_LINES = [
    "   [6] More results",
    "Filter by effectiveness",
    "   [7] Worked",
    "   [8] Promising",
    "   [9] Untested – new or innovative",
    "   [10] Didn't work",
    "Filter by focus",
    "   [11] Prevention",
    "   [12] Diversion",
    "   [13] Reoffending",
    "   [14] Organisational",
    "   [15] Location",
]


@pytest.fixture
def session(uow_factory) -> ConsoleSession:
    fill_bank(uow_factory)
    return ConsoleSession(PracticeBank(uow_factory, FixedClock()), ADA)


@pytest.fixture
def texts(uow_factory):
    """The texts of the searches recorded so far, in order."""

    def read() -> list[str]:
        found = []
        with uow_factory() as uow:
            search_id = 1
            while (record := uow.searches.get(ADA, search_id)) is not None:
                found.append(record.text)
                search_id += 1
        return found

    return read


def test_results_list_the_filter_options_numbered_after_the_buttons(session):
    """Under the cards and More results come both lists, numbered on from the buttons."""
    [out] = session.push("crime")
    assert out.splitlines()[-12:] == FILTER_LINES


def test_pressing_an_option_number_shows_the_filtered_list(session, texts):
    """Typing 9 (Untested) re-runs the search with that filter and records it."""
    session.push("crime")
    [out] = session.push("9")
    assert out.splitlines()[0] == ("9 practices for “crime rating:untested” (showing 1–5 of 9).")
    assert out.splitlines()[-11:] == [
        "   [6] More results",
        "Filter by effectiveness",
        "   [7] Worked",
        "   [8] Promising",
        "   [9] Didn't work",
        "Filter by focus",
        "   [10] Prevention",
        "   [11] Diversion",
        "   [12] Reoffending",
        "   [13] Organisational",
        "   [14] Location",
    ]
    assert texts() == ["crime", "crime rating:untested"]


def test_typing_an_option_label_presses_it(session, texts):
    """Typing "diversion" after filtered results adds that focus, as pressing its number would."""
    session.push("crime")
    session.push("9")
    [out] = session.push("diversion")
    assert out.splitlines()[0] == ("2 practices for “crime rating:untested focus:diversion”.")
    assert texts()[-1] == "crime rating:untested focus:diversion"


@pytest.mark.parametrize(
    "line",
    ["16", "[0]", "٩", "9\x1b[31m", "🔪 9", "\u202e9", "9; DROP TABLE searches", "<!channel> 9"],
    ids=["beyond", "zero", "arabic-digit", "escape", "emoji", "rtl", "sql", "mention"],
)
def test_hostile_lines_never_press_a_filter_option(session, texts, line):
    """Only a plain number or an exact label presses an option; anything else adds no filter."""
    session.push("crime")
    session.push(line)
    assert not any("rating:" in text or "focus:" in text for text in texts())
