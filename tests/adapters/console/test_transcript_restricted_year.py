"""Issue 11's acceptance transcript: a restricted practice through a whole year, in minutes.

Alice shares a police-only practice from a workspace that is not police-only; Mo approves it;
both terminals restart `--as-of` a year later (a `ClockFrom` over a frozen real clock, so no
timer runs), the start-up sweep sends the follow-up, Alice updates, Mo sees old → new and
approves, version 2 is published and Alice can still `show` it. Bob, in the same workspace,
never learns it exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from adapters.console.app import ConsoleSession
from adapters.console.delivery import ConsoleDelivery
from bot.core import PracticeBank
from bot.followup.service import sweep_reminders
from bot.kernel.actions import UpdatePractice, encode_share
from bot.kernel.events import Actor, Click
from bot.kernel.replies import bold, text
from practicebank.bootstrap import (
    ClockFrom,
    configure_console_workspace,
    load_demo_bank_if_empty,
)
from store.engine import make_engine
from store.migrate import upgrade
from store.repositories import SqlUnitOfWorkFactory
from tests.support.memory import FixedClock

TODAY = date(2025, 3, 3)
A_YEAR_LATER = date(2026, 3, 3)
TITLE = "Covert tactics for county lines disruption"
SUMMARY = "Plain-clothes patrols at stations used by county lines runners."
NEW_SUMMARY = "Plain-clothes patrols at stations and coach stops used by county lines runners."
NO_SUCH_PRACTICE = (
    "No practice PB064 in the bank. Check the reference, or search by words, for example\n"
    "knife crime diversion."
)


@dataclass
class Terminal:
    """One `practicebank chat --as-of DAY` process: its own engine, clock, core and session."""

    engine: Engine
    uows: SqlUnitOfWorkFactory
    bank: PracticeBank
    clock: ClockFrom
    session: ConsoleSession

    def say(self, line: str) -> str:
        """Type a line; return everything the terminal printed for it, blank-line separated."""
        self.session.push(line)
        return "\n\n".join(self.session.pop_all())


class World:
    """The shared database; terminals start on it `--as-of` a given day."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        # The real time each `--as-of` clock adds its passing to: frozen, so nothing waits.
        self.real = FixedClock(datetime(2024, 11, 20, 8, 0, tzinfo=UTC))
        self.terminals: list[Terminal] = []

    def start(self, user: str, as_of: date, *, moderator: bool = False) -> Terminal:
        """What `practicebank chat --user USER --as-of DAY [--moderator]` builds."""
        engine = make_engine(self.database_url)
        upgrade(engine)
        clock = ClockFrom(as_of, real=self.real)
        uows = SqlUnitOfWorkFactory(engine, clock=clock)
        load_demo_bank_if_empty(uows)
        configure_console_workspace(uows, user, moderator=moderator, police_only=False)
        bank = PracticeBank(uows, clock)
        actor = Actor("console", "local", user, user)
        session = ConsoleSession(bank, actor, delivery=ConsoleDelivery(uows, clock))
        terminal = Terminal(engine, uows, bank, clock, session)
        self.terminals.append(terminal)
        return terminal

    def sweep_at_start_up(self, terminal: Terminal) -> int:
        """The follow-up sweep `chat` runs as it starts (here in the test's own thread)."""
        return sweep_reminders(terminal.uows, terminal.clock, terminal.bank.settings)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    world = World(database_url)
    yield world
    for terminal in world.terminals:
        terminal.engine.dispose()


def _share_restricted(alice: Terminal, police_only: str = "Yes") -> None:
    """Alice answers every question, marking the practice police only (unless told "No")."""
    alice.say("share")
    alice.say(TITLE)
    alice.say(SUMMARY)
    alice.say("Runners were moving drugs through two stations unseen.")
    alice.say("Officers in plain clothes patrolled the stations on market days.")
    alice.say("prevention")
    alice.say("Done")
    alice.say("Promising")
    alice.say("skip")
    alice.say("Keep the patrol days unpredictable.")
    alice.say("Northshire Police")
    alice.say("Sam Patel")
    alice.say("sam.patel@northshire.police.uk")
    for _ in range(9):  # topics, region, partners, target group, stage, dates, cost, links
        alice.say("skip")
    review = alice.say(police_only)
    restricted = "Marked police only: restricted to police workspaces." in review
    assert restricted is (police_only == "Yes")
    assert alice.say("submit").startswith("Thanks — S-0001 is with the moderators.")


def _approve_keeping_everything(mo: Terminal) -> str:
    """Mo presses Approve on the card and keeps every pre-filled value."""
    assert "(1/5) Effectiveness (required, pick one)" in mo.say("Approve")
    for _ in range(4):
        mo.say("")
    return mo.say("")


