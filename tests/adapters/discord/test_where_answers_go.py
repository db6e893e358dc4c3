"""Discord as it really behaves: sharing from a button continues in DMs, moderators by role in
DMs, private notes never public, modals across a restart, and the longest card delivered.
"""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.discord.config import PLATFORM
from adapters.discord.render import escape
from bot.core import PracticeBank
from bot.kernel.records import SubmissionState
from bot.sharing.questions import QUESTIONS, Kind
from bot.sharing.validate import Invalid
from store.platform_state import PlatformState
from tests.adapters.discord.fake_discord import (
    APP_ID,
    GUILD_ID,
    MODERATION_CHANNEL_ID,
    NOTICE_CHANNEL_ID,
    FakeDiscord,
    dm_channel_id,
    refused_fields,
)
from tests.adapters.discord.harness import (
    ALICE,
    ALICE_ID,
    GUILD_MEMBERS,
    MO,
    MO_ID,
    click,
    dm_message,
    message_of,
    modal_submit,
    moderator_roles,
    play,
    running_bot,
    sent_message,
    slash,
    submit_for_moderation,
)
from tests.adapters.discord.test_share_moderate_publish import Contributor, ids
from tests.support.moderation import queue_for_moderation

ALICE_DM = dm_channel_id(ALICE_ID)
MO_DM = dm_channel_id(MO_ID)
CARDS = f"channels/{MODERATION_CHANNEL_ID}/messages"
SECRET_NOTE = "Out of scope for the bank: SECRET-NOTE-4711"


async def _answer_up_to_review(alice: Contributor, first: Any) -> Any:
    """Answer every question in the DM, as a person would, up to the review card."""
    await alice.say("Night-time economy welfare hubs")
    await alice.say("Volunteers run a welfare hub in town on Friday nights.")
    await alice.say("Reduce violence and vulnerability in the night-time economy.")
    focus = await alice.say("Volunteers staffed a hub with first aid and phone charging.")
    picked = await alice.press(focus, "share:pick:prevention")
    rating = await alice.press(picked, "share:done")
    evaluation = await alice.press(rating, "share:pick:promising")
    await alice.press(evaluation, "share:skip")
    await alice.say("Agree the hub's location with licensees.")
    await alice.say("Example Police")
    await alice.say("Sam Patel")
    await alice.say("sam.patel@example.police.uk")
    for _ in range(9):
        last = await alice.say("skip")
    return await alice.press(last, "share:pick:public")


def test_share_button_under_help_continues_in_dms_and_reaches_the_review_card(world):
    """*Share* under help in a channel asks in Alice's DM; answering there reaches the review
    card, and submitting it puts the card in the moderation channel."""
    seen: dict[str, Any] = {}

    async def steps(fake: FakeDiscord, client):
        alice = Contributor(fake)
        helped = slash("help")
        await fake.interact(helped)
        help_message = message_of(fake, await fake.callback(helped["id"]))
        assert "share" in ids(help_message)
        pressed = click(help_message, "share")
        await fake.interact(pressed)
        seen["pressed"] = (await fake.callback(pressed["id"])).body
        seen["said"] = (
            await fake.wait_for(lambda r: r.path == f"webhooks/{APP_ID}/{pressed['token']}")
        ).body
        first = await alice.next_dm(0)
        seen["first"] = first.body
        review = await _answer_up_to_review(alice, first)
        seen["review"] = review.body
        seen["submitted"] = (await alice.press(review, "share:submit")).body
        await client.deliver_due()
        seen["card"] = (await fake.wait_for(lambda r: r.path == CARDS)).body
        return seen

    play(world, steps)
    assert seen["pressed"] == {"type": 5, "data": {"flags": 64}}  # privately: "thinking…"
    assert seen["said"]["content"] == "I have sent you a direct message: let's carry on there."
    assert "What is the practice called?" in seen["first"]["content"]
    review = seen["review"]["data"]
    assert "share:submit" in [c["custom_id"] for r in review["components"] for c in r["components"]]
    assert review["embeds"][0]["title"].endswith("Night-time economy welfare hubs")
    assert "flags" not in review or not review["flags"]  # a DM step is an ordinary message
    assert seen["card"]["embeds"][0]["title"].endswith("Night-time economy welfare hubs")


