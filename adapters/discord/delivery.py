"""The Discord outbox loop: sends the core's notifications as DMs and channel posts.

Notifications are sent one at a time, so discord.py's own rate-limit handling (it waits out a 429
and retries) governs the pace. Each attempt is claimed in the database first (several bot
processes may share it), and its outcome recorded: delivered, or failed with a retry time that
backs off, until it is given up. The message posted for a notification key is remembered
(`posted_messages`), so a later notification with `replace` edits it: the moderation card then
shows the decision and loses its buttons.

A person whose DMs are closed to the bot (Discord error 50007) is mentioned in the notice channel
(`DISCORD_NOTICE_CHANNEL_ID`, else the guild's system channel) with the message instead; only
that person can be pinged by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

import discord

from adapters.discord.components import build_view
from adapters.discord.config import PLATFORM
from adapters.discord.interactions import CANNOT_DM, send_to
from adapters.discord.render import Rendered, render_reply, shorten
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.records import Audience, Notification

log = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
DMS_CLOSED_PREFIX = "{mention} your direct messages are closed to me, so here is my message:"


class MessageMemory(Protocol):
    """Where posted messages and delivery claims are remembered (`PlatformState` is one)."""

    def claim(self, key: str, at: datetime) -> bool:
        """True for the first caller with this key."""
        ...

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


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling from 30 s, at most an hour."""
    delay: timedelta = FIRST_RETRY * (2 ** max(0, attempts - 1))
    return min(delay, LONGEST_RETRY)


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
    """Delivers pending Discord notifications through a logged-in client."""

    def __init__(
        self,
        client: discord.Client,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        memory: MessageMemory,
        notice_channel_id: str | None = None,
    ) -> None:
        """Bind the client that sends, the store the outbox lives in and the message memory."""
        self._client = client
        self._uow_factory = uow_factory
        self._clock = clock
        self._memory = memory
        self._notice_channel_id = notice_channel_id
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Deliver now rather than at the next tick (called after every handled event)."""
        self._wake.set()

    async def run(self, every_seconds: float) -> None:
        """Deliver due notifications until cancelled: on every wake-up, else every few seconds."""
        while True:
            try:
                await self.deliver_due()
            except Exception:  # the loop must outlive a bad database minute
                log.exception("Discord delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=every_seconds)
            self._wake.clear()

    async def deliver_due(self) -> int:
        """Send every due notification once; returns how many were delivered."""
        now = self._clock.now()

        def pending() -> list[Notification]:
            with self._uow_factory() as uow:
                return uow.outbox.pending(PLATFORM, now, limit=BATCH)

        delivered = 0
        for notification in await asyncio.to_thread(pending):
            claim = f"outbox:{notification.id}:{notification.attempts}"
            if notification.id is None or not self._memory.claim(claim, now):
                continue
            error = await self._attempt(notification)
            await asyncio.to_thread(self._record, notification, error)
            delivered += error is None
        return delivered

    async def _attempt(self, notification: Notification) -> str | None:
        """Send one notification; None when it went out, else what went wrong."""
        try:
            if notification.audience is Audience.PERSON:
                await self._to_person(notification)
            else:
                await self._to_channel(notification, int(notification.recipient))
        except (discord.HTTPException, NoChannel, ValueError) as error:
            log.warning("Discord notification %s not delivered: %s", notification.id, error)
            return f"{error.__class__.__name__}: {error}"[:500]
        return None

    def _record(self, notification: Notification, error: str | None) -> None:
        assert notification.id is not None  # noqa: S101 - checked before the attempt
        now = self._clock.now()
        with self._uow_factory() as uow:
            if error is None:
                uow.outbox.mark_delivered(notification.id, now)
            else:
                attempts = notification.attempts + 1
                retry = None if attempts >= MAX_ATTEMPTS else now + retry_delay(attempts)
                uow.outbox.mark_failed(notification.id, error, retry)
            uow.commit()

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
