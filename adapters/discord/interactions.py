"""Answers Discord interactions with the core: first response inside Discord's 3 seconds, always.

The core is synchronous (it talks to the database), so it runs in a worker thread. If it has not
answered within `defer_after` seconds the interaction is deferred at once (Discord's "thinking…"
or a silent acknowledgement for clicks) and the answer follows up when ready; a fast answer is
sent directly, which is what lets a button open a modal (a modal cannot follow a deferral: then
the form is offered behind an "Open form" button instead).

Where an answer goes is the core's decision, carried out here: an answer that
`continues_in_private` (the sharing dialogue) received in a server channel moves to the person's
DMs, where they can type; when their DMs are closed it goes on privately in the channel, each
step with a *Type your answer* button (a modal). A reply with a `share_action` gets a *Share in
channel* button that re-runs that action and posts its whole answer publicly. In DMs, private
answers are ordinary messages (a DM is private already). Every button the bot sent is answered,
also unknown or stale ones.

Modals carry their form id in their `custom_id` and are read back from the interaction's own
data (`on_modal_submit`), never from discord.py's in-memory modal store, so a modal opened before
a restart and sent after it is answered and its content kept.

Every send passes `AllowedMentions.none()`: nothing the bot posts can ping anyone.

A direct message is claimed on its id in the database (`EventClaims`, the claims Slack event ids
use) before any work and marked done once answered: a gateway RESUME that replays a message
already answered, or a second bot process that receives it too, changes nothing, while a replay
of one whose process died mid-work (its short lease run out) is answered. (Interactions need no
such claim: Discord never redelivers one.)

Whether a person shares in the channel (their DMs closed) is kept in the database through
`adapters.discord.memory`, so it survives a restart. Forms offered behind an "Open form" button
are the one thing kept in memory only: after a restart that button says the form expired and to
press the button that opened it again (the core rebuilds the form from the database).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

import discord

from adapters.discord.components import FORM_PREFIX, FormModal, build_view, modal_values
from adapters.discord.inbound import (
    Workspaces,
    from_interaction,
    on_click,
    on_command,
    on_direct_message,
    on_form,
)
from adapters.discord.memory import PersonFacts
from adapters.discord.render import (
    ADAPTER_PREFIX,
    POST_IN_CHANNEL,
    ButtonSpec,
    Outgoing,
    Rendered,
    escape,
    render_reply,
    shorten,
)
from bot.core import SOMETHING_WRONG
from bot.kernel.events import Actor, Click, Command, Event, Place, Text
from bot.kernel.ports import Clock, SystemClock
from bot.kernel.replies import FieldKind, Form, FormField, Reply, text
from bot.search.engine import PracticeSearch
from bot.search.model import SearchFilters

log = logging.getLogger(__name__)

DEFER_AFTER_SECONDS = 1.5
OPEN_FORM_PREFIX = "dc:open:"
POST_PREFIX = POST_IN_CHANNEL + ":"  # + the core's share action: post its answer publicly
PRIVATE_PREFIX = "dc:private:"  # + an outbox notification id: show it to its recipient
ANSWER = "dc:answer"
CANNOT_DM = 50007
SHARING_HERE = "share-here:{user_id}"
AUTOCOMPLETE_MAX = 25
EventOf = Callable[[Actor, Place], Event]
"""Builds the core's event once the person and place of an interaction are known."""

# The core checks each answer's length: the modal allows Discord's most, so nothing is cut here.
ANSWER_FORM = Form(
    ANSWER,
    "Your answer",
    (FormField("answer", "Your answer", FieldKind.LONG_TEXT, True, max_length=4000),),
)
DM_SENT = "I have sent you a direct message: let's carry on there."
DMS_CLOSED = (
    "I cannot send you direct messages (they are closed for this server), so let's carry on "
    "here instead: only you can see these messages. Press *Type your answer* to answer in words."
)
FORM_EXPIRED = "That form has expired (the bot restarted). Press the button that opened it again."
NOTHING_TO_SHARE = "There is nothing here to share in the channel."
STALE_BUTTON = "That button no longer works. Type `/practice help` to see what I can do."
NOT_YOURS = "That message is for someone else."
GONE = "That message is no longer available."


