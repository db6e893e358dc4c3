"""Two moderators approving the same submission at the same moment, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from bot.core import PracticeBank
from bot.kernel.events import FormSubmit
from bot.kernel.records import Submission, SubmissionState
from tests.bot.moderation.helpers import ANSWERS, MOIRA, NOW, PLACE, RAJ, WORKSPACE
from tests.support.bank import ALICE, fill_bank
from tests.support.memory import FixedClock


def test_simultaneous_approvals_publish_once(uow_factory):
    """Exactly one review, one publication, one reminder and one pair of notifications."""
    fill_bank(uow_factory, restricted=False)
    with uow_factory() as uow:
        uow.workspaces.save(WORKSPACE)
        uow.submissions.add(
            Submission(
                0, ALICE.key, "Alice", "slack", "T-PUBLIC", SubmissionState.SUBMITTED, ANSWERS
            )
        )
        uow.commit()
    bank = PracticeBank(uow_factory, FixedClock(NOW))
    start = threading.Barrier(2)
    replies = {}

    def approve(actor):
        start.wait()
        values = {"effectiveness": "worked", "focus": "prevention"}
        replies[actor.user_id] = bank.handle(FormSubmit(actor, PLACE, "mod:approve:1", values))

    threads = [threading.Thread(target=approve, args=(actor,)) for actor in (MOIRA, RAJ)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = {"U-MOIRA": "Moira", "U-RAJ": "Raj"}
    winners = [u for u, r in replies.items() if r[0].plain.startswith("Approved S-0001")]
    assert len(winners) == 1
    [loser] = [u for u in replies if u not in winners]
    assert replies[loser][0].plain == (
        f"Already decided by {names[winners[0]]} at 1 Mar 2025 09:30 UTC (approved): S-0001 is "
        "not waiting for a decision any more."
    )
    with uow_factory() as uow:
        assert len(uow.reviews.for_submission(1)) == 1
        assert uow.practices.count() == 64
        assert len(uow.reminders.for_practice("PB064")) == 1
        assert len(uow.outbox.all()) == 2
        assert uow.submissions.get(WORKSPACE.workspace, 1).state is SubmissionState.PUBLISHED
