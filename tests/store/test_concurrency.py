"""Races the store must settle: two moderators deciding one submission, two reminder sweepers.

Each racer is a thread with its own unit of work (its own connection), lined up on a barrier so
the conflicting statements are issued together. On PostgreSQL the loser waits on the row lock and
then finds the row changed; on SQLite the write lock serialises the transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.records import (
    Audience,
    Decision,
    Notification,
    Reminder,
    ReminderState,
    Review,
    Submission,
    SubmissionState,
)
from bot.kernel.replies import Reply, text
from tests.conftest import STORE_NOW

T = TypeVar("T")


def race(*racers: Callable[[threading.Barrier], T]) -> list[T]:
    """Run each racer in its own thread, all released by one barrier; re-raise any failure."""
    barrier = threading.Barrier(len(racers), timeout=30)
    results: list[T | None] = [None] * len(racers)
    errors: list[BaseException] = []

    def run(index: int, racer: Callable[[threading.Barrier], T]) -> None:
        try:
            results[index] = racer(barrier)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racer is stuck"
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


def submitted(uow_factory) -> Submission:
    with uow_factory() as uow:
        stored = uow.submissions.add(
            Submission(
                id=0,
                contributor_key="slack:T1:U1",
                contributor_name="Alice",
                platform="slack",
                workspace_id="T1",
                state=SubmissionState.SUBMITTED,
                answers={"title": "Street lighting"},
                submitted_at=STORE_NOW,
            )
        )
        uow.commit()
    return stored


def test_two_saves_of_one_revision_at_once_have_exactly_one_winner(uow_factory):
    """Two moderators' compare-and-set on the same revision: one wins, the other gets None."""
    seen = submitted(uow_factory)

    def decide(state: SubmissionState) -> Callable[[threading.Barrier], Submission | None]:
        def racer(barrier: threading.Barrier) -> Submission | None:
            with uow_factory() as uow:
                barrier.wait()
                saved = uow.submissions.save(replace(seen, state=state), expected_revision=0)
                uow.commit()
                return saved

        return racer

    results = race(decide(SubmissionState.PUBLISHED), decide(SubmissionState.REJECTED))

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert winners[0].revision == 1
    with uow_factory() as uow:
        assert uow.submissions.get(seen.workspace, seen.id) == winners[0]


def test_racing_decisions_leave_one_review_and_one_notification(uow_factory):
    """When two decisions race, only the winner's review and notification are committed."""
    seen = submitted(uow_factory)

    def decide(moderator: str, decision: Decision) -> Callable[[threading.Barrier], bool]:
        def racer(barrier: threading.Barrier) -> bool:
            with uow_factory() as uow:
                barrier.wait()
                current = uow.submissions.get(seen.workspace, seen.id)
                if current is None or current.state is not SubmissionState.SUBMITTED:
                    return False
                state = (
                    SubmissionState.PUBLISHED
                    if decision is Decision.APPROVE
                    else SubmissionState.REJECTED
                )
                saved = uow.submissions.save(
                    replace(current, state=state), expected_revision=current.revision
                )
                if saved is None:
                    return False
                uow.reviews.add(Review(0, seen.id, moderator, moderator, decision, "", STORE_NOW))
                uow.outbox.add(
                    Notification(
                        "slack", "T1", Audience.PERSON, "U1", Reply((text(f"{decision}"),))
                    )
                )
                uow.commit()
                return True

        return racer

    results = race(
        decide("slack:T1:MOD1", Decision.APPROVE), decide("slack:T1:MOD2", Decision.REJECT)
    )

    assert sorted(results) == [False, True]
    with uow_factory() as uow:
        reviews = uow.reviews.for_submission(seen.id)
        notifications = uow.outbox.all()
        stored = uow.submissions.get(seen.workspace, seen.id)
    assert len(reviews) == 1
    assert len(notifications) == 1
    assert stored is not None
    assert stored.revision == 1
    expected_state = {
        Decision.APPROVE: SubmissionState.PUBLISHED,
        Decision.REJECT: SubmissionState.REJECTED,
    }[reviews[0].decision]
    assert stored.state is expected_state


DUE = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
SWEEP_AT = DUE + timedelta(minutes=1)


