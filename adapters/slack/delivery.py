"""Delivers the outbox's Slack notifications: posts, DMs and edits, with retries and back-off.

A person's notification goes to their DM (`conversations.open`, then `chat.postMessage`); a
channel's is posted there. A notification with `replace` edits the message posted earlier for
its key (`chat.update`), e.g. the moderation card after a decision. A 429 is retried after its
`Retry-After`; an error that cannot heal (the channel is gone, the bot is not in it, Slack refused
the blocks) gives up at once: it is recorded on the row, logged, and the moderators are told (a
DM to each moderator when their channel could not be reached, else a note in the moderation
channel), since nobody else would ever learn of it. Anything else is retried with doubling
back-off up to `MAX_ATTEMPTS`. Each attempt is claimed in the database first, so several workers
never send one notification twice.

A message too long for one Slack message (a full moderation card) is posted shortened, and the
full text follows in its thread (`SlackMessage.more`); an edit (`replace`) changes the first
message only, since the thread already holds the text. A follow-up that fails is logged and not
retried: the card itself was delivered, and sending it again would post it twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.render import render_message
from adapters.slack.text import escape, mrkdwn
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.records import Audience, Notification
from store.platform_state import CLAIMS_KEPT, PlatformState

log = logging.getLogger(__name__)

PLATFORM = "slack"
BATCH = 50
MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
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


@dataclass(frozen=True)
class Outcome:
    """What one delivery pass did: ids sent, ids to retry later, ids given up."""

    sent: tuple[int, ...] = ()
    retrying: tuple[int, ...] = ()
    given_up: tuple[int, ...] = ()


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 30 s, 1 min, 2 min, … at most 1 h."""
    wait: timedelta = FIRST_BACKOFF * (2 ** min(max(0, attempts), 20))
    return min(wait, MAX_BACKOFF)


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
    """Sends due Slack notifications from the outbox; `run_pending` is one pass."""

    def __init__(
        self,
        client: WebClient,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        state: PlatformState,
    ) -> None:
        """Bind the Web API client, the store, the clock and the adapter's state."""
        self._client = client
        self._uow_factory = uow_factory
        self._clock = clock
        self._state = state

    def run_pending(self) -> Outcome:
        """Send every due notification once; record each outcome. Never raises."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            due = uow.outbox.pending(PLATFORM, now, limit=BATCH)
        sent: list[int] = []
        retrying: list[int] = []
        given_up: list[int] = []
        for notification in due:
            assert notification.id is not None  # noqa: S101 - stored notifications have ids
            if not self._state.claim(f"outbox:{notification.id}:{notification.attempts}", now):
                continue  # another worker has this attempt
            error, retry_at = self._attempt(notification)
            with self._uow_factory() as uow:
                if error is None:
                    uow.outbox.mark_delivered(notification.id, self._clock.now())
                    sent.append(notification.id)
                else:
                    uow.outbox.mark_failed(notification.id, error, retry_at)
                    (retrying if retry_at else given_up).append(notification.id)
                uow.commit()
            if error is not None and retry_at is None:
                log.warning(
                    "gave up on Slack notification %s to %s: %s",
                    notification.id,
                    notification.recipient,
                    error,
                )
                self._tell_moderators(notification, error)
        return Outcome(tuple(sent), tuple(retrying), tuple(given_up))

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

    def forget_old_claims(self) -> int:
        """Drop claims older than `CLAIMS_KEPT` (the table would otherwise only grow)."""
        return self._state.forget_claims(self._clock.now() - CLAIMS_KEPT)

    def _attempt(self, notification: Notification) -> tuple[str | None, datetime | None]:
        """Try to send; returns (None, None) on success, else (error, when to retry or None)."""
        now = self._clock.now()
        try:
            self.send(notification)
        except SlackApiError as error:
            status = getattr(error.response, "status_code", 0)
            code = str(error.response.get("error", "")) if error.response else ""
            if status == 429 or code == "ratelimited":
                return "429 ratelimited", now + retry_after(error)
            if code in PERMANENT_ERRORS or notification.attempts + 1 >= MAX_ATTEMPTS:
                return code or f"HTTP {status}", None
            return code or f"HTTP {status}", now + backoff(notification.attempts)
        except Exception as error:  # network down, timeouts: always worth another try
            log.warning("delivering notification %s failed: %s", notification.id, error)
            if notification.attempts + 1 >= MAX_ATTEMPTS:
                return f"{type(error).__name__}: {error}", None
            return f"{type(error).__name__}: {error}", now + backoff(notification.attempts)
        return None, None

    def send(self, notification: Notification) -> None:
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


def message_key(notification: Notification) -> str:
    """What a posted message is remembered by: its key, per audience and recipient.

    The core gives the moderators' card and the contributor's notice the same key
    (`submission:42`); each must only ever replace its own message.
    """
    if not notification.key:
        return ""
    return f"{notification.audience.value}:{notification.recipient}:{notification.key}"


class DeliveryLoop:
    """Runs `SlackDelivery.run_pending` in a daemon thread: every `interval`, or when woken."""

    def __init__(
        self,
        delivery: SlackDelivery,
        interval: float = 5.0,
        on_error: Callable[[], None] | None = None,
    ) -> None:
        """Prepare the loop; nothing runs until `start`."""
        self._delivery = delivery
        self._interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_error = on_error

    def wake(self) -> None:
        """Deliver now (the core may just have queued something, e.g. after a decision)."""
        self._wake.set()

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="slack-delivery", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish and wait for it briefly."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        passes = 0
        while not self._stop.is_set():
            try:
                self._delivery.run_pending()
                passes += 1
                if passes % 1000 == 0:
                    self._delivery.forget_old_claims()
            except Exception:
                log.exception("the Slack delivery pass failed; trying again shortly")
                if self._on_error:
                    self._on_error()
            self._wake.wait(self._interval)
            self._wake.clear()
