"""Reminders: round trips, which ones are due in each state, and the compare-and-set transition."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.events import Workspace
from bot.kernel.records import Reminder, ReminderState
from tests.conftest import STORE_NOW

T1 = Workspace("slack", "T1")

DUE = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def reminder(ref: str = "PB001", **changes: object) -> Reminder:
    base = Reminder(
        id=0,
        practice_ref=ref,
        contributor_key="slack:T1:U1",
        platform="slack",
        workspace_id="T1",
        due_at=DUE,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def add_all(uow_factory, *reminders: Reminder) -> list[Reminder]:
    """Store the reminders, and first their practices (a reminder must name one in the bank)."""
    with uow_factory() as uow:
        refs = {r.practice_ref.upper() for r in reminders}
        uow.practices.upsert_many(
            [Practice(ref, "A practice", "What it did.", Effectiveness.WORKED) for ref in refs]
        )
        stored = [uow.reminders.add(r) for r in reminders]
        uow.commit()
    return stored


def test_added_reminder_reads_back_with_its_id(any_uow_factory):
    """Every field of a reminder comes back as written, with ids from 1."""
    full = reminder(
        state=ReminderState.NUDGED,
        sent_at=DUE + timedelta(days=1),
        nudged_at=DUE + timedelta(days=15),
        answered_at=DUE + timedelta(days=20),
    )

    [stored] = add_all(any_uow_factory, full)

    assert stored == replace(full, id=1)
    with any_uow_factory() as uow:
        assert uow.reminders.get(T1, 1) == stored
        assert uow.reminders.get(T1, 2) is None
        assert uow.reminders.get(T1, 10**30) is None


def test_pending_reminders_fall_due_at_due_at(any_uow_factory):
    """A pending reminder is due once `before` reaches its due_at, not a microsecond earlier."""
    add_all(any_uow_factory, reminder())

    with any_uow_factory() as uow:
        early = uow.reminders.due([ReminderState.PENDING], DUE - timedelta(microseconds=1))
        on_time = uow.reminders.due([ReminderState.PENDING], DUE)

    assert early == []
    assert [r.id for r in on_time] == [1]


def test_sent_and_nudged_reminders_run_on_their_own_clocks(any_uow_factory):
    """Sent reminders are due by sent_at and nudged ones by nudged_at, whatever their due_at."""
    add_all(
        any_uow_factory,
        reminder("PB001", state=ReminderState.SENT, sent_at=DUE + timedelta(days=1)),
        reminder("PB002", state=ReminderState.NUDGED, nudged_at=DUE + timedelta(days=2)),
        reminder("PB003", state=ReminderState.PENDING, due_at=DUE + timedelta(days=3)),
    )
    cut_off = DUE + timedelta(days=1)

    with any_uow_factory() as uow:
        sent = uow.reminders.due([ReminderState.SENT], cut_off)
        nudged = uow.reminders.due([ReminderState.NUDGED], cut_off)
        later = uow.reminders.due([ReminderState.NUDGED], cut_off + timedelta(days=1))

    assert [r.practice_ref for r in sent] == ["PB001"]
    assert nudged == []
    assert [r.practice_ref for r in later] == ["PB002"]


def test_due_reminders_come_oldest_first_and_only_in_asked_states(any_uow_factory):
    """due() orders by the state's clock and skips answered and cancelled reminders."""
    add_all(
        any_uow_factory,
        reminder("PB001", due_at=DUE),
        reminder("PB002", due_at=DUE - timedelta(days=30)),
        reminder("PB003", due_at=DUE - timedelta(days=60), state=ReminderState.ANSWERED),
        reminder("PB004", due_at=DUE - timedelta(days=90), state=ReminderState.CANCELLED),
        reminder("PB005", due_at=DUE - timedelta(days=10)),
    )

    with any_uow_factory() as uow:
        found = uow.reminders.due([ReminderState.PENDING], DUE)

    assert [r.practice_ref for r in found] == ["PB002", "PB005", "PB001"]


def test_reminders_of_a_practice_match_its_ref_in_any_case(any_uow_factory):
    """for_practice lists one practice's reminders, oldest first."""
    add_all(any_uow_factory, reminder("PB001"), reminder("PB002"), reminder("PB001"))

    with any_uow_factory() as uow:
        assert [r.id for r in uow.reminders.for_practice("pb001")] == [1, 3]
        assert uow.reminders.for_practice("PB404") == []


def test_transition_from_the_stored_state_saves_it(any_uow_factory):
    """A transition expecting the stored state writes the new state and times."""
    [stored] = add_all(any_uow_factory, reminder())
    sent = replace(stored, state=ReminderState.SENT, sent_at=STORE_NOW)

    with any_uow_factory() as uow:
        result = uow.reminders.transition(sent, ReminderState.PENDING, STORE_NOW)
        uow.commit()

    assert result == sent
    with any_uow_factory() as uow:
        assert uow.reminders.get(T1, stored.id) == sent


def test_transition_from_a_stale_state_loses(any_uow_factory):
    """A transition expecting a state the reminder already left returns None, changing nothing."""
    [stored] = add_all(any_uow_factory, reminder(state=ReminderState.ANSWERED))

    with any_uow_factory() as uow:
        result = uow.reminders.transition(
            replace(stored, state=ReminderState.SENT), ReminderState.PENDING, STORE_NOW
        )
        uow.commit()

    assert result is None
    with any_uow_factory() as uow:
        assert uow.reminders.get(T1, stored.id) == stored


def test_transition_of_an_unknown_reminder_returns_none(any_uow_factory):
    """A reminder that was never stored cannot be claimed."""
    with any_uow_factory() as uow:
        assert uow.reminders.transition(reminder(id=7), ReminderState.PENDING, STORE_NOW) is None
        assert (
            uow.reminders.transition(reminder(id=10**30), ReminderState.PENDING, STORE_NOW) is None
        )


def test_next_reminder_can_be_scheduled_by_moving_due_at(any_uow_factory):
    """An answered reminder may be put back to pending a year on (the transition writes due_at)."""
    [stored] = add_all(any_uow_factory, reminder(state=ReminderState.SENT, sent_at=DUE))
    next_year = replace(
        stored, state=ReminderState.PENDING, due_at=DUE + timedelta(days=365), sent_at=None
    )

    with any_uow_factory() as uow:
        assert uow.reminders.transition(next_year, ReminderState.SENT, STORE_NOW) == next_year
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.reminders.due([ReminderState.PENDING], DUE + timedelta(days=364)) == []


@pytest.mark.parametrize("ref", ["", "PB 1", "P" * 33])
def test_reminder_for_an_unstorable_ref_is_refused(uow_factory, ref):
    """A reminder whose practice ref could not exist is refused before the database sees it."""
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.reminders.add(reminder(ref))


def test_another_workspaces_reminder_reads_as_unknown(any_uow_factory):
    """A reminder of team T2 fetched by its id from T1 is None."""
    [stored] = add_all(any_uow_factory, reminder(workspace_id="T2"))

    with any_uow_factory() as uow:
        assert uow.reminders.get(T1, stored.id) is None
        assert uow.reminders.get(Workspace("slack", "T2"), stored.id) == stored
