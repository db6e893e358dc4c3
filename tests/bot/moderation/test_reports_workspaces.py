"""Workspace separation in the moderators' reports, over every store: A's moderators see only A.

Two Slack teams share one bank and one database: T-PUBLIC (Moira moderates) and T-OTHER (Olga
moderates). Each one's `queue`, `stats` and unmet searches hold its own submissions and searches.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core import PracticeBank
from bot.kernel.events import Actor, Click, Command, Place, Text
from bot.kernel.ports import UnitOfWorkFactory
from bot.kernel.records import Submission, SubmissionState
from tests.bot.moderation.helpers import ANSWERS, MOIRA, NOW, PLACE, WORKSPACE
from tests.support.bank import ALICE, ALICE_PLACE, fill_bank
from tests.support.memory import FixedClock

OLGA = Actor("slack", "T-OTHER", "U-OLGA", "Olga")
OLGA_PLACE = Place("slack", "T-OTHER", "C-MOD-OTHER")
DAN = Actor("slack", "T-OTHER", "U-DAN", "Dan")
DAN_PLACE = Place("slack", "T-OTHER", "C-GENERAL")
OTHER = replace(
    WORKSPACE, workspace_id="T-OTHER", moderation_channel="C-MOD-OTHER", moderator_ids=("U-OLGA",)
)


@pytest.fixture
def bank(any_uow_factory: UnitOfWorkFactory) -> PracticeBank:
    """A core over the store with both workspaces configured and a submission in each."""
    fill_bank(any_uow_factory, restricted=False)
    with any_uow_factory() as uow:
        uow.workspaces.save(WORKSPACE)
        uow.workspaces.save(OTHER)
        for who, title in ((ALICE, "Alice's lighting scheme"), (DAN, "Dan's secret scheme")):
            uow.submissions.add(
                Submission(
                    id=0,
                    contributor_key=who.key,
                    contributor_name=who.display_name,
                    platform=who.platform,
                    workspace_id=who.workspace_id,
                    state=SubmissionState.SUBMITTED,
                    answers={**ANSWERS, "title": title},
                    submitted_at=NOW,
                )
            )
        uow.commit()
    return PracticeBank(any_uow_factory, FixedClock(NOW))


def ask(bank: PracticeBank, actor: Actor, place: Place, line: str) -> str:
    [reply] = bank.handle(Command(actor, place, line.split()[0], " ".join(line.split()[1:])))
    return reply.plain


def test_a_moderators_queue_holds_only_their_workspaces_submissions(bank):
    """Moira's queue lists Alice's submission; Olga's lists Dan's; neither sees the other's."""
    moira = ask(bank, MOIRA, PLACE, "queue")
    olga = ask(bank, OLGA, OLGA_PLACE, "queue")

    assert "1 submission waiting" in moira
    assert "Alice's lighting scheme" in moira
    assert "Dan's secret scheme" not in moira
    assert "1 submission waiting" in olga
    assert "Dan's secret scheme" in olga
    assert "Alice's lighting scheme" not in olga


def test_stats_count_only_the_workspaces_submissions_and_unmet_searches(bank):
    """Moira's stats count one submitted and list T-PUBLIC's empty search, never T-OTHER's."""
    bank.handle(Text(ALICE, ALICE_PLACE, "zzqx widgets"))
    bank.handle(Text(DAN, DAN_PLACE, "qqvv nightjar gizmos"))

    moira = ask(bank, MOIRA, PLACE, "stats").splitlines()
    olga = ask(bank, OLGA, OLGA_PLACE, "stats").splitlines()

    assert moira[0].startswith("Submissions: draft 0, submitted 1, ")
    assert moira[4:] == ["“zzqx widgets” (1×): nothing found"]
    assert olga[4:] == ["“qqvv nightjar gizmos” (1×): nothing found"]


def test_a_moderator_of_another_workspace_cannot_open_a_submission_by_id(bank):
    """Olga forging an Open click for T-PUBLIC's S-0001 is told there is none in her workspace."""
    [reply] = bank.handle(Click(OLGA, OLGA_PLACE, "mod:open:1"))
    assert reply.plain.startswith("There is no submission S-0001 in this workspace.")
    assert "Alice's lighting scheme" not in repr(reply)
