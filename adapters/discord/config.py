"""The Discord adapter's settings, read from the environment once at start-up.

`DISCORD_API_URL` and `DISCORD_GATEWAY_URL` re-point discord.py's REST client and gateway (a
rate-limit proxy, a gateway proxy, or the fake platform of the test suite); discord.py keeps both
as class attributes, so `apply_endpoints` sets them for the whole process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import discord
import yarl

from bot.kernel.ports import WorkspaceSettings

PLATFORM = "discord"
DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg"


class ConfigError(ValueError):
    """A setting is missing or unusable; the message names the variable."""


def _ids(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _snowflake(name: str, raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise ConfigError(f"{name} must be a Discord id (digits only), not {value[:40]!r}")
    return value


@dataclass(frozen=True)
class DiscordConfig:
    """Everything `practicebank run discord` needs besides the database.

    `guild_id` is the guild the bot serves: commands are synced to it (instantly, rather than
    globally, which Discord propagates slowly), direct messages are read as belonging to it, and
    the moderation settings below are recorded for it at start-up.
    """

    token: str
    api_url: str = DEFAULT_API_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    guild_id: str | None = None
    moderation_channel_id: str | None = None
    moderator_role_names: tuple[str, ...] = ()
    moderator_user_ids: tuple[str, ...] = ()
    notice_channel_id: str | None = None
    police_only: bool = False
    delivery_seconds: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DiscordConfig:
        """Read the `DISCORD_*` variables; raise ConfigError naming the one that is wrong."""
        env = os.environ if environ is None else environ
        token = env.get("DISCORD_TOKEN", "").strip()
        if not token:
            raise ConfigError("DISCORD_TOKEN is not set: copy the bot token from the portal")
        api_url = env.get("DISCORD_API_URL", "").strip().rstrip("/") or DEFAULT_API_URL
        gateway_url = env.get("DISCORD_GATEWAY_URL", "").strip() or DEFAULT_GATEWAY_URL
        for name, url, schemes in (
            ("DISCORD_API_URL", api_url, ("http", "https")),
            ("DISCORD_GATEWAY_URL", gateway_url, ("ws", "wss")),
        ):
            if yarl.URL(url).scheme not in schemes:
                starts = " or ".join(s + "://" for s in schemes)
                raise ConfigError(f"{name} must start with {starts}")
        try:
            delivery = float(env.get("DISCORD_DELIVERY_SECONDS", "") or 5.0)
        except ValueError:
            raise ConfigError("DISCORD_DELIVERY_SECONDS must be a number of seconds") from None
        return cls(
            token=token,
            api_url=api_url,
            gateway_url=gateway_url,
            guild_id=_snowflake("DISCORD_GUILD_ID", env.get("DISCORD_GUILD_ID", "")),
            moderation_channel_id=_snowflake(
                "DISCORD_MODERATION_CHANNEL_ID", env.get("DISCORD_MODERATION_CHANNEL_ID", "")
            ),
            notice_channel_id=_snowflake(
                "DISCORD_NOTICE_CHANNEL_ID", env.get("DISCORD_NOTICE_CHANNEL_ID", "")
            ),
            moderator_role_names=_ids(env.get("DISCORD_MODERATOR_ROLES", "")),
            moderator_user_ids=_ids(env.get("DISCORD_MODERATOR_IDS", "")),
            police_only=env.get("DISCORD_POLICE_ONLY", "").strip().lower() in ("1", "true", "yes"),
            delivery_seconds=max(0.5, delivery),
        )

    def workspace_settings(self) -> WorkspaceSettings | None:
        """The guild's moderation settings from the environment, or None when none were given."""
        if self.guild_id is None or not (
            self.moderation_channel_id or self.moderator_role_names or self.moderator_user_ids
        ):
            return None
        return WorkspaceSettings(
            platform=PLATFORM,
            workspace_id=self.guild_id,
            police_only=self.police_only,
            moderation_channel=self.moderation_channel_id,
            moderator_ids=self.moderator_user_ids,
            moderator_roles=self.moderator_role_names,
        )


def apply_endpoints(api_url: str, gateway_url: str) -> None:
    """Point discord.py's REST routes and gateway at these URLs (process-wide class attributes).

    Interaction callbacks and webhooks go through the same `Route.BASE`, so one setting covers
    every REST call.
    """
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
