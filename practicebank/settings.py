"""Every setting of the practice bank, read once into one typed, validated object.

`load_settings` reads the environment and then `.env` in the working directory (the environment
wins where both name a variable); the `--database-url` flag wins over both. A blank value counts
as unset, so `FOO=` in `.env` keeps the default rather than meaning "empty". A value that cannot
be used raises `SettingsError` with one line naming the variable and what it accepts. This is the
only module that reads `os.environ` for settings, beside `practicebank.read_settings` (the two
values `search` and `show` need, and what is read before any settings); the composition root
builds each adapter's own small typed settings from the object made here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yarl
from dotenv import dotenv_values
from pydantic import BeforeValidator, PrivateAttr, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from practicebank.read_settings import SettingsError as SettingsError  # its home; known here too
from store.engine import default_database_url

DEFAULT_SWEEP_SECONDS = 60.0
# Below a second the sweep would mostly contend with itself; above a day reminders go stale.
MIN_SWEEP_SECONDS = 1.0
MAX_SWEEP_SECONDS = 86_400.0
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class Source(StrEnum):
    """Where a setting's effective value came from."""

    DEFAULT = "default"
    DOTENV = ".env"
    ENVIRONMENT = "environment"
    FLAG = "flag"


def _shown(raw: object) -> str:
    """The offending value for a message: quoted, and cut short if it is long."""
    text = str(raw)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _flag(raw: object) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"must be true or false (1/0, yes/no, on/off), not {_shown(raw)}")


def _optional_count(unit: str, high: int) -> BeforeValidator:
    """A whole number of `unit` from 1 to `high`, or None when unset (the core's default)."""

    def check(raw: object) -> int | None:
        if raw is None or isinstance(raw, int):
            return raw
        value = str(raw).strip()
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= high:
            raise ValueError(
                f"must be a whole number of {unit} from 1 to {high}, not {_shown(raw)}"
            )
        return int(value)

    return BeforeValidator(check)


def _whole(low: int, high: int) -> BeforeValidator:
    def check(raw: object) -> int:
        value = str(raw).strip()
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(f"must be a whole number from {low} to {high}, not {_shown(raw)}")
        return int(value)

    return BeforeValidator(check)


