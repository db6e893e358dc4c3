"""Direct messages are applied once: a gateway RESUME that replays one changes nothing.

Discord replays the events a session missed when it resumes, and a second bot process may get
the same message: each DM message id is claimed in the database like a Slack event id.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from tests.adapters.discord.fake_discord import FakeDiscord, dm_channel_id
from tests.adapters.discord.harness import ALICE, ALICE_ID, dm_message, play

ALICE_DM = dm_channel_id(ALICE_ID)
ANSWERS = f"channels/{ALICE_DM}/messages"


async def _settled() -> None:
    """Wait for every `on_message` the client has started (replays included) to end."""
    running = [
        task for task in asyncio.all_tasks() if task.get_name().startswith("discord.py: on_message")
    ]
    await asyncio.gather(*running)


def _answers(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [r.body for r in fake.calls("POST", ANSWERS)]


def test_a_direct_message_replayed_after_a_resume_is_answered_once(world):
    """Alice's `PB017` comes twice (the RESUME replays it): she gets one answer, not two."""
    question = dm_message(ALICE, "PB017")
    later = dm_message(ALICE, "help")

    async def steps(fake: FakeDiscord, client):
        await fake.dispatch("MESSAGE_CREATE", question)
        await fake.wait_for(lambda r: r.path == ANSWERS)
        await fake.dispatch("MESSAGE_CREATE", question)  # replayed on RESUME
        await fake.dispatch("MESSAGE_CREATE", later)
        await fake.wait_for(lambda r: len(fake.calls("POST", ANSWERS)) >= 2)
        await _settled()
        return _answers(fake)

    first, then, *more = play(world, steps)
    assert more == []
    assert first["embeds"][0]["title"].endswith("Habitual knife carrier index")
    assert "PB017" not in str(then)  # the second answer is to `help`, none to the replay


def test_a_direct_message_answered_by_a_process_before_a_restart_is_not_answered_again(world):
    """The claim is in the database: a restarted bot given the same message stays silent."""
    question = dm_message(ALICE, "PB017")

    async def first_run(fake: FakeDiscord, client):
        await fake.dispatch("MESSAGE_CREATE", question)
        await fake.wait_for(lambda r: r.path == ANSWERS)
        await _settled()
        return len(_answers(fake))

    async def after_restart(fake: FakeDiscord, client):
        await fake.dispatch("MESSAGE_CREATE", question)
        await fake.dispatch("MESSAGE_CREATE", dm_message(ALICE, "help"))
        await fake.wait_for(lambda r: r.path == ANSWERS)
        await _settled()
        return _answers(fake)

    assert play(world, first_run) == 1
    (only,) = play(world, after_restart)
    assert "PB017" not in str(only)


def test_a_direct_message_whose_first_processing_died_is_answered_on_replay(world):
    """A claim left unfinished (the process died mid-work) lapses: the replay is answered."""
    question = dm_message(ALICE, "PB017")
    died_at = world.clock.now() - timedelta(minutes=5)
    assert world.memory.begin(f"message:{question['id']}", died_at)

    async def steps(fake: FakeDiscord, client):
        await fake.dispatch("MESSAGE_CREATE", question)
        return (await fake.wait_for(lambda r: r.path == ANSWERS)).body

    answer = play(world, steps)
    assert answer["embeds"][0]["title"].endswith("Habitual knife carrier index")


class GoneClaims:
    """The real message memory with the database gone for claims (connection refused)."""

    def __init__(self, memory):
        self.memory = memory

    def begin(self, key, at):
        raise ConnectionError("the database is gone")

    def __getattr__(self, name):
        return getattr(self.memory, name)


def test_a_direct_message_that_cannot_be_claimed_is_answered_try_again(world):
    """Discord sends a DM once: if the database can't take its claim, the person is told so."""

    async def steps(fake: FakeDiscord, client):
        await fake.dispatch("MESSAGE_CREATE", dm_message(ALICE, "PB017"))
        await fake.wait_for(lambda r: r.path == ANSWERS)
        await _settled()
        return _answers(fake)

    (answer,) = play(replace(world, memory=GoneClaims(world.memory)), steps)
    assert "Please try again in a moment." in answer["content"]
