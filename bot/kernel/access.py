"""Access rules: who moderates and who may see restricted practices, from workspace settings.

Adapters only report who the actor is and which platform roles they hold; these rules turn that
into rights. A workspace nobody configured is the safe default: not police-only, no moderators.
"""

from __future__ import annotations

from bot.kernel.events import Actor
from bot.kernel.ports import WorkspaceSettings


def _belongs(actor: Actor, settings: WorkspaceSettings | None) -> bool:
    """Check the settings are for the actor's own workspace (never borrow another's rights)."""
    return settings is not None and settings.workspace == actor.workspace


def is_moderator(actor: Actor, settings: WorkspaceSettings | None) -> bool:
    """Whether the actor may review submissions: listed by user id, or holding a moderator role.

    Role names compare case-insensitively because platforms let admins rename their capitalisation.
    """
    if settings is None or not _belongs(actor, settings):
        return False
    if actor.user_id and actor.user_id in settings.moderator_ids:
        return True
    moderator_roles = {role.casefold() for role in settings.moderator_roles if role}
    return any(role.casefold() in moderator_roles for role in actor.roles if role)


def may_see_restricted(actor: Actor, settings: WorkspaceSettings | None) -> bool:
    """Whether restricted practices may reach this actor: only inside a police-only workspace."""
    return settings is not None and _belongs(actor, settings) and settings.police_only
