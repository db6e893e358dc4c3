"""Who holds which roles in the bot's guild, for people acting in DMs (which carry no roles).

The bot runs without the privileged members intent, so discord.py's cache rarely holds a member:
the member is fetched through the REST API (`GET /guilds/{guild}/members/{user}`, which needs no
intent) and the role names kept for a few minutes, so a DM conversation costs one look-up rather
than one per message. A person who is not a member, or a failed look-up, has no roles: the
safe answer, since roles only ever add rights.
"""

from __future__ import annotations

import logging
import time

import discord

log = logging.getLogger(__name__)

KEPT_SECONDS = 300.0


class GuildMembers:
    """Role names of guild members, from the client's cache or the REST API (see above)."""

    def __init__(self, client: discord.Client, kept_seconds: float = KEPT_SECONDS) -> None:
        """Look members up through `client`; answers are reused for `kept_seconds`."""
        self._client = client
        self._kept = kept_seconds
        self._known: dict[tuple[str, int], tuple[float, tuple[str, ...]]] = {}

    async def roles_of(self, guild_id: str, user_id: int) -> tuple[str, ...]:
        """The member's role names, @everyone left out; none when not a member."""
        now = time.monotonic()
        known = self._known.get((guild_id, user_id))
        if known is not None and now - known[0] < self._kept:
            return known[1]
        roles = await self._look_up(int(guild_id), user_id)
        if roles is None:  # a failed look-up is not remembered: the next message tries again
            return ()
        self._known[(guild_id, user_id)] = (now, roles)
        return roles

    async def _look_up(self, guild_id: int, user_id: int) -> tuple[str, ...] | None:
        try:
            guild = self._client.get_guild(guild_id) or await self._client.fetch_guild(guild_id)
            member = guild.get_member(user_id) or await guild.fetch_member(user_id)
        except discord.NotFound:
            return ()
        except discord.HTTPException as error:
            log.warning("could not look up member %s of guild %s: %s", user_id, guild_id, error)
            return None
        return tuple(role.name for role in member.roles if not role.is_default())
