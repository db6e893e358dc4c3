"""Runs the real Discord client against `FakeDiscord` and builds the interactions Discord sends."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import discord
import yarl

from adapters.discord.app import PracticeBankClient
from adapters.discord.config import DiscordConfig, apply_endpoints
from adapters.discord.delivery import MessageMemory
from adapters.discord.interactions import Handler
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.records import Submission
from tests.adapters.discord.fake_discord import (
    APP_ID,
    CHANNEL_ID,
    GUILD_ID,
    MODERATION_CHANNEL_ID,
    MODERATOR_ROLE_ID,
    TIMESTAMP,
    FakeDiscord,
    Recorded,
    dm_channel_id,
    message_payload,
    user,
)
from tests.support.moderation import queue_for_moderation

ALICE_ID = "500000000000000001"
MO_ID = "500000000000000002"  # a moderator, by role
ALICE = user(ALICE_ID, "Alice")
MO = user(MO_ID, "Mo")

CONFIG = DiscordConfig(token="fake-token", guild_id=GUILD_ID)
# The guild's moderation settings, as an operator gives them in the environment.
GUILD_ENVIRONMENT = {
    "DISCORD_TOKEN": "fake-token",
    "DISCORD_GUILD_ID": GUILD_ID,
    "DISCORD_MODERATION_CHANNEL_ID": MODERATION_CHANNEL_ID,
    "DISCORD_MODERATOR_ROLES": "Practice moderators",
}
# Who is a member of the fake guild, with which role ids (served to the bot's member look-ups).
GUILD_MEMBERS = {ALICE_ID: (), MO_ID: (MODERATOR_ROLE_ID,)}

_counter = itertools.count(1)


def member(person: dict[str, Any], roles: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "user": person,
        "roles": list(roles),
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "permissions": "1071698660929",
        "flags": 0,
        "nick": None,
    }


def _base(kind: int, person: dict[str, Any], *, direct: bool, roles: tuple[str, ...]) -> dict:
    number = next(_counter)
    payload: dict[str, Any] = {
        "id": str(400000000000000000 + number),
        "application_id": APP_ID,
        "type": kind,
        "token": f"token-{number}",
        "version": 1,
        "locale": "en-GB",
        "app_permissions": "1071698660929",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID},
        "attachment_size_limit": 10485760,
    }
    if direct:
        payload["channel_id"] = dm_channel_id(person["id"])
        payload["channel"] = {"id": payload["channel_id"], "type": 1}
        payload["user"] = person
        payload["context"] = 1
    else:
        payload["guild_id"] = GUILD_ID
        payload["guild_locale"] = "en-GB"
        payload["channel_id"] = CHANNEL_ID
        payload["channel"] = {
            "id": CHANNEL_ID,
            "type": 0,
            "guild_id": GUILD_ID,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
        payload["member"] = member(person, roles)
        payload["context"] = 0
    return payload


def slash(
    sub: str,
    options: dict[str, str] | None = None,
    person: dict[str, Any] = ALICE,
    *,
    roles: tuple[str, ...] = (),
    focused: str | None = None,
) -> dict[str, Any]:
    """A `/practice <sub>` command (an autocomplete request when `focused` names an option)."""
    payload = _base(4 if focused else 2, person, direct=False, roles=roles)
    given = [
        {"type": 3, "name": name, "value": value, **({"focused": True} if name == focused else {})}
        for name, value in (options or {}).items()
    ]
    payload["data"] = {
        "id": "300000000000000001",
        "name": "practice",
        "type": 1,
        "guild_id": GUILD_ID,
        "options": [{"type": 1, "name": sub, "options": given}],
    }
    return payload


def click(
    message: dict[str, Any],
    custom_id: str,
    person: dict[str, Any] = ALICE,
    *,
    roles: tuple[str, ...] = (),
    direct: bool = False,
    values: list[str] | None = None,
) -> dict[str, Any]:
    """A click on a component of `message` (a pick in a select menu when `values` is given)."""
    payload = _base(3, person, direct=direct, roles=roles)
    payload["message"] = message
    payload["data"] = {"custom_id": custom_id, "component_type": 3 if values else 2}
    if values is not None:
        payload["data"]["values"] = values
    return payload


def modal_submit(
    modal: dict[str, Any],
    values: dict[str, str | list[str]],
    person: dict[str, Any] = ALICE,
    *,
    roles: tuple[str, ...] = (),
    direct: bool = False,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A modal sent back with these values (lists for select menus)."""
    payload = _base(5, person, direct=direct, roles=roles)
    components = []
    for label in modal["components"]:
        inner = label["component"]
        value = values.get(inner["custom_id"], "")
        if inner["type"] == 3:
            sent = {"type": 3, "custom_id": inner["custom_id"], "values": list(value)}
        else:
            sent = {"type": 4, "custom_id": inner["custom_id"], "value": value}
        components.append({"type": 18, "component": sent})
    payload["data"] = {"custom_id": modal["custom_id"], "components": components}
    if message is not None:
        payload["message"] = message
    return payload


