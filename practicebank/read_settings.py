"""Settings read without loading pydantic: those `search` and `show` use, and the earliest.

The earliest are `PRACTICEBANK_DEBUG` and `PRACTICEBANK_LOG`, read before any other settings.

`practicebank search` should answer in well under half a second, and importing pydantic and
pydantic-settings to build the full `Settings` costs about 0.3 s of that. The read-only
commands need only where the bank is: `DATABASE_URL` (or `--database-url`) and
`XDG_DATA_HOME`. This module reads just those two, with the same precedence as
`practicebank.settings.load_settings` (the flag, then the environment, then `.env`; a blank
value is unset), and gives up — returns None, so the caller loads the full settings — whenever a
value would need the full rules: a statement timeout set anywhere, or a value of spaces. A test
holds its answers equal to the full settings' for every source.

Decision: these two commands do not check settings they do not use (a bad `PORT` does not stop a
search); every other command, and `practicebank config`, still checks them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from store.engine import DEFAULT_STATEMENT_TIMEOUT_MS, default_database_url

_READ = ("database_url", "xdg_data_home")
_FULL_RULES = ("database_statement_timeout_ms",)


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and what it accepts."""


def debug_enabled() -> bool:
    """`PRACTICEBANK_DEBUG`: show tracebacks (read before, and apart from, the settings)."""
    return bool(os.environ.get("PRACTICEBANK_DEBUG"))


def log_level() -> str:
    """`PRACTICEBANK_LOG`: the logging level, WARNING unless set."""
    return os.environ.get("PRACTICEBANK_LOG", "WARNING")


@dataclass(frozen=True)
class ReadSettings:
    """What a read-only command needs to find the bank, with the names `Settings` gives them."""

    database_url: str | None
    xdg_data_home: str | None
    database_statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS

    @property
    def database(self) -> str:
        """The database to use: `DATABASE_URL`, else the SQLite file in the user's data folder."""
        return self.database_url or default_database_url(self.xdg_data_home)


def _given(values: Mapping[str, str | None]) -> dict[str, str]:
    """Non-blank values keyed by lower-case name, as pydantic-settings matches them."""
    return {key.lower(): value.strip() for key, value in values.items() if value and value.strip()}


def read_settings(
    *, database_url: str | None = None, env_file: Path | None = None
) -> ReadSettings | None:
    """The read-only commands' settings, or None when only the full settings can say."""
    path = env_file if env_file is not None else Path.cwd() / ".env"
    if any(
        not value.strip() for key, value in os.environ.items() if value and key.lower() in _READ
    ):
        return None  # spaces: pydantic-settings lets them hide `.env`, then drops them; it decides
    from_environment = _given(os.environ)
    from_file: dict[str, str] = {}
    if path.is_file():
        from dotenv import dotenv_values

        from_file = _given(dotenv_values(path))
    if any(name in from_environment or name in from_file for name in _FULL_RULES):
        return None
    chosen = {name: from_environment.get(name) or from_file.get(name) for name in _READ}
    if database_url and database_url.strip():
        chosen["database_url"] = database_url.strip()
    return ReadSettings(chosen["database_url"], chosen["xdg_data_home"])