def test_share_button_with_dms_closed_continues_privately_with_a_type_your_answer_button(world):
    """DMs closed: the first question comes privately in the channel, with *Type your answer*."""

    async def steps(fake: FakeDiscord, client):
        helped = slash("help")
        await fake.interact(helped)
        pressed = click(message_of(fake, await fake.callback(helped["id"])), "share")
        await fake.interact(pressed)
        await fake.callback(pressed["id"])
        await fake.wait_for(lambda r: len(fake.calls("POST", f"webhooks/{APP_ID}/")) >= 2)
        return [r.body for r in fake.calls("POST", f"webhooks/{APP_ID}/{pressed['token']}")]

    closed, question = play(world, steps, fake_closed_dms=frozenset({ALICE_DM}))
    assert closed["content"].startswith("I cannot send you direct messages")
    assert closed["flags"] == 64
    assert "What is the practice called?" in question["content"]
    assert question["flags"] == 64
    assert "dc:answer" in [c["custom_id"] for r in question["components"] for c in r["components"]]


def test_role_listed_moderator_gets_queue_in_a_dm(world):
    """Mo, a moderator by role only, types `queue` in a DM: the waiting submission is listed."""
    submission = submit_for_moderation(world)

    async def steps(fake: FakeDiscord, client):
        await fake.dispatch("MESSAGE_CREATE", dm_message(MO, "queue"))
        return await fake.wait_for(lambda r: r.path == f"channels/{MO_DM}/messages")

    answer = play(world, steps)
    assert answer.body["content"].startswith("**1 submission waiting**, oldest first.")
    assert submission.ref in answer.body["content"]


def test_a_person_without_the_role_is_refused_queue_in_a_dm(world):
    """Alice, in the guild but without the moderator role, is refused `queue` in a DM."""

    async def steps(fake: FakeDiscord, client):
        await fake.dispatch("MESSAGE_CREATE", dm_message(ALICE, "queue"))
        return await fake.wait_for(lambda r: r.path == f"channels/{ALICE_DM}/messages")

    answer = play(world, steps)
    assert answer.body["content"].startswith("Only this workspace's practice bank moderators")
    assert GUILD_MEMBERS[ALICE_ID] == ()


def test_with_dms_closed_a_rejection_note_never_appears_where_others_read(world):
    """Rejected with a note while Alice's DMs are closed: no channel but the moderators' own
    shows the note; Alice alone sees it, privately, behind *Show it to me*."""
    submission = submit_for_moderation(world)

    async def steps(fake: FakeDiscord, client):
        assert await client.deliver_due() == 1
        card = fake.calls("POST", CARDS)[-1]
        card_message = message_of(fake, card)
        pressed = click(card_message, f"mod:reject:{submission.id}", MO, roles=moderator_roles())
        await fake.interact(pressed)
        opened = (await fake.callback(pressed["id"])).body
        sent = modal_submit(opened["data"], {"note": SECRET_NOTE}, MO, roles=moderator_roles())
        await fake.interact(sent)
        await fake.callback(sent["id"])
        await client.deliver_due()
        (notice,) = fake.calls("POST", f"channels/{NOTICE_CHANNEL_ID}/messages")
        (button,) = notice.body["components"][0]["components"]
        shown = click(message_of(fake, notice), button["custom_id"], ALICE)
        await fake.interact(shown)
        return fake, notice, (await fake.callback(shown["id"])).body

    fake, notice, shown = play(world, steps, fake_closed_dms=frozenset({ALICE_DM}))
    public = [
        r
        for r in fake.requests
        if r.method in ("POST", "PATCH")
        and r.status == 200  # what Discord showed (the refused DM reached nobody)
        and SECRET_NOTE in str(r.body)
        and not r.path.startswith(CARDS)
        and not (r.path.startswith("interactions/") and r.body.get("type") == 9)
    ]
    # Only Alice's own ephemeral answer and the moderator's own (ephemeral) confirmation remain.
    for request in public:
        data = request.body.get("data", request.body)
        assert data.get("flags") == 64, request.path
    assert SECRET_NOTE not in str(notice.body)
    assert notice.body["content"] == f"<@{ALICE_ID}> I have a private message for you."
    assert SECRET_NOTE in shown["data"]["content"]
    assert shown["data"]["flags"] == 64


