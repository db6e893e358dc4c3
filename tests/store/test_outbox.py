"""Outbox: notifications queue in the same transaction, come out oldest first, retry, give up."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import (
    Action,
    Buttons,
    Choice,
    Choices,
    FieldKind,
    Form,
    FormField,
    PracticeCard,
    Reply,
    text,
)
from tests.conftest import STORE_NOW
from tests.support.hostile import HOSTILE_TEXT

LATER = STORE_NOW + timedelta(minutes=5)


def rich_reply(value: str) -> Reply:
    return Reply(
        (
            text(value),
            PracticeCard(Practice("PB001", value, value, Effectiveness.WORKED, region=value)),
            Buttons((Action("mod:approve:1", value),)),
            Choices(value, (Choice("share:pick:a", value),)),
            Form("mod:changes:1", value, (FormField("note", value, FieldKind.LONG_TEXT, True),)),
        ),
        private=False,
    )


def notification(recipient: str = "C-MOD", **changes: object) -> Notification:
    base = Notification(
        platform="slack",
        workspace_id="T1",
        audience=Audience.CHANNEL,
        recipient=recipient,
        reply=Reply((text("New submission S-0001"),), private=False),
        key="submission:1",
        replace=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def queue(uow_factory, *notifications: Notification) -> list[Notification]:
    with uow_factory() as uow:
        stored = [uow.outbox.add(n) for n in notifications]
        uow.commit()
    return stored


@pytest.mark.parametrize("value", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_notification_round_trips_every_block_and_hostile_text(any_uow_factory, value):
    """The reply (every kind of block) and the addressing come back exactly."""
    sent = notification(reply=rich_reply(value), audience=Audience.PERSON, replace=True)

    [stored] = queue(any_uow_factory, sent)

    assert stored == replace(sent, id=1, created_at=STORE_NOW)
    with any_uow_factory() as uow:
        assert uow.outbox.all() == [stored]


def test_pending_gives_the_platforms_undelivered_notifications_in_order(any_uow_factory):
    """pending lists one platform's notifications by id, up to the limit."""
    queue(
        any_uow_factory,
        notification("A"),
        notification("B", platform="discord"),
        notification("C"),
        notification("D"),
    )

    with any_uow_factory() as uow:
        everything = [n.recipient for n in uow.outbox.pending("slack", STORE_NOW)]
        first_two = [n.recipient for n in uow.outbox.pending("slack", STORE_NOW, limit=2)]
        discord = [n.recipient for n in uow.outbox.pending("discord", STORE_NOW)]

    assert everything == ["A", "C", "D"]
    assert first_two == ["A", "C"]
    assert discord == ["B"]


def test_delivered_notification_leaves_the_queue(any_uow_factory):
    """mark_delivered records the time and one attempt; the notification is no longer pending."""
    [stored] = queue(any_uow_factory, notification())
    assert stored.id is not None

    with any_uow_factory() as uow:
        uow.outbox.mark_delivered(stored.id, LATER)
        uow.outbox.mark_delivered(stored.id, LATER + timedelta(hours=1))
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.outbox.pending("slack", LATER) == []
        assert uow.outbox.all() == [replace(stored, attempts=1, delivered_at=LATER)]


def test_failed_notification_waits_until_its_retry_time(any_uow_factory):
    """After a failure with a retry time, the notification is pending again only from then."""
    [stored] = queue(any_uow_factory, notification())
    assert stored.id is not None

    with any_uow_factory() as uow:
        uow.outbox.mark_failed(stored.id, "ratelimited", LATER)
        uow.commit()

    with any_uow_factory() as uow:
        before = uow.outbox.pending("slack", LATER - timedelta(microseconds=1))
        at_retry = uow.outbox.pending("slack", LATER)

    assert before == []
    assert at_retry == [replace(stored, attempts=1, last_error="ratelimited")]


def test_failure_without_retry_gives_up_for_good(any_uow_factory):
    """A failure with no retry time removes the notification from the queue, keeping its error."""
    [stored] = queue(any_uow_factory, notification())
    assert stored.id is not None

    with any_uow_factory() as uow:
        uow.outbox.mark_failed(stored.id, "channel_not_found", None)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.outbox.pending("slack", STORE_NOW + timedelta(days=365)) == []
        assert uow.outbox.all() == [replace(stored, attempts=1, last_error="channel_not_found")]


def test_retries_count_every_attempt_until_delivery(any_uow_factory):
    """Two failures then a delivery make three attempts, the last error kept."""
    [stored] = queue(any_uow_factory, notification())
    assert stored.id is not None

    with any_uow_factory() as uow:
        uow.outbox.mark_failed(stored.id, "timeout", STORE_NOW)
        uow.outbox.mark_failed(stored.id, "ratelimited", STORE_NOW)
        uow.outbox.mark_delivered(stored.id, LATER)
        uow.commit()

    with any_uow_factory() as uow:
        [delivered] = uow.outbox.all()

    assert (delivered.attempts, delivered.last_error, delivered.delivered_at) == (
        3,
        "ratelimited",
        LATER,
    )


def test_marking_an_unknown_notification_changes_nothing(any_uow_factory):
    """Reports about ids that do not exist are ignored."""
    [stored] = queue(any_uow_factory, notification())

    with any_uow_factory() as uow:
        uow.outbox.mark_delivered(99, LATER)
        uow.outbox.mark_failed(10**30, "x", None)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.outbox.all() == [stored]


def test_notification_rolls_back_with_its_unit_of_work(any_uow_factory):
    """A notification queued in a unit of work that is not committed is never delivered."""
    with any_uow_factory() as uow:
        uow.outbox.add(notification())

    with any_uow_factory() as uow:
        assert uow.outbox.all() == []


