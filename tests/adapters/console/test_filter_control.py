"""The Filter control in the terminal: numbered options under the results, pressed like buttons."""

from __future__ import annotations

import pytest

from adapters.console.app import ConsoleSession
from bot.core import PracticeBank
from bot.kernel.events import Actor
from tests.support.bank import fill_bank
from tests.support.memory import FixedClock

ADA = Actor("console", "local", "ada", "ada")
# What "crime" offers: only the values its 11 matches have, each counted (none is rated Worked
# or Didn't work, none has focus location).
FILTER_LINES = [
    "   [6] More results",
    "Filter by effectiveness",
    "   [7] Promising (2)",
    "   [8] Untested – new or innovative (9)",
    "Filter by focus",
    "   [9] Prevention (7)",
    "   [10] Diversion (3)",
    "   [11] Reoffending (1)",
    "   [12] Organisational (3)",
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
    """Under the cards and More results come both lists with counts, numbered on from the
    buttons."""
    [out] = session.push("crime")
    assert out.splitlines()[-9:] == FILTER_LINES


def test_filter_menu_offers_only_values_present_with_counts(session):
    """ "burglary" (3 matches) offers only the ratings and focuses they have, each counted."""
    [out] = session.push("burglary")
    assert out.splitlines()[0] == "3 practices for “burglary”."
    assert out.splitlines()[-6:] == [
        "Filter by effectiveness",
        "   [4] Promising (1)",
        "   [5] Untested – new or innovative (2)",
        "Filter by focus",
        "   [6] Prevention (2)",
        "   [7] Reoffending (1)",
    ]


def test_filter_menu_counts_ignore_restricted_practices(session):
    """At a public console the restricted promising PB900 (in the bank) is neither listed nor
    counted for "knife": no rating would narrow the two untested matches left."""
    [out] = session.push("knife")
    assert "PB900" not in out
    assert "Promising" not in out
    assert out.splitlines()[-2:] == ["Filter by focus", "   [3] Diversion (1)"]


def test_pressing_an_option_number_shows_the_filtered_list(session, texts):
    """Typing 8 (Untested, 9) re-runs the search with that filter and records it."""
    session.push("crime")
    [out] = session.push("8")
    assert out.splitlines()[0] == ("9 practices for “crime rating:untested” (showing 1–5 of 9).")
    assert out.splitlines()[-6:] == [
        "   [6] More results",
        "Filter by focus",
        "   [7] Prevention (5)",
        "   [8] Diversion (2)",
        "   [9] Reoffending (1)",
        "   [10] Organisational (3)",
    ]
    assert texts() == ["crime", "crime rating:untested"]


def test_typing_an_option_label_presses_it(session, texts):
    """Typing "diversion" (shown as `Diversion (2)`) adds that focus, as its number would."""
    session.push("crime")
    session.push("8")
    [out] = session.push("diversion")
    assert out.splitlines()[0] == ("2 practices for “crime rating:untested focus:diversion”.")
    assert texts()[-1] == "crime rating:untested focus:diversion"


@pytest.mark.parametrize(
    "line",
    ["13", "[0]", "٩", "9\x1b[31m", "🔪 9", "\u202e9", "9; DROP TABLE searches", "<!channel> 9"],
    ids=["beyond", "zero", "arabic-digit", "escape", "emoji", "rtl", "sql", "mention"],
)
def test_hostile_lines_never_press_a_filter_option(session, texts, line):
    """Only a plain number or an exact label presses an option; anything else adds no filter."""
    session.push("crime")
    session.push(line)
    assert not any("rating:" in text or "focus:" in text for text in texts())