def test_modal_opened_before_a_restart_and_sent_after_is_answered_and_kept(world):
    """Mo opens *Reject*, the bot restarts, Mo sends the modal: answered, the note is saved."""
    submission = submit_for_moderation(world)

    async def scenario():
        fake = FakeDiscord()
        fake.members |= GUILD_MEMBERS
        await fake.start()
        try:
            options = dict(uow_factory=world.uow_factory, clock=world.clock, memory=world.memory)
            async with running_bot(fake, world.bank, **options) as first:
                assert await first.deliver_due() == 1
                card = sent_message(fake.calls("POST", CARDS)[-1], channel_id=MODERATION_CHANNEL_ID)
                pressed = click(card, f"mod:reject:{submission.id}", MO, roles=moderator_roles())
                await fake.interact(pressed)
                opened = (await fake.callback(pressed["id"])).body
            restarted = dict(
                uow_factory=world.uow_factory,
                clock=world.clock,
                memory=PlatformState(world.engine, PLATFORM),
            )
            bank = PracticeBank(world.uow_factory, world.clock)
            async with running_bot(fake, bank, **restarted):
                sent = modal_submit(
                    opened["data"], {"note": SECRET_NOTE}, MO, roles=moderator_roles()
                )
                await fake.interact(sent)
                return opened, (await fake.callback(sent["id"])).body
        finally:
            await fake.stop()

    opened, answered = asyncio.run(scenario())
    assert opened["type"] == 9
    assert opened["data"]["custom_id"] == f"dc:form:mod:reject:{submission.id}"
    assert answered["type"] == 4
    assert answered["data"]["content"].startswith(f"Rejected {submission.ref}")
    with world.uow_factory() as uow:
        stored = uow.submissions.get(submission.workspace, submission.id)
        (review,) = uow.reviews.for_submission(submission.id)
    assert stored is not None and stored.state is SubmissionState.REJECTED
    assert review.note == SECRET_NOTE


def _longest_answers() -> dict[str, Any]:
    """Every question answered at its longest, with markup and mentions, as the dialogue keeps."""
    unit = "Street triage & mental health **x** @everyone <@&1> \U0001f693 "
    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        if question.kind is Kind.CHOICE:
            answers[question.field] = question.choices[0][0]
            continue
        if question.kind is Kind.MULTI_CHOICE:
            answers[question.field] = [value for value, _ in question.choices]
            continue
        long_text = (unit * (question.max_length // len(unit) + 1))[: question.max_length]
        items = ", ".join(["x" * 90 + str(n) for n in range(10)])[: question.max_length]
        email = ("a" * 60 + ".") * 3 + "a" * 40 + "@" + "example.police.uk"
        candidates = [
            long_text,
            items,
            ", ".join("https://example.org/" + "a" * 400 + str(n) for n in range(5)),
            email[: question.max_length],
            "2024-01-01",
            "January 2024",
        ]
        best = None
        for raw in candidates:
            value = question.validator(raw, question.max_length)
            if not isinstance(value, Invalid) and (
                best is None or len(str(value)) > len(str(best))
            ):
                best = value
        assert best is not None, question.field
        answers[question.field] = best
    return answers


def test_submission_with_every_field_at_its_longest_reaches_the_moderation_channel(world):
    """The longest possible submission is delivered as a card Discord accepts, buttons and all."""
    answers = _longest_answers()
    submission = queue_for_moderation(
        world.uow_factory,
        world.clock.now(),
        platform="discord",
        workspace_id=GUILD_ID,
        contributor_id=ALICE_ID,
        answers=answers,
    )

    async def steps(fake: FakeDiscord, client):
        delivered = await client.deliver_due()
        return delivered, fake.calls("POST", CARDS)

    delivered, posts = play(world, steps)
    assert delivered == 1
    assert all(p.status == 200 and refused_fields(p.path, p.body) == {} for p in posts)
    buttons = [
        c["custom_id"] for p in posts for r in p.body.get("components", []) for c in r["components"]
    ]
    assert buttons == [
        f"mod:approve:{submission.id}",
        f"mod:changes:{submission.id}",
        f"mod:reject:{submission.id}",
    ]
    shown = "".join(
        (e.get("description") or "") + "".join(f["value"] for f in e.get("fields", []))
        for p in posts
        for e in p.body.get("embeds", [])
    )
    compact = "".join(shown.split())
    for name in ("summary", "description", "evaluation", "learning"):  # given whole, not cut
        assert "".join(escape(answers[name]).split()) in compact, name
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
    assert notification.delivered_at is not None