class Handler(Protocol):
    """What the adapter needs from the core: `bot.core.PracticeBank` is one."""

    def handle(self, event: Event) -> list[Reply]:
        """Answer one event with replies; never raises."""
        ...

    @property
    def searcher(self) -> PracticeSearch:
        """The current search index (for autocomplete)."""
        ...


class EventClaims(Protocol):
    """Claims on work to apply once (`store.platform_state.PlatformState` is one)."""

    def begin(self, key: str, at: datetime) -> bool:
        """Claim the work: True when new, or unfinished and its lease ran out."""
        ...

    def finish(self, key: str, at: datetime) -> None:
        """Mark the claimed work done: claiming it again is then refused."""
        ...


class ClaimsInMemory:
    """Claims kept by this process only: for tests and tools without a database."""

    def __init__(self) -> None:
        """Start with nothing claimed."""
        self._claimed: set[str] = set()

    def begin(self, key: str, at: datetime) -> bool:
        """True the first time `key` is claimed (no lease: a process that dies forgets it)."""
        if key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    def finish(self, key: str, at: datetime) -> None:
        """Nothing more to record: a claimed key is refused from then on."""


class PrivateMessages(Protocol):
    """Where a notification kept for a person whose DMs are closed is read back (the outbox)."""

    async def private_message(self, notification_id: int) -> tuple[str, Reply] | None:
        """The (recipient user id, reply) of that notification, or None when unknown."""
        ...


def _send_kwargs(message: Outgoing) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if message.content:
        kwargs["content"] = message.content
    if message.embeds:
        kwargs["embeds"] = message.embeds
    view = build_view(message.components)
    if view is not None:
        kwargs["view"] = view
    return kwargs


def _edit_kwargs(message: Outgoing) -> dict[str, Any]:
    """Edits replace everything: absent text, embeds or buttons are removed."""
    return {
        "content": message.content or None,
        "embeds": message.embeds,
        "view": build_view(message.components),
        "allowed_mentions": discord.AllowedMentions.none(),
    }


def _unstored(modal: discord.ui.Modal) -> discord.ui.Modal:
    """The modal, stopped so discord.py does not keep it in memory.

    `on_modal_submit` reads every submission from the interaction itself, before a restart or
    after it.
    """
    modal.stop()
    return modal


async def send_to(channel: discord.abc.Messageable, rendered: Rendered) -> list[discord.Message]:
    """Post rendered messages in a channel or DM; raises discord errors (e.g. DMs closed)."""
    return [await channel.send(**_send_kwargs(message)) for message in rendered.messages]


