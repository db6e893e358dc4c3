"""Issue 5's acceptance path on Discord: share in DMs, moderate, revise, publish, find it.

Everything goes through the real discord.py client and the fake Discord: the contributor answers
by direct messages (gateway MESSAGE_CREATE) and by buttons and menus (INTERACTION_CREATE); the
moderation card and the messages to the contributor are posted by the running delivery loop; the
moderator decides with buttons and modals. The assertions name the exact REST calls.
"""

from __future__ import annotations

from typing import Any

from tests.adapters.discord.fake_discord import (
    APP_ID,
    CHANNEL_ID,
    MODERATION_CHANNEL_ID,
    FakeDiscord,
    Recorded,
    dm_channel_id,
)
from tests.adapters.discord.harness import (
    ALICE,
    ALICE_ID,
    MO,
    click,
    dm_message,
    message_of,
    modal_submit,
    moderator_roles,
    play,
    slash,
)

ALICE_DM = dm_channel_id(ALICE_ID)
CARDS = f"channels/{MODERATION_CHANNEL_ID}/messages"
TITLE = "Night-time economy welfare hubs"
NOTE = "Say how you evaluated it @everyone **now** <@&800000000000000040>"
NOTE_SHOWN = "Say how you evaluated it @\u200beveryone \\*\\*now\\*\\* <@\u200b&800000000000000040>"
EVALUATION = "Ambulance call-outs from the town centre fell by a fifth on hub nights."
NO_PINGS = {"parse": []}
EPHEMERAL = 64
THANKS = "Thanks — S-0001 is with the moderators.\nI'll tell you here when they have looked at it."
OUTBOX = [  # in the order the core wrote them
    ("channel", True),  # the card
    ("person", True),  # the note to Alice
    ("channel", True),  # the card's edit: changes requested
    ("channel", True),  # the card of the resubmission
    ("person", True),  # Alice told of the publication
    ("channel", True),  # the card's edit: approved
]
REVIEW_IDS = ["dc:choice:0", "share:submit", "share:cancel"]


def ids(body: dict[str, Any]) -> list[str]:
    """The custom ids of a message's components, row by row."""
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


class Contributor:
    """Alice at her keyboard: types in her DM with the bot and presses what it shows her."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def dms(self) -> list[Recorded]:
        return self.fake.calls("POST", f"channels/{ALICE_DM}/messages")

    async def next_dm(self, seen: int) -> Recorded:
        """The first DM posted after the `seen` first ones (waits, bounded, for it)."""
        await self.fake.wait_for(lambda r: len(self.dms()) > seen)
        return self.dms()[seen]

    async def say(self, words: str) -> Recorded:
        """Type a direct message to the bot; return the bot's answer in the DM."""
        seen = len(self.dms())
        await self.fake.dispatch("MESSAGE_CREATE", dm_message(ALICE, words))
        return await self.next_dm(seen)

    async def press(self, on: Recorded, custom_id: str, values: list[str] | None = None) -> Any:
        """Press a component of a message in the DM; return the interaction's callback body."""
        message = message_of(self.fake, on)
        assert custom_id in ids(message) or values, f"{custom_id} is not on that message"
        pressed = click(message, custom_id, ALICE, direct=True, values=values)
        await self.fake.interact(pressed)
        return await self.fake.callback(pressed["id"])


class Moderator:
    """Mo in the moderation channel: presses a card's buttons and fills in the modal."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    async def decide(
        self, card: Recorded, custom_id: str, values: dict[str, str | list[str]]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Press `custom_id` on the card, send the modal it opens; return (modal, answer)."""
        message = message_of(self.fake, card)
        assert custom_id in ids(message)
        pressed = click(message, custom_id, MO, roles=moderator_roles())
        await self.fake.interact(pressed)
        opened = (await self.fake.callback(pressed["id"])).body
        assert opened["type"] == 9, opened
        sent = modal_submit(opened["data"], values, MO, roles=moderator_roles(), message=message)
        await self.fake.interact(sent)
        return opened["data"], (await self.fake.callback(sent["id"])).body


async def _card(fake: FakeDiscord, number: int) -> Recorded:
    """The `number`-th moderation card the delivery loop posted (waits, bounded, for it)."""
    await fake.wait_for(lambda r: len(fake.calls("POST", CARDS)) >= number)
    return fake.calls("POST", CARDS)[number - 1]


async def _edit_of(fake: FakeDiscord, card: Recorded) -> Recorded:
    """The edit the delivery loop made to a posted card (waits, bounded, for it)."""
    path = f"{CARDS}/{card.answer['id']}"
    return await fake.wait_for(lambda r: r.method == "PATCH" and r.path == path)


