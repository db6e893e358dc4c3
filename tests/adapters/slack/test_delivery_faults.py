"""Slack failing at the HTTP level (500, 429 + Retry-After, no answer, reset) under the real loop.

The real `DeliveryLoop` with the real `SlackDelivery` on a real `WebClient` sends to the fake,
which fails calls for a while. Time is the loop's injected clock: between passes the test moves
it to the next due attempt (or by the pause a 429 asked for), as the loop's own sleep would, and
every attempt's time is recorded from that clock. Nothing is lost, nothing is posted twice, and
each retry comes no sooner than its back-off (or `Retry-After`) allows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy import text as sql

from adapters.slack.delivery import SlackDelivery
from bot.kernel.delivery import FIRST_BACKOFF, DeliveryLoop, SendOutcome
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply, text
from store.conversion import utc
from store.platform_state import PlatformState
from store.tables import OutboxRow
from tests.adapters.slack.fake_slack import TEAM, FakeSlack

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
COUNT = 8


class ManualClock:
    """The loop's clock; the test moves it on as the loop's sleep would."""

    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at


def queue(uow_factory, count: int) -> list[int]:
    with uow_factory() as uow:
        ids = [
            uow.outbox.add(
                Notification(
                    "slack",
                    TEAM,
                    Audience.CHANNEL,
                    "C0MOD",
                    Reply((text(f"notice {n}"),)),
                    key=f"notice:{n}",
                )
            ).id
            for n in range(COUNT)
        ]
        uow.commit()
    return ids


def next_due(engine) -> datetime | None:
    outbox = OutboxRow.__table__
    with engine.connect() as connection:
        value = connection.execute(
            select(func.min(outbox.c.next_attempt_at)).where(outbox.c.delivered_at.is_(None))
        ).scalar()
    return utc(value) if value is not None else None


def undelivered(engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sql("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")
            ).scalar()
        )


def test_slack_failing_for_a_while_loses_nothing_duplicates_nothing_and_backs_off(
    fake: FakeSlack, engine, uow_factory
):
    """500s, a 429, a hang and a reset: every notice posted once, retries no sooner than allowed."""
    queue(uow_factory, COUNT)
    fake.fault("chat.postMessage", "500", times=2)
    fake.fault("chat.postMessage", "429", retry_after=7)
    fake.fault("chat.postMessage", "timeout")
    # slack_sdk retries a reset connection once by itself: two resets fail one attempt.
    fake.fault("chat.postMessage", "reset", times=2)
    clock = ManualClock()
    client = WebClient(token="xoxb-test", base_url=fake.url, timeout=0.5)
    delivery = SlackDelivery(client, uow_factory, clock, PlatformState(engine, "slack"))
    attempts: list[tuple[str, datetime, SendOutcome]] = []

    def send(notification: Notification) -> SendOutcome:
        outcome = delivery.send(notification)
        attempts.append((notification.key, clock.now(), outcome))
        return outcome

    loop = DeliveryLoop("slack", send, uow_factory, clock, rng=random.Random(10))
    for _ in range(100):  # a bound: a loop that never drains fails the test
        if not undelivered(engine):
            break
        report = loop.run_once()
        if report.pause_seconds:
            clock.at += timedelta(seconds=report.pause_seconds)  # the loop's sleep
        elif not report.handled:
            due = next_due(engine)
            assert due is not None and due > clock.at, "nothing due, yet nothing sent"
            clock.at = due  # sleeping until the next attempt is due
    fake.release_held()

    assert undelivered(engine) == 0
    posted = sorted(c.body["text"] for c in fake.delivered())
    assert posted == sorted(f"notice {n}" for n in range(COUNT))  # each once: none lost, none twice
    failures = [(key, at, o) for key, at, o in attempts if o.result.value != "delivered"]
    kinds = [o.result.value for _, _, o in failures]
    assert kinds == ["transient", "transient", "retry_after", "transient", "transient"]
    assert [c.answer.get("fault") for c in fake.calls_to("chat.postMessage")].count("reset") == 2
    for key, at, outcome in failures:
        later = [a for k, a, _ in attempts if k == key and a > at]
        assert later, f"{key} was never tried again"
        wait = later[0] - at
        if outcome.retry_after:
            assert wait >= timedelta(seconds=7)
        else:
            tries = sum(1 for k, a, _ in attempts if k == key and a <= at)
            assert wait >= FIRST_BACKOFF * 2 ** (tries - 1) / 2  # jitter takes at most half
    limited_at = next(at for _, at, o in failures if o.retry_after)
    sent_during_pause = [
        a for _, a, _ in attempts if limited_at < a < limited_at + timedelta(seconds=7)
    ]
    assert sent_during_pause == []  # the whole loop waited for Slack, not just that notice
