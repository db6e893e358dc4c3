"""The Discord outbox loop: sends the core's notifications as DMs and channel posts.

Notifications are sent one at a time, so discord.py's own rate-limit handling (it waits out a 429
and retries) governs the pace. Each attempt is claimed in the database first (several bot
processes may share it), and its outcome recorded: delivered, or failed with a retry time that
backs off, until it is given up. Every database call runs in a worker thread, never on the event
loop, so a busy database cannot make interactions miss Discord's 3 seconds. The message posted
for a notification key is remembered (`posted_messages`), so a later notification with `replace`
edits it: the moderation card then shows the decision and loses its buttons. A long card spans
several messages; the one holding its buttons (the anchor) is the one remembered and edited.

A private message is never posted where others can read it. When a person's DMs are closed to
the bot (Discord error 50007), the notice channel (`DISCORD_NOTICE_CHANNEL_ID`, else the guild's
system channel) gets only a neutral "I have a private message for you" mentioning them, with a
*Show it to me* button that shows the message privately (ephemeral) to that person alone, read
back from the outbox by its id.

Permanent refusals (400 — e.g. 50035 Invalid Form Body —, 403, 404) are not retried: the
notification is given up at once, logged, and the guild's moderators are told in their channel
that it could not be sent. Other failures (5xx, network) are retried with back-off.
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
from adapters.discord.interactions import CANNOT_DM, PRIVATE_PREFIX, send_to
from adapters.discord.render import ButtonSpec, Rendered, render_reply
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply

log = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
PRIVATE_NOTICE = "{mention} I have a private message for you."
SHOW_IT = "Show it to me"
PERMANENT_STATUSES = frozenset({400, 403, 404})
NOT_SENT = (
    "I could not send a notification ({what}) to {where}: Discord refused it ({why}). "
    "It will not be retried."
)


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


class Failure:
    """Why an attempt failed, and whether trying again could help."""

    def __init__(self, error: Exception) -> None:
        """Classify the error: Discord's 400/403/404 (and no channel) are permanent."""
        self.text = f"{error.__class__.__name__}: {error}"[:500]
        status = getattr(error, "status", None)
        self.permanent = isinstance(error, NoChannel | ValueError) or status in PERMANENT_STATUSES


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
    anchored = rendered.anchored
    return {
        "content": anchored.content or None,
        "embeds": anchored.embeds,
        "view": build_view(anchored.components),
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
            if notification.id is None:
                continue
            if not await asyncio.to_thread(self._memory.claim, claim, now):
                continue
            failure = await self._attempt(notification)
            await asyncio.to_thread(self._record, notification, failure)
            if failure is not None and failure.permanent:
                await self._tell_moderators(notification, failure)
            delivered += failure is None
        return delivered

    async def private_message(self, notification_id: int) -> tuple[str, Reply] | None:
        """A person's notification, for *Show it to me* (see the module docstring)."""

        def find() -> Notification | None:
            # The outbox port has no look-up by id yet; this runs only on that rare click.
            with self._uow_factory() as uow:
                return next((n for n in uow.outbox.all() if n.id == notification_id), None)

        found = await asyncio.to_thread(find)
        if found is None or found.platform != PLATFORM or found.audience is not Audience.PERSON:
            return None
        return found.recipient, found.reply

    async def _attempt(self, notification: Notification) -> Failure | None:
        """Send one notification; None when it went out, else what went wrong."""
        try:
            if notification.audience is Audience.PERSON:
                await self._to_person(notification)
            else:
                await self._to_channel(notification, int(notification.recipient))
        except (discord.HTTPException, NoChannel, ValueError) as error:
            log.warning("Discord notification %s not delivered: %s", notification.id, error)
            return Failure(error)
        return None

    def _record(self, notification: Notification, failure: Failure | None) -> None:
        assert notification.id is not None  # noqa: S101 - checked before the attempt
        now = self._clock.now()
        with self._uow_factory() as uow:
            if failure is None:
                uow.outbox.mark_delivered(notification.id, now)
            else:
                attempts = notification.attempts + 1
                give_up = failure.permanent or attempts >= MAX_ATTEMPTS
                retry = None if give_up else now + retry_delay(attempts)
                uow.outbox.mark_failed(notification.id, failure.text, retry)
            uow.commit()

    async def _tell_moderators(self, notification: Notification, failure: Failure) -> None:
        """Say in the moderation channel that a notification was refused for good."""

        def channel_of() -> str | None:
            with self._uow_factory() as uow:
                settings = uow.workspaces.get(PLATFORM, notification.workspace_id)
            return settings.moderation_channel if settings is not None else None

        channel_id = await asyncio.to_thread(channel_of)
        if channel_id is None or not channel_id.isdigit():
            log.error("notification %s refused for good; no moderators to tell", notification.id)
            return
        if notification.audience is Audience.PERSON:
            where = f"<@{notification.recipient}> (a direct message)"
        else:
            where = f"<#{notification.recipient}>"
        what = notification.key or f"#{notification.id}"
        why = failure.text[:300]
        channel = self._client.get_partial_messageable(
            int(channel_id), guild_id=int(notification.workspace_id)
        )
        try:
            await channel.send(
                NOT_SENT.format(what=what, where=where, why=why)[:2000],
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.exception("could not tell the moderators about notification %s", notification.id)

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
            await self._notice_in_channel(notification, user_id)

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
            anchor = posted[min(rendered.anchor, len(posted) - 1)]
            await asyncio.to_thread(
                self._memory.remember_message,
                notification.workspace_id,
                key,
                str(anchor.channel.id),
                str(anchor.id),
                self._clock.now(),
            )

    async def _notice_in_channel(self, notification: Notification, user_id: int) -> None:
        """Tell the person, in the notice channel, that a private message waits for them.

        Only the neutral line and the *Show it to me* button are public; the message itself is
        shown to that person alone when they press it. Only they can be pinged by the line.
        """
        channel_id = self._notice_channel_id
        if channel_id is None:
            guild = self._client.get_guild(int(notification.workspace_id))
            system = guild.system_channel if guild is not None else None
            channel_id = str(system.id) if system is not None else None
        if channel_id is None:
            raise NoChannel("DMs are closed and no notice channel is configured")
        channel = self._client.get_partial_messageable(
            int(channel_id), guild_id=int(notification.workspace_id)
        )
        only_them = discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(user_id)], replied_user=False
        )
        button = ButtonSpec(
            f"{PRIVATE_PREFIX}{notification.id}", SHOW_IT, discord.ButtonStyle.primary
        )
        view = build_view([button])
        assert view is not None  # noqa: S101 - one button makes a view
        await channel.send(
            PRIVATE_NOTICE.format(mention=f"<@{user_id}>"),
            view=view,
            allowed_mentions=only_them,
        )
