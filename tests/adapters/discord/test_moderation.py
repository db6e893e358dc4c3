"""Moderation in Discord: the card from the outbox, its buttons (also after a restart), modals,
the card edited with the outcome, and non-moderators refused; all through the fake Discord.
"""

from __future__ import annotations

import asyncio

from adapters.discord.config import PLATFORM
from bot.core import PracticeBank
from bot.kernel.records import SubmissionState
from store.platform_state import PlatformState
from tests.adapters.discord.fake_discord import MODERATION_CHANNEL_ID, FakeDiscord
from tests.adapters.discord.harness import (
    ALICE,
    ALICE_ID,
    MO,
    click,
    modal_submit,
    moderator_roles,
    play,
    running_bot,
    sent_message,
    submit_for_moderation,
)


async def _post_card(fake, client):
    """Run a delivery round and return the moderation card as posted."""
    assert await client.deliver_due() == 1
    posted = fake.calls("POST", f"channels/{MODERATION_CHANNEL_ID}/messages")[-1]
    message = sent_message(posted, channel_id=MODERATION_CHANNEL_ID)
    message["id"] = posted.answer["id"]
    return message


async def _press(fake, payload):
    await fake.interact(payload)
    return (await fake.callback(payload["id"])).body


def _ids(data):
    return [c["custom_id"] for row in data.get("components", []) for c in row["components"]]


def test_submission_card_is_posted_with_decision_buttons(world):
    """The outbox's moderation card is posted in the moderation channel with the three buttons."""
    submission = submit_for_moderation(world)

    async def steps(fake, client):
        await _post_card(fake, client)
        return fake.calls("POST", f"channels/{MODERATION_CHANNEL_ID}/messages")

    (posted,) = play(world, steps)
    assert posted.body["allowed_mentions"] == {"parse": []}
    assert (
        posted.body["embeds"][0]["title"]
        == f"{submission.target_ref or submission.ref} · Bike marking at railway stations"
    )
    assert _ids(posted.body) == [
        f"mod:approve:{submission.id}",
        f"mod:changes:{submission.id}",
        f"mod:reject:{submission.id}",
    ]
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
    assert notification.delivered_at is not None


def test_approve_opens_a_modal_and_publishing_edits_the_card(world):
    """Approve → modal with rating, focus, topics, linked-to and note → published; card edited."""
    submission = submit_for_moderation(world)

    async def steps(fake, client):
        card = await _post_card(fake, client)
        opened = await _press(
            fake, click(card, f"mod:approve:{submission.id}", MO, roles=moderator_roles())
        )
        sent = modal_submit(
            opened["data"],
            {
                "effectiveness": ["promising"],
                "focus": ["prevention"],
                "topics": "cycle theft",
                "linked_to": [],
                "note": "Thank you!",
            },
            MO,
            roles=moderator_roles(),
            message=card,
        )
        answered = await _press(fake, sent)
        await client.deliver_due()
        edits = fake.calls("PATCH", f"channels/{MODERATION_CHANNEL_ID}/messages/{card['id']}")
        return opened, answered, edits

    opened, answered, edits = play(world, steps)
    assert opened["type"] == 9
    modal = opened["data"]
    assert modal["title"] == f"Approve {submission.ref}"
    assert [c["component"]["custom_id"] for c in modal["components"]] == [
        "effectiveness",
        "focus",
        "topics",
        "linked_to",
        "note",
    ]
    assert [c["label"] for c in modal["components"]][:2] == ["Effectiveness", "Focus"]
    rating = modal["components"][0]["component"]
    assert [o["value"] for o in rating["options"] if o.get("default")] == ["promising"]
    assert answered["type"] == 4
    assert answered["data"]["flags"] == 64
    (edit,) = edits
    assert edit.body["components"] == []
    assert "Approved by Mo" in edit.body["content"]
    assert edit.body["allowed_mentions"] == {"parse": []}