def test_share_moderate_revise_publish_and_find(world):
    """Share in DMs → card → request changes → revise → resubmit → approve → told → found."""
    seen: dict[str, Any] = {}

    async def steps(fake: FakeDiscord, client):
        alice, mo = Contributor(fake), Moderator(fake)

        # --- /practice share in #general: deferred privately, the questions go to the DM ---
        share = slash("share")
        await fake.interact(share)
        seen["deferred"] = (await fake.callback(share["id"])).body
        seen["said"] = (
            await fake.wait_for(lambda r: r.path == f"webhooks/{APP_ID}/{share['token']}")
        ).body
        seen["first"] = (await alice.next_dm(0)).body
        await alice.say(TITLE)
        await alice.say("Volunteers run a welfare hub in town on Friday nights.")
        await alice.say("Reduce violence and vulnerability in the night-time economy.")
        focus = await alice.say("Volunteers staffed a hub with first aid and phone charging.")
        seen["focus"] = focus.body
        picked = await alice.press(focus, "share:pick:prevention")
        seen["picked"] = picked.body
        rating = await alice.press(picked, "share:done")
        evaluation = await alice.press(rating, "share:pick:promising")
        seen["evaluation"] = evaluation.body
        await alice.press(evaluation, "share:skip")
        await alice.say("Agree the hub's location with licensees.")
        await alice.say("Example Police")
        await alice.say("Sam Patel")
        await alice.say("sam.patel@example.police.uk")
        for _ in range(9):  # topics, region, partners, target group, stage, dates, cost, links
            last = await alice.say("skip")
        review = await alice.press(last, "share:pick:public")
        seen["review"] = review.body
        region = await alice.press(review, "dc:choice:0", values=["share:edit:region"])
        seen["region"] = region.body
        review = await alice.say("Northshire")
        seen["review_again"] = review.body
        seen["submitted"] = (await alice.press(review, "share:submit")).body

        # --- the delivery loop posts the card; Mo requests changes with a hostile note ---
        first_card = await _card(fake, 1)
        seen["first_card"] = first_card.body
        dms_before_note = len(alice.dms())
        seen["changes_modal"], seen["changes_answer"] = await mo.decide(
            first_card, "mod:changes:1", {"note": NOTE}
        )
        seen["first_card_edit"] = (await _edit_of(fake, first_card)).body
        note_dm = await alice.next_dm(dms_before_note)
        seen["note_dm"] = note_dm.body

        # --- Alice revises the evaluation and resubmits ---
        revising = await alice.press(note_dm, "share:revise:1")
        seen["revising"] = revising.body
        asked = await alice.say("edit evaluation")
        seen["asked"] = asked.body
        review = await alice.say(EVALUATION)
        seen["revised"] = review.body
        seen["resubmitted"] = (await alice.press(review, "share:submit")).body

        # --- the new card; Mo approves it as Worked; the card is edited; Alice is told ---
        second_card = await _card(fake, 2)
        seen["second_card"] = second_card.body
        dms_before_outcome = len(alice.dms())
        seen["approve_modal"], seen["approve_answer"] = await mo.decide(
            second_card,
            "mod:approve:1",
            {
                "effectiveness": ["worked"],
                "focus": ["prevention"],
                "topics": "night-time economy",
                "linked_to": [],
                "note": "",
            },
        )
        seen["second_card_edit"] = (await _edit_of(fake, second_card)).body
        seen["told"] = (await alice.next_dm(dms_before_outcome)).body

        # --- anyone searching finds the new practice ---
        search = slash("search", {"query": "night-time economy welfare hub"}, MO)
        await fake.interact(search)
        seen["found"] = (await fake.callback(search["id"])).body
        seen["requests"] = list(fake.requests)

    play(world, steps, deliver=True)

    # Sharing starts privately in #general and carries on in Alice's DMs.
    assert seen["deferred"] == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert seen["said"]["content"] == "I have sent you a direct message: let's carry on there."
    assert seen["said"]["flags"] == EPHEMERAL
    assert seen["first"]["content"].endswith(
        "**What is the practice called? A short title, as you would like it listed.**  (1/21)"
    )
    assert ids(seen["first"]) == ["share:form", "share:back", "share:cancel"]
    assert ids(seen["focus"]) == [
        "share:pick:prevention",
        "share:pick:diversion",
        "share:pick:reoffending",
        "share:pick:organisational",
        "share:pick:location",
        "share:done",
        "share:back",
        "share:cancel",
    ]
    picked = seen["picked"]["data"]
    assert picked["content"].endswith("Picked so far: **Prevention**.")
    assert picked["components"][0]["components"][0]["label"] == "✓ Prevention"
    assert seen["evaluation"]["data"]["content"].startswith(
        "**How was it evaluated, and what were the results?**  (7/21)"
    )
    assert ids(seen["evaluation"]["data"]) == ["share:back", "share:skip", "share:cancel"]
    review = seen["review"]["data"]
    assert review["content"].startswith("**Please check your practice** before it goes")
    assert review["embeds"][0]["title"] == f"S-0001 · {TITLE}"
    assert ids(review) == REVIEW_IDS
    assert seen["region"]["data"]["content"].startswith(
        "**Which area or region did it cover?**  (13/21)"
    )
    assert {"name": "Region", "value": "Northshire", "inline": False} in (
        seen["review_again"]["embeds"][0]["fields"]
    )
    assert seen["submitted"]["data"]["content"] == THANKS

    # The card, posted by the delivery loop in the moderation channel.
    first_card = seen["first_card"]
    assert first_card["content"] == "**Submission S-0001** from Alice."
    assert first_card["embeds"][0]["title"] == f"S-0001 · {TITLE}"
    assert ids(first_card) == ["mod:approve:1", "mod:changes:1", "mod:reject:1"]

    # Request changes: a one-field modal, the card edited without buttons, Alice sent the note.
    (note,) = seen["changes_modal"]["components"]
    assert seen["changes_modal"]["title"] == "Request changes S-0001"
    assert (note["label"], note["component"]["custom_id"]) == (
        "What should the contributor change?",
        "note",
    )
    assert note["component"]["required"] is True
    assert seen["changes_answer"]["data"] == {
        "tts": False,
        "content": "Changes requested on S-0001. The contributor was sent your note.",
        "flags": EPHEMERAL,
        "allowed_mentions": NO_PINGS,
    }
    assert seen["first_card_edit"]["content"] == (
        "**Submission S-0001** from Alice.\n"
        "**Changes requested by Mo at 1 Mar 2025 09:30 UTC.**\n"
        f"Note: {NOTE_SHOWN}"
    )
    assert seen["first_card_edit"]["components"] == []
    assert seen["note_dm"]["content"] == (
        f"The moderators asked for changes to your submission S-0001 “{TITLE}”:\n"
        f"{NOTE_SHOWN}\n"
        "Revise it and submit it again; it keeps its place."
    )
    assert ids(seen["note_dm"]) == ["share:revise:1"]

    # Alice revises from the DM and resubmits.
    assert seen["revising"]["data"]["content"].startswith(
        f"**Revising S-0001**.\nThe moderators asked: *{NOTE_SHOWN}*\n"
    )
    assert seen["asked"]["content"].startswith(
        "**How was it evaluated, and what were the results?**  (7/21)"
    )
    assert {"name": "Evaluation", "value": EVALUATION, "inline": False} in (
        seen["revised"]["embeds"][0]["fields"]
    )
    assert seen["resubmitted"]["data"]["content"] == THANKS

    # A fresh card for the resubmission; Approve opens the rating modal; the card is edited.
    second_card = seen["second_card"]
    assert second_card["content"] == (
        "**Submission S-0001** from Alice, resubmitted after changes were requested.\n"
        f"Changes requested by Mo at 1 Mar 2025 09:30 UTC: *{NOTE_SHOWN}*"
    )
    assert ids(second_card) == ["mod:approve:1", "mod:changes:1", "mod:reject:1"]
    modal = seen["approve_modal"]
    assert modal["title"] == "Approve S-0001"
    assert [c["component"]["custom_id"] for c in modal["components"]] == [
        "effectiveness",
        "focus",
        "topics",
        "linked_to",
        "note",
    ]
    rating = modal["components"][0]["component"]["options"]
    assert [o["value"] for o in rating if o["default"]] == ["promising"]
    assert seen["approve_answer"]["data"]["content"] == (
        "Approved S-0001: published as PB901 (Worked). The contributor was told."
    )
    assert seen["second_card_edit"]["content"] == (
        "**Submission S-0001** from Alice, resubmitted after changes were requested.\n"
        f"Changes requested by Mo at 1 Mar 2025 09:30 UTC: *{NOTE_SHOWN}*\n"
        "**Approved by Mo at 1 Mar 2025 09:30 UTC: published as PB901.**"
    )
    assert seen["second_card_edit"]["components"] == []

    # Alice is told by DM, with the published practice; searching finds it first.
    told = seen["told"]
    assert told["content"] == (
        f"Your practice “{TITLE}” was approved and is now in the bank as PB901."
    )
    assert told["embeds"][0]["title"] == f"PB901 · {TITLE}"
    assert told["embeds"][0]["color"] == 0x2E7D32  # worked: green
    assert seen["found"]["data"]["embeds"][0]["title"] == f"1. PB901 · {TITLE}"

    # Across the whole path: every call succeeded, nothing could ping, nothing went to #general.
    requests = seen["requests"]
    assert [r for r in requests if r.status != 200] == []
    sent = [r.body.get("data", r.body) for r in requests if r.method in ("POST", "PATCH")]
    with_text = [b for b in sent if isinstance(b, dict) and ("content" in b or "embeds" in b)]
    assert len(with_text) == 40
    assert all(b["allowed_mentions"] == NO_PINGS for b in with_text)
    assert [r.path for r in requests if r.method == "POST" and r.path.startswith(CARDS)] == [
        CARDS,
        CARDS,
    ]
    assert len([r for r in requests if r.method == "PATCH"]) == 2
    assert not [r for r in requests if r.path.startswith(f"channels/{CHANNEL_ID}/")]
    with world.uow_factory() as uow:
        outbox = uow.outbox.all()
    assert [(n.audience.value, n.delivered_at is not None) for n in outbox] == OUTBOX
