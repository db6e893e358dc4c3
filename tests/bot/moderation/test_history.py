"""`history PB046`: moderators read every change to a practice, newest first, one line each."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core import PracticeBank
from bot.kernel.events import Actor, Command, Place
from bot.kernel.ports import WorkspaceSettings
from bot.kernel.records import PracticeChange, PracticeEventKind
from tests.support.bank import PC_BOB, PC_BOB_PLACE, RESTRICTED, fill_bank
from tests.support.memory import FixedClock

MOIRA = Actor("slack", "T-PUBLIC", "U-MOIRA", "Moira")
EVE = Actor("slack", "T-PUBLIC", "U-EVE", "Eve")
PLACE = Place("slack", "T-PUBLIC", "C-GENERAL")
MODERATED = WorkspaceSettings("slack", "T-PUBLIC", moderator_ids=("U-MOIRA",))


@pytest.fixture
def bank(any_uow_factory, store_clock):
    """The demo bank imported, PB001 then updated by Moira a day later, on every store."""
    fill_bank(any_uow_factory)
    store_clock.now_is(store_clock.now() + timedelta(days=1))
    with any_uow_factory() as uow:
        uow.workspaces.save(MODERATED)
        practice = uow.practices.get("PB001")
        uow.practices.upsert_many(
            [replace(practice, summary="A new summary.")],
            change=PracticeChange(PracticeEventKind.UPDATED, MOIRA.key, "Moira", "Looks good"),
        )
        uow.commit()
    return PracticeBank(any_uow_factory, FixedClock())


def ask(bank: PracticeBank, actor: Actor, line: str, place: Place = PLACE) -> str:
    [reply] = bank.handle(Command(actor, place, "practice", line))
    return reply.plain


def test_history_lists_changes_newest_first_with_time_who_what_and_version(bank):
    """A moderator sees the update above the import, each with its UTC time, who and version."""
    lines = ask(bank, MOIRA, "history PB001").splitlines()
    assert lines[0].startswith("History of PB001 “")
    assert lines[0].endswith(", version 2, newest first (times in UTC):")
    assert lines[1:] == [
        "15 Mar 2025 09:26 UTC · Moira · update published · version 2 · Looks good",
        "14 Mar 2025 09:26 UTC · import · added by import · version 1",
    ]


def test_history_takes_a_loosely_typed_ref(bank):
    """`history pb1` reads as PB001."""
    assert ask(bank, MOIRA, "history pb1") == ask(bank, MOIRA, "history PB001")


def test_non_moderators_get_the_polite_refusal(bank):
    """Someone who does not moderate is told only moderators can do that."""
    assert ask(bank, EVE, "history PB001").startswith(
        "Only this workspace's practice bank moderators can do that."
    )


def test_an_unknown_ref_gets_a_clear_answer(bank):
    """A ref the bank does not hold says so."""
    assert ask(bank, MOIRA, "history PB999") == "There is no practice PB999 in the bank."


def test_history_alone_asks_which_practice(bank):
    """`history` without a ref asks for one, with an example."""
    assert ask(bank, MOIRA, "history") == (
        "Which practice? Type `history` and its ref, for example `history PB046`."
    )


def test_restricted_history_reads_as_unknown_outside_police_only_workspaces(bank):
    """A moderator of an ordinary workspace cannot learn that a restricted practice exists."""
    assert ask(bank, MOIRA, f"history {RESTRICTED.ref}") == (
        f"There is no practice {RESTRICTED.ref} in the bank."
    )


def test_police_only_moderators_read_restricted_history(bank, any_uow_factory):
    """A moderator of a police-only workspace sees the restricted practice's history."""
    with any_uow_factory() as uow:
        uow.workspaces.save(
            WorkspaceSettings("slack", "T-POLICE", police_only=True, moderator_ids=("U-BOB",))
        )
        uow.commit()
    lines = ask(bank, PC_BOB, f"history {RESTRICTED.ref}", PC_BOB_PLACE).splitlines()
    assert lines[1:] == ["14 Mar 2025 09:26 UTC · import · added by import · version 1"]


def test_words_after_history_that_are_no_ref_are_a_search(bank):
    """`history of knife crime` searches, for anyone, rather than refusing."""
    reply = ask(bank, EVE, "history of knife crime")
    assert "moderators" not in reply
