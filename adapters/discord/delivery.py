"""Sends one outbox notification on Discord: DMs and channel posts; says how it went.

The shared delivery loop (`bot.kernel.delivery.DeliveryLoop`) leases, retries and records in its
own thread; this module supplies only `DiscordDelivery.send`, which runs the sending coroutine on
the client's event loop and waits for it there, so database work never runs on the event loop.
discord.py waits out an ordinary 429 itself; what still fails is classified: 5xx, timeouts and
connection errors are transient (retried with back-off), a missing channel or user, a refused
permission or a malformed message are permanent (given up and reported). The message posted for a
notification key is remembered (`posted_messages`), so a later notification with `replace` edits
it: the moderation card then shows the decision and loses its buttons.

A person whose DMs are closed to the bot (Discord error 50007) is mentioned in the notice channel
(`DISCORD_NOTICE_CHANNEL_ID`, else the guild's system channel) with the message instead; only
that person can be pinged by it.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Any, Protocol

import aiohttp
import discord

from adapters.discord.components import build_view
from adapters.discord.interactions import CANNOT_DM, send_to
from adapters.discord.render import Rendered, render_reply, shorten
from bot.kernel.delivery import SendOutcome
from bot.kernel.ports import Clock
from bot.kernel.records import Audience, Notification

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 45.0  # below the outbox lease (a minute by default)
DMS_CLOSED_PREFIX = "{mention} your direct messages are closed to me, so here is my message:"


class MessageMemory(Protocol):
    """Where posted messages are remembered (`PlatformState` is one)."""

    def message_for(self, workspace_id: str, key: str) -> tuple[str, str] | None:
        """The (channel id, message id) posted earlier for `key`."""
        ...

    def remember_message(
        self, workspace_id: str, key: str, channel: str, message_id: str, at: datetime
    ) -> None:
        """Record the message posted for `key`."""
        ...


class NoChannel(Exception):
    """There is nowhere to post a notice for a person whose DMs are closed."""


def memory_key(notification: Notification) -> str:
    """The key a posted message is remembered under: the notification key and where it went.

    The same key (e.g. `submission:42`) is used for the moderation card and for the DM to the
    contributor; only the card is ever replaced, so each audience keeps its own message.
    """
    if not notification.key:
        return ""
    return f"{notification.audience.value}:{notification.recipient}:{notification.key}"[:255]


def _edit_kwargs(rendered: Rendered) -> dict[str, Any]:
    first = rendered.messages[0]
    return {
        "content": first.content or None,
        "embeds": first.embeds,
        "view": build_view(first.components),
        "allowed_mentions": discord.AllowedMentions.none(),
    }


class DiscordDelivery:
    """Delivers Discord notifications through a logged-in client, one `send` at a time."""

    def __init__(
        self,
        client: discord.Client,
        clock: Clock,
        memory: MessageMemory,
        notice_channel_id: str | None = None,
    ) -> None:
        """Bind the client that sends and the message memory."""
        self._client = client
        self._clock = clock
        self._memory = memory
        self._notice_channel_id = notice_channel_id

    def send(self, notification: Notification) -> SendOutcome:
        """Send from the delivery loop's thread: run `attempt` on the client's event loop."""
        future = asyncio.run_coroutine_threadsafe(self.attempt(notification), self._client.loop)
        try:
            return future.result(timeout=SEND_TIMEOUT_SECONDS)
        except FutureTimeout:
            future.cancel()
            return SendOutcome.transient("TimeoutError: Discord did not answer in time")

    async def attempt(self, notification: Notification) -> SendOutcome:
        """Send one notification on the event loop and classify what happened."""
        try:
            if notification.audience is Audience.PERSON:
                await self._to_person(notification)
            else:
                await self._to_channel(notification, int(notification.recipient))
        except discord.RateLimited as error:
            return SendOutcome.rate_limited(error.retry_after, f"RateLimited: {error}"[:500])
        except discord.HTTPException as error:
            described = f"{error.__class__.__name__}: {error}"[:500]
            log.warning("Discord notification %s not delivered: %s", notification.id, described)
            if error.status == 429:
                return SendOutcome.rate_limited(5.0, described)
            if error.status >= 500:
                return SendOutcome.transient(described)
            return SendOutcome.permanent(described)  # unknown channel/user, no access, bad body
        except (NoChannel, ValueError) as error:
            return SendOutcome.permanent(f"{error.__class__.__name__}: {error}"[:500])
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            # A dropped connection is a failed attempt like any other, retried with back-off.
            log.warning("Discord notification %s: connection failed: %s", notification.id, error)
            return SendOutcome.transient(f"{error.__class__.__name__}: {error}"[:500])
        return SendOutcome.delivered()

    async def _to_person(self, notification: Notification) -> None:
        user_id = int(notification.recipient)
        user = self._client.get_user(user_id) or await self._client.fetch_user(user_id)
        channel = await user.create_dm()
        rendered = render_reply(notification.reply)
        try:
            await self._post_or_edit(notification, channel, rendered)
        except discord.Forbidden as error:
            if error.code != CANNOT_DM:
                raise
            await self._notice_in_channel(notification, user_id, rendered)

    async def _to_channel(self, notification: Notification, channel_id: int) -> None:
        channel = self._client.get_partial_messageable(
            channel_id, guild_id=int(notification.workspace_id)
        )
        await self._post_or_edit(notification, channel, render_reply(notification.reply))

    async def _post_or_edit(
        self, notification: Notification, channel: discord.abc.Messageable, rendered: Rendered
    ) -> None:
        earlier = None
        key = memory_key(notification)
        if key:
            earlier = await asyncio.to_thread(
                self._memory.message_for, notification.workspace_id, key
            )
        if notification.replace and earlier is not None:
            channel_id, message_id = earlier
            old = self._client.get_partial_messageable(int(channel_id)).get_partial_message(
                int(message_id)
            )
            await old.edit(**_edit_kwargs(rendered))
            return
        posted = await send_to(channel, rendered)
        if key and posted:
            await asyncio.to_thread(
                self._memory.remember_message,
                notification.workspace_id,
                key,
                str(posted[0].channel.id),
                str(posted[0].id),
                self._clock.now(),
            )

    async def _notice_in_channel(
        self, notification: Notification, user_id: int, rendered: Rendered
    ) -> None:
        """Mention the person in the notice channel with the message their DMs refused."""
        channel_id = self._notice_channel_id
        if channel_id is None:
            guild = self._client.get_guild(int(notification.workspace_id))
            system = guild.system_channel if guild is not None else None
            channel_id = str(system.id) if system is not None else None
        if channel_id is None:
            raise NoChannel("DMs are closed and no notice channel is configured")
        first = rendered.messages[0]
        prefix = DMS_CLOSED_PREFIX.format(mention=f"<@{user_id}>")
        first.content = shorten(f"{prefix}\n{first.content}".strip(), 2000)
        channel = self._client.get_partial_messageable(
            int(channel_id), guild_id=int(notification.workspace_id)
        )
        only_them = discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(user_id)], replied_user=False
        )
        for number, message in enumerate(rendered.messages):
            kwargs: dict[str, Any] = {"allowed_mentions": only_them}
            if message.content:
                kwargs["content"] = message.content
            if message.embeds:
                kwargs["embeds"] = message.embeds
            view = build_view(message.components)
            if view is not None:
                kwargs["view"] = view
            if number:
                kwargs["allowed_mentions"] = discord.AllowedMentions.none()
            await channel.send(**kwargs)
