"""Workspace settings repository: one row per platform and workspace, replaced on save."""

from __future__ import annotations

import pytest

from bot.kernel.ports import WorkspaceSettings


def test_unknown_workspace_is_none(uow_factory):
    """A workspace never configured has no settings."""
    with uow_factory() as uow:
        assert uow.workspaces.get("slack", "T000") is None


def test_saved_settings_round_trip(uow_factory):
    """Every setting comes back as saved."""
    settings = WorkspaceSettings(
        platform="slack",
        workspace_id="T0123",
        police_only=True,
        moderation_channel="C0MOD",
        moderator_ids=("U1", "U2"),
        moderator_roles=("Practice moderators", "🛡️ مشرف"),
        call_channel="C0CALLS",
    )
    with uow_factory() as uow:
        uow.workspaces.save(settings)
        uow.commit()

    with uow_factory() as uow:
        assert uow.workspaces.get("slack", "T0123") == settings


def test_saving_again_replaces_the_settings(uow_factory):
    """A second save for the same workspace replaces the first."""
    with uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("discord", "42", moderator_ids=("1",)))
        uow.commit()
    with uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("discord", "42", police_only=True))
        uow.commit()

    with uow_factory() as uow:
        assert uow.workspaces.get("discord", "42") == WorkspaceSettings(
            "discord", "42", police_only=True
        )


def test_same_id_on_another_platform_is_separate(uow_factory):
    """Settings are keyed by platform and workspace id together."""
    with uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("slack", "W1", police_only=True))
        uow.workspaces.save(WorkspaceSettings("discord", "W1", police_only=False))
        uow.commit()

    with uow_factory() as uow:
        assert uow.workspaces.get("slack", "W1").police_only is True
        assert uow.workspaces.get("discord", "W1").police_only is False


@pytest.mark.parametrize("workspace_id", ["'; DROP TABLE workspace_settings; --", "\x00", "🙂"])
def test_hostile_workspace_ids_are_looked_up_safely(uow_factory, workspace_id):
    """Odd workspace ids find nothing rather than failing."""
    with uow_factory() as uow:
        assert uow.workspaces.get("slack", workspace_id) is None


def test_overlong_workspace_id_is_refused(uow_factory):
    """A workspace id over 255 characters is refused on every backend."""
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.workspaces.save(WorkspaceSettings("slack", "W" * 256))


def test_calls_are_announced_in_the_moderation_channel_unless_a_call_channel_is_set():
    """Without a call channel calls go to the moderation channel; with one, there."""
    plain = WorkspaceSettings("slack", "T1", moderation_channel="C0MOD")
    assert plain.announce_calls_in == "C0MOD"
    assert WorkspaceSettings("slack", "T1", call_channel="C0ALL").announce_calls_in == "C0ALL"
