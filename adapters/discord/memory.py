"""Small facts about a person that the Discord adapter must keep across restarts.

Two things live only in the adapter yet would be lost with the process: which guild a person's
direct messages belong to (when `DISCORD_GUILD_ID` is unset, the guild they last used the bot in)
and whether they share in the channel because their DMs are closed. Both are kept in the
adapters' posted-message table (`store.platform_state.PlatformState`) under `person:` keys, the
value in its `channel` column: one small row per person, no new table or migration. Values are
cached in memory after the first read; with several bot processes a change made by another one
is seen after a restart, which is acceptable for these two hints. Being hints, they never stop an
answer: when the database can't be read or written (stalled, gone) a fact reads as unknown and
a change is logged and not cached, so it is written on a later use once the database is back.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from bot.kernel.ports import Clock

log = logging.getLogger(__name__)

KEY_PREFIX = "person:"
UNUSED = "-"  # the message id column is not used by a fact


class PostedMessages(Protocol):
    """The posted-message methods of `PlatformState`: facts are stored with them too.

    For a fact the value is kept in the channel column and the message id is unused.
    """

    def message_for(self, workspace_id: str, key: str) -> tuple[str, str] | None:
        """The (channel id, message id) stored for `key`."""
        ...

    def remember_message(
        self, workspace_id: str, key: str, channel: str, message_id: str, at: datetime
    ) -> None:
        """Record the (channel id, message id) for `key`."""
        ...


class PersonFacts:
    """Read and write facts by (scope, name); without a table they last as long as the process."""

    def __init__(self, table: PostedMessages | None, clock: Clock) -> None:
        """Bind the table (None keeps facts in memory only, e.g. in unit tests) and the clock."""
        self._table = table
        self._clock = clock
        self._cache: dict[tuple[str, str], str | None] = {}

    async def get(self, scope: str, name: str) -> str | None:
        """The fact's value, or None when it was never recorded."""
        cached = (scope, name)
        if cached in self._cache:
            return self._cache[cached]
        value = None
        if self._table is not None:
            try:
                found = await asyncio.to_thread(self._table.message_for, scope, KEY_PREFIX + name)
            except Exception as error:  # a hint: unknown for now, asked again next time
                log.warning("could not read the fact %s: %s", name, type(error).__name__)
                return None
            value = found[0] if found else None
        self._cache[cached] = value
        return value

    async def put(self, scope: str, name: str, value: str) -> None:
        """Record the fact (written only when it changed)."""
        cached = (scope, name)
        if self._cache.get(cached) == value:
            return
        if self._table is not None:
            try:
                await asyncio.to_thread(
                    self._table.remember_message,
                    scope,
                    KEY_PREFIX + name,
                    value,
                    UNUSED,
                    self._clock.now(),
                )
            except Exception as error:  # a hint: not cached, so written on a later use
                log.warning("could not record the fact %s: %s", name, type(error).__name__)
                return
        self._cache[cached] = value
