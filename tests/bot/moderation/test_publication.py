"""Publication: refs, versions of updates, the follow-up it books, and what search sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.kernel.records import Reminder, ReminderState
from bot.kernel.settings import CoreSettings
from tests.bot.moderation.helpers import (
    ANSWERS,
    MOIRA,
    add_submission,
    make_world,
    say,
    send_form,
)
from tests.support.bank import ALICE, card_refs

APPROVE = {"effectiveness": "promising", "focus": "prevention"}


def practice(world, ref):
    with world.uows() as uow:
        return uow.practices.get(ref)


def reminders(world, ref):
    with world.uows() as uow:
        return uow.reminders.for_practice(ref)


def test_consecutive_approvals_take_consecutive_refs():
    """Two approvals publish PB064 then PB065."""
    world = make_world()
    first = add_submission(world)
    second = add_submission(world, {**ANSWERS, "title": "Shed alarms on allotments"})
    send_form(world, MOIRA, f"mod:approve:{first.id}", APPROVE)
    send_form(world, MOIRA, f"mod:approve:{second.id}", APPROVE)
    assert (practice(world, "PB064").title, practice(world, "PB065").title) == (
        "Bike marking at railway stations",
        "Shed alarms on allotments",
    )


def test_approved_update_is_the_next_version_of_the_same_ref():
    """An update of PB001 keeps the ref and its added date; the old version goes to history."""
    world = make_world()
    before = practice(world, "PB001")
    submission = add_submission(world, {**ANSWERS, "title": "Renamed"}, target_ref="PB001")
    reply = send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    assert reply.plain == (
        "Approved S-0001: published as PB001 version 2 (Promising). The contributor was told."
    )
    after = practice(world, "PB001")
    assert (after.title, after.version, after.added_at) == ("Renamed", 2, before.added_at)
    assert after.updated_at == world.clock.now()
    with world.uows() as uow:
        assert [p.title for p in uow.practices.history("PB001")] == [before.title]
        assert uow.practices.count() == 63


def test_update_of_unknown_practice_is_published_as_new():
    """An update whose target vanished is published under the next free ref."""
    world = make_world()
    submission = add_submission(world, target_ref="PB777")
    reply = send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    assert reply.plain.startswith("Approved S-0001: published as PB064 ")


def test_publication_books_a_reminder_a_year_on():
    """Publishing books one pending reminder for the contributor, 365 days later by default."""
    world = make_world()
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    [reminder] = reminders(world, "PB064")
    assert reminder == Reminder(
        id=reminder.id,
        practice_ref="PB064",
        contributor_key=ALICE.key,
        platform="slack",
        workspace_id="T-PUBLIC",
        due_at=world.clock.now() + timedelta(days=365),
    )


def test_reminder_interval_comes_from_the_core_settings():
    """A configured interval replaces the year."""
    world = make_world(CoreSettings(reminder_interval=timedelta(days=30)))
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    [reminder] = reminders(world, "PB064")
    assert reminder.due_at == world.clock.now() + timedelta(days=30)


def test_published_update_replaces_the_waiting_reminder():
    """A new version cancels the practice's open reminder and books a fresh one."""
    world = make_world()
    with world.uows() as uow:
        old = uow.reminders.add(
            Reminder(0, "PB001", ALICE.key, "slack", "T-PUBLIC", world.clock.now())
        )
        uow.reminders.transition(
            replace(old, state=ReminderState.SENT, sent_at=world.clock.now()),
            ReminderState.PENDING,
            world.clock.now(),
        )
        uow.commit()
    submission = add_submission(world, target_ref="PB001")
    send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    assert [(r.state, r.due_at) for r in reminders(world, "PB001")] == [
        (ReminderState.CANCELLED, world.clock.now()),
        (ReminderState.PENDING, world.clock.now() + timedelta(days=365)),
    ]


def test_published_practice_is_found_and_rejected_one_is_not():
    """Search finds the approved practice at once and never the rejected one."""
    world = make_world()
    approved = add_submission(world)
    rejected = add_submission(world, {**ANSWERS, "title": "Zebra crossing wardens"})
    send_form(world, MOIRA, f"mod:approve:{approved.id}", APPROVE)
    send_form(world, MOIRA, f"mod:reject:{rejected.id}", {"note": "Duplicate."})
    assert card_refs(say(world, ALICE, "bike marking railway"))[0] == "PB064"
    assert "No practices found" in say(world, ALICE, "zebra crossing wardens").plain