def parse_sweep_seconds(raw: str | float | None) -> float:
    """Read a sweep period in seconds; None or blank means the default of a minute.

    Raises ValueError with a readable message for anything that is not a number of seconds
    between MIN_SWEEP_SECONDS and MAX_SWEEP_SECONDS.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return DEFAULT_SWEEP_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"the sweep period must be a number of seconds, not {raw!r}") from None
    if not MIN_SWEEP_SECONDS <= seconds <= MAX_SWEEP_SECONDS:
        raise ValueError(
            f"the sweep period must be between {MIN_SWEEP_SECONDS:g} and "
            f"{MAX_SWEEP_SECONDS:g} seconds, not {seconds:g}"
        )
    return seconds


def _sweep(raw: object) -> float:
    try:
        return parse_sweep_seconds(raw if isinstance(raw, int | float) else str(raw))
    except ValueError as problem:
        raise ValueError(str(problem).removeprefix("the sweep period ")) from None


def _delivery(raw: object) -> float:
    # A delivery round more often than this only hammers the database; rarer, notices go stale.
    try:
        seconds = float(str(raw).strip())
    except ValueError:
        seconds = math.nan
    if not 0.2 <= seconds <= 300:
        raise ValueError(f"must be a number of seconds from 0.2 to 300, not {_shown(raw)}")
    return seconds


def _url(*schemes: str) -> BeforeValidator:
    def check(raw: object) -> str:
        value = str(raw).strip()
        if yarl.URL(value).scheme not in schemes or not yarl.URL(value).host:
            starts = " or ".join(s + "://" for s in schemes)
            raise ValueError(f"must be a URL starting with {starts}, not {_shown(raw)}")
        return value

    return BeforeValidator(check)


def _snowflake(raw: object) -> str | None:
    if raw is None:
        return None
    value = str(raw).strip()
    if not value.isascii() or not value.isdigit() or len(value) > 20:
        raise ValueError(f"must be a Discord id (digits only), not {_shown(raw)}")
    return value


def _names(raw: object) -> tuple[str, ...] | None:
    if raw is None or isinstance(raw, tuple):
        return raw
    return tuple(part.strip() for part in str(raw).split(",") if part.strip())


def _text(raw: object) -> str | None:
    return None if raw is None else str(raw).strip()


Flag = Annotated[bool | None, BeforeValidator(_flag)]
Days = Annotated[int | None, _optional_count("days", 3650)]
Names = Annotated[tuple[str, ...] | None, BeforeValidator(_names)]
Snowflake = Annotated[str | None, BeforeValidator(_snowflake)]
Text = Annotated[str | None, BeforeValidator(_text)]
Seconds = Annotated[float, BeforeValidator(_delivery)]


class Settings(BaseSettings):
    """The effective settings of one process; each field is the environment variable of its name.

    Optional fields are None when unset: the workspace settings then keep what the database
    holds, and the reminder rules keep the core's defaults.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        # Keep the raw text: lists like `SLACK_MODERATORS=U1,U2` are ours to split, not JSON.
        enable_decoding=False,
    )

    database_url: Text = None
    xdg_data_home: Text = None
    reminder_interval_days: Days = None
    reminder_nudge_days: Days = None
    reminder_escalate_days: Days = None
    search_record_days: Days = None
    draft_resume_after_minutes: Annotated[int | None, _optional_count("minutes", 43200)] = None
    reminder_sweep_seconds: Annotated[float, BeforeValidator(_sweep)] = DEFAULT_SWEEP_SECONDS
    user: Text = None

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: Annotated[str, _url("https", "http")] = "https://slack.com/api/"
    slack_moderation_channel: Text = None
    # Where calls for practice are announced; unset keeps the stored one (default: moderation).
    slack_call_channel: Text = None
    slack_moderators: Names = None
    slack_police_only: Flag = None
    slack_delivery_seconds: Seconds = 5.0
    port: Annotated[int, _whole(1, 65535)] = 3000
    web_concurrency: Annotated[int, _whole(1, 64)] = 2
    slack_threads: Annotated[int, _whole(1, 256)] = 8
    # Where the web process spools each Slack request before acking it (see
    # `adapters.slack.inbox`); unset: a folder per database under the data folder.
    slack_inbox_dir: Text = None
    # Processes beside the web workers that do the work behind the acks; 0: the web workers do.
    slack_work_processes: Annotated[int, _whole(0, 32)] = 2

    discord_token: SecretStr | None = None
    discord_api_url: Annotated[str, _url("https", "http")] = "https://discord.com/api/v10"
    discord_gateway_url: Annotated[str, _url("wss", "ws")] = "wss://gateway.discord.gg"
    discord_guild_id: Snowflake = None
    discord_moderation_channel_id: Snowflake = None
    discord_call_channel_id: Snowflake = None
    discord_notice_channel_id: Snowflake = None
    discord_moderator_roles: Names = None
    discord_moderator_ids: Names = None
    discord_police_only: Flag = None
    discord_delivery_seconds: Seconds = 5.0

    # How long a delivery loop holds a notification it is sending: a crashed process strands
    # one for at most this long, and it must exceed the slowest single send.
    outbox_lease_seconds: Annotated[int, _whole(5, 3600)] = 60
    # Where `practicebank run discord` / `run scheduler` answer /healthz and /metrics (the web
    # process uses $PORT); unset: 8080.
    health_port: Annotated[int, _whole(1, 65535)] = 8080
    # Gunicorn workers share their metrics through files here (prometheus-client's multiprocess
    # mode); unset: a fresh temporary folder per `run slack`.
    prometheus_multiproc_dir: Text = None
    # Database timeouts (PostgreSQL): a stalled statement or transaction is cut off, not waited on.
    database_statement_timeout_ms: Annotated[int, _whole(100, 600_000)] = 5000

    _sources: dict[str, Source] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        """Drop values that are only spaces, so they mean "unset" like empty ones do."""
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
        return values

    @property
    def database(self) -> str:
        """The database to use: `DATABASE_URL`, else the SQLite file in the user's data folder."""
        return self.database_url or default_database_url(self.xdg_data_home)

    def source(self, name: str) -> Source:
        """Where the field `name` came from."""
        return self._sources.get(name, Source.DEFAULT)

    def lines(self) -> list[str]:
        """`NAME=value (source)` for every setting, secrets masked, for `practicebank config`."""
        shown = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name == "database_url" and value is None:
                value = self.database
            shown.append(f"{name.upper()}={_display(value)} ({self.source(name).value})")
        return shown

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (init values), then the environment, then `.env`; no secrets directory."""
        return init_settings, env_settings, dotenv_settings


class _GivenSettings(Settings):
    """Settings from the given values only, ignoring the environment and `.env`."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values passed in."""
        return (init_settings,)


