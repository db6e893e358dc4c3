"""Discord failing at the HTTP level (5xx, 429 + Retry-After, no answer, reset) under the real loop.

The real `DeliveryLoop` with the real `DiscordDelivery` on the real discord.py client sends to
the fake Discord, which fails posts for a while. Time is the loop's clock: between passes the
test moves it to the next due attempt (or by the pause a 429 asked for), as the loop's own sleep
would, and every attempt's time is recorded from that clock. Nothing is lost, nothing is posted
twice, each retry comes no sooner than its back-off (or `Retry-After`) allows, and a 429 stops
the whole loop for its wait, not just that notification. Faults discord.py absorbs itself (a
single 500, which it retries in the same request) cost no attempt of ours and duplicate nothing.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import adapters.discord.delivery as discord_delivery
from bot.kernel.delivery import FIRST_BACKOFF, DeliveryLoop, SendOutcome
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply, text
from tests.adapters.discord.fake_discord import GUILD_ID, MODERATION_CHANNEL_ID
from tests.adapters.discord.harness import play
from tests.adapters.slack.test_delivery_faults import next_due, undelivered

COUNT = 8
POSTS = f"channels/{MODERATION_CHANNEL_ID}/messages"
EDGE_WAIT = 7.0  # a 429 from Discord's edge, which discord.py hands back at once
LONG_WAIT = 45.0  # longer than discord.py waits out inside a request (30 s)


def queue(uow_factory) -> None:
    with uow_factory() as uow:
        for n in range(COUNT):
            uow.outbox.add(
                Notification(
                    "discord",
                    GUILD_ID,
                    Audience.CHANNEL,
                    MODERATION_CHANNEL_ID,
                    Reply((text(f"notice {n}"),), private=False),
                    key=f"notice:{n}",
                )
            )
        uow.commit()


def test_discord_failing_for_a_while_loses_nothing_duplicates_nothing_and_backs_off(
    world, monkeypatch
):
    """5xx, two kinds of 429, a hang and a reset: each notice posted once, retries as allowed."""
    queue(world.uow_factory)
    # A hung request is given up after this (45 s in production, under the outbox lease).
    monkeypatch.setattr(discord_delivery, "SEND_TIMEOUT_SECONDS", 2.0)
    attempts: list[tuple[str, datetime, SendOutcome]] = []

    async def steps(fake, client):
        fake.fault(POSTS, "503", times=2)
        fake.fault(POSTS, "429-edge", retry_after=EDGE_WAIT)
        fake.fault(POSTS, "429", retry_after=LONG_WAIT)
        fake.fault(POSTS, "timeout")
        fake.fault(POSTS, "reset")
        fake.fault(POSTS, "500")  # discord.py retries this one itself, a second later

        def send(notification: Notification) -> SendOutcome:
            outcome = client.delivery.send(notification)
            attempts.append((notification.key, world.clock.now(), outcome))
            return outcome

        loop = DeliveryLoop("discord", send, world.uow_factory, world.clock, rng=random.Random(3))
        for _ in range(100):  # a bound: a loop that never drains fails the test
            if not undelivered(world.engine):
                break
            report = await asyncio.to_thread(loop.run_once)
            if report.pause_seconds:
                world.clock.at += timedelta(seconds=report.pause_seconds)  # the loop's sleep
            elif not report.handled:
                due = next_due(world.engine)
                assert due is not None and due > world.clock.at, "nothing due, yet nothing sent"
                world.clock.at = due  # sleeping until the next attempt is due
        fake.release_held()
        return fake.calls("POST", POSTS)

    posts = play(world, steps)

    assert undelivered(world.engine) == 0
    made = sorted(p.body["content"] for p in posts if p.status == 200)
    assert made == sorted(f"notice {n}" for n in range(COUNT))  # each once: none lost, none twice
    faults = [
        p.answer["fault"] for p in posts if isinstance(p.answer, dict) and "fault" in p.answer
    ]
    assert faults == ["503", "503", "429-edge", "429", "timeout", "reset", "500"]
    failures = [(key, at, o) for key, at, o in attempts if o.result.value != "delivered"]
    kinds = [o.result.value for _, _, o in failures]
    assert kinds == [
        "transient",
        "transient",
        "retry_after",
        "retry_after",
        "transient",
        "transient",
    ]
    assert [o.retry_after for _, _, o in failures if o.retry_after] == [EDGE_WAIT, LONG_WAIT]
    assert len(attempts) == COUNT + len(failures)  # the 500 cost no attempt of ours
    for key, at, outcome in failures:
        later = [a for k, a, _ in attempts if k == key and a > at]
        assert later, f"{key} was never tried again"
        wait = later[0] - at
        if outcome.retry_after:
            assert wait >= timedelta(seconds=outcome.retry_after)
            pause = timedelta(seconds=outcome.retry_after)
            paused = [a for _, a, _ in attempts if at < a < at + pause]
            assert paused == []  # the whole loop waited for Discord, not just that notice
        else:
            tries = sum(1 for k, a, _ in attempts if k == key and a <= at)
            assert wait >= FIRST_BACKOFF * 2 ** (tries - 1) / 2  # jitter takes at most half