def test_error_text_is_kept_whatever_it_holds(uow_factory):
    """A platform error with control characters and NUL is stored (NUL as U+FFFD)."""
    [stored] = queue(uow_factory, notification())
    assert stored.id is not None

    with uow_factory() as uow:
        uow.outbox.mark_failed(stored.id, "bad\x00\x1b[0m" + "e" * 100_000, None)
        uow.commit()

    with uow_factory() as uow:
        [failed] = uow.outbox.all()
    assert failed.last_error == "bad\ufffd\x1b[0m" + "e" * 100_000


@pytest.mark.parametrize(
    "changes",
    [{"recipient": ""}, {"recipient": "r" * 256}, {"key": "k" * 256}, {"platform": ""}],
    ids=["empty recipient", "long recipient", "long key", "empty platform"],
)
def test_unaddressable_notifications_are_refused(uow_factory, changes):
    """Notifications whose addressing does not fit the columns are refused on every backend."""
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.outbox.add(notification(**changes))


# --- leases ----------------------------------------------------------------------------------

LEASE_ENDS = STORE_NOW + timedelta(seconds=60)


def lease(uow_factory, owner="loop-a", now=STORE_NOW, until=LEASE_ENDS, limit=20):
    with uow_factory() as uow:
        leased = uow.outbox.lease("slack", owner, now, until, limit=limit)
        uow.commit()
    return [n.recipient for n in leased]


def test_lease_gives_moderation_cards_before_reminders(any_uow_factory):
    """Interactive notices (submission cards) come out of the lease before bulk reminders."""
    queue(
        any_uow_factory,
        notification("reminder-1", key="reminder:1"),
        notification("reminder-2", key="reminder:2"),
        notification("card", key="submission:9"),
        notification("other", key="something"),
    )

    assert lease(any_uow_factory) == ["card", "other", "reminder-1", "reminder-2"]


def test_a_leased_notification_is_not_leased_again_until_its_lease_runs_out(any_uow_factory):
    """A second loop gets nothing while the lease holds, and the row once it has expired."""
    queue(any_uow_factory, notification("A"))

    assert lease(any_uow_factory, "loop-a") == ["A"]
    assert lease(any_uow_factory, "loop-b", now=LEASE_ENDS - timedelta(seconds=1)) == []
    assert lease(any_uow_factory, "loop-b", now=LEASE_ENDS) == ["A"]


def test_lease_respects_the_limit_and_the_retry_time(any_uow_factory):
    """Only `limit` rows are leased, and a row waiting for its retry is not among them."""
    first, _, _ = queue(any_uow_factory, notification("A"), notification("B"), notification("C"))
    assert first.id is not None
    with any_uow_factory() as uow:
        uow.outbox.mark_failed(first.id, "timeout", LATER)
        uow.commit()

    assert lease(any_uow_factory, limit=1) == ["B"]
    assert lease(any_uow_factory, "loop-b") == ["C"]


def test_released_notifications_are_free_at_once_and_count_no_attempt(any_uow_factory):
    """`release` (SIGTERM) hands a notification back untouched, ready for another loop."""
    [stored] = queue(any_uow_factory, notification("A"))
    assert stored.id is not None
    lease(any_uow_factory, "loop-a")

    with any_uow_factory() as uow:
        assert uow.outbox.release("loop-b", [stored.id]) == 0  # not theirs to release
        assert uow.outbox.release("loop-a", [stored.id]) == 1
        uow.commit()

    assert lease(any_uow_factory, "loop-b") == ["A"]
    with any_uow_factory() as uow:
        assert uow.outbox.all()[0].attempts == 0


def test_a_failure_from_a_loop_that_lost_its_lease_changes_nothing(any_uow_factory):
    """Only the lease holder records a failure; a late report from an expired lease is ignored."""
    [stored] = queue(any_uow_factory, notification("A"))
    assert stored.id is not None
    lease(any_uow_factory, "loop-a")
    lease(any_uow_factory, "loop-b", now=LEASE_ENDS, until=LEASE_ENDS + timedelta(seconds=60))

    with any_uow_factory() as uow:
        uow.outbox.mark_failed(stored.id, "late", LATER, owner="loop-a")
        uow.outbox.mark_failed(stored.id, "timeout", LATER, owner="loop-b")
        uow.commit()

    with any_uow_factory() as uow:
        [failed] = uow.outbox.all()
    assert (failed.attempts, failed.last_error) == (1, "timeout")


def test_delivered_notification_is_never_leased_again(any_uow_factory):
    """After mark_delivered the row is done, whatever time it is."""
    [stored] = queue(any_uow_factory, notification("A"))
    assert stored.id is not None
    lease(any_uow_factory)
    with any_uow_factory() as uow:
        uow.outbox.mark_delivered(stored.id, LATER)
        uow.commit()

    assert lease(any_uow_factory, "loop-b", now=STORE_NOW + timedelta(days=3)) == []


def test_outbox_depth_counts_what_waits_and_what_was_given_up(uow_factory, engine):
    """Depth counts undelivered rows still to try, their oldest time, and the given-up ones."""
    from store.outbox import outbox_depth

    first, second, _ = queue(
        uow_factory,
        notification("A", created_at=STORE_NOW - timedelta(minutes=3)),
        notification("B"),
        notification("C"),
    )
    assert first.id is not None and second.id is not None
    with uow_factory() as uow:
        uow.outbox.mark_delivered(first.id, LATER)
        uow.outbox.mark_failed(second.id, "channel_not_found", None)
        uow.commit()

    depth = outbox_depth(engine)

    assert (depth.waiting, depth.oldest, depth.given_up) == (1, STORE_NOW, 1)