def test_request_changes_takes_a_note_and_edits_the_card(world):
    """Request changes → a modal with a required note → the card says so, buttons gone."""
    submission = submit_for_moderation(world)

    async def steps(fake, client):
        card = await _post_card(fake, client)
        opened = await _press(
            fake, click(card, f"mod:changes:{submission.id}", MO, roles=moderator_roles())
        )
        sent = modal_submit(
            opened["data"], {"note": "Add the evaluation."}, MO, roles=moderator_roles()
        )
        await _press(fake, sent)
        await client.deliver_due()
        (edit,) = fake.calls("PATCH", f"channels/{MODERATION_CHANNEL_ID}/messages/{card['id']}")
        return opened["data"], edit.body

    modal, edit = play(world, steps)
    (note,) = modal["components"]
    assert note["component"]["custom_id"] == "note"
    assert note["component"]["required"] is True
    assert edit["components"] == []
    assert "Changes requested by Mo" in edit["content"]


def test_reject_tells_the_contributor_by_direct_message(world):
    """Reject → the card is edited and Alice gets a DM about it."""
    submission = submit_for_moderation(world)

    async def steps(fake, client):
        card = await _post_card(fake, client)
        opened = await _press(
            fake, click(card, f"mod:reject:{submission.id}", MO, roles=moderator_roles())
        )
        await _press(
            fake,
            modal_submit(opened["data"], {"note": "Out of scope."}, MO, roles=moderator_roles()),
        )
        await client.deliver_due()
        return fake

    fake = play(world, steps)
    (edit,) = fake.calls("PATCH", f"channels/{MODERATION_CHANNEL_ID}/messages/")
    assert "Rejected by Mo" in edit.body["content"]
    (opened_dm,) = fake.calls("POST", "users/@me/channels")
    assert str(opened_dm.body["recipient_id"]) == ALICE_ID
    dms = [r for r in fake.calls("POST", "channels/") if r.path.startswith("channels/6")]
    assert len(dms) == 1
    assert dms[0].body["allowed_mentions"] == {"parse": []}


def test_non_moderator_click_is_refused_privately(world):
    """Alice, no moderator, pressing Approve gets an ephemeral refusal; nothing is decided."""
    submission = submit_for_moderation(world)

    async def steps(fake, client):
        card = await _post_card(fake, client)
        answer = await _press(fake, click(card, f"mod:approve:{submission.id}", ALICE))
        await client.deliver_due()
        return answer, fake

    answer, fake = play(world, steps)
    assert answer["type"] == 4
    assert answer["data"]["flags"] == 64
    assert answer["data"]["content"].startswith(
        "Only this workspace's practice bank moderators can do that."
    )
    assert fake.calls("PATCH", "channels/") == []
    assert len(fake.calls("POST", "channels/")) == 1  # the card; no DM, no second card
    with world.uow_factory() as uow:
        assert (
            uow.submissions.get(submission.workspace, submission.id).state
            is SubmissionState.SUBMITTED
        )


def test_button_on_a_card_posted_before_a_restart_still_works(world):
    """A card posted by the previous process is decided after a restart (new client, new core,
    same database): the modal opens, the decision is saved and that old card is edited."""
    submission = submit_for_moderation(world)

    async def scenario():
        fake = FakeDiscord()
        await fake.start()
        try:
            options = dict(uow_factory=world.uow_factory, clock=world.clock, memory=world.memory)
            async with running_bot(fake, world.bank, **options) as first:
                card = await _post_card(fake, first)
            # The restart: nothing of the first process survives but the database.
            restarted = dict(
                uow_factory=world.uow_factory,
                clock=world.clock,
                memory=PlatformState(world.engine, PLATFORM),
            )
            bank = PracticeBank(world.uow_factory, world.clock)
            async with running_bot(fake, bank, **restarted) as second:
                assert second is not first
                opened = await _press(
                    fake, click(card, f"mod:approve:{submission.id}", MO, roles=moderator_roles())
                )
                values = {"effectiveness": ["worked"], "focus": ["prevention"], "note": ""}
                sent = modal_submit(opened["data"], values, MO, roles=moderator_roles())
                answered = await _press(fake, sent)
                await second.deliver_due()
                return opened, answered, card, fake
        finally:
            await fake.stop()

    opened, answered, card, fake = asyncio.run(scenario())
    assert opened["type"] == 9
    assert opened["data"]["title"] == f"Approve {submission.ref}"
    assert answered["data"]["content"].startswith(f"Approved {submission.ref}: published as PB901")
    (edit,) = fake.calls("PATCH", f"channels/{MODERATION_CHANNEL_ID}/messages/{card['id']}")
    assert edit.body["components"] == []
    assert "Approved by Mo" in edit.body["content"]
