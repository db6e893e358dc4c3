"""Issue 3's acceptance transcript: share, restart, moderate, revise, publish, remind, update.

Two terminals on one database, as `practicebank chat --user alice` and `practicebank chat --user mo
--moderator` would run them: each has its own engine, core and console session, and sees only its
own mail from the outbox. The clock is a settable fixed clock shared by the store and the core;
the 12-month sweep runs on a real APScheduler job.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from adapters.console.app import ConsoleSession
from adapters.console.delivery import ConsoleDelivery
from bot.core import PracticeBank
from bot.kernel.events import Actor
from practicebank.bootstrap import configure_console_workspace, load_demo_bank_if_empty
from practicebank.scheduler import core_sweeps, start_scheduler
from store.engine import make_engine
from store.migrate import upgrade
from store.repositories import SqlUnitOfWorkFactory
from tests.support.memory import FixedClock

START = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
TWELVE_MONTHS_ON = START + timedelta(days=365, minutes=1)

TITLE = "Street triage for mental health calls"
SUMMARY = "Officers and mental health nurses attend crisis calls together."
NEW_SUMMARY = "Officers and nurses attend crisis calls together; now run all week."
EMAIL_QUESTION = "And their email address?  (11/21)\n   [1] Back  [2] Cancel"
CARD_BUTTONS = "   [1] Approve  [2] Request changes  [3] Reject"
NOTE = "Please say how you evaluated it."


@dataclass
class Terminal:
    """One `practicebank chat` process: its own engine, core and console session."""

    engine: Engine
    bank: PracticeBank
    session: ConsoleSession

    def say(self, line: str) -> str:
        """Type a line; return everything the terminal printed for it, blank-line separated."""
        self.session.push(line)
        return "\n\n".join(self.session.pop_all())

    def close(self) -> None:
        self.engine.dispose()


class World:
    """The shared database and clock, and a way to start (and restart) terminals on them."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.clock = FixedClock(START)
        self.terminals: list[Terminal] = []

    def uow_factory(self, engine: Engine) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(engine, clock=self.clock)

    def start(self, user: str, *, moderator: bool = False) -> Terminal:
        """What `practicebank chat --user USER [--moderator]` does before its first prompt."""
        engine = make_engine(self.database_url)
        upgrade(engine)
        uows = self.uow_factory(engine)
        load_demo_bank_if_empty(uows)
        configure_console_workspace(uows, user, moderator=moderator, police_only=False)
        bank = PracticeBank(uows, self.clock)
        actor = Actor("console", "local", user, user)
        session = ConsoleSession(bank, actor, delivery=ConsoleDelivery(uows, self.clock))
        terminal = Terminal(engine, bank, session)
        self.terminals.append(terminal)
        return terminal

    def sweep_in_the_background(self, terminal: Terminal) -> list[JobExecutionEvent]:
        """Start the terminal's scheduler, wait (bounded) for its start-up sweep, stop it."""
        ran = threading.Event()
        runs: list[JobExecutionEvent] = []

        def listen(event: JobExecutionEvent) -> None:
            runs.append(event)
            ran.set()

        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        uows = self.uow_factory(terminal.engine)
        start_scheduler(
            core_sweeps(uows, self.clock, terminal.bank.settings),
            every_seconds=3600,
            scheduler=scheduler,
        )
        try:
            assert ran.wait(timeout=10), "the start-up sweep did not run"
        finally:
            scheduler.shutdown(wait=True)
        return runs


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    world = World(database_url)
    yield world
    for terminal in world.terminals:
        terminal.close()


