"""Sends one outbox notification to Slack: posts, DMs and edits; says how it went.

The shared delivery loop (`bot.kernel.delivery.DeliveryLoop`) leases, retries and records; this
module only supplies `SlackDelivery.send`. A person's notification goes to their DM
(`conversations.open`, then `chat.postMessage`); a channel's is posted there. A notification with
`replace` edits the message posted earlier for its key (`chat.update`), e.g. the moderation card
after a decision. A 429 is reported with its `Retry-After`; an error that cannot heal (the channel
is gone, the bot is not in it, Slack refused the blocks) is permanent: the loop gives up, and the
moderators are told here (a DM to each moderator when their channel could not be reached, else a
note in the moderation channel), since nobody else would ever learn of it. Anything else (5xx,
timeouts, a reset connection) is transient and the loop retries it with back-off.

A message too long for one Slack message (a full moderation card) is posted shortened, and the
full text follows in its thread (`SlackMessage.more`); an edit (`replace`) changes the first
message only, since the thread already holds the text. A follow-up that fails is logged and not
retried: the card itself was delivered, and sending it again would post it twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.render import render_message
from adapters.slack.text import escape, mrkdwn
from bot.kernel.delivery import SendOutcome
from bot.kernel.ports import Clock, UnitOfWorkFactory
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
        "invalid_arguments",
        "msg_blocks_too_long",
        "msg_too_long",
        "no_text",
        "restricted_action",
        "missing_scope",
    }
)


CONTINUED = "Practice bank (continued)"
FIX_HINTS = {
    "channel_not_found": "Invite me there with `/invite @Practice bank`, or check the channel id.",
    "not_in_channel": "Invite me there with `/invite @Practice bank`.",
    "is_archived": "That channel is archived: set another moderation channel.",
    "cannot_dm_bot": "That account is a bot.",
    "user_not_found": "That person is no longer in the workspace.",
    "account_inactive": "That account is deactivated.",
}
"""What a moderator can do about each permanent error; the others are our fault, and logged."""


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

    def __init__(
        self,
        client: WebClient,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        state: PlatformState,
    ) -> None:
        """Bind the Web API client, the store, the clock and the adapter's posted-message memory."""
        self._client = client
        self._uow_factory = uow_factory
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
                log.warning(
                    "gave up on Slack notification %s to %s: %s",
                    notification.id,
                    notification.recipient,
                    code,
                )
                self._tell_moderators(notification, code)
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
            return  # the thread under it already holds the full text
        channel = notification.recipient
        if notification.audience is Audience.PERSON:
            opened = self._client.conversations_open(users=notification.recipient)
            channel = str(opened["channel"]["id"])
        posted = self._client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks
        )
        posted_in = str(posted.get("channel") or channel)
        if key:
            self._state.remember_message(
                notification.workspace_id, key, posted_in, str(posted["ts"]), self._clock.now()
            )
        for blocks in message.more:
            try:
                self._client.chat_postMessage(
                    channel=posted_in, text=CONTINUED, blocks=blocks, thread_ts=str(posted["ts"])
                )
            except SlackApiError as error:
                log.warning(
                    "the full text of notification %s did not follow: %s",
                    notification.id,
                    error.response.get("error"),
                )

    def _tell_moderators(self, failed: Notification, error: str) -> None:
        """Say that a notification could not be sent, where the moderators will read it."""
        with self._uow_factory() as uow:
            settings = uow.workspaces.get(PLATFORM, failed.workspace_id)
        if settings is None:
            return
        channel = settings.moderation_channel or ""
        to_channel = failed.audience is Audience.CHANNEL
        if to_channel and failed.recipient == channel:
            places = [str(m) for m in settings.moderator_ids]  # their channel is what failed
        elif channel:
            places = [channel]
        else:
            places = [str(m) for m in settings.moderator_ids]
        where = f"<#{failed.recipient}>" if to_channel else f"<@{failed.recipient}>"
        about = f" about `{escape(failed.key)}`" if failed.key else ""
        hint = FIX_HINTS.get(error, "It has been logged.")
        notice = (
            f"I could not deliver a message{about} to {where}: Slack answered `{error}`. {hint}"
        )
        for place in places:
            try:
                if failed.audience is Audience.PERSON and place == failed.recipient:
                    continue  # the very DM that failed
                self._client.chat_postMessage(
                    channel=place, text=notice, blocks=[{"type": "section", "text": mrkdwn(notice)}]
                )
            except SlackApiError as failure:
                log.warning("could not tell %s either: %s", place, failure.response.get("error"))


def message_key(notification: Notification) -> str:
    """What a posted message is remembered by: its key, per audience and recipient.

    The core gives the moderators' card and the contributor's notice the same key
    (`submission:42`); each must only ever replace its own message.
    """
    if not notification.key:
        return ""
    return f"{notification.audience.value}:{notification.recipient}:{notification.key}"