class InteractionHandler:
    """The bridge between discord.py's callbacks and the core (see the module docstring)."""

    def __init__(
        self,
        bank: Handler,
        workspaces: Workspaces,
        *,
        defer_after: float = DEFER_AFTER_SECONDS,
        on_activity: Callable[[], None] | None = None,
        facts: PersonFacts | None = None,
        private_messages: PrivateMessages | None = None,
        claims: EventClaims | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Bind the core; `on_activity` is called after each event (it wakes the delivery loop).

        `facts` keeps who shares in the channel because their DMs are closed across restarts;
        `private_messages` reads back notifications shown behind *Show it to me*; `claims`
        (timed by `clock`) makes each direct message answered once (without it, once per process).
        """
        self._bank = bank
        self._workspaces = workspaces
        self._defer_after = defer_after
        self._on_activity = on_activity or (lambda: None)
        self._forms: dict[str, Form] = {}
        self._facts = facts or PersonFacts(None, SystemClock())
        self._private_messages = private_messages
        self._claims = claims or ClaimsInMemory()
        self._clock = clock or SystemClock()

    # --- entry points ------------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction[Any], verb: str, text: str) -> None:
        """A `/practice` subcommand."""
        await self._answer(interaction, lambda actor, place: on_command(actor, place, verb, text))

    async def on_click(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A button or menu: adapter ids are answered here, the rest by the core."""
        if action == POST_IN_CHANNEL:
            await self._post_in_channel(interaction)
        elif action.startswith(POST_PREFIX):
            await self._share_in_channel(interaction, action.removeprefix(POST_PREFIX))
        elif action.startswith(PRIVATE_PREFIX):
            await self._show_private(interaction, action.removeprefix(PRIVATE_PREFIX))
        elif action == ANSWER:
            await interaction.response.send_modal(_unstored(FormModal(ANSWER_FORM)))
        elif action.startswith(OPEN_FORM_PREFIX):
            form = self._forms.pop(action.removeprefix(OPEN_FORM_PREFIX), None)
            if form is None:
                await self._say(interaction, FORM_EXPIRED)
            else:
                await interaction.response.send_modal(_unstored(FormModal(form)))
        elif action.startswith(ADAPTER_PREFIX):
            log.info("unknown adapter action %r answered as stale", action[:100])
            await self._say(interaction, STALE_BUTTON)
        else:
            await self._answer(interaction, lambda actor, place: on_click(actor, place, action))

    async def on_modal_submit(self, interaction: discord.Interaction[Any]) -> None:
        """A modal sent back: its form id is in its custom id, its values in the interaction.

        The free-text answer modal is a `Text`, any other a `FormSubmit`. A modal of another
        shape (not ours) is answered as stale rather than left to fail.
        """
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith(FORM_PREFIX):
            await self._say(interaction, STALE_BUTTON)
            return
        form_id = custom_id.removeprefix(FORM_PREFIX)
        values = modal_values(data)
        if form_id == ANSWER:
            answer = values.get("answer", "")
            await self._answer(interaction, lambda actor, place: Text(actor, place, answer))
        else:
            await self._answer(
                interaction, lambda actor, place: on_form(actor, place, form_id, values)
            )

    async def on_direct_message(self, message: discord.Message) -> None:
        """A direct message: answered once, in the same DM (no interaction, so no deadline)."""
        event = await on_direct_message(message, self._workspaces)
        if event is None:
            return
        key = f"message:{message.id}"
        try:
            fresh = await asyncio.to_thread(self._claims.begin, key, self._clock.now())
        except Exception:  # the database away: nothing will resend the message, so say so
            log.exception("could not claim Discord message %s", message.id)
            await send_to(message.channel, render_reply(SOMETHING_WRONG))
            return
        if not fresh:
            log.info("skipping Discord message %s: already handled", message.id)
            return
        replies = await asyncio.to_thread(self._bank.handle, event)
        for reply in replies:
            rendered = self._with_forms_as_buttons(render_reply(reply))
            await send_to(message.channel, rendered)
        await asyncio.to_thread(self._claims.finish, key, self._clock.now())
        self._on_activity()

    async def on_autocomplete(
        self, current: str, *, by_title: bool
    ) -> list[discord.app_commands.Choice[str]]:
        """Autocomplete: practices matching what is typed so far (public ones only).

        The choice's value is the title (for a search) or the ref (for `show`).
        """
        typed = " ".join(current.split())[:100]
        if not typed:
            return []

        def find() -> list[discord.app_commands.Choice[str]]:
            result = self._bank.searcher.search(
                typed, SearchFilters(), include_restricted=False, limit=AUTOCOMPLETE_MAX
            )
            return [
                discord.app_commands.Choice(
                    name=shorten(f"{hit.practice.ref} · {hit.practice.title}", 100),
                    value=shorten(hit.practice.title, 100) if by_title else hit.practice.ref,
                )
                for hit in result.hits
            ]

        return await asyncio.to_thread(find)

    # --- the answering -----------------------------------------------------------------------

    async def _run(
        self, interaction: discord.Interaction[Any], event_of: EventOf
    ) -> tuple[Event | None, list[Reply]]:
        """Find who and where, then run the core; defer if it takes longer than `defer_after`.

        Finding the person reads and may write the facts kept in the database
        (`adapters.discord.memory`), so it runs under the same deadline as the core: with the
        database stalled or gone the interaction is still deferred in time, and a failure there
        is answered "try again in a moment" (the core's own words) instead of leaving Discord's
        "The application did not respond".
        """

        async def work() -> tuple[Event | None, list[Reply]]:
            try:
                actor, place = await from_interaction(interaction, self._workspaces)
            except Exception:  # the database away: the person must still get an answer
                log.exception("could not tell who sent Discord interaction %s", interaction.id)
                return None, [SOMETHING_WRONG]
            event = event_of(actor, place)
            return event, await asyncio.to_thread(self._bank.handle, event)

        running = asyncio.ensure_future(work())
        done, _ = await asyncio.wait({running}, timeout=self._defer_after)
        if not done:
            await self._defer(interaction)
        return await running

    async def _answer(self, interaction: discord.Interaction[Any], event_of: EventOf) -> None:
        event, replies = await self._run(interaction, event_of)
        in_channel = interaction.guild_id is not None
        if event is not None and in_channel and any(r.continues_in_private for r in replies):
            await self._continue_in_private(interaction, event, replies)
        else:
            sharing = await self._is_sharing_in_channel(interaction)
            for number, reply in enumerate(replies):
                await self._send_reply(interaction, reply, first=number == 0, sharing=sharing)
        self._on_activity()

    async def _say(self, interaction: discord.Interaction[Any], message: str) -> None:
        """A short private answer, as the first response or a follow-up."""
        kwargs: dict[str, Any] = {
            "ephemeral": interaction.guild_id is not None,
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        if interaction.response.is_done():
            await interaction.followup.send(message, **kwargs)
        else:
            await interaction.response.send_message(message, **kwargs)

    async def _defer(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.response.is_done():
            return
        if interaction.type is discord.InteractionType.component:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)

    async def _send_reply(
        self, interaction: discord.Interaction[Any], reply: Reply, *, first: bool, sharing: bool
    ) -> None:
        rendered = render_reply(reply)
        can_open_modal = (
            not interaction.response.is_done()
            and interaction.type is not discord.InteractionType.modal_submit
        )
        if rendered.forms and can_open_modal:
            # A modal is a response of its own: the reply's other blocks would have nowhere to go.
            await interaction.response.send_modal(_unstored(FormModal(rendered.forms[0])))
            return
        rendered = self._with_forms_as_buttons(rendered)
        extras: list[ButtonSpec] = []
        share = POST_PREFIX + reply.share_action
        in_channel = interaction.guild_id is not None
        if reply.private and reply.share_action and in_channel and len(share) <= 100:
            extras.append(ButtonSpec(share, "Share in channel"))
        if sharing:
            extras.append(ButtonSpec(ANSWER, "Type your answer", discord.ButtonStyle.primary))
        rendered.anchored.components.extend(extras)
        for index, message in enumerate(rendered.messages):
            edit = reply.replace and first and index == 0
            await self._send_message(interaction, message, private=reply.private, edit=edit)

    async def _send_message(
        self,
        interaction: discord.Interaction[Any],
        message: Outgoing,
        *,
        private: bool,
        edit: bool,
    ) -> None:
        component = interaction.type is discord.InteractionType.component
        if edit and component:
            if interaction.response.is_done():
                await interaction.edit_original_response(**_edit_kwargs(message))
            else:
                await interaction.response.edit_message(**_edit_kwargs(message))
        else:
            # In a DM everything is private already: steps there are ordinary messages.
            ephemeral = private and interaction.guild_id is not None
            kwargs = _send_kwargs(message)
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
            else:
                await interaction.followup.send(ephemeral=ephemeral, **kwargs)

    def _with_forms_as_buttons(self, rendered: Rendered) -> Rendered:
        """Forms that cannot open now become buttons that open them (remembered in memory)."""
        for form in rendered.forms:
            token = secrets.token_hex(8)
            self._forms[token] = form
            label = shorten(form.title or form.submit_label, 80)
            rendered.anchored.components.append(
                ButtonSpec(OPEN_FORM_PREFIX + token, label, discord.ButtonStyle.primary)
            )
        rendered.forms = []
        return rendered

    # --- adapter-level actions ----------------------------------------------------------------

    async def _post_in_channel(self, interaction: discord.Interaction[Any]) -> None:
        """Repost an ephemeral answer's practice cards publicly, naming who shared them."""
        embeds = list(interaction.message.embeds) if interaction.message else []
        if not embeds:
            await interaction.response.send_message(
                NOTHING_TO_SHARE, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
            return
        who = escape(getattr(interaction.user, "display_name", "") or interaction.user.name)
        await interaction.response.send_message(
            content=shorten(f"Shared by {who}:", 2000),
            embeds=embeds,
            ephemeral=False,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _share_in_channel(self, interaction: discord.Interaction[Any], action: str) -> None:
        """*Share in channel*: the core's answer to `action`, re-run for the poster, in public.

        The whole answer is posted (every message of it), naming who shared it, without the
        private-only buttons; the core decided what may be shared when it set `share_action`,
        so a reply it no longer marks shareable (a practice since restricted, a forged id) is
        shown to the poster alone, as on Slack: the public "thinking…" is withdrawn first.
        """
        await interaction.response.defer(thinking=True)
        actor, place = await from_interaction(interaction, self._workspaces)
        replies = await asyncio.to_thread(self._bank.handle, Click(actor, place, action))
        shared = [replace(reply, private=False) for reply in replies if reply.share_action]
        if not shared:
            await interaction.delete_original_response()
            for reply in replies or [Reply((text(NOTHING_TO_SHARE),))]:
                await self._send_reply(interaction, reply, first=False, sharing=False)
            self._on_activity()
            return
        who = escape(getattr(interaction.user, "display_name", "") or interaction.user.name)
        await interaction.followup.send(
            shorten(f"Shared by {who}:", 2000), allowed_mentions=discord.AllowedMentions.none()
        )
        for reply in shared:
            for message in self._with_forms_as_buttons(render_reply(reply)).messages:
                await interaction.followup.send(ephemeral=False, **_send_kwargs(message))
        self._on_activity()

    async def _show_private(self, interaction: discord.Interaction[Any], number: str) -> None:
        """*Show it to me*: a notification kept for a person whose DMs are closed, to them only."""
        found = None
        if number.isdigit() and self._private_messages is not None:
            found = await self._private_messages.private_message(int(number))
        if found is None:
            await self._say(interaction, GONE)
            return
        recipient, reply = found
        if recipient != str(interaction.user.id):
            await self._say(interaction, NOT_YOURS)
            return
        for message in self._with_forms_as_buttons(render_reply(reply)).messages:
            kwargs = _send_kwargs(message)
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=True, **kwargs)
            else:
                await interaction.response.send_message(ephemeral=True, **kwargs)

    async def _continue_in_private(
        self, interaction: discord.Interaction[Any], event: Event, replies: list[Reply]
    ) -> None:
        """Carry a dialogue from a channel to the person's DMs; if closed, on privately here.

        A modal the core asks for opens at once (a modal is private). A person known to have
        closed DMs answering through *Type your answer* stays here; anyone else starting or
        continuing is tried in DMs again (they may have opened them since).
        """
        first = render_reply(replies[0])
        if (
            first.forms
            and not interaction.response.is_done()
            and (interaction.type is not discord.InteractionType.modal_submit)
        ):
            await interaction.response.send_modal(_unstored(FormModal(first.forms[0])))
            return
        stays_here = await self._is_sharing_in_channel(interaction) and not isinstance(
            event, Command
        )
        if not stays_here:
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                channel = await interaction.user.create_dm()
                for reply in replies:
                    await send_to(channel, self._with_forms_as_buttons(render_reply(reply)))
            except discord.Forbidden as error:
                if error.code != CANNOT_DM:
                    raise
            else:
                await self._note_sharing_here(interaction, here=False)
                await self._say(interaction, DM_SENT)
                return
            await self._note_sharing_here(interaction, here=True)
            await self._say(interaction, DMS_CLOSED)
        for reply in replies:
            await self._send_reply(interaction, reply, first=False, sharing=True)

    async def _note_sharing_here(
        self, interaction: discord.Interaction[Any], *, here: bool
    ) -> None:
        """Record whether the person shares in the guild's channels (their DMs are closed)."""
        if interaction.guild_id is not None:
            name = SHARING_HERE.format(user_id=interaction.user.id)
            await self._facts.put(str(interaction.guild_id), name, "yes" if here else "no")

    async def _is_sharing_in_channel(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether this person shares in a guild channel because their DMs are closed."""
        if interaction.guild_id is None:
            return False
        name = SHARING_HERE.format(user_id=interaction.user.id)
        return await self._facts.get(str(interaction.guild_id), name) == "yes"