def test_share_moderate_publish_remind_update(world: World) -> None:
    """A contributor shares, survives a restart, revises on request, and updates after 12 months."""
    mo = world.start("mo", moderator=True)
    alice = world.start("alice")

    # --- alice shares a practice: back, a restart, skip, an invalid email, edit from review ---
    assert alice.say("share").endswith(
        "What is the practice called? A short title, as you would like it listed.  (1/21)\n"
        "   [2] Back  [3] Cancel"
    )
    alice.say("Street Triage")
    assert alice.say("back") == (
        "What is the practice called? A short title, as you would like it listed.  (1/21)\n"
        "Current answer: Street Triage\n"
        "Type keep to keep it, or type a new answer.\n"
        "   [1] Back  [2] Cancel"
    )
    assert alice.say(TITLE).startswith("Sum it up in a sentence or two")
    assert alice.say(SUMMARY).startswith(
        "What problem did it tackle, and what did it aim to achieve?  (3/21)"
    )

    # The process is restarted: a new engine, core and session over the same database. The
    # next line is simply the next answer (a restart is no pause).
    alice.close()
    alice = world.start("alice")
    alice.say("People in crisis were detained under s136 when care would have served them better.")
    alice.say("A nurse rode with response officers on evening shifts for a year.")
    assert "Picked so far: Prevention." in alice.say("☐ Prevention")
    assert alice.say("Done").startswith("As you see it, did it work?  (6/21)")
    assert alice.say("Promising").startswith("How was it evaluated")
    assert alice.say("skip").startswith("What should others know before trying it?")
    alice.say("Agree the nurse rota with the health trust early.")
    alice.say("Northshire Police")
    assert alice.say("Sam Patel") == EMAIL_QUESTION
    assert alice.say("sam.patel@@example") == (
        "That doesn't look like an email address. Please give one such as name@force.police.uk.\n"
        + EMAIL_QUESTION
    )
    assert alice.say("sam.patel@northshire.police.uk").startswith(
        "Which crime or harm areas does it concern?  (12/21)"
    )
    for _ in range(9):  # topics, region, partners, target group, stage, dates, cost, links
        alice.say("skip")
    review = alice.say("No")
    assert review.startswith(
        "Please check your practice before it goes to the moderators:\n"
        f"S-0001 · {TITLE}\n"
        f"   {SUMMARY}\n"
        "   Effectiveness: Promising\n"
        "   Focus: Prevention\n"
        "   Organisation: Northshire Police\n"
        "   Aim: "
    )
    assert "Region:" not in review
    assert alice.say("edit region").startswith("Which area or region did it cover?  (13/21)")
    assert "   Region: Northshire\n" in alice.say("Northshire")
    assert alice.say("submit") == (
        "Thanks — S-0001 is with the moderators.\nI'll tell you here when they have looked at it."
    )
    assert alice.say("") == ""  # the moderation card is not alice's to see

    # --- mo requests changes with a note ---
    card = mo.say("")
    assert card.startswith(
        f"── moderation channel ──\nSubmission S-0001 from alice.\nS-0001 · {TITLE}\n"
    )
    assert card.endswith(CARD_BUTTONS)
    assert mo.say("Request changes") == (
        f"S-0001: “{TITLE}”\n\n"
        "Request changes S-0001 (1 question; an empty line keeps the value in [brackets], "
        "`/cancel` leaves the form)\n\n"
        "(1/1) What should the contributor change? (required):"
    )
    assert mo.say("").startswith("What should the contributor change? is required")
    decided = mo.say(NOTE)
    assert decided.startswith(
        "Changes requested on S-0001. The contributor was sent your note.\n\n"
        "── moderation channel (updated) ──\n"
    )
    assert decided.endswith(f"Note: {NOTE}")

    # --- alice gets the note, revises and resubmits ---
    assert alice.say("") == (
        "── message for you ──\n"
        "The moderators asked for changes to your submission S-0001 “Street triage for mental\n"
        f"health calls”:\n{NOTE}\n"
        "Revise it and submit it again; it keeps its place.\n"
        "   [1] Revise"
    )
    assert alice.say("Revise").startswith(f"Revising S-0001.\nThe moderators asked: {NOTE}\n")
    alice.say("edit evaluation")
    revised = alice.say("Repeat s136 detentions fell by a third against the year before.")
    assert "   Evaluation: Repeat s136 detentions fell by a third against the year before.\n" in (
        revised
    )
    assert alice.say("submit").startswith("Thanks — S-0001 is with the moderators.")

    # --- mo approves with a rating ---
    assert "   Evaluation: Repeat s136 detentions" in mo.say("")
    approve = mo.say("Approve")
    assert approve.endswith(
        "(1/5) Effectiveness (required, pick one) [Promising]:\n"
        "   [1] Worked\n"
        "   [2] Promising\n"
        "   [3] Untested – new or innovative\n"
        "   [4] Didn't work"
    )
    assert mo.say("worked").startswith(
        "(2/5) Focus (required, one or more, e.g. 1,3) [Prevention]:"
    )
    mo.say("")  # focus: keep Prevention
    mo.say("")  # topics
    mo.say("")  # linked to
    published = mo.say("")  # no note
    assert published.startswith(
        "Approved S-0001: published as PB064 (Worked). The contributor was told."
    )

    # --- alice is told; search finds the new ref ---
    told = alice.say("")
    assert told.startswith(
        "── message for you ──\n"
        f"Your practice “{TITLE}” was approved and is now in the\nbank as PB064.\n"
    )
    found = alice.say("street triage mental health")
    assert found.splitlines()[1:3] == [
        f"1. PB064 · {TITLE}",
        "   Worked · Prevention · Northshire Police",
    ]

    # --- twelve months on, the sweep sends the follow-up ---
    world.clock.at = TWELVE_MONTHS_ON
    [run] = world.sweep_in_the_background(alice)
    assert run.exception is None
    assert [outcome.ok for outcome in run.retval] == [True, True, True]
    reminder = alice.say("")
    assert reminder.startswith(
        f"── message for you ──\n12 months ago you shared PB064 “{TITLE}” with the practice\n"
    )
    assert reminder.endswith("   [1] No changes  [2] Update  [3] Retire")

    # --- Update: change a field, submit; mo approves; version 2 ---
    update = alice.say("Update")
    assert update.startswith(f"Let's update PB064 “{TITLE}”.")
    assert alice.say("edit summary").splitlines()[2] == f"Current answer: {SUMMARY}"
    assert f"   {NEW_SUMMARY}\n" in alice.say(NEW_SUMMARY)
    assert alice.say("submit").startswith("Thanks — S-0002 is with the moderators.")
    assert mo.say("").startswith(
        "── moderation channel ──\nSubmission S-0002 from alice: an update of PB064, proposed by "
        "its original contributor.\n"
    )
    assert "(1/5) Effectiveness (required, pick one) [Worked]:" in mo.say("Approve")
    for _ in range(4):
        mo.say("")
    assert mo.say("").startswith(
        "Approved S-0002: published as PB064 version 2 (Worked). The contributor was told."
    )
    assert alice.say("").startswith("── message for you ──\nYour update of PB064")

    shown = alice.say("show PB064").splitlines()
    assert shown[:3] == [f"PB064 · {TITLE}", f"   {NEW_SUMMARY}", "   Effectiveness: Worked"]
    assert shown[-1] == "   Version: 2"
    with world.uow_factory(alice.engine)() as uow:
        [first_version] = uow.practices.history("PB064")
    assert (first_version.version, first_version.summary) == (1, SUMMARY)