def _display(value: object) -> str:
    """A value as `config` prints it: secrets keep at most their `xoxb-` style prefix."""
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        head, dash, _ = secret.partition("-")
        return f"{head}-****" if dash and len(head) <= 5 and head.isalpha() else "****"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _variables(values: Mapping[str, Any]) -> dict[str, str]:
    """The non-blank values among `values` that name a setting, keyed by field name."""
    fields = Settings.model_fields
    chosen = {}
    for key, value in values.items():
        name = key.lower()
        if name in fields and value is not None and str(value).strip():
            chosen[name] = str(value)
    return chosen


def _one_line(problem: ValidationError) -> SettingsError:
    """The first problem as `NAME must be …, not '…'`."""
    error = problem.errors()[0]
    name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
    cause = error.get("ctx", {}).get("error")
    reason = str(cause) if isinstance(cause, ValueError) else error["msg"]
    return SettingsError(f"{name} {reason}")


def settings_from(values: Mapping[str, str], **flags: Any) -> Settings:
    """Settings from these variables alone (tests, and tools that hold their own environment)."""
    given: dict[str, Any] = {
        **_variables(values),
        **{k: v for k, v in flags.items() if v is not None},
    }
    try:
        settings = _GivenSettings(**given)
    except ValidationError as problem:
        raise _one_line(problem) from None
    settings._sources = {
        name: Source.FLAG if name in flags else Source.ENVIRONMENT for name in given
    }
    return settings


def load_settings(*, database_url: str | None = None, env_file: Path | None = None) -> Settings:
    """Read the settings once: the environment, then `.env` (default: in the working directory).

    `database_url` is the command line's `--database-url`, which wins over both.
    """
    path = env_file if env_file is not None else Path.cwd() / ".env"
    flags: dict[str, Any] = (
        {"database_url": database_url} if database_url and database_url.strip() else {}
    )
    try:
        settings = Settings(_env_file=path if path.is_file() else None, **flags)  # type: ignore[call-arg]
    except ValidationError as problem:
        raise _one_line(problem) from None
    from_environment = _variables(os.environ)
    from_file = _variables(dotenv_values(path)) if path.is_file() else {}
    sources: dict[str, Source] = {}
    for name in Settings.model_fields:
        if name in flags:
            sources[name] = Source.FLAG
        elif name in from_environment:
            sources[name] = Source.ENVIRONMENT
        elif name in from_file:
            sources[name] = Source.DOTENV
    settings._sources = sources
    return settings


def use_metrics_folder(path: str) -> None:
    """Tell prometheus-client (in this process and the gunicorn workers it forks) where to share.

    prometheus-client reads `PROMETHEUS_MULTIPROC_DIR` from the environment when first imported;
    this module is the one that touches the environment, so the export happens here.
    """
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
