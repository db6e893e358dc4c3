"""Sends one outbox notification to Slack: posts, DMs and edits; says how it went.

The shared delivery loop (`bot.kernel.delivery.DeliveryLoop`) leases, retries and records; this
module only supplies `SlackDelivery.send`. A person's notification goes to their DM
(`conversations.open`, then `chat.postMessage`); a channel's is posted there. A notification with
`replace` edits the message posted earlier for its key (`chat.update`), e.g. the moderation card
after a decision. A 429 is reported with its `Retry-After`; an error that cannot heal (the channel
is gone, the bot is not in it) is permanent; anything else (5xx, timeouts, a reset connection) is
transient and the loop retries it with back-off.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.render import render_message
from bot.kernel.delivery import SendOutcome
from bot.kernel.ports import Clock
from bot.kernel.records import Audience, Notification
from store.platform_state import PlatformState

log = logging.getLogger(__name__)

PLATFORM = "slack"
DEFAULT_RETRY_AFTER = timedelta(seconds=30)
# Errors a retry cannot cure: an operator must act (invite the bot, fix the channel id).
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "cannot_dm_bot",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "restricted_action",
        "missing_scope",
    }
)


def retry_after(error: SlackApiError) -> timedelta:
    """The wait a 429 asks for in its `Retry-After` header (seconds)."""
    headers = getattr(error.response, "headers", {}) or {}
    raw = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        seconds = int(str(raw).strip())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return timedelta(seconds=min(max(seconds, 1), 3600))


class SlackDelivery:
    """Sends one Slack notification at a time (the delivery loop's `send`)."""

    def __init__(self, client: WebClient, clock: Clock, state: PlatformState) -> None:
        """Bind the Web API client, the clock and the adapter's posted-message memory."""
        self._client = client
        self._clock = clock
        self._state = state

    def send(self, notification: Notification) -> SendOutcome:
        """Post (or edit) the notification; classify any failure for the delivery loop."""
        try:
            self.post(notification)
        except SlackApiError as error:
            status = getattr(error.response, "status_code", 0)
            code = str(error.response.get("error", "")) if error.response else ""
            if status == 429 or code == "ratelimited":
                return SendOutcome.rate_limited(retry_after(error).total_seconds())
            if code in PERMANENT_ERRORS:
                return SendOutcome.permanent(code)
            return SendOutcome.transient(code or f"HTTP {status}")
        except Exception as error:  # network down, timeouts, resets: always worth another try
            log.warning("delivering notification %s failed: %s", notification.id, error)
            return SendOutcome.transient(f"{type(error).__name__}: {error}"[:500])
        return SendOutcome.delivered()

    def post(self, notification: Notification) -> None:
        """Post (or edit) one notification in Slack; raises the Web API's errors."""
        message = render_message(notification.reply)
        key = message_key(notification)
        earlier = self._state.message_for(notification.workspace_id, key) if key else None
        if notification.replace and earlier is not None:
            channel, ts = earlier
            self._client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            )
            return
        channel = notification.recipient
        if notification.audience is Audience.PERSON:
            opened = self._client.conversations_open(users=notification.recipient)
            channel = str(opened["channel"]["id"])
        posted = self._client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks
        )
        if key:
            self._state.remember_message(
                notification.workspace_id,
                key,
                str(posted.get("channel") or channel),
                str(posted["ts"]),
                self._clock.now(),
            )


def message_key(notification: Notification) -> str:
    """What a posted message is remembered by: its key, per audience and recipient.

    The core gives the moderators' card and the contributor's notice the same key
    (`submission:42`); each must only ever replace its own message.
    """
    if not notification.key:
        return ""
    return f"{notification.audience.value}:{notification.recipient}:{notification.key}"
