"""Sharing over the SQL store (SQLite, and PostgreSQL when configured): drafts survive restarts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import PracticeBank
from bot.kernel.events import Click, Text
from bot.kernel.ports import WorkspaceSettings
from bot.kernel.records import Audience, SubmissionState
from bot.sharing import sweep_stale_drafts
from tests.support.bank import ALICE, ALICE_PLACE, button_ids, fill_bank
from tests.support.memory import FixedClock

TYPED = {
    "title": "Doorstep letters against repeat burglary",
    "summary": "Letters to the neighbours of burgled homes within two days.",
    "aim": "Repeat burglary on two estates.",
    "description": "PCSOs delivered letters with crime prevention advice.",
    "focus": "prevention",
    "effectiveness": "worked",
    "evaluation": "Repeat burglary fell by a third against matched estates.",
    "learning": "Deliver quickly.",
    "organisation": "Example Police",
    "contact_name": "Pat Lee",
    "contact_email": "pat.lee@example.police.uk",
    "visibility": "no",
}


@pytest.fixture
def world(uow_factory):
    fill_bank(uow_factory, restricted=False)
    with uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("slack", "T-PUBLIC", moderation_channel="C-MOD"))
        uow.commit()
    clock = FixedClock()
    return PracticeBank(uow_factory, clock), uow_factory, clock


def say(bank, line):
    return bank.handle(Text(ALICE, ALICE_PLACE, line))[0]


def current_step(uows):
    with uows() as uow:
        found = uow.conversations.get(ALICE.key)
        return found.step if found else None


@pytest.mark.postgres
def test_restart_resumes_and_submits_over_sql(world):
    """A draft saved in SQL is offered after a restart and a pause, resumed and submitted."""
    bank, uows, clock = world
    say(bank, "share")
    say(bank, TYPED["title"])
    restarted = PracticeBank(uows, clock)
    clock.at += timedelta(hours=2)
    offered = restarted.handle(Text(ALICE, ALICE_PLACE, "hello"))[-1]
    assert button_ids(offered) == ["share:resume", "share:discard"]
    resumed = restarted.handle(Click(ALICE, ALICE_PLACE, "share:resume"))[0]
    assert resumed.plain.splitlines()[1].startswith("Sum it up in a sentence or two")
    while current_step(uows) != "review":
        say(restarted, TYPED.get(current_step(uows), "skip"))
    assert say(restarted, "submit").plain.startswith("Thanks — S-0001 is with the moderators.")
    with uows() as uow:
        stored = uow.submissions.get(ALICE.workspace, 1)
        notes = uow.outbox.all()
        assert uow.conversations.get(ALICE.key) is None
    assert stored.state is SubmissionState.SUBMITTED
    assert stored.answers["focus"] == ["prevention"]
    assert [(n.audience, n.recipient, n.key) for n in notes] == [
        (Audience.CHANNEL, "C-MOD", "submission:1")
    ]
    assert button_ids(notes[0].reply) == ["mod:approve:1", "mod:changes:1", "mod:reject:1"]


@pytest.mark.postgres
def test_stale_draft_sweep_over_sql(world):
    """The warning keeps the idle time; the draft is discarded at 30 days."""
    bank, uows, clock = world
    say(bank, "share")
    say(bank, TYPED["title"])
    for days in (24, 26):
        with uows() as uow:
            sweep_stale_drafts(uow, clock.at + timedelta(days=days))
            uow.commit()
    with uows() as uow:
        sweep_stale_drafts(uow, clock.at + timedelta(days=31))
        uow.commit()
    with uows() as uow:
        assert [n.key for n in uow.outbox.all()] == ["draft:1", "draft:1"]
        assert uow.submissions.get(ALICE.workspace, 1).state is SubmissionState.WITHDRAWN
        assert uow.conversations.get(ALICE.key) is None
