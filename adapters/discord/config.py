"""The Discord adapter's own typed settings, built by the composition root from the settings.

`api_url` and `gateway_url` re-point discord.py's REST client and gateway (a rate-limit proxy, a
gateway proxy, or the fake platform of the test suite); discord.py keeps both as class attributes,
so `apply_endpoints` sets them for the whole process.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord
import yarl

PLATFORM = "discord"
DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg"


@dataclass(frozen=True)
class DiscordConfig:
    """Everything the Discord client needs besides the core and the database.

    `guild_id` is the guild the bot serves: commands are synced to it (instantly, rather than
    globally, which Discord propagates slowly) and direct messages are read as belonging to it.
    Its moderation settings are merged into the database by the composition root, not kept here.
    """

    token: str
    api_url: str = DEFAULT_API_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    guild_id: str | None = None
    notice_channel_id: str | None = None
    delivery_seconds: float = 5.0


def apply_endpoints(api_url: str, gateway_url: str) -> None:
    """Point discord.py's REST routes and gateway at these URLs (process-wide class attributes).

    Interaction callbacks and webhooks go through the same `Route.BASE`, so one setting covers
    every REST call.
    """
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
