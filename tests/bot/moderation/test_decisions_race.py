"""Two moderators deciding at the same moment: the compare-and-set lets exactly one win.

The in-memory units of work cannot interleave, so the storage fake here runs the rival decision
in the middle of the first one (just before its claim), as a second process would on a database.
"""

from __future__ import annotations

import pytest

from bot.kernel.events import FormSubmit
from bot.kernel.records import ReminderState, SubmissionState
from tests.bot.moderation.helpers import (
    MOIRA,
    PLACE,
    RAJ,
    add_submission,
    make_world,
    outbox,
    send_form,
)
from tests.support.memory import MemoryUnitOfWorkFactory


class RacingUnitOfWorkFactory(MemoryUnitOfWorkFactory):
    """Runs `rival` right before the next submission claim, then compares with what it stored."""

    rival = None

    def __call__(self):
        uow = super().__call__()
        claim = uow.submissions.save

        def save(submission, *, expected_revision):
            rival, type(self).rival = type(self).rival, None
            if rival is not None:
                rival()
                current = self.state.submissions.get(submission.id)
                if current is None or current.revision != expected_revision:
                    return None
            return claim(submission, expected_revision=expected_revision)

        uow.submissions.save = save
        return uow


@pytest.fixture
def world():
    RacingUnitOfWorkFactory.rival = None
    return make_world(factory=RacingUnitOfWorkFactory)


@pytest.mark.parametrize(
    ("form", "values"),
    [
        ("mod:approve:1", {"effectiveness": "worked", "focus": "prevention"}),
        ("mod:reject:1", {"note": "No."}),
    ],
)
def test_the_moderator_who_loses_the_claim_is_told_who_won(world, form, values):
    """Raj decides while Moira's decision is in flight: Moira is told Raj decided, and when."""
    submission = add_submission(world)
    RacingUnitOfWorkFactory.rival = lambda: world.bank.handle(
        FormSubmit(RAJ, PLACE, f"mod:changes:{submission.id}", {"note": "Add dates."})
    )
    reply = send_form(world, MOIRA, form, values)
    assert reply.plain == (
        "Already decided by Raj at 1 Mar 2025 09:30 UTC (changes requested): S-0001 is not "
        "waiting for a decision any more."
    )
    with world.uows() as uow:
        saved = uow.submissions.get(submission.workspace, submission.id)
        reviews = uow.reviews.for_submission(submission.id)
        practices = uow.practices.count()
        reminders = uow.reminders.due(list(ReminderState), saved.updated_at.replace(year=2100))
    assert saved.state is SubmissionState.CHANGES_REQUESTED
    assert [r.moderator_name for r in reviews] == ["Raj"]
    assert practices == 63
    assert reminders == []
    assert len(outbox(world)) == 2  # Raj's message to the contributor and his card update
