"""Addressing notifications: to a contributor by their actor key, or to a workspace's moderators.

Moderation, publication, follow-ups and calls all write to the outbox through these helpers, so
every message about the same thing carries the same key and goes to the same place.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.kernel.ports import UnitOfWork, WorkspaceSettings
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import Reply

log = logging.getLogger(__name__)


def user_id_of(actor_key: str) -> str:
    """The platform user id inside an actor key `platform:workspace:user` (its last part)."""
    return actor_key.rpartition(":")[2]


def tell_person(
    uow: UnitOfWork,
    *,
    platform: str,
    workspace_id: str,
    actor_key: str,
    reply: Reply,
    key: str,
    now: datetime,
) -> Notification:
    """Queue a direct message to the person with this actor key, in the caller's transaction."""
    return uow.outbox.add(
        Notification(
            platform=platform,
            workspace_id=workspace_id,
            audience=Audience.PERSON,
            recipient=user_id_of(actor_key),
            reply=reply,
            key=key,
            created_at=now,
        )
    )


def tell_moderators(
    uow: UnitOfWork,
    settings: WorkspaceSettings | None,
    *,
    reply: Reply,
    key: str,
    now: datetime,
    replace: bool = False,
) -> Notification | None:
    """Post to the workspace's moderation channel; None (and a warning) when none is configured.

    A workspace without a moderation channel has nowhere shared to post, so the message is not
    queued rather than sent to a guessed place; operators see the warning in the log.
    """
    if settings is None or not settings.moderation_channel:
        log.warning("no moderation channel configured: message %r not queued", key)
        return None
    return uow.outbox.add(
        Notification(
            platform=settings.platform,
            workspace_id=settings.workspace_id,
            audience=Audience.CHANNEL,
            recipient=settings.moderation_channel,
            reply=reply,
            key=key,
            replace=replace,
            created_at=now,
        )
    )