def test_restricted_practice_through_a_year_with_as_of(world: World) -> None:
    """Alice's police-only practice: shared, approved, reminded a year on, updated, still hers."""
    mo = world.start("mo", TODAY, moderator=True)
    alice = world.start("alice", TODAY)
    bob = world.start("bob", TODAY)

    _share_restricted(alice)
    card = mo.say("")
    assert "Marked police only by the contributor (restricted)." in card
    assert _approve_keeping_everything(mo).startswith(
        "Approved S-0001: published as PB064 (Promising). The contributor was told."
    )
    assert mo.say("show PB064").startswith(f"PB064 · {TITLE}\n")
    assert alice.say("").startswith("── message for you ──\nYour practice")
    assert alice.say("show PB064").startswith(f"PB064 · {TITLE}\n")
    assert bob.say("show PB064") == NO_SUCH_PRACTICE

    # --- a year later: both restart `--as-of 2026-03-03`; the start-up sweep sends the reminder
    for terminal in (mo, alice):
        terminal.engine.dispose()
    mo = world.start("mo", A_YEAR_LATER, moderator=True)
    alice = world.start("alice", A_YEAR_LATER)
    assert world.sweep_at_start_up(alice) == 1
    reminder = alice.say("")
    assert reminder.startswith(
        f"── message for you ──\n12 months ago you shared PB064 “{TITLE}” with the\n"
    )
    assert reminder.endswith("   [1] No changes  [2] Update  [3] Retire")

    update = alice.say("Update")
    assert update.startswith(f"Let's update PB064 “{TITLE}”.")
    alice.say("edit summary")
    assert f"   {NEW_SUMMARY}\n" in alice.say(NEW_SUMMARY)
    assert alice.say("submit").startswith("Thanks — S-0002 is with the moderators.")

    # --- Mo sees what changes, and who proposes it ---
    card = mo.say("")
    assert card.startswith(
        "── moderation channel ──\nSubmission S-0002 from alice: an update of PB064, proposed"
    )
    assert "by its original contributor." in card
    assert "Changes to PB064 (old → new):\n• Summary: Plain-clothes patrols at stations" in card
    assert "coach stops used by county lines runners." in card
    assert "• Title:" not in card
    assert _approve_keeping_everything(mo).startswith(
        "Approved S-0002: published as PB064 version 2 (Promising). The contributor was told."
    )

    assert alice.say("").startswith("── message for you ──\nYour update of PB064")
    shown = alice.say("show PB064").splitlines()
    assert shown[0] == f"PB064 · {TITLE}"
    assert "   Version: 2" in shown
    assert shown[-1] == "   Visibility: restricted: police only"
    assert world.start("bob", A_YEAR_LATER).say("show PB064") == NO_SUCH_PRACTICE


def _published_and_reminded(world: World) -> tuple[Terminal, Terminal]:
    """Alice's restricted PB064, approved today; both restarted a year later, reminder sent."""
    mo = world.start("mo", TODAY, moderator=True)
    alice = world.start("alice", TODAY)
    _share_restricted(alice)
    mo.say("")
    _approve_keeping_everything(mo)
    alice.say("")
    mo = world.start("mo", A_YEAR_LATER, moderator=True)
    alice = world.start("alice", A_YEAR_LATER)
    assert world.sweep_at_start_up(alice) == 1
    alice.say("")
    return mo, alice


def test_moderator_can_show_a_restricted_practice_from_its_retirement_request(
    world: World,
) -> None:
    """*Show PB064* on Alice's retirement request shows the practice to the moderator."""
    mo, alice = _published_and_reminded(world)
    assert alice.say("Retire").startswith("I asked the moderators to confirm retiring PB064.")
    request = mo.say("")
    assert request.endswith("   [1] Confirm retiring PB064  [2] Keep it  [3] Show PB064")
    assert mo.say("Show PB064").startswith(f"PB064 · {TITLE}\n")


def test_update_that_cannot_start_leaves_the_follow_up_open(world: World) -> None:
    """With another draft open, *Update* offers that draft first; the reminder still answers."""
    _, alice = _published_and_reminded(world)
    reminder_buttons = alice.session.buttons
    alice.say("share")  # a new draft: the next Update must wait for it
    alice.say("Something else entirely")
    alice.session.buttons = reminder_buttons  # press Update on the reminder printed earlier
    offered = alice.say("Update")
    assert "One draft at a time: finish or discard this one, then press Update PB064" in offered
    with alice.uows() as uow:
        [reminder, *_] = uow.reminders.for_practice("PB064")
    assert reminder.state.value == "sent"


def test_original_contributor_is_told_when_someone_elses_update_is_published(
    world: World,
) -> None:
    """Bob's update of Alice's PB064 says so on the card, and Alice hears it was published."""
    mo = world.start("mo", TODAY, moderator=True)
    alice = world.start("alice", TODAY)
    bob = world.start("bob", TODAY)
    _share_restricted(alice, police_only="No")
    mo.say("")
    _approve_keeping_everything(mo)
    alice.say("")
    bob.session.push("")  # bob's terminal: press the update button a card would carry
    [started] = bob.bank.handle(
        Click(bob.session.actor, bob.session.place, encode_share(UpdatePractice("PB064")))
    )
    assert started.blocks[0] == text(
        bold("Updating PB064"),
        ": I've filled in what the bank holds. Change what is out of date, then submit.",
    )
    bob.say("edit summary")
    bob.say(NEW_SUMMARY)
    assert bob.say("submit").startswith("Thanks — S-0002 is with the moderators.")
    card = mo.say("")
    assert card.replace("\n", " ").startswith(
        "── moderation channel ── Submission S-0002 from bob: an update of PB064, proposed by "
        "someone other than its original contributor. Changes to PB064 (old → new): • Summary:"
    )
    _approve_keeping_everything(mo)
    told = alice.say("")
    assert told.replace("\n", " ").startswith(
        f"── message for you ── bob proposed an update of PB064 “{TITLE}”, which you shared, "
        "and the moderators published it as version 2."
    )
    assert not bob.say("").startswith("── message for you ──\nbob proposed")


def test_help_lists_moderator_commands_only_for_moderators(world: World) -> None:
    """A moderator's `help` names queue, stats and calls; a contributor's does not; both `quit`."""
    mo = world.start("mo", TODAY, moderator=True)
    alice = world.start("alice", TODAY)
    for_mo = mo.say("help").replace("\n", " ")
    for_alice = alice.say("help").replace("\n", " ")
    assert "Moderators: queue lists the submissions waiting for a decision; stats" in for_mo
    assert "Moderators:" not in for_alice
    for shown in (for_mo, for_alice):
        assert "or type share form to fill it in as one form; calls lists" in shown
        assert "Leave: type quit." in shown
