"""The outbox loop on Discord: DMs, the fallback when DMs are closed, and recorded outcomes."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.notices import tell_moderators, tell_person
from bot.kernel.replies import Reply, text
from tests.adapters.discord.fake_discord import (
    GUILD_ID,
    MODERATION_CHANNEL_ID,
    NOTICE_CHANNEL_ID,
    dm_channel_id,
)
from tests.adapters.discord.harness import ALICE, ALICE_ID, MO, click, message_of, play

EPHEMERAL = 64


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


def test_closed_dms_give_only_a_neutral_notice_in_the_channel(world):
    """DMs closed (50007): the channel reads only "I have a private message for you", no text."""
    queue_dm(world, "@everyone look: **published**")

    async def steps(fake, client):
        await client.deliver_due()
        return fake.calls("POST", f"channels/{NOTICE_CHANNEL_ID}/messages")

    (posted,) = play(world, steps, fake_closed_dms=frozenset({dm_channel_id(ALICE_ID)}))
    assert posted.body["content"] == f"<@{ALICE_ID}> I have a private message for you."
    assert "published" not in str(posted.body)
    assert posted.body["allowed_mentions"] == {"parse": [], "users": [int(ALICE_ID)]}
    (button,) = posted.body["components"][0]["components"]
    assert button["label"] == "Show it to me"
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
    assert notification.delivered_at is not None
    assert button["custom_id"] == f"dc:private:{notification.id}"


def _show_it(world, person):
    async def steps(fake, client):
        await client.deliver_due()
        (notice,) = fake.calls("POST", f"channels/{NOTICE_CHANNEL_ID}/messages")
        (button,) = notice.body["components"][0]["components"]
        pressed = click(message_of(fake, notice), button["custom_id"], person)
        await fake.interact(pressed)
        return (await fake.callback(pressed["id"])).body

    return play(world, steps, fake_closed_dms=frozenset({dm_channel_id(ALICE_ID)}))


def test_show_it_to_me_shows_the_private_message_to_its_recipient_only(world):
    """Show it to me answers the recipient with the message itself, ephemeral."""
    queue_dm(world, "Your practice was published as PB064.")
    answer = _show_it(world, ALICE)
    assert answer["type"] == 4
    assert answer["data"]["content"] == "Your practice was published as PB064."
    assert answer["data"]["flags"] == EPHEMERAL


def test_show_it_to_me_pressed_by_someone_else_reveals_nothing(world):
    """Anyone else pressing Show it to me is told it is not for them, and sees nothing of it."""
    queue_dm(world, "Your practice was published as PB064.")
    answer = _show_it(world, MO)
    assert answer["data"]["content"] == "That message is for someone else."
    assert "PB064" not in str(answer)
    assert answer["data"]["flags"] == EPHEMERAL


def test_refused_notification_is_given_up_and_the_moderators_told(world):
    """A card Discord refuses (50035) is not retried; the moderation channel is told it failed."""
    with world.uow_factory() as uow:
        tell_moderators(
            uow,
            uow.workspaces.get("discord", GUILD_ID),
            reply=Reply((text("x"),)),
            key="submission:9",
            now=world.clock.now(),
        )
        uow.commit()

    async def steps(fake, client):
        fake.refuse_next(f"channels/{MODERATION_CHANNEL_ID}/messages")
        fake.expect_refusals()
        await client.deliver_due()
        await client.deliver_due()
        return fake.calls("POST", f"channels/{MODERATION_CHANNEL_ID}/messages")

    refused, told = play(world, steps)
    assert refused.status == 400 and refused.answer["code"] == 50035
    assert told.body["content"].startswith(
        "I could not send a notification (submission:9) to <#800000000000000020>: Discord "
        "refused it ("
    )
    assert told.body["allowed_mentions"] == {"parse": []}
    with world.uow_factory() as uow:
        (notification,) = uow.outbox.all()
    assert notification.delivered_at is None
    assert "50035" in (notification.last_error or "")
    with world.uow_factory() as uow:
        assert uow.outbox.pending("discord", world.clock.now() + timedelta(days=30)) == []


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
