"""The outbox loop on Discord: DMs, the fallback when DMs are closed, and recorded outcomes."""

from __future__ import annotations

from bot.kernel.notices import tell_moderators, tell_person
from bot.kernel.replies import Reply, text
from tests.adapters.discord.fake_discord import (
    GUILD_ID,
    MODERATION_CHANNEL_ID,
    NOTICE_CHANNEL_ID,
    dm_channel_id,
)
from tests.adapters.discord.harness import ALICE_ID, play


def queue_dm(world, message: str) -> None:
    with world.uow_factory() as uow:
        tell_person(
            uow,
            platform="discord",
            workspace_id=GUILD_ID,
            actor_key=f"discord:{GUILD_ID}:{ALICE_ID}",
            reply=Reply((text(message),)),
            key="submission:7",
            now=world.clock.now(),
        )
        uow.commit()


def test_notification_to_a_person_is_a_direct_message(world):
    """A person's notification opens a DM and is posted there, pinging nobody; marked delivered."""
    queue_dm(world, "Your practice was published as PB064.")

    async def steps(fake, client):
        delivered = await client.deliver_due()
        return delivered, fake.calls("POST", f"channels/{dm_channel_id(ALICE_ID)}/messages")

    delivered, (posted,) = play(world, steps)
    assert delivered == 1
    assert posted.body["content"] == "Your practice was published as PB064."
    assert posted.body["allowed_mentions"] == {"parse": []}
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
    assert notification.delivered_at is not None


def test_closed_dms_fall_back_to_a_mention_in_the_notice_channel(world):
    """DMs closed (50007): the person is mentioned in the system channel, and only they can be."""
    queue_dm(world, "@everyone look: **published**")

    async def steps(fake, client):
        await client.deliver_due()
        return fake.calls("POST", f"channels/{NOTICE_CHANNEL_ID}/messages")

    (posted,) = play(world, steps, fake_closed_dms=frozenset({dm_channel_id(ALICE_ID)}))
    assert posted.body["content"] == (
        f"<@{ALICE_ID}> your direct messages are closed to me, so here is my message:\n"
        "@\u200beveryone look: \\*\\*published\\*\\*"
    )
    assert posted.body["allowed_mentions"] == {"parse": [], "users": [int(ALICE_ID)]}
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
    assert notification.delivered_at is not None


def test_a_recipient_that_is_no_discord_id_is_given_up_with_the_error(world):
    """A recipient that can never be reached is one recorded attempt, given up, error kept."""
    with world.uow_factory() as uow:
        tell_person(
            uow,
            platform="discord",
            workspace_id=GUILD_ID,
            actor_key=f"discord:{GUILD_ID}:not-a-user-id",
            reply=Reply((text("Hello"),)),
            key="",
            now=world.clock.now(),
        )
        uow.commit()

    async def steps(fake, client):
        return await client.deliver_due()

    assert play(world, steps) == 0
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
        assert uow.outbox.pending("discord", world.clock.now()) == []
    assert notification.delivered_at is None
    assert notification.attempts == 1
    assert notification.last_error.startswith("ValueError")


def test_rate_limited_channel_post_is_retried_by_discord_py(world):
    """A 429 on a channel post: discord.py waits out Retry-After and the message arrives once."""
    cards = f"channels/{MODERATION_CHANNEL_ID}/messages"
    with world.uow_factory() as uow:
        tell_moderators(
            uow,
            uow.workspaces.get("discord", GUILD_ID),
            reply=Reply((text("Submission S-0009 from Alice."),), private=False),
            key="submission:9",
            now=world.clock.now(),
        )
        uow.commit()

    async def steps(fake, client):
        delivered = await client.deliver_due()
        return delivered, fake.calls("POST", cards)

    delivered, posts = play(world, steps, fake_rate_limited={cards: 1}, fake_retry_after=0.05)
    assert delivered == 1
    assert [(p.status, p.body["content"]) for p in posts] == [
        (429, "Submission S-0009 from Alice."),
        (200, "Submission S-0009 from Alice."),
    ]
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
    assert notification.delivered_at is not None
    assert (notification.attempts, notification.last_error) == (1, None)  # one attempt of ours
