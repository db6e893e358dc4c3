"""Turns Discord interactions and direct messages into core events.

The actor's workspace is the guild. A direct message has no guild, so it is read as belonging
to the bot's home guild (`DISCORD_GUILD_ID`), else to the guild the person last used the bot in
(kept in the database, see `adapters.discord.memory`), so that a sharing conversation started in a
guild continues in DMs under the same identity, also after a restart.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

from adapters.discord.config import PLATFORM
from adapters.discord.memory import PersonFacts
from bot.kernel.domain import Effectiveness, Focus
from bot.kernel.events import Actor, Click, Command, FormSubmit, Place, Text
from bot.kernel.ports import SystemClock

DIRECT = "dm"  # the workspace of a direct message when no guild is known
LAST_GUILD = "dm-guild:{user_id}"


class MemberRoles(Protocol):
    """The role names a person holds in a guild (none when they are not a member)."""

    async def roles_of(self, guild_id: str, user_id: int) -> tuple[str, ...]:
        """Role names of the member, @everyone left out."""
        ...


class Workspaces:
    """Which guild a person's direct messages belong to (see the module docstring)."""

    def __init__(
        self,
        home_guild: str | None = None,
        facts: PersonFacts | None = None,
        members: MemberRoles | None = None,
    ) -> None:
        """Remember `home_guild` as the answer for everybody, when given; else use `facts`.

        `members` finds the roles of a person acting in a DM (none without it).
        """
        self.home_guild = home_guild
        self._facts = facts or PersonFacts(None, SystemClock())
        self._members = members

    async def roles_in(self, workspace: str, user_id: int) -> tuple[str, ...]:
        """The person's roles in the guild their DMs belong to (none when no guild is known)."""
        if self._members is None or not workspace.isdigit():
            return ()
        return await self._members.roles_of(workspace, user_id)

    async def seen(self, user_id: int, guild_id: int | None) -> None:
        """Note the guild a person just acted in."""
        if guild_id is not None and self.home_guild is None:
            await self._facts.put(DIRECT, LAST_GUILD.format(user_id=user_id), str(guild_id))

    async def for_direct(self, user_id: int) -> str:
        """The workspace of the person's direct messages."""
        if self.home_guild:
            return self.home_guild
        last = await self._facts.get(DIRECT, LAST_GUILD.format(user_id=user_id))
        return last or DIRECT


def _roles(user: discord.abc.User) -> tuple[str, ...]:
    """Role names the adapter can see (members of a guild only); @everyone is not a role here."""
    if isinstance(user, discord.Member):
        return tuple(role.name for role in user.roles if not role.is_default())
    return ()


def actor_and_place(
    user: discord.abc.User,
    guild_id: int | None,
    channel_id: int | None,
    workspace: str,
    roles: tuple[str, ...] = (),
) -> tuple[Actor, Place]:
    """Who acts and where, as the core identifies them; `roles` found for a DM are added."""
    name = getattr(user, "display_name", "") or user.name
    actor = Actor(PLATFORM, workspace, str(user.id), name, _roles(user) or roles)
    place = Place(PLATFORM, workspace, str(channel_id or ""), is_direct=guild_id is None)
    return actor, place


async def workspace_of(user_id: int, guild_id: int | None, workspaces: Workspaces) -> str:
    """The workspace of an action: its guild, or for a DM the one `Workspaces` answers."""
    await workspaces.seen(user_id, guild_id)
    return str(guild_id) if guild_id is not None else await workspaces.for_direct(user_id)


async def from_interaction(
    interaction: discord.Interaction[Any], workspaces: Workspaces
) -> tuple[Actor, Place]:
    """The actor and place of an interaction."""
    user, guild_id = interaction.user, interaction.guild_id
    workspace = await workspace_of(user.id, guild_id, workspaces)
    roles = await workspaces.roles_in(workspace, user.id) if guild_id is None else ()
    return actor_and_place(user, guild_id, interaction.channel_id, workspace, roles)


def _quoted(value: str) -> str:
    """A filter value as one quoted token (quotes inside cannot end it early)."""
    return '"' + " ".join(value.replace('"', " ").split()) + '"'


def search_text(
    query: str,
    focus: Focus | None = None,
    effectiveness: Effectiveness | None = None,
    topic: str | None = None,
) -> str:
    """The `/practice search` options as the core's search text with inline filters."""
    parts = [query.strip()]
    if focus is not None:
        parts.append(f"focus:{focus.value}")
    if effectiveness is not None:
        parts.append(f"rating:{effectiveness.value}")
    if topic and topic.strip():
        parts.append(f"topic:{_quoted(topic)}")
    return " ".join(p for p in parts if p)


def on_command(actor: Actor, place: Place, verb: str, text: str) -> Command:
    """A `/practice <verb>` slash command."""
    return Command(actor, place, verb, text)


def on_click(actor: Actor, place: Place, action: str) -> Click:
    """A button pressed or an option picked: the action id goes back to the core unchanged."""
    return Click(actor, place, action)


def on_form(actor: Actor, place: Place, form_id: str, values: dict[str, str]) -> FormSubmit:
    """A modal sent back."""
    return FormSubmit(actor, place, form_id, values)


async def on_direct_message(message: discord.Message, workspaces: Workspaces) -> Text | None:
    """A direct message to the bot: an answer inside a conversation, or a search.

    Bots (this one included) and empty messages (an attachment alone) are ignored.
    """
    if message.author.bot or message.guild is not None or not message.content.strip():
        return None
    workspace = await workspace_of(message.author.id, None, workspaces)
    roles = await workspaces.roles_in(workspace, message.author.id)
    actor, place = actor_and_place(message.author, None, message.channel.id, workspace, roles)
    return Text(actor, place, message.content)
