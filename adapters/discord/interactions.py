"""Answers Discord interactions with the core: first response inside Discord's 3 seconds, always.

The core is synchronous (it talks to the database), so it runs in a worker thread. If it has not
answered within `defer_after` seconds the interaction is deferred at once (Discord's "thinking…"
or a silent acknowledgement for clicks) and the answer follows up when ready; a fast answer is
sent directly, which is what lets a button open a modal (a modal cannot follow a deferral: then
the form is offered behind an "Open form" button instead).

Every send passes `AllowedMentions.none()`: nothing the bot posts can ping anyone.

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
from typing import Any, Protocol

import discord

from adapters.discord.components import FormModal, build_view
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
from bot.kernel.events import Event, Text
from bot.kernel.ports import SystemClock
from bot.kernel.replies import FieldKind, Form, FormField, Reply
from bot.search.engine import PracticeSearch
from bot.search.model import SearchFilters

log = logging.getLogger(__name__)

DEFER_AFTER_SECONDS = 1.5
OPEN_FORM_PREFIX = "dc:open:"
ANSWER = "dc:answer"
SHARE_VERB = "share"
CANNOT_DM = 50007
SHARING_HERE = "share-here:{user_id}"
AUTOCOMPLETE_MAX = 25

ANSWER_FORM = Form(
    ANSWER, "Your answer", (FormField("answer", "Your answer", FieldKind.LONG_TEXT, True),)
)
DM_SENT = "I have sent you a direct message: let's carry on there."
DMS_CLOSED = (
    "I cannot send you direct messages (they are closed for this server), so let's carry on "
    "here instead: only you can see these messages. Press *Type your answer* to answer in words."
)
FORM_EXPIRED = "That form has expired (the bot restarted). Press the button that opened it again."
NOTHING_TO_SHARE = "There is nothing here to share in the channel."


class Handler(Protocol):
    """What the adapter needs from the core: `bot.core.PracticeBank` is one."""

    def handle(self, event: Event) -> list[Reply]:
        """Answer one event with replies; never raises."""
        ...

    @property
    def searcher(self) -> PracticeSearch:
        """The current search index (for autocomplete)."""
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
    ) -> None:
        """Bind the core; `on_activity` is called after each event (it wakes the delivery loop).

        `facts` keeps who shares in the channel because their DMs are closed across restarts.
        """
        self._bank = bank
        self._workspaces = workspaces
        self._defer_after = defer_after
        self._on_activity = on_activity or (lambda: None)
        self._forms: dict[str, Form] = {}
        self._facts = facts or PersonFacts(None, SystemClock())

    # --- entry points ------------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction[Any], verb: str, text: str) -> None:
        """A `/practice` subcommand; `share` in a guild moves the conversation to DMs."""
        actor, place = await from_interaction(interaction, self._workspaces)
        event = on_command(actor, place, verb, text)
        if verb == SHARE_VERB and not place.is_direct:
            await self._share_in_direct_messages(interaction, event)
        else:
            await self._answer(interaction, event)

    async def on_click(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A button or menu: adapter ids are answered here, the rest by the core."""
        if action == POST_IN_CHANNEL:
            await self._post_in_channel(interaction)
        elif action == ANSWER:
            await interaction.response.send_modal(FormModal(ANSWER_FORM))
        elif action.startswith(OPEN_FORM_PREFIX):
            form = self._forms.pop(action.removeprefix(OPEN_FORM_PREFIX), None)
            if form is None:
                await interaction.response.send_message(
                    FORM_EXPIRED, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
                )
            else:
                await interaction.response.send_modal(FormModal(form))
        elif action.startswith(ADAPTER_PREFIX):
            log.info("ignored unknown adapter action %r", action[:100])
        else:
            actor, place = await from_interaction(interaction, self._workspaces)
            await self._answer(interaction, on_click(actor, place, action))

    async def on_form_submit(
        self, interaction: discord.Interaction[Any], form: Form, values: dict[str, str]
    ) -> None:
        """A modal sent: the free-text answer modal is a `Text`, any other a `FormSubmit`."""
        actor, place = await from_interaction(interaction, self._workspaces)
        if form.id == ANSWER:
            await self._answer(interaction, Text(actor, place, values.get("answer", "")))
        else:
            await self._answer(interaction, on_form(actor, place, form.id, values))

    async def on_direct_message(self, message: discord.Message) -> None:
        """A direct message: answered in the same DM (no interaction, so no deadline)."""
        event = await on_direct_message(message, self._workspaces)
        if event is None:
            return
        replies = await asyncio.to_thread(self._bank.handle, event)
        for reply in replies:
            rendered = self._with_forms_as_buttons(render_reply(reply))
            await send_to(message.channel, rendered)
        self._on_activity()

    async def practice_choices(
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

    async def _run(self, interaction: discord.Interaction[Any], event: Event) -> list[Reply]:
        """Run the core; defer the interaction if it takes longer than `defer_after`."""
        work = asyncio.ensure_future(asyncio.to_thread(self._bank.handle, event))
        done, _ = await asyncio.wait({work}, timeout=self._defer_after)
        if not done:
            await self._defer(interaction)
        return await work

    async def _answer(self, interaction: discord.Interaction[Any], event: Event) -> None:
        replies = await self._run(interaction, event)
        sharing = await self._is_sharing_in_channel(interaction)
        for number, reply in enumerate(replies):
            await self._send_reply(interaction, reply, first=number == 0, sharing=sharing)
        self._on_activity()

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
            await interaction.response.send_modal(FormModal(rendered.forms[0]))
            return
        rendered = self._with_forms_as_buttons(rendered)
        extras: list[ButtonSpec] = []
        if reply.private and rendered.has_cards and interaction.guild_id is not None:
            extras.append(ButtonSpec(POST_IN_CHANNEL, "Share in channel"))
        if sharing:
            extras.append(ButtonSpec(ANSWER, "Type your answer", discord.ButtonStyle.primary))
        rendered.messages[-1].components.extend(extras)
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
        elif not interaction.response.is_done():
            await interaction.response.send_message(ephemeral=private, **_send_kwargs(message))
        else:
            await interaction.followup.send(ephemeral=private, **_send_kwargs(message))

    def _with_forms_as_buttons(self, rendered: Rendered) -> Rendered:
        """Forms that cannot open now become buttons that open them (remembered in memory)."""
        for form in rendered.forms:
            token = secrets.token_hex(8)
            self._forms[token] = form
            label = shorten(form.title or form.submit_label, 80)
            rendered.messages[-1].components.append(
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

    async def _share_in_direct_messages(
        self, interaction: discord.Interaction[Any], event: Event
    ) -> None:
        """Start sharing in the person's DMs; if they are closed, carry on here, privately."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        replies = await asyncio.to_thread(self._bank.handle, event)
        try:
            channel = await interaction.user.create_dm()
            for reply in replies:
                await send_to(channel, self._with_forms_as_buttons(render_reply(reply)))
        except discord.Forbidden as error:
            if error.code != CANNOT_DM:
                raise
            await self._note_sharing_here(interaction, here=True)
            await interaction.followup.send(
                DMS_CLOSED, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
            for reply in replies:
                await self._send_reply(interaction, reply, first=False, sharing=True)
        else:
            await self._note_sharing_here(interaction, here=False)
            await interaction.followup.send(
                DM_SENT, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        self._on_activity()

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