def dm_message(person: dict[str, Any], content: str) -> dict[str, Any]:
    """A direct message to the bot (MESSAGE_CREATE in a DM channel)."""
    return {
        "id": str(450000000000000000 + next(_counter)),
        "channel_id": dm_channel_id(person["id"]),
        "author": person,
        "content": content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }


def moderator_roles() -> tuple[str, ...]:
    return (MODERATOR_ROLE_ID,)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    bank: Handler,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    memory: MessageMemory,
    defer_after: float = 30.0,
    config: DiscordConfig = CONFIG,
    deliver: bool = False,
) -> AsyncIterator[PracticeBankClient]:
    """The real client, logged in to the fake and ready; closed on exit.

    `defer_after` is long by default so that answers are direct and the test deterministic;
    the deadline tests shorten it. The delivery loop is not started unless `deliver` is set:
    most tests run its rounds themselves.
    """
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    apply_endpoints(fake.api_url, fake.gateway_url)
    client = PracticeBankClient(
        bank,
        config,
        uow_factory=uow_factory,
        clock=clock,
        memory=memory,
        defer_after=defer_after,
        deliver=deliver,
        # The fake sends the guild right after READY; no need to wait 2 s for more guilds.
        guild_ready_timeout=0.01,
    )
    task = asyncio.create_task(client.start(config.token))
    try:
        ready = asyncio.ensure_future(client.wait_until_ready())
        await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # the client stopped: raise its error
        assert ready.done(), "the client did not get ready"
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        discord.http.Route.BASE = saved[0]
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(saved[1])


def run(scenario: Callable[[], Any]) -> Any:
    """Run an async scenario to the end in a fresh event loop (tests stay plain functions)."""
    return asyncio.run(scenario())


def play(
    world: Any, steps: Callable[[FakeDiscord, PracticeBankClient], Any], **options: Any
) -> Any:
    """Run `steps(fake, client)` with the bot logged in to a fresh fake; returns what they return.

    `options` starting with `fake_` configure the fake (e.g. `fake_closed_dms`), the rest the bot.
    """
    fake_options = {k.removeprefix("fake_"): v for k, v in options.items() if k.startswith("fake_")}
    bot_options = {k: v for k, v in options.items() if not k.startswith("fake_")}

    async def scenario() -> Any:
        fake = FakeDiscord(**fake_options)
        fake.members |= GUILD_MEMBERS
        await fake.start()
        try:
            async with running_bot(
                fake,
                bot_options.pop("bank", world.bank),
                uow_factory=world.uow_factory,
                clock=world.clock,
                memory=world.memory,
                **bot_options,
            ) as client:
                return await steps(fake, client)
        finally:
            await fake.stop()

    return asyncio.run(scenario())


T = TypeVar("T")


