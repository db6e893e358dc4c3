"""Sends one outbox notification on Discord: DMs and channel posts; says how it went.

The shared delivery loop (`bot.kernel.delivery.DeliveryLoop`) leases, retries and records in its
own thread; this module supplies only `DiscordDelivery.send`, which runs the sending coroutine on
the client's event loop and waits for it there, so database work never runs on the event loop.
discord.py waits out an ordinary 429 itself, up to the client's `max_ratelimit_timeout`
(`adapters.discord.app.LONGEST_INLINE_RATE_LIMIT_S`); a longer one, or a 429 from Discord's edge
(no `Via` header, which discord.py does not retry), pauses the whole loop for its `Retry-After`.
What else fails is classified: 5xx, timeouts and connection errors are transient (retried with
back-off), a missing channel or user, a refused permission or a malformed message are permanent.
The message posted for a notification key is remembered (`posted_messages`), so a later
notification with `replace` edits it: the moderation card then shows the decision and loses its
buttons. A long card spans several messages; the one holding its buttons (the anchor) is the one
remembered and edited.

A private message is never posted where others can read it. When a person's DMs are closed to
the bot (Discord error 50007), the notice channel (`DISCORD_NOTICE_CHANNEL_ID`, else the guild's
system channel) gets only a neutral "I have a private message for you" mentioning them, with a
*Show it to me* button that shows the message privately (ephemeral) to that person alone, read
back from the outbox by its id.

Permanent refusals (400 — e.g. 50035 Invalid Form Body —, 403, 404) are not retried: the loop
gives the notification up, it is logged, and the guild's moderators are told in their channel that
it could not be sent.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Protocol

import aiohttp
import discord

from adapters.discord.components import build_view
from adapters.discord.config import PLATFORM
from adapters.discord.interactions import CANNOT_DM, PRIVATE_PREFIX, EventClaims, send_to
from adapters.discord.memory import PostedMessages
from adapters.discord.render import ButtonSpec, Rendered, render_reply
from bot.kernel.delivery import SendOutcome
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 45.0  # below the outbox lease (a minute by default)
PRIVATE_NOTICE = "{mention} I have a private message for you."
SHOW_IT = "Show it to me"
NOT_SENT = (
    "I could not send a notification ({what}) to {where}: Discord refused it ({why}). "
    "It will not be retried."
)


class MessageMemory(PostedMessages, EventClaims, Protocol):
    """Where posted messages and event claims are remembered (`PlatformState` is one)."""


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


def retry_after(error: discord.HTTPException, default: float = 5.0) -> float:
    """The seconds a 429 asks to wait: its `Retry-After` header, else `default`."""
    headers = getattr(error.response, "headers", None) or {}
    try:
        return max(0.0, float(headers.get("Retry-After", default)))
    except (TypeError, ValueError):
        return default


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
                return SendOutcome.rate_limited(retry_after(error), described)
            if error.status >= 500:
                return SendOutcome.transient(described)
            await self._tell_moderators(notification, described)
            return SendOutcome.permanent(described)  # unknown channel/user, no access, bad body
        except (NoChannel, ValueError) as error:
            described = f"{error.__class__.__name__}: {error}"[:500]
            await self._tell_moderators(notification, described)
            return SendOutcome.permanent(described)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            # A dropped connection is a failed attempt like any other, retried with back-off.
            log.warning("Discord notification %s: connection failed: %s", notification.id, error)
            return SendOutcome.transient(f"{error.__class__.__name__}: {error}"[:500])
        return SendOutcome.delivered()

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

    async def _tell_moderators(self, notification: Notification, error: str) -> None:
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
        why = error[:300]
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