def due_reminders(uow_factory, count: int) -> list[Reminder]:
    with uow_factory() as uow:
        uow.practices.upsert_many(
            [
                Practice(f"PB{n:03d}", "A practice", "What it did.", Effectiveness.WORKED)
                for n in range(1, count + 1)
            ]
        )
        stored = [
            uow.reminders.add(
                Reminder(0, f"PB{n:03d}", f"slack:T1:U{n}", "slack", "T1", DUE - timedelta(days=n))
            )
            for n in range(1, count + 1)
        ]
        uow.commit()
    return stored


def sweeper(uow_factory, name: str) -> Callable[[threading.Barrier], list[int]]:
    """A sweep as the scheduler runs it: list the due reminders, then claim each and notify."""

    def racer(barrier: threading.Barrier) -> list[int]:
        with uow_factory() as uow:
            due = uow.reminders.due([ReminderState.PENDING], SWEEP_AT)
        barrier.wait()
        claimed = []
        for reminder in due:
            with uow_factory() as uow:
                sent = replace(reminder, state=ReminderState.SENT, sent_at=SWEEP_AT)
                if uow.reminders.transition(sent, ReminderState.PENDING, SWEEP_AT) is None:
                    continue
                uow.outbox.add(
                    Notification(
                        "slack",
                        "T1",
                        Audience.PERSON,
                        reminder.contributor_key.rsplit(":", 1)[-1],
                        Reply((text(f"{name}: is {reminder.practice_ref} still running?"),)),
                    )
                )
                uow.commit()
                claimed.append(reminder.id)
        return claimed

    return racer


def test_two_sweepers_claim_each_due_reminder_exactly_once(uow_factory):
    """Two sweepers that both saw the same due reminders send each of them once between them."""
    reminders = due_reminders(uow_factory, 6)

    first, second = race(sweeper(uow_factory, "one"), sweeper(uow_factory, "two"))

    assert sorted(first + second) == [r.id for r in reminders]
    with uow_factory() as uow:
        recipients = sorted(n.recipient for n in uow.outbox.all())
        states = {r.state for r in uow.reminders.due([ReminderState.SENT], SWEEP_AT)}
        assert uow.reminders.due([ReminderState.PENDING], SWEEP_AT) == []
    assert recipients == sorted(f"U{n}" for n in range(1, 7))
    assert states == {ReminderState.SENT}


def test_two_sweepers_claiming_in_one_transaction_each_send_once(uow_factory):
    """Sweepers that claim all their due reminders in one transaction still never overlap."""
    reminders = due_reminders(uow_factory, 4)

    def batch_sweeper(barrier: threading.Barrier) -> list[int]:
        with uow_factory() as uow:
            # Wait before the first statement: on SQLite that statement takes the write lock.
            barrier.wait()
            due = uow.reminders.due([ReminderState.PENDING], SWEEP_AT)
            claimed = [
                r.id
                for r in due
                if uow.reminders.transition(
                    replace(r, state=ReminderState.SENT, sent_at=SWEEP_AT),
                    ReminderState.PENDING,
                    SWEEP_AT,
                )
            ]
            uow.commit()
            return claimed

    first, second = race(batch_sweeper, batch_sweeper)

    assert sorted(first + second) == [r.id for r in reminders]


def test_two_workers_seeding_a_new_workspace_at_once_both_succeed(uow_factory, engine):
    """Two web workers' first start on an empty database: neither fails on the other's insert."""
    from bot.kernel.ports import WorkspaceSettings

    # On PostgreSQL both read "no settings yet" before either writes, as two fresh workers do.
    # SQLite cannot run that interleaving at all (a reader cannot become a writer while another
    # writes): there the write lock serialises the two, so they start together instead.
    read_first = engine.dialect.name == "postgresql"

    def seeder(channel: str) -> Callable[[threading.Barrier], None]:
        def run(barrier: threading.Barrier) -> None:
            if not read_first:
                barrier.wait()
            with uow_factory() as uow:
                assert uow.workspaces.get("slack", "T0NEW") is None or not read_first
                if read_first:
                    barrier.wait()
                uow.workspaces.save(WorkspaceSettings("slack", "T0NEW", moderation_channel=channel))
                uow.commit()

        return run

    race(seeder("C0ONE"), seeder("C0TWO"))

    with uow_factory() as uow:
        stored = uow.workspaces.get("slack", "T0NEW")
    assert stored is not None and stored.moderation_channel in {"C0ONE", "C0TWO"}
