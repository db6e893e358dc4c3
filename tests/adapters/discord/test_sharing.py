"""Sharing a practice on Discord: the conversation moves to DMs, or stays private in the channel
when the person's DMs are closed (error 50007).
"""

from __future__ import annotations

from tests.adapters.discord.fake_discord import APP_ID, dm_channel_id
from tests.adapters.discord.harness import (
    ALICE,
    ALICE_ID,
    click,
    dm_message,
    modal_submit,
    play,
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
    assert _ids(question.body) == ["share:back", "share:cancel"]
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
    assert _ids(question.body) == ["share:back", "share:cancel", "dc:answer"]


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
