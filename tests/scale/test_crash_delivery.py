"""Nothing lost, nothing twice, with real processes on PostgreSQL.

`practicebank run slack` (the Procfile's web process, two gunicorn workers, two delivery loops)
delivers queued notifications to a slow fake Slack and is stopped mid-delivery, again and again, at
seeded random points (after a random number of further posts): SIGTERM (a deploy) and kill -9 of
the whole process group (a crash). Each time it is started again. Every notification must arrive,
and a duplicate is allowed only for a kill -9 (the message Slack accepted just before the death,
before our commit): at most one per kill -9 per worker. Two `practicebank run scheduler`
processes sweeping ~200 due reminders at once queue each reminder exactly once, and one web
process then delivers each exactly once. `CRASH_SEED` replays a run's kill points.
"""

from __future__ import annotations

import os
import random
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.records import Audience, Notification, Reminder, ReminderState
from bot.kernel.replies import Reply, text
from practicebank.bootstrap import open_store
from tests.adapters.slack.fake_slack import TEAM, FakeSlack
from tests.adapters.slack.test_http_server import web_command
from tests.scale.conftest import Start, process_env, wait_until

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SEED = int(os.environ.get("CRASH_SEED", "20250301"))
NOTIFICATIONS = 240  # headroom: SIGTERM drains what is in flight, so the stops never finish it
WORKERS = 2
STOPS = ("term", "kill", "term", "kill", "kill")


def queue_notifications(database_url: str, count: int) -> None:
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            for n in range(count):
                uow.outbox.add(
                    Notification(
                        "slack",
                        TEAM,
                        Audience.CHANNEL,
                        "C0GENERAL",
                        Reply((text(f"notice {n}"),)),
                        key=f"notice:{n}",
                    )
                )
            uow.commit()
    finally:
        store.engine.dispose()


def posted_texts(fake: FakeSlack) -> Counter[str]:
    return Counter(str(c.body.get("text")) for c in fake.delivered())


def test_sigterm_and_kill_9_mid_delivery_lose_nothing_and_duplicate_only_per_kill(
    start: Start, fake: FakeSlack, database_url: str
):
    """Every notice reaches Slack; repeats only after a kill -9, at most one per worker killed."""
    rng = random.Random(SEED)
    queue_notifications(database_url, NOTIFICATIONS)
    fake.latency["chat.postMessage"] = 0.03  # a slow Slack: there is always a post in flight
    env = process_env(fake, database_url, WEB_CONCURRENCY=str(WORKERS))
    kills = 0
    for stop in STOPS:
        before = len(fake.delivered())
        process = start(web_command()[1:], env)
        further = rng.randint(3, 15)
        target = before + further
        wait_until(
            lambda p=process, n=target: len(fake.delivered()) >= n or p.poll() is not None,
            60,
            f"{further} more posts (seed {SEED})",
        )
        assert process.poll() is None, "the web process died by itself"
        if stop == "term":
            os.killpg(process.pid, signal.SIGTERM)  # what a deploy does
        else:
            os.killpg(process.pid, signal.SIGKILL)  # a crash: master and workers at once
            kills += 1
        process.wait(timeout=60)
        assert len(set(posted_texts(fake))) < NOTIFICATIONS, "delivery finished before the stop"
    start(web_command()[1:], env)
    wait_until(
        lambda: len(set(posted_texts(fake))) == NOTIFICATIONS,
        90,
        f"every notification after restarts (seed {SEED})",
    )

    posted = posted_texts(fake)
    assert set(posted) == {f"notice {n}" for n in range(NOTIFICATIONS)}  # nothing lost
    repeats = sum(count - 1 for count in posted.values())
    assert repeats <= kills * WORKERS, f"{repeats} duplicates after {kills} kill -9 (seed {SEED})"


DUE = datetime.now(UTC) - timedelta(days=1)
REMINDERS = 200


def due_reminders(database_url: str, count: int) -> None:
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            uow.practices.upsert_many(
                [
                    Practice(f"PB{n:03d}", f"Practice {n}", "What it did.", Effectiveness.WORKED)
                    for n in range(1, count + 1)
                ]
            )
            for n in range(1, count + 1):
                uow.reminders.add(
                    Reminder(
                        0, f"PB{n:03d}", f"slack:{TEAM}:U{n:04d}", "slack", TEAM, DUE - timedelta(n)
                    )
                )
            uow.commit()
    finally:
        store.engine.dispose()


def test_two_scheduler_processes_send_each_of_200_due_reminders_once(
    start: Start, fake: FakeSlack, database_url: str
):
    """Two `run scheduler` processes at once: each due reminder is queued and posted once."""
    due_reminders(database_url, REMINDERS)
    sweepers = [
        start(["run", "scheduler"], process_env(fake, database_url, REMINDER_SWEEP_SECONDS="1"))
        for _ in range(2)
    ]
    store = open_store(database_url)
    try:

        def swept() -> bool:
            with store.uow_factory() as uow:
                return not uow.reminders.due([ReminderState.PENDING], datetime.now(UTC))

        wait_until(swept, 90, "both sweepers to finish")
        assert all(s.poll() is None for s in sweepers), "a sweeper died"
        for sweeper in sweepers:
            os.killpg(sweeper.pid, signal.SIGTERM)
            assert sweeper.wait(timeout=60) == 0
        with store.uow_factory() as uow:
            keys = Counter(n.key for n in uow.outbox.all())
            sent = uow.reminders.due([ReminderState.SENT], datetime.now(UTC))
            reminder_ids = {r.id for r in sent}
    finally:
        store.engine.dispose()
    assert len(reminder_ids) == REMINDERS
    assert keys == Counter({f"reminder:{i}": 1 for i in reminder_ids})

    start(web_command()[1:], process_env(fake, database_url, WEB_CONCURRENCY="2"))
    wait_until(lambda: len(fake.delivered()) >= REMINDERS, 90, "every reminder posted")
    recipients = Counter(str(c.body["channel"]) for c in fake.delivered())
    assert recipients == Counter({f"DU{n:04d}": 1 for n in range(1, REMINDERS + 1)})
