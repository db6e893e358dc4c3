"""The Slack adapter's settings, read from the environment and a `.env` file at start-up.

Variables set in the environment win over the same names in `.env`. The moderation settings are
for the one workspace the bot is installed in (its team id comes from `auth.test`); they are
written to the store's workspace settings at start-up, and only those given are changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
EVENTS_PATH = "/slack/events"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class SlackSettings:
    """Everything the Slack adapter reads from its environment."""

    bot_token: str
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = DEFAULT_API_URL
    port: int = DEFAULT_PORT
    workers: int = DEFAULT_WORKERS
    threads: int = DEFAULT_THREADS
    moderation_channel: str | None = None
    moderator_ids: tuple[str, ...] | None = None
    police_only: bool | None = None
    delivery_seconds: float = 5.0

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is given: no public URL needed."""
        return bool(self.app_token)

    @property
    def configures_workspace(self) -> bool:
        """Whether any workspace setting was given, so start-up should save it."""
        return any(
            v is not None for v in (self.moderation_channel, self.moderator_ids, self.police_only)
        )


def _flag(name: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw[:20]!r}")


def _number(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw[:20]!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}")
    return value


def read_environment(
    env: Mapping[str, str] | None = None, dotenv: Path | None = None
) -> dict[str, str]:
    """The variables to read: `.env` (in the working directory by default) under the environment."""
    path = dotenv if dotenv is not None else Path.cwd() / ".env"
    from_file: dict[str, str] = {}
    if path.is_file():
        from_file = {k: v for k, v in dotenv_values(path).items() if v is not None}
    return {**from_file, **(dict(os.environ) if env is None else dict(env))}


def slack_settings(values: Mapping[str, str]) -> SlackSettings:
    """Read and check the settings; raises `SettingsError` naming what is wrong."""
    bot_token = values.get("SLACK_BOT_TOKEN", "").strip()
    if not bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is not set (the xoxb- token of the Slack app)")
    app_token = values.get("SLACK_APP_TOKEN", "").strip()
    signing_secret = values.get("SLACK_SIGNING_SECRET", "").strip()
    if not app_token and not signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set (needed to check Slack's requests in HTTP mode; "
            "or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    api_url = values.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    if not api_url.startswith(("https://", "http://")):
        raise SettingsError("SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/")
    moderators = values.get("SLACK_MODERATORS")
    channel = values.get("SLACK_MODERATION_CHANNEL")
    try:
        delivery = float(values.get("SLACK_DELIVERY_SECONDS", "") or 5.0)
    except ValueError:
        raise SettingsError("SLACK_DELIVERY_SECONDS must be a number of seconds") from None
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        port=_number("PORT", values.get("PORT"), DEFAULT_PORT, 1, 65535),
        workers=_number("WEB_CONCURRENCY", values.get("WEB_CONCURRENCY"), DEFAULT_WORKERS, 1, 64),
        threads=_number("SLACK_THREADS", values.get("SLACK_THREADS"), DEFAULT_THREADS, 1, 256),
        moderation_channel=channel.strip() if channel is not None else None,
        moderator_ids=(
            tuple(m.strip() for m in moderators.split(",") if m.strip())
            if moderators is not None
            else None
        ),
        police_only=_flag("SLACK_POLICE_ONLY", values.get("SLACK_POLICE_ONLY")),
        delivery_seconds=min(max(delivery, 0.2), 300.0),
    )
