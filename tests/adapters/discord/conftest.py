"""Fixtures of the Discord adapter tests: the core on a real database, and the fake Discord."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.discord.config import PLATFORM
from bot.core import PracticeBank
from practicebank.bootstrap import discord_workspace_seed, seed_workspace
from practicebank.settings import settings_from
from store.platform_state import PlatformState
from tests.adapters.discord import fake_discord
from tests.adapters.discord.fake_discord import GUILD_ID
from tests.adapters.discord.harness import GUILD_ENVIRONMENT
from tests.support.bank import fill_bank
from tests.support.memory import FixedClock


@dataclass
class World:
    """Everything a Discord test needs besides the fake: core, store, clock, message memory."""

    bank: PracticeBank
    uow_factory: object
    clock: FixedClock
    memory: PlatformState
    engine: object


@pytest.fixture
def world(uow_factory, engine) -> World:
    fill_bank(uow_factory)
    seed = discord_workspace_seed(settings_from(GUILD_ENVIRONMENT))
    assert seed is not None
    settings = seed_workspace(uow_factory, seed)
    assert settings is not None and settings.workspace_id == GUILD_ID
    clock = FixedClock()
    return World(
        PracticeBank(uow_factory, clock),
        uow_factory,
        clock,
        PlatformState(engine, PLATFORM),
        engine,
    )


@pytest.fixture(autouse=True)
def fake_discord_refusals():
    """Fail the test when the bot sent Discord a payload it refuses, unless the test expected it."""
    fake_discord.MADE.clear()
    yield
    unexpected = [
        f"{r.method} {r.path}: {r.answer}"
        for fake in fake_discord.MADE
        if not fake.refusals_expected
        for r in fake.refusals
    ]
    fake_discord.MADE.clear()
    if unexpected:
        pytest.fail("Discord would refuse what the bot sent:\n" + "\n".join(unexpected[:5]))
