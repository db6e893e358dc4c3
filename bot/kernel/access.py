"""Access rules: who moderates and who may see a practice, from workspace settings and records.

Adapters only report who the actor is and which platform roles they hold; these rules turn that
into rights. A workspace nobody configured is the safe default: not police-only, no moderators.
"""

from __future__ import annotations

from bot.kernel.domain import Practice
from bot.kernel.events import Actor
from bot.kernel.ports import UnitOfWork, WorkspaceSettings
from bot.kernel.records import SubmissionState


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


def contributed(uow: UnitOfWork, actor_key: str, ref: str) -> bool:
    """Whether this person shared the practice `ref` (a published submission, or its follow-ups).

    Actor keys carry platform and workspace, so this is the same person wherever they are asked.
    """
    if any(r.contributor_key == actor_key for r in uow.reminders.for_practice(ref)):
        return True
    return any(
        s.state is SubmissionState.PUBLISHED
        and s.published_ref == ref
        and s.contributor_key == actor_key
        for s in uow.submissions.for_practice(ref)
    )


def _moderated_here(uow: UnitOfWork, actor: Actor, ref: str) -> bool:
    """Whether a submission of (or an update to) `ref` came through the actor's workspace."""
    return any(s.workspace == actor.workspace for s in uow.submissions.for_practice(ref)) or any(
        r.workspace == actor.workspace for r in uow.reminders.for_practice(ref)
    )


def may_see_practice(uow: UnitOfWork, actor: Actor, practice: Practice) -> bool:
    """Whether this actor may see this practice: the one rule `show`, update and follow-up use.

    Public practices reach everyone; restricted ones reach a police-only workspace, the person
    who shared them (wherever they are now), and the moderators of the workspace they came
    through (who approved them and answer their retirement requests). Everybody else is told
    nothing, not even that the practice exists.
    """
    if not practice.is_restricted:
        return True
    settings = uow.workspaces.get(actor.platform, actor.workspace_id)
    if may_see_restricted(actor, settings):
        return True
    if contributed(uow, actor.key, practice.ref):
        return True
    return is_moderator(actor, settings) and _moderated_here(uow, actor, practice.ref)


def sees_by_workspace(uow: UnitOfWork, actor: Actor, practice: Practice) -> bool:
    """Whether the practice may be shown where the actor is (not only to them, in private)."""
    if not practice.is_restricted:
        return True
    return may_see_restricted(actor, uow.workspaces.get(actor.platform, actor.workspace_id))
