"""The Slack adapter's wiring: Bolt listeners that ack, hand the core an event, and answer in place.

Ack first, whatever else is slow: every request is acknowledged in the HTTP request's own thread
by an ack that touches nothing (no database, no search, no Slack call), and the work runs after,
as a Bolt lazy listener on the adapter's own bounded pool of `LISTENER_THREADS` threads. Bolt's
default would hand the ack itself to that pool and wait for a free thread, so a few slow
listeners (an index rebuild, a stalled database) left every later request unacknowledged; with
`process_before_response` the ack never queues behind work. The one exception is a modal
submission, whose ack carries the next modal when the core sends a form back (how Slack shows a
refused value): it waits for the core, and only its follow-up messages run on the pool. A click
that leads to a form must use its `trigger_id` at once: the core is given `FORM_WAIT` seconds,
and if it is slower a loading modal is opened and then updated. Events that Slack retries
(`X-Slack-Retry-Num`) are claimed on their `event_id` in the database with a short lease at the
start of their work (after the ack) and marked done only once the answer went out, so several
workers never answer one event twice, and a retry after a worker died mid-work is answered.

Where answers go: a private reply to a slash command or a click is ephemeral (`response_url`),
in a direct message it is a message (in the thread, if the person wrote in one), to a mention it
is a reply in the thread; `replace` edits the message the button sat on. Wherever the bot cannot
post (a DM between two people, a channel it was not invited to: `channel_not_found`), the answer
goes through the `response_url` instead. Answers to buttons on the Home tab and to modals that
lost their channel go to the person's DM with the bot (a view has no channel or `response_url`).
A message too long for Slack is shortened by the renderer and its full text follows in the thread.

Two decisions are the core's, carried on the reply, so Slack and Discord behave alike: an answer
that `continues_in_private` (the sharing dialogue) given anywhere but the person's DM with the
bot goes on in that DM, and where it was asked they are told so (a form the core asks for opens
as a modal at once instead: a modal is private already). A private answer with a `share_action`
gets a *Share in channel* button (`slack:post:<share action>`) where it is shown to the person
alone (not in the bot's DM, nor in a mention's thread, which everyone sees): pressing it
re-runs that action for the person who pressed it and posts the whole answer in the
conversation, credited to them; what the core no longer marks shareable goes back privately.

Decisions kept deliberately narrow:
- Practice refs are unfurled when the bot is mentioned (`@Practice bank PB046` shows the card in
  a thread), not in every channel message: reading all messages would need `channels:history`
  and `groups:history`, i.e. the bot reading every conversation it sits in. The manifest asks
  for `app_mentions:read` only.
- Moderators are configured by Slack user id (`SLACK_MODERATORS`, or the workspace settings);
  `Actor.roles` stays empty in Slack. Resolving user groups would need `usergroups:read` and a
  `usergroups.users.list` call per click; a workspace that wants a group lists its members.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any, Protocol

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from adapters.slack.inbound import (
    Inbound,
    Source,
    actor_of,
    is_typed_by_person,
    on_app_mention,
    on_block_actions,
    on_command,
    on_direct_message,
    on_view_submission,
)
from adapters.slack.inbox import CURRENT_ANSWERS
from adapters.slack.render import (
    SHARE_IN_CHANNEL,
    JsonDict,
    SlackMessage,
    fits,
    render_home,
    render_loading_modal,
    render_message,
    render_modal,
    render_notice_modal,
)
from adapters.slack.text import ERROR_TEXT, cut, mrkdwn, one_line
from bot.kernel.events import Actor, Click, Command, Event, FormSubmit, Place, Text
from bot.kernel.ports import Clock
from bot.kernel.replies import Form, Reply, text
from store.platform_state import PlatformState

log = logging.getLogger(__name__)

FORM_WAIT = 1.5  # seconds the core gets before a trigger_id must be spent on a loading modal
# Threads per process doing the work behind acks; more requests than this queue (acked already).
LISTENER_THREADS = 16
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")
SHARE_FORM_WORDS = ("share", "form")  # `/practice share form`: the core answers with a modal
MOVED_TO_DM = "I've sent you a direct message to share your practice there, one question at a time."
FILES_NOT_READ = "I can only read typed text, not files: please type your answer as a message."
CONTINUED = "Practice bank (continued)"
NOT_A_MEMBER = frozenset({"channel_not_found", "not_in_channel"})
NOTHING_TO_SHARE = "There is nothing here to share in the channel."
NOT_IN_CHANNEL = (
    "I can't post in this channel yet: invite me first with `/invite @Practice bank`, "
    "then press *Share in channel* again."
)


class Handler(Protocol):
    """What the adapter needs from the core: `bot.core.PracticeBank` is one."""

    def handle(self, event: Event) -> list[Reply]:
        """Answer one event with replies."""
        ...


class SlackAdapter:
    """Bolt listeners around the core: inbound payloads to events, replies back to Slack."""

    def __init__(
        self,
        bank: Handler,
        client: WebClient,
        state: PlatformState,
        clock: Clock,
        after_event: Callable[[], None] | None = None,
        form_wait: float = FORM_WAIT,
        home: Callable[[Actor], Reply] | None = None,
        listener_threads: int = LISTENER_THREADS,
        claims_events: bool = True,
    ) -> None:
        """Bind the core, the Web API client and the database state.

        `after_event` runs after each event the core handled (the delivery loop's `wake`, since
        the core may just have queued notifications such as the updated moderation card).
        `form_wait` is how long a click with a `trigger_id` waits for the core before a loading
        modal is opened (tests shorten it). `home` builds a person's App Home page
        (`bot.commands.home.Home.for_actor`); without it the Home tab is left alone.
        `listener_threads` bounds the threads working behind the acks (`work`).
        `claims_events` is False for the adapter behind the inbox (`register_work`), where the
        inbox claims each request itself (`adapters.slack.inbox`).
        """
        self._claims_events = claims_events
        self._bank = bank
        self._client = client
        self._state = state
        self._clock = clock
        self._after_event = after_event or (lambda: None)
        self._form_wait = form_wait
        self._home = home
        # Two pools: a listener waiting on the core with a deadline (`_answer_in_time`) must
        # never wait for a thread of its own pool, or a full pool would deadlock.
        self.work = ThreadPoolExecutor(
            max_workers=max(1, listener_threads), thread_name_prefix="slack-work"
        )
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack-core")

    # --- wiring ------------------------------------------------------------------------------

    def register(self, app: App) -> None:
        """Attach every listener to a Bolt app: an instant ack, then the work (lazy)."""
        app.command(re.compile(r"/.+"))(ack=_ack, lazy=[self.on_command])
        app.action(re.compile(re.escape(SHARE_IN_CHANNEL) + ".*"))(
            ack=_ack, lazy=[self.on_share_in_channel]
        )
        app.action(re.compile(r".+"))(ack=_ack, lazy=[self.on_block_action])
        app.view(re.compile(r".+"))(self.on_view_submission)  # its ack may carry the next modal
        app.event("app_mention")(ack=_ack, lazy=[self.on_app_mention])
        app.event("app_home_opened")(ack=_ack, lazy=[self.on_app_home_opened])
        app.event("message")(ack=_ack, lazy=[self.on_message])

    def register_work(self, app: App) -> None:
        """Attach the listeners that work spooled requests: each runs to its end in `dispatch`.

        The inbox acked already (`adapters.slack.inbox`), so here a listener acks a request
        nobody waits for and does its work at once; `dispatch` answers 500 when it raised.
        A modal submission is answered in its ack, as it arrives; what reaches this app is its
        follow-up, the messages beside the modal (`on_view_follow_up`).
        """
        app.command(re.compile(r"/.+"))(_acked(self.on_command))
        app.action(re.compile(re.escape(SHARE_IN_CHANNEL) + ".*"))(_acked(self.on_share_in_channel))
        app.action(re.compile(r".+"))(_acked(self.on_block_action))
        app.event("app_mention")(_acked(self.on_app_mention))
        app.event("app_home_opened")(_acked(self.on_app_home_opened))
        app.event("message")(_acked(self.on_message))
        app.view(re.compile(r".+"))(_acked(self.on_view_follow_up))

    def _begin(self, body: dict[str, Any]) -> bool:
        """Claim an event's work; False for one already claimed (a retry, or another worker's).

        This runs after the ack, on the work pool: Slack got its 200 whatever the database does.
        """
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not self._claims_events or not isinstance(event_id, str) or not event_id:
            return True
        if self._state.begin(f"event:{event_id}", self._clock.now()):
            return True
        log.info("skipping Slack event %s: already handled", event_id[:64])
        return False

    # --- listeners ---------------------------------------------------------------------------

    def on_command(self, body: dict[str, Any]) -> None:
        """`/practice …` (already acked): answer privately.

        A command typed in a DM between people (or a channel the bot is not in) is answered
        through its `response_url`: the bot cannot post there. `share form` spends the
        trigger_id on a loading modal before the core works, since the modal must open in 3 s.
        """
        inbound = self._own_dm_or_elsewhere(on_command(body))
        event = inbound.event
        assert isinstance(event, Command)  # noqa: S101 - on_command makes commands
        if _first_words(event.text, 2) == SHARE_FORM_WORDS and inbound.source.trigger_id:
            self._answer_slowly(inbound, lambda: self._ask(event))
            return
        self._answer(inbound, self._ask(event))

    def _own_dm_or_elsewhere(self, inbound: Inbound) -> Inbound:
        """A command from a DM is in the bot's own DM only if it is the one Slack opens for us.

        Slash commands work in any conversation, DMs between two people included, and their
        payload calls every DM `directmessage`; `conversations.open` names the bot's own.
        """
        source = inbound.source
        if not source.is_direct or not _USER_ID.fullmatch(source.user):
            return inbound
        try:
            opened = self._client.conversations_open(users=source.user)
        except SlackApiError as error:
            log.info("conversations.open failed: %s", error.response.get("error"))
            return inbound
        if str(opened["channel"]["id"]) == source.channel:
            return inbound
        event = inbound.event
        place = replace(event.place, is_direct=False)
        return Inbound(replace(event, place=place), replace(source, is_direct=False))

    def on_block_action(self, body: dict[str, Any]) -> None:
        """A button or select (already acked): answer; a form the core sends opens as a modal."""
        inbound = on_block_actions(body)
        event = inbound.event
        assert isinstance(event, Click)  # noqa: S101 - on_block_actions makes clicks
        if not inbound.source.channel:
            inbound = self._in_dm(inbound)  # a click on the Home tab: answer in the DM
            event = inbound.event
            assert isinstance(event, Click)  # noqa: S101 - still the same click
        self._answer_in_time(inbound)

    def on_share_in_channel(self, body: dict[str, Any]) -> None:
        """*Share in channel* (already acked): the core's answer to `share_action`, for all.

        The action runs again for the person who pressed the button (the core decides what they
        may see), and every reply it still marks shareable is posted whole, credited to them,
        without *Share in channel*. A reply it does not mark (a practice since restricted, a
        forged id) goes back privately instead. In a conversation the bot is not in, the click's
        `response_url` posts it; only when that is missing is the person asked to invite the bot.
        """
        inbound = on_block_actions(body)
        event = inbound.event
        assert isinstance(event, Click)  # noqa: S101 - on_block_actions makes clicks
        action = event.action.removeprefix(SHARE_IN_CHANNEL)
        replies = self._ask(replace(event, action=action)) if action else []
        shared = [replace(r, private=False) for r in replies if r.share_action]
        if not shared:
            self._answer(inbound, replies or [Reply((text(NOTHING_TO_SHARE),))])
            return
        user = inbound.source.user
        sharer = f"<@{user}>" if _USER_ID.fullmatch(user) else "Someone"
        credit: JsonDict = {"type": "context", "elements": [mrkdwn(f"{sharer} shared:")]}
        # Posted where the button was, not in its thread or over the ephemeral message.
        source = replace(inbound.source, message_ts="", ephemeral=False)
        messages = [render_message(reply) for reply in shared]
        try:
            for message in _credited(messages, credit):
                self._send(source, message)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            log.info("share in channel failed: %s", code)
            if code not in NOT_A_MEMBER:
                raise
            self._answer(inbound, [Reply((text(NOT_IN_CHANNEL),))])

    def on_view_submission(self, ack: Ack, body: dict[str, Any]) -> None:
        """A modal sent back: the core decides; a form in its answer replaces the modal.

        When the core sends the same form back with a reason on each refused field, the reasons
        go beside those fields (`response_action: errors`) and the modal keeps what was typed.
        Messages beside the modal are sent on the work pool, so the ack does not wait for them;
        for a submission spooled in the inbox, its follow-up (`on_view_follow_up`) sends them.
        """
        inbound = on_view_submission(body)
        answer, rest = _view_answer(inbound, self._ask(inbound.event))
        ack(**answer)
        if rest and CURRENT_ANSWERS.get() is None:
            self.work.submit(
                self._answer, replace(inbound, source=replace(inbound.source, trigger_id="")), rest
            )

    def on_view_follow_up(self, body: dict[str, Any]) -> None:
        """A spooled modal submission after its ack: the messages beside the modal.

        The core's answer is the one the ack recorded (`adapters.slack.inbox.Answers`); if the
        worker died before the core answered, the core is asked now, once.
        """
        inbound = on_view_submission(body)
        _, rest = _view_answer(inbound, self._ask(inbound.event))
        if rest:
            self._answer(replace(inbound, source=replace(inbound.source, trigger_id="")), rest)

    def on_app_mention(self, body: dict[str, Any]) -> None:
        """`@Practice bank knife crime` in a channel: the answer goes in the thread."""
        if not self._begin(body):
            return
        inbound = on_app_mention(body)
        self._answer(inbound, self._ask(inbound.event))
        self._finish(body)

    def on_message(self, body: dict[str, Any]) -> None:
        """A message in the bot's DM (questions, sharing answers); other messages are ignored.

        Bot messages (our own included) and edits are ignored; a file shared with words is read
        for its words, and a file alone gets a short answer saying only typed text is read.
        """
        if not self._begin(body):
            return
        event = body.get("event") or {}
        if event.get("channel_type") != "im" or not is_typed_by_person(event):
            self._finish(body)
            return
        inbound = on_direct_message(body)
        event_in = inbound.event
        assert isinstance(event_in, Text)  # noqa: S101 - on_direct_message makes texts
        if not event_in.text.strip():
            if event.get("subtype") == "file_share":
                self._answer(inbound, [Reply((text(FILES_NOT_READ),))])
            self._finish(body)
            return
        self._answer(inbound, self._ask(event_in))
        self._finish(body)

    def on_app_home_opened(self, body: dict[str, Any]) -> None:
        """The Home tab was opened: publish the person's page (`views.publish`)."""
        if not self._begin(body):
            return
        event = body.get("event") or {}
        user = event.get("user")
        if self._home is None or event.get("tab") != "home" or not isinstance(user, str):
            return
        if not _USER_ID.fullmatch(user):
            return
        team = str(body.get("team_id") or "")
        self._client.views_publish(user_id=user, view=render_home(self._home(actor_of(team, user))))
        self._finish(body)

    def _finish(self, body: dict[str, Any]) -> None:
        """The event's work is done (answer sent): a retry of it now changes nothing."""
        event_id = body.get("event_id")
        if self._claims_events and isinstance(event_id, str) and event_id:
            self._state.finish(f"event:{event_id}", self._clock.now())

    # --- answering ---------------------------------------------------------------------------

    def _in_dm(self, inbound: Inbound) -> Inbound:
        """The same event, as if it came from the person's DM with the bot (Home tab clicks)."""
        source = inbound.source
        opened = self._client.conversations_open(users=source.user)
        dm = str(opened["channel"]["id"])
        event = inbound.event
        place = Place(event.place.platform, event.place.workspace_id, dm, is_direct=True)
        dm_source = Source(
            channel=dm, user=source.user, trigger_id=source.trigger_id, is_direct=True
        )
        return Inbound(replace(event, place=place), dm_source)

    def _ask(self, event: Event) -> list[Reply]:
        """The core's answer; for a spooled request, the one an earlier try recorded if any."""
        answers = CURRENT_ANSWERS.get()
        if answers is not None:
            return answers.ask(lambda: self._ask_core(event))
        return self._ask_core(event)

    def _ask_core(self, event: Event) -> list[Reply]:
        try:
            return self._bank.handle(event)
        finally:
            self._after_event()

    def _continue_in_private(self, inbound: Inbound, replies: Sequence[Reply]) -> None:
        """Carry a dialogue on in the person's DM with the bot, and say so where they asked.

        A form the core asks for first opens as a modal with the click's trigger (a modal is
        private already, and its answers come back here to be carried on the same way).
        """
        first = render_message(replies[0]) if replies else None
        if first is not None and first.forms and inbound.source.trigger_id:
            self._open_modal(inbound.source, replies[0], first.forms[0])
            inbound = replace(inbound, source=replace(inbound.source, trigger_id=""))
            replies = replies[1:]
            if not replies:
                return
        moved = self._in_dm(inbound)
        self._answer(inbound, [Reply((text(MOVED_TO_DM),))])
        self._answer(replace(moved, source=replace(moved.source, trigger_id="")), replies)

    def _answer_in_time(self, inbound: Inbound) -> None:
        """Ask the core; with a trigger_id, wait `form_wait` at most before a loading modal.

        A trigger opens a modal within 3 s of the click only: if the core is slower, the
        trigger is spent on a loading modal that its answer then fills in.
        """
        if not inbound.source.trigger_id:
            self._answer(inbound, self._ask(inbound.event))
            return
        # In a copy of this context: a spooled request's answers journal goes along.
        future = self._executor.submit(contextvars.copy_context().run, self._ask, inbound.event)
        try:
            replies = future.result(timeout=self._form_wait)
        except FutureTimeout:
            self._answer_slowly(inbound, future.result)
            return
        self._answer(inbound, replies)

    def _answer_slowly(self, inbound: Inbound, result: Callable[[], list[Reply]]) -> None:
        """The core is slow: spend the trigger on a loading modal, then fill it in."""
        metadata = _metadata(inbound.source)
        opened = self._client.views_open(
            trigger_id=inbound.source.trigger_id, view=render_loading_modal(metadata)
        )
        view_id = str(opened["view"]["id"])
        replies = result()
        forms = [(r, b) for r in replies for b in r.blocks if isinstance(b, Form)]
        if forms:
            reply, form = forms[0]
            notes = Reply(tuple(b for b in reply.blocks if not isinstance(b, Form)))
            self._client.views_update(view_id=view_id, view=render_modal(form, metadata, notes))
            replies = [r for r in replies if r is not reply]
        else:
            shown = Reply(tuple(b for r in replies for b in r.blocks))
            self._client.views_update(view_id=view_id, view=render_notice_modal(shown, metadata))
            return
        self._answer(replace(inbound, source=replace(inbound.source, trigger_id="")), replies)

    def _answer(self, inbound: Inbound, replies: Sequence[Reply]) -> None:
        """Send the core's replies where the event came from (a dialogue: see the docstring)."""
        source = inbound.source
        if not source.is_direct and any(reply.continues_in_private for reply in replies):
            self._continue_in_private(inbound, replies)
            return
        for reply in replies:
            # Shown to the person alone (ephemeral) only outside DMs and threads: only there
            # may *Share in channel* show it to the others.
            public = source.is_direct or bool(source.thread_ts) or not reply.private
            where = "the thread" if public else "the messages below"
            message = render_message(reply, share_button=not public, where=where)
            if message.forms and source.trigger_id:
                self._open_modal(source, reply, message.forms[0])
                source = replace(source, trigger_id="")  # a trigger opens one modal
                continue
            if message.blocks:
                self._send(source, message)

    def _open_modal(self, source: Source, reply: Reply, form: Form) -> None:
        """Open the reply's form as a modal with the trigger; its other blocks go above it."""
        notes = Reply(tuple(b for b in reply.blocks if not isinstance(b, Form)))
        self._client.views_open(
            trigger_id=source.trigger_id, view=render_modal(form, _metadata(source), notes)
        )

    def _send(self, source: Source, message: SlackMessage) -> None:
        """Post one message where `source` says; where the bot cannot post, use `response_url`.

        No channel at all (a modal from before we kept its channel, a forged one) means the
        answer goes to the person's DM with the bot.
        """
        if not source.channel:
            if not _USER_ID.fullmatch(source.user):
                log.info("dropping an answer with nowhere to go")
                return
            source = replace(source, channel=source.user, is_direct=True, thread_ts="")
        try:
            self._post(source, message)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code not in NOT_A_MEMBER or not source.response_url:
                raise
            log.info("cannot post in %s (%s): answering through response_url", source.channel, code)
            WebhookClient(source.response_url).send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral" if message.private else "in_channel",
            )

    def _post(self, source: Source, message: SlackMessage) -> None:
        """Post, edit or answer ephemerally; a shortened message's full text follows it."""
        editable = source.message_ts and not source.ephemeral
        if source.is_direct or source.thread_ts or not message.private:
            if message.replace and editable:
                self._client.chat_update(
                    channel=source.channel,
                    ts=source.message_ts,
                    text=message.text,
                    blocks=message.blocks,
                )
                thread = source.thread_ts or source.message_ts
            else:
                posted = self._client.chat_postMessage(
                    channel=source.channel or source.user,
                    text=message.text,
                    blocks=message.blocks,
                    thread_ts=source.thread_ts or None,
                )
                thread = source.thread_ts or str(posted.get("ts") or "")
            channel = source.channel or source.user
            for blocks in message.more:
                self._client.chat_postMessage(
                    channel=channel, text=CONTINUED, blocks=blocks, thread_ts=thread or None
                )
            return
        if source.response_url:
            webhook = WebhookClient(source.response_url)
            webhook.send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=bool(message.replace and source.message_ts),
            )
            for blocks in message.more:
                webhook.send(text=CONTINUED, blocks=blocks, response_type="ephemeral")
            return
        for blocks in (message.blocks, *message.more):
            self._client.chat_postEphemeral(
                channel=source.channel, user=source.user, text=message.text, blocks=blocks
            )