class FakeOnThread:
    """A `FakeDiscord` served from an event loop on a thread of its own.

    For tests of the bot in another process (the Procfile's worker): the test stays a plain
    function and drives the fake with `call`, which runs one of its coroutines on that loop.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, fake: FakeDiscord) -> None:
        self.loop = loop
        self.fake = fake

    def call(self, work: Awaitable[T], timeout: float = 40.0) -> T:
        """Run a coroutine of the fake on its loop and return its result (bounded wait)."""

        async def wrapped() -> T:
            return await work

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout)


@contextlib.contextmanager
def fake_on_thread(**options: Any) -> Iterator[FakeOnThread]:
    """A started `FakeDiscord(**options)` on a background loop; stopped and joined on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-discord", daemon=True)
    thread.start()

    async def started() -> FakeDiscord:
        fake = FakeDiscord(**options)  # made on its loop: its lock and condition belong there
        await fake.start()
        return fake

    try:
        served = FakeOnThread(loop, asyncio.run_coroutine_threadsafe(started(), loop).result(10))
        try:
            yield served
        finally:
            served.call(served.fake.stop(), timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def sent_message(recorded: Any, *, channel_id: str = CHANNEL_ID) -> dict[str, Any]:
    """The message a callback or post created, as a click on it would carry it back."""
    data = (
        recorded.body.get("data", recorded.body)
        if recorded.path.startswith("interactions")
        else recorded.body
    )
    return message_payload(channel_id, data, "710000000000000001")


def message_with_button(custom_id: str, *, channel_id: str = CHANNEL_ID) -> dict[str, Any]:
    """A bot message carrying one button, as if posted long ago (e.g. before a restart)."""
    button = {"type": 2, "style": 2, "label": "Press", "custom_id": custom_id}
    rows = [{"type": 1, "components": [button]}]
    return sent_message(Recorded("POST", "channels", {"components": rows}), channel_id=channel_id)


def message_of(fake: FakeDiscord, recorded: Recorded) -> dict[str, Any]:
    """The message a recorded post, follow-up or interaction callback created, as the fake keeps
    it (its real id, content, embeds and components), for a click on it to carry back."""
    answer = recorded.answer or {}
    created = answer["resource"]["message"] if "resource" in answer else answer
    return dict(fake.messages[created["id"]])


def huge_practice(ref: str = "PB950") -> Any:
    """A practice whose every text field (and every list item) is 20 kB of hostile text."""
    from datetime import UTC, date, datetime

    from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility

    def big(tag: str) -> str:
        unit = f"{tag} **x** @everyone <@&123456789012345678> 🚓 \u202eשלום "
        return (unit * (20_000 // len(unit) + 1))[:20_000]

    return Practice(
        ref=ref,
        title=big("title"),
        summary=big("summary"),
        effectiveness=Effectiveness.DIDNT_WORK,
        focus=tuple(Focus),
        topics=(big("topic"), big("topic2")),
        organisation=big("organisation"),
        region=big("region"),
        partners=(big("partner"), big("partner2")),
        target_group=big("target"),
        stage=big("stage"),
        start_date=date(2024, 1, 1),
        end_date=date(2024, 12, 31),
        aim=big("aim"),
        intended_outcome=big("outcome"),
        description=big("description"),
        evaluation=big("evaluation"),
        learning=big("learning"),
        resources=big("resources"),
        contact_name=big("contact"),
        contact_email=big("email"),
        links=("https://example.org/" + "a" * 20_000,),
        linked_to=tuple(LinkedTo),
        visibility=Visibility.PUBLIC,
        updated_at=datetime(2025, 1, 1, tzinfo=UTC),
        reviewed_at=datetime(2025, 2, 1, tzinfo=UTC),
    )


def submit_for_moderation(world) -> Submission:
    """A submitted practice and its moderation card queued in the outbox, as sharing leaves them."""
    return queue_for_moderation(
        world.uow_factory,
        world.clock.now(),
        platform="discord",
        workspace_id=GUILD_ID,
        contributor_id=ALICE_ID,
    )
