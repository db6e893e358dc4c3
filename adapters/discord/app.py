"""The Discord adapter's wiring: the client, its `/practice` commands and `serve`.

Only non-privileged gateway intents are used: slash commands, buttons and modals arrive as
interactions, and the text of direct messages reaches a bot without the message-content intent.
Commands are synced at start-up, to `DISCORD_GUILD_ID` when set (instant) or globally.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import discord
from discord import app_commands

from adapters.discord.components import ActionButton, ChoiceSelect
from adapters.discord.config import PLATFORM, DiscordConfig
from adapters.discord.delivery import DiscordDelivery, MessageMemory
from adapters.discord.inbound import Workspaces, search_text
from adapters.discord.interactions import DEFER_AFTER_SECONDS, Handler, InteractionHandler
from adapters.discord.members import GuildMembers
from adapters.discord.memory import PersonFacts
from bot.kernel.delivery import DeliveryLoop, OnOutcome
from bot.kernel.domain import EFFECTIVENESS_LABELS, Effectiveness, Focus
from bot.kernel.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

FOCUS_CHOICES = [app_commands.Choice(name=f.label, value=f.value) for f in Focus]
EFFECTIVENESS_CHOICES = [
    app_commands.Choice(name=label, value=e.value) for e, label in EFFECTIVENESS_LABELS.items()
]


LONGEST_INLINE_RATE_LIMIT_S = 30.0
"""The longest 429 discord.py waits out inside a request (30 s is its minimum for the setting);
a longer `Retry-After` raises `RateLimited`, so the delivery loop pauses instead of a send
hanging past its own timeout and being retried too soon."""


def intents() -> discord.Intents:
    """The gateway intents: the defaults, which leave out every privileged one."""
    chosen = discord.Intents.default()
    chosen.members = chosen.presences = chosen.message_content = False
    return chosen


def practice_commands(handler: InteractionHandler) -> app_commands.Group:
    """The `/practice` command group: search, show, share and help."""
    group = app_commands.Group(
        name="practice", description="Crime-reduction practice: what was tried, and did it work"
    )

    @group.command(name="search", description="Search the practice bank")
    @app_commands.describe(
        query="What you are looking for, e.g. knife crime diversion",
        focus="Only practices with this focus",
        effectiveness="Only practices rated this way",
        topic="Only practices on this topic, e.g. violence",
    )
    @app_commands.choices(focus=FOCUS_CHOICES, effectiveness=EFFECTIVENESS_CHOICES)
    async def search(
        interaction: discord.Interaction[Any],
        query: str,
        focus: app_commands.Choice[str] | None = None,
        effectiveness: app_commands.Choice[str] | None = None,
        topic: str | None = None,
    ) -> None:
        text = search_text(
            query,
            Focus(focus.value) if focus else None,
            Effectiveness(effectiveness.value) if effectiveness else None,
            topic,
        )
        await handler.on_command(interaction, "search", text)

    @search.autocomplete("query")
    async def search_titles(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await handler.on_autocomplete(current, by_title=True)

    @group.command(name="show", description="Show one practice in full")
    @app_commands.describe(ref="Its reference, e.g. PB046 (or start typing its title)")
    async def show(interaction: discord.Interaction[Any], ref: str) -> None:
        await handler.on_command(interaction, "show", ref)

    @show.autocomplete("ref")
    async def show_titles(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await handler.on_autocomplete(current, by_title=False)

    @group.command(name="share", description="Share a practice of your own, one question at a time")
    async def share(interaction: discord.Interaction[Any]) -> None:
        await handler.on_command(interaction, "share", "")

    @group.command(name="help", description="What the practice bank bot can do")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await handler.on_command(interaction, "help", "")

    return group


class PracticeBankClient(discord.Client):
    """The practice bank bot on Discord."""

    def __init__(
        self,
        bank: Handler,
        config: DiscordConfig,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        memory: MessageMemory,
        defer_after: float = DEFER_AFTER_SECONDS,
        deliver: bool = True,
        lease_seconds: float = 60.0,
        on_outcome: OnOutcome | None = None,
        **options: Any,
    ) -> None:
        """Wire the handler, the commands and the delivery loop; nothing connects yet.

        The loop (shared with every platform) runs in its own thread and calls
        `DiscordDelivery.send`, which hands each message to this client's event loop.
        `options` go to `discord.Client` (e.g. `guild_ready_timeout`).
        """
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=LONGEST_INLINE_RATE_LIMIT_S,
            **options,
        )
        self.config = config
        self.tree = app_commands.CommandTree(self)
        facts = PersonFacts(memory, clock)  # kept in the database: see adapters.discord.memory
        self.workspaces = Workspaces(config.guild_id, facts, GuildMembers(self))
        self.delivery = DiscordDelivery(
            self, uow_factory, clock, memory, notice_channel_id=config.notice_channel_id
        )
        self.outbox_loop = DeliveryLoop(
            PLATFORM,
            self.delivery.send,
            uow_factory,
            clock,
            lease_seconds=lease_seconds,
            idle_seconds=config.delivery_seconds,
            on_outcome=on_outcome,
        )
        self.practice_handler = InteractionHandler(
            bank,
            self.workspaces,
            defer_after=defer_after,
            on_activity=self.outbox_loop.wake,
            facts=facts,
            private_messages=self.delivery,
            claims=memory,
            clock=clock,
        )
        self.tree.add_command(practice_commands(self.practice_handler))
        self._deliver = deliver
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        """Register the restart-proof buttons, sync the commands, start delivering."""
        self.add_dynamic_items(ActionButton, ChoiceSelect)
        if self.config.guild_id:
            guild = discord.Object(int(self.config.guild_id))
            self.tree.copy_global_to(guild=guild)
            self.synced = await self.tree.sync(guild=guild)
        else:
            self.synced = await self.tree.sync()
        log.info("synced %d application commands", len(self.synced))
        if self._deliver:
            self.outbox_loop.start()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Read modal submissions from their own data, whoever opened the modal.

        Whether or not this process opened it (see `adapters.discord.interactions`).
        """
        if interaction.type is discord.InteractionType.modal_submit:
            await self.practice_handler.on_modal_submit(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """Direct messages are answers in a conversation, or searches."""
        if message.guild is None and message.author != self.user:
            await self.practice_handler.on_direct_message(message)

    async def deliver_due(self) -> int:
        """One delivery pass now, off the event loop; returns how many were delivered."""
        report = await asyncio.to_thread(self.outbox_loop.run_once)
        return len(report.delivered)

    async def close(self) -> None:
        """Finish or release what is being delivered (SIGTERM), then disconnect.

        The loop's thread may be waiting for a send on this event loop, so it is stopped from
        another thread while this loop keeps running.
        """
        await asyncio.to_thread(self.outbox_loop.stop)
        await super().close()


async def serve(client: discord.Client, token: str) -> None:
    """Run the client until it closes; SIGTERM (how platforms stop a worker) closes it cleanly.

    `Client.run` only closes cleanly on Ctrl-C, so this is its loop with a SIGTERM handler added.
    """
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(client.close()))
    async with client:
        await client.start(token)
