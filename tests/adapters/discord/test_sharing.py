"""Sharing a practice on Discord: the conversation moves to DMs, or stays private in the channel
when the person's DMs are closed (error 50007).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from adapters.discord.config import PLATFORM
from bot.core import PracticeBank
from store.platform_state import PlatformState
from tests.adapters.discord.fake_discord import APP_ID, GUILD_ID, FakeDiscord, dm_channel_id
from tests.adapters.discord.harness import (
    ALICE,
    ALICE_ID,
    CONFIG,
    click,
    dm_message,
    message_of,
    modal_submit,
    play,
    running_bot,
    sent_message,
    slash,
)

FIRST_QUESTION = (
    "**What is the practice called? A short title, as you would like it listed.**  (1/21)"
)
SECOND_QUESTION = "**Sum it up in a sentence or two: what was done, for whom, and why.**  (2/21)"
ALICE_DM = dm_channel_id(ALICE_ID)


def _ids(body):
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


async def _start(fake):
    payload = slash("share")
    await fake.interact(payload)
    deferred = await fake.callback(payload["id"])
    said = await fake.wait_for(lambda r: r.path == f"webhooks/{APP_ID}/{payload['token']}")
    return payload, deferred, said


def test_share_starts_the_conversation_in_direct_messages(world):
    """`/practice share` defers privately, asks the first question in a DM and says so."""

    async def steps(fake, client):
        _, deferred, said = await _start(fake)
        return deferred, said, fake.calls("POST", f"channels/{ALICE_DM}/messages")

    deferred, said, (question,) = play(world, steps)
    assert deferred.body == {"type": 5, "data": {"flags": 64}}
    assert said.body["content"] == "I have sent you a direct message: let's carry on there."
    assert question.body["content"].endswith(FIRST_QUESTION)
    assert _ids(question.body) == ["share:form", "share:back", "share:cancel"]
    assert question.body["allowed_mentions"] == {"parse": []}


def test_a_direct_message_answers_the_question(world):
    """Text typed in the DM is the answer: the next question follows in the DM."""

    async def steps(fake, client):
        await _start(fake)
        await fake.dispatch("MESSAGE_CREATE", dm_message(ALICE, "Bike marking at **stations**"))
        await fake.wait_for(lambda r: len(fake.calls("POST", f"channels/{ALICE_DM}/messages")) == 2)
        return fake.calls("POST", f"channels/{ALICE_DM}/messages")[1]

    second = play(world, steps)
    assert second.body["content"].startswith(SECOND_QUESTION)


def test_a_button_in_the_dm_is_answered(world):
    """Back, pressed in the DM, goes back to the first question."""

    async def steps(fake, client):
        await _start(fake)
        await fake.dispatch("MESSAGE_CREATE", dm_message(ALICE, "Bike marking"))
        await fake.wait_for(lambda r: len(fake.calls("POST", f"channels/{ALICE_DM}/messages")) == 2)
        message = sent_message(
            fake.calls("POST", f"channels/{ALICE_DM}/messages")[1], channel_id=ALICE_DM
        )
        back = click(message, "share:back", direct=True)
        await fake.interact(back)
        return (await fake.callback(back["id"])).body

    answer = play(world, steps)
    assert answer["type"] == 4
    assert FIRST_QUESTION in answer["data"]["content"]


def test_closed_dms_keep_the_conversation_private_in_the_channel(world):
    """DMs closed: the bot says so and asks here, privately, with a button to type the answer."""

    async def steps(fake, client):
        _, _, said = await _start(fake)
        question = await fake.wait_for(
            lambda r: r.path.startswith("webhooks/") and r is not said and r.method == "POST"
        )
        return said, question

    said, question = play(world, steps, fake_closed_dms=frozenset({ALICE_DM}))
    assert said.body["content"].startswith("I cannot send you direct messages")
    assert said.body["flags"] == 64
    assert question.body["flags"] == 64
    assert question.body["content"].endswith(FIRST_QUESTION)
    assert _ids(question.body) == ["share:form", "share:back", "share:cancel", "dc:answer"]


def test_typed_answer_modal_answers_in_the_channel(world):
    """With DMs closed, *Type your answer* opens a modal whose text answers the question."""

    async def steps(fake, client):
        _, _, said = await _start(fake)
        asked = await fake.wait_for(
            lambda r: r.path.startswith("webhooks/") and r is not said and r.method == "POST"
        )
        press = click(sent_message(asked), "dc:answer")
        await fake.interact(press)
        modal = (await fake.callback(press["id"])).body
        sent = modal_submit(modal["data"], {"answer": "Bike marking\u202e at stations 🚲"})
        await fake.interact(sent)
        return modal, (await fake.callback(sent["id"])).body

    modal, answer = play(world, steps, fake_closed_dms=frozenset({ALICE_DM}))
    assert modal["type"] == 9
    assert modal["data"]["title"] == "Your answer"
    assert answer["type"] == 4
    assert answer["data"]["flags"] == 64
    assert answer["data"]["content"].startswith(SECOND_QUESTION)


def _restartable(world):
    """Run `first` then `second` against one fake, each with a new client, core and state."""

    async def scenario(first, second, config=CONFIG, **fake_options):
        fake = FakeDiscord(**fake_options)
        await fake.start()
        try:
            results = []
            for steps in (first, second):
                options = dict(
                    uow_factory=world.uow_factory,
                    clock=world.clock,
                    memory=PlatformState(world.engine, PLATFORM),
                    config=config,
                )
                bank = PracticeBank(world.uow_factory, world.clock)
                async with running_bot(fake, bank, **options) as client:
                    results.append(await steps(fake, client))
            return results
        finally:
            await fake.stop()

    return scenario


def test_dm_guild_is_remembered_across_a_restart_without_a_home_guild(world):
    """DISCORD_GUILD_ID unset: after a restart, Alice's DM still reaches the draft she started
    in the guild (the guild her DMs belong to is kept in the database): her words answer its next
    question, rather than being read as a search in a workspace of its own."""
    no_home = replace(CONFIG, guild_id=None)

    async def start(fake, client):
        await _start(fake)
        return fake.calls("PUT", f"applications/{APP_ID}/commands")

    async def answer_after_restart(fake, client):
        seen = len(fake.calls("POST", f"channels/{ALICE_DM}/messages"))
        await fake.dispatch("MESSAGE_CREATE", dm_message(ALICE, "Bike marking at stations"))
        await fake.wait_for(
            lambda r: len(fake.calls("POST", f"channels/{ALICE_DM}/messages")) > seen
        )
        return fake.calls("POST", f"channels/{ALICE_DM}/messages")[seen]

    synced, second = asyncio.run(_restartable(world)(start, answer_after_restart, no_home))
    assert len(synced) == 1  # commands synced globally: there is no home guild
    assert second.body["content"].startswith("**Sum it up in a sentence or two")
    with world.uow_factory() as uow:
        (draft,) = uow.submissions.open_for(f"discord:{GUILD_ID}:{ALICE_ID}")
        assert draft.answers == {"title": "Bike marking at stations"}
        assert uow.submissions.open_for(f"discord:dm:{ALICE_ID}") == []


def test_sharing_in_the_channel_is_remembered_across_a_restart(world):
    """DMs closed: after a restart, the questions asked in the channel still offer
    *Type your answer* (the mode is kept in the database)."""

    async def start(fake, client):
        _, _, said = await _start(fake)
        return await fake.wait_for(
            lambda r: r.path.startswith("webhooks/") and r is not said and r.method == "POST"
        )

    async def back_after_restart(fake, client):
        asked = fake.calls("POST", "webhooks/")[-1]
        back = click(message_of(fake, asked), "share:back")
        await fake.interact(back)
        return (await fake.callback(back["id"])).body

    closed = frozenset({ALICE_DM})
    first, answer = asyncio.run(_restartable(world)(start, back_after_restart, closed_dms=closed))
    assert _ids(first.body)[-1] == "dc:answer"
    assert answer["data"]["flags"] == 64
    assert FIRST_QUESTION in answer["data"]["content"]
    assert _ids(answer["data"]) == ["share:back", "share:cancel", "dc:answer"]
