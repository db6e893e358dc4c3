"""The console's outbox delivery: hands this terminal the notifications addressed to its person.

Several terminals may share one database (`chat --user alice` beside `chat --user mo
--moderator`), so each takes only its own mail: direct messages to its user, and,
when that user moderates, the moderation channel's posts. Everything else stays queued for the
terminal of the person it is for. A terminal has no other channels, so a post to any other
channel of the workspace (an announcement) goes to whichever terminal looks first.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.access import is_moderator
from bot.kernel.events import Actor
from bot.kernel.ports import Clock, UnitOfWorkFactory, WorkspaceSettings
from bot.kernel.records import Audience, Notification

CONSOLE_PLATFORM = "console"
# The outbox answers oldest first; a generous page keeps others' queued mail from hiding ours.
PAGE = 1000


@dataclass(frozen=True)
class Delivered:
    """Notifications just taken for one terminal, and the moderation channel to name them by."""

    notifications: tuple[Notification, ...] = ()
    moderation_channel: str | None = None


def is_for(notification: Notification, actor: Actor, settings: WorkspaceSettings | None) -> bool:
    """Whether this terminal's person should see the notification."""
    if notification.workspace_id != actor.workspace_id:
        return False
    if notification.audience is Audience.PERSON:
        return notification.recipient == actor.user_id
    moderation_channel = settings.moderation_channel if settings else None
    if moderation_channel and notification.recipient == moderation_channel:
        return is_moderator(actor, settings)
    return True


def deliver_console_notifications(
    uow_factory: UnitOfWorkFactory, clock: Clock, actor: Actor
) -> Delivered:
    """Take the pending console notifications for `actor`, mark them delivered, return them.

    They are marked in the same transaction that reads them, so a terminal never prints the same
    notification twice, even across a restart.
    """
    now = clock.now()
    with uow_factory() as uow:
        settings = uow.workspaces.get(actor.workspace)
        mine = [
            n
            for n in uow.outbox.pending(CONSOLE_PLATFORM, now, limit=PAGE)
            if n.id is not None and is_for(n, actor, settings)
        ]
        for notification in mine:
            assert notification.id is not None  # noqa: S101 - filtered above
            uow.outbox.mark_delivered(notification.id, now)
        uow.commit()
    return Delivered(tuple(mine), settings.moderation_channel if settings else None)


class ConsoleDelivery:
    """What a `ConsoleSession` calls to fetch its person's notifications (store and clock bound)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        """Bind the store and the clock the outbox is read with."""
        self._uow_factory = uow_factory
        self._clock = clock

    def collect(self, actor: Actor) -> Delivered:
        """The notifications for `actor` now due, marked delivered."""
        return deliver_console_notifications(self._uow_factory, self._clock, actor)
