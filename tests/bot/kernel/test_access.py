"""Who moderates and who sees restricted practices is decided from the workspace's settings."""

from __future__ import annotations

from bot.kernel.access import is_moderator, may_see_restricted
from bot.kernel.events import Actor
from bot.kernel.ports import WorkspaceSettings

ALICE = Actor("slack", "T1", "U1", "Alice", roles=("Staff",))


def test_unconfigured_workspace_has_no_moderators():
    """A workspace with no settings makes nobody a moderator."""
    assert is_moderator(ALICE, None) is False


def test_unconfigured_workspace_is_not_police_only():
    """A workspace with no settings never sees restricted practices."""
    assert may_see_restricted(ALICE, None) is False


def test_moderator_by_user_id():
    """A user listed by id moderates."""
    assert is_moderator(ALICE, WorkspaceSettings("slack", "T1", moderator_ids=("U1",))) is True


def test_moderator_by_role_name_ignores_case():
    """A platform role named in the settings makes its holders moderators, whatever its case."""
    settings = WorkspaceSettings("slack", "T1", moderator_roles=("staff",))
    assert is_moderator(ALICE, settings) is True


def test_other_users_and_roles_are_not_moderators():
    """Someone neither listed nor holding a moderator role is not a moderator."""
    settings = WorkspaceSettings("slack", "T1", moderator_ids=("U2",), moderator_roles=("Mods",))
    assert is_moderator(ALICE, settings) is False


def test_empty_role_or_id_never_matches():
    """Blank ids and role names in settings or on the actor grant nothing."""
    nobody = Actor("slack", "T1", "", roles=("",))
    settings = WorkspaceSettings("slack", "T1", moderator_ids=("",), moderator_roles=("",))
    assert is_moderator(nobody, settings) is False


def test_settings_of_another_workspace_grant_nothing():
    """Settings for a different workspace or platform do not apply to this actor."""
    other = WorkspaceSettings("discord", "T1", police_only=True, moderator_ids=("U1",))
    assert is_moderator(ALICE, other) is False
    assert may_see_restricted(ALICE, other) is False


def test_police_only_workspace_sees_restricted():
    """Everyone in a police-only workspace may see restricted practices."""
    assert may_see_restricted(ALICE, WorkspaceSettings("slack", "T1", police_only=True)) is True


def test_moderator_of_ordinary_workspace_does_not_see_restricted():
    """Moderating is not clearance: only police-only workspaces see restricted practices."""
    settings = WorkspaceSettings("slack", "T1", moderator_ids=("U1",))
    assert may_see_restricted(ALICE, settings) is False


def test_hostile_identity_strings_grant_nothing():
    """Injection-looking ids and roles are compared as plain strings and match nothing."""
    hostile = Actor("slack", "T1", "U1' OR '1'='1", roles=("<!channel>", "@everyone", "‮sdoM"))
    settings = WorkspaceSettings("slack", "T1", moderator_ids=("U1",), moderator_roles=("Mods",))
    assert is_moderator(hostile, settings) is False
