"""The Slack adapter's own typed settings, built by the composition root from the settings.

The moderation settings are for the one workspace the bot is installed in (its team id comes from
`auth.test`); the composition root merges them into that workspace's stored settings at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
DEFAULT_WORK_PROCESSES = 2
DEFAULT_WORK_THREADS = 16  # per process, working spooled requests behind the acks
EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class SlackSettings:
    """Everything the Slack adapter needs to connect and serve."""

    bot_token: str
    signing_secret: str = ""
    app_token: str = ""
    api_url: str = DEFAULT_API_URL
    port: int = DEFAULT_PORT
    workers: int = DEFAULT_WORKERS
    threads: int = DEFAULT_THREADS
    delivery_seconds: float = 5.0
    # Where HTTP requests are spooled before their ack (`adapters.slack.inbox`); empty: none
    # (Socket Mode, or a bot driven through `app.dispatch` directly).
    inbox_dir: str = ""
    work_threads: int = DEFAULT_WORK_THREADS
    # Processes beside the web workers that work the inbox (HTTP mode); 0: the web workers do.
    work_processes: int = DEFAULT_WORK_PROCESSES

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is given: no public URL needed."""
        return bool(self.app_token)
