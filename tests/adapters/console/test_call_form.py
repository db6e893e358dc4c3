"""Opening a call for practice at the terminal: a refused date asks only the date again."""

from __future__ import annotations

from adapters.console.app import ConsoleSession
from tests.bot.moderation.helpers import MOIRA, make_world


def test_a_refused_closing_date_asks_only_the_date_and_keeps_the_rest():
    """`call open` form: a past date is refused, only it is asked again, the call opens."""
    world = make_world()
    session = ConsoleSession(world.bank, MOIRA)
    (_intro, first) = session.push("call open")
    assert first == "(1/3) Theme (required):"
    session.push("Retail crime")
    (date_asked,) = session.push("Practices that cut shop theft")
    assert date_asked == "(3/3) Closing date (e.g. 2025-04-30) (required):"
    refused = session.push("2020-01-01")
    assert refused[-2:] == [
        "Open a call for practice (1 question; an empty line keeps the value in [brackets], "
        "`/cancel` leaves the form)",
        "(1/1) Closing date (e.g. 2025-04-30) (required) [2020-01-01]:",
    ]
    assert "The closing date 1 Jan 2020 has already passed." in refused[0]
    (opened, *_) = session.push("30/04/2025")
    assert opened.startswith("Call 1 is open: “Retail crime”, until 30 Apr 2025 (inclusive).")
    with world.uows() as uow:
        [call] = uow.calls.list_for(MOIRA.workspace)
    assert call.wanted == "Practices that cut shop theft"


def test_a_typed_call_with_a_bad_date_asks_only_the_date_at_the_terminal():
    """`call open a | b | someday` keeps the theme and wanted text and asks the date."""
    world = make_world()
    session = ConsoleSession(world.bank, MOIRA)
    refused = session.push("call open Retail crime | Cut shop theft | someday")
    assert refused[-1] == "(1/1) Closing date (e.g. 2025-04-30) (required) [someday]:"
    (opened, *_) = session.push("2025-05-31")
    assert opened.startswith("Call 1 is open: “Retail crime”, until 31 May 2025")
