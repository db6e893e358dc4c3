"""The one delivery loop: priority, back-off, Retry-After, permanent errors, release on stop."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.kernel.delivery import DeliveryLoop, SendOutcome
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply, text
from tests.support.memory import FixedClock, MemoryUnitOfWorkFactory

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def queue(factory, key: str) -> int:
    with factory() as uow:
        stored = uow.outbox.add(
            Notification("slack", "T1", Audience.CHANNEL, "C1", Reply((text(key),)), key=key)
        )
        uow.commit()
    assert stored.id is not None
    return stored.id


class FlakyPlatform:
    """Answers each send with the next scripted outcome, then delivers; counts what arrived."""

    def __init__(self, *script: SendOutcome) -> None:
        self.script = list(script)
        self.arrived: list[str] = []

    def send(self, notification: Notification) -> SendOutcome:
        outcome = self.script.pop(0) if self.script else SendOutcome.delivered()
        if outcome == SendOutcome.delivered():
            self.arrived.append(notification.key)
        return outcome


def world(platform: FlakyPlatform):
    clock = FixedClock(NOW)
    factory = MemoryUnitOfWorkFactory(clock=clock)
    loop = DeliveryLoop("slack", platform.send, factory, clock, rng=random.Random(7))
    return clock, factory, loop


def test_faults_are_retried_with_growing_back_off_and_the_message_arrives_once():
    """500, reset and timeout are attempts with back-off; afterwards it arrives exactly once."""
    platform = FlakyPlatform(
        SendOutcome.transient("HTTP 500"),
        SendOutcome.transient("ConnectionResetError"),
        SendOutcome.transient("TimeoutError"),
    )
    clock, factory, loop = world(platform)
    notification_id = queue(factory, "submission:1")
    waits = []
    for _ in range(3):
        assert loop.run_once().retrying == [notification_id]
        entry = factory.state.outbox[notification_id]  # the fake's bookkeeping
        waits.append(entry.next_attempt_at - clock.now())
        assert loop.run_once().handled == 0  # not before its time
        clock.at = entry.next_attempt_at

    assert loop.run_once().delivered == [notification_id]
    assert platform.arrived == ["submission:1"]
    assert waits[0] < waits[1] < waits[2] <= timedelta(seconds=8)
    with factory() as uow:
        assert uow.outbox.all()[0].attempts == 4


def test_a_429_waits_for_retry_after_and_pauses_the_rest_of_the_batch():
    """Retry-After holds the row that long; the others are released, not attempted."""
    platform = FlakyPlatform(SendOutcome.rate_limited(7))
    clock, factory, loop = world(platform)
    first, second = queue(factory, "submission:1"), queue(factory, "reminder:2")

    report = loop.run_once()

    assert (report.retrying, report.released, report.pause_seconds) == ([first], [second], 7)
    assert loop.run_once().delivered == [second]
    clock.at = NOW + timedelta(seconds=7)
    assert loop.run_once().delivered == [first]


def test_a_permanent_error_is_given_up_at_once():
    """An error no retry cures is one attempt, given up and never sent again."""
    platform = FlakyPlatform(SendOutcome.permanent("channel_not_found"))
    clock, factory, loop = world(platform)
    notification_id = queue(factory, "submission:1")

    assert loop.run_once().given_up == [notification_id]
    clock.at = NOW + timedelta(days=30)
    assert loop.run_once().handled == 0
    assert platform.arrived == []


def test_moderation_cards_go_out_before_queued_reminders():
    """A card queued after two hundred reminders is the first thing sent."""
    platform = FlakyPlatform()
    _, factory, loop = world(platform)
    for number in range(200):
        queue(factory, f"reminder:{number}")
    queue(factory, "submission:9")

    loop.run_once()

    assert platform.arrived[0] == "submission:9"


def test_stopping_releases_what_was_not_sent_for_another_process():
    """After `stop`, the leased rest of the batch is free again at once, no attempt counted."""
    platform = FlakyPlatform()
    _, factory, loop = world(platform)
    queue(factory, "reminder:1")
    loop.stop()

    report = loop.run_once()

    assert report.released == [1] and platform.arrived == []
    with factory() as uow:
        assert [n.attempts for n in uow.outbox.lease("slack", "other", NOW, NOW)] == [0]


def test_a_lease_as_short_as_the_margin_still_delivers():
    """With the shortest lease allowed (5 s) the batch is sent, not released unsent forever."""
    platform = FlakyPlatform()
    clock = FixedClock(NOW)
    factory = MemoryUnitOfWorkFactory(clock=clock)
    loop = DeliveryLoop("slack", platform.send, factory, clock, lease_seconds=5)
    notification_id = queue(factory, "submission:9")

    report = loop.run_once()

    assert (report.delivered, report.released) == ([notification_id], [])
    assert platform.arrived == ["submission:9"]