def _ack(ack: Ack) -> None:
    """Acknowledge at once: nothing here may wait for storage, search or Slack."""
    ack()


def _acked(listener: Callable[[dict[str, Any]], None]) -> Callable[[Ack, dict[str, Any]], None]:
    """A listener for spooled requests: ack (a formality, Slack has its 200) and work."""

    def work(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        listener(body)

    return work


def _view_answer(inbound: Inbound, replies: list[Reply]) -> tuple[dict[str, Any], list[Reply]]:
    """A modal submission's ack (the next view, or errors beside fields) and the other replies."""
    forms = [(r, b) for r in replies for b in r.blocks if isinstance(b, Form)]
    submitted = inbound.event.form if isinstance(inbound.event, FormSubmit) else ""
    if forms and forms[0][1].id == submitted and field_errors(forms[0][1]):
        answer: dict[str, Any] = {"response_action": "errors", "errors": field_errors(forms[0][1])}
        return answer, [r for r in replies if r is not forms[0][0]]
    if forms:
        reply, form = forms[0]
        notes = Reply(tuple(b for b in reply.blocks if not isinstance(b, Form)))
        view = render_modal(form, _metadata(inbound.source), notes)
        return {"response_action": "update", "view": view}, [r for r in replies if r is not reply]
    return {}, replies


def field_errors(form: Form) -> dict[str, str]:
    """The refusal reasons a form carries, by input block id (Slack's inline errors)."""
    return {f.name: cut(one_line(f.error), ERROR_TEXT) for f in form.fields if f.error}


def _metadata(source: Source) -> dict[str, str]:
    """Where a modal was opened, so its submission is answered there."""
    metadata = {"channel": source.channel}
    if source.response_url:
        metadata["response_url"] = source.response_url
    return metadata


def _credited(messages: list[SlackMessage], credit: JsonDict) -> list[SlackMessage]:
    """The messages with a line naming who shared them on top (a message of its own if full)."""
    first = messages[0]
    if fits([credit, *first.blocks]):
        return [replace(first, blocks=[credit, *first.blocks]), *messages[1:]]
    return [replace(first, blocks=[credit], more=()), replace(first, text=CONTINUED), *messages[1:]]


def _first_words(value: str, count: int) -> tuple[str, ...]:
    return tuple(word.casefold() for word in value.split()[:count])


def build_app(
    adapter: SlackAdapter, client: WebClient, signing_secret: str, *, socket_mode: bool = False
) -> App:
    """A Bolt app on `client` (its base URL may be GovSlack's or a test's) with our listeners.

    In Socket Mode no request is signed (the websocket is authenticated by the app token), so
    signature checks apply to HTTP mode only. The lazy listeners run on `adapter.work`.
    """
    app = App(
        client=client,
        signing_secret=signing_secret or None,
        # The ack runs in the request's thread and the lazy work on the adapter's pool, so an
        # ack never waits for a busy listener thread (Bolt's default does).
        process_before_response=True,
        listener_executor=adapter.work,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,  # start-up already called auth.test for the team id
    )
    adapter.register(app)
    return app


def build_work_app(adapter: SlackAdapter, client: WebClient) -> App:
    """The Bolt app that works spooled requests (`SlackAdapter.register_work`).

    No signature check here: the ack path checked it before spooling, and a replay may come
    later than the five minutes a signature is valid for.
    """
    app = App(
        client=client,
        signing_secret="unused-requests-were-verified-before-spooling",  # noqa: S106
        process_before_response=True,
        request_verification_enabled=False,
        token_verification_enabled=False,
    )
    adapter.register_work(app)
    return app


def workspace_from(client: WebClient) -> Mapping[str, Any]:
    """`auth.test`: which workspace (team id) and bot user this token belongs to."""
    return dict(client.auth_test().data)  # type: ignore[arg-type]


__all__ = ["SlackAdapter", "actor_of", "build_app", "build_work_app", "workspace_from"]
