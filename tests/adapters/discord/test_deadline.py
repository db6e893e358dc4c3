"""Discord's 3-second rule: the fake enforces it, and slow work is deferred before it runs out."""

from __future__ import annotations

import threading

from tests.adapters.discord.fake_discord import APP_ID
from tests.adapters.discord.harness import play, slash


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
        payload = slash("search", {"query": "knife crime"})
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
    assert followup.body["content"] == "**11 practices** for “knife crime” (showing 1–5 of 11)."
    assert followup.body["flags"] == 64
    assert len(followup.body["embeds"]) == 5
