"""Discord's 3-second rule: the fake enforces it, and slow work is deferred before it runs out."""

from __future__ import annotations

import threading
from dataclasses import replace

from tests.adapters.discord.fake_discord import APP_ID, MODERATION_CHANNEL_ID
from tests.adapters.discord.harness import (
    CONFIG,
    MO,
    click,
    message_of,
    moderator_roles,
    play,
    slash,
    submit_for_moderation,
)


class SlowBank:
    """The real core behind a gate: it answers only once the test opens the gate."""

    def __init__(self, bank):
        self.bank = bank
        self.gate = threading.Event()

    def handle(self, event):
        assert self.gate.wait(10), "the test never opened the gate"
        return self.bank.handle(event)

    @property
    def searcher(self):
        return self.bank.searcher


def test_fake_refuses_a_first_response_after_the_deadline(world):
    """A first response later than the deadline gets 404 with code 10062, as Discord answers."""

    async def steps(fake, client):
        payload = slash("help")
        await fake.interact(payload)
        return await fake.callback(payload["id"])

    late = play(world, steps, fake_deadline=0.0)
    assert late.status == 404
    assert late.answer == {"code": 10062, "message": "Unknown interaction"}


def test_slow_search_is_deferred_in_time_then_followed_up(world):
    """While the core is still busy, the bot defers (thinking, private); the answer follows up."""
    slow = SlowBank(world.bank)

    async def steps(fake, client):
        payload = slash("search", {"query": "crime"})
        await fake.interact(payload)
        deferred = await fake.callback(payload["id"])
        slow.gate.set()  # the core answers only after the deferral reached Discord
        followup = await fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"webhooks/{APP_ID}/{payload['token']}"
        )
        return deferred, followup

    deferred, followup = play(world, steps, bank=slow, defer_after=0.01)
    assert deferred.status == 200
    assert deferred.body == {"type": 5, "data": {"flags": 64}}
    assert followup.body["content"] == (
        "**11 practices** for “crime” (showing 1–5 of 11)."
        "\nFilter by effectiveness\nFilter by focus"
    )
    assert followup.body["flags"] == 64
    assert len(followup.body["embeds"]) == 5


def test_slow_button_is_deferred_and_its_form_offered_behind_a_button(world):
    """A slow Approve click is acknowledged in time (type 6); as a modal cannot follow a deferral,
    the form comes behind an *Approve* button, which opens the modal at once when pressed."""
    submission = submit_for_moderation(world)
    slow = SlowBank(world.bank)

    async def steps(fake, client):
        assert await client.deliver_due() == 1
        posted = fake.calls("POST", f"channels/{MODERATION_CHANNEL_ID}/messages")[-1]
        card = message_of(fake, posted)
        pressed = click(card, f"mod:approve:{submission.id}", MO, roles=moderator_roles())
        await fake.interact(pressed)
        deferred = await fake.callback(pressed["id"])
        slow.gate.set()
        offered = await fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"webhooks/{APP_ID}/{pressed['token']}"
        )
        (open_form,) = [c for row in offered.body["components"] for c in row["components"]]
        again = click(
            message_of(fake, offered), open_form["custom_id"], MO, roles=moderator_roles()
        )
        await fake.interact(again)
        return deferred, offered.body, open_form, (await fake.callback(again["id"])).body

    deferred, offered, open_form, modal = play(world, steps, bank=slow, defer_after=0.01)
    assert deferred.status == 200
    assert deferred.body == {"type": 6}
    assert offered["flags"] == 64
    assert open_form["label"] == f"Approve {submission.ref}"
    assert open_form["custom_id"].startswith("dc:open:")
    assert modal["type"] == 9
    assert modal["data"]["title"] == f"Approve {submission.ref}"


def test_late_first_response_is_refused_so_deferral_matters(world):
    """Without a deferral, a core slower than the deadline answers too late and gets 10062."""
    slow = SlowBank(world.bank)

    async def steps(fake, client):
        payload = slash("help")
        await fake.interact(payload)
        fake.deadline = 0.0  # the deadline passes while the core is still working
        slow.gate.set()
        return await fake.callback(payload["id"])

    late = play(world, steps, bank=slow, defer_after=30.0)
    assert (late.status, late.answer["code"]) == (404, 10062)


class StalledFacts:
    """The real message memory, but a person's facts wait for the test's gate (or fail).

    What the adapter remembers of a person is read before the core runs; with the database
    stalled that read waits, with it gone it fails.
    """

    def __init__(self, memory, *, fail: bool = False):
        self.memory = memory
        self.fail = fail
        self.gate = threading.Event()

    def _person(self, key: str) -> None:
        if key.startswith("person:"):
            if self.fail:
                raise ConnectionError("the database is gone")
            assert self.gate.wait(10), "the test never opened the gate"

    def message_for(self, workspace_id, key):
        self._person(key)
        return self.memory.message_for(workspace_id, key)

    def remember_message(self, workspace_id, key, channel, message_id, at):
        self._person(key)
        return self.memory.remember_message(workspace_id, key, channel, message_id, at)

    def __getattr__(self, name):
        return getattr(self.memory, name)


SEARCH_ANSWER = "**11 practices** for “crime” (showing 1–5 of 11)."


def test_a_stalled_read_of_the_persons_facts_is_deferred_in_time_too(world):
    """Finding who is asking runs under the deadline as the core does: deferred, then answered.

    Without a home guild the adapter records the guild each person last used (a write before
    the core runs); that write waits on the stalled database.
    """
    stalled = StalledFacts(world.memory)

    async def steps(fake, client):
        payload = slash("search", {"query": "crime"})
        await fake.interact(payload)
        deferred = await fake.callback(payload["id"])
        stalled.gate.set()
        followup = await fake.wait_for(
            lambda r: r.method == "POST" and r.path == f"webhooks/{APP_ID}/{payload['token']}"
        )
        return deferred, followup

    no_home_guild = replace(CONFIG, guild_id=None)
    deferred, followup = play(
        replace(world, memory=stalled), steps, defer_after=0.01, config=no_home_guild
    )
    assert deferred.status == 200
    assert deferred.body == {"type": 5, "data": {"flags": 64}}
    assert followup.body["content"].startswith(SEARCH_ANSWER)


def test_facts_that_cannot_be_read_or_written_do_not_stop_the_answer(world):
    """They are hints: with the database gone for them, the person is still answered."""
    gone = StalledFacts(world.memory, fail=True)

    async def steps(fake, client):
        payload = slash("search", {"query": "crime"})
        await fake.interact(payload)
        return await fake.callback(payload["id"])

    answer = play(replace(world, memory=gone), steps, config=replace(CONFIG, guild_id=None))
    assert answer.status == 200
    assert answer.body["data"]["content"].startswith(SEARCH_ANSWER)
