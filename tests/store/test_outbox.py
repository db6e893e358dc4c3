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
