"""SQL outbox: notifications written in the same transaction as the change that caused them.

Each row holds the reply as `bot.kernel.reply_codec` encodes it, and its own delivery lease. The
delivery loop (`bot.kernel.delivery`) calls `lease` (highest priority, then oldest, skipping rows
waiting for a retry or leased by a live loop), then records `mark_delivered` or `mark_failed`
(with the time of the next attempt, or none to give up), or `release`s what it did not send.

The lease is taken in the caller's unit of work: on PostgreSQL the pick is `FOR UPDATE SKIP
LOCKED`, so concurrent loops each get different rows without waiting for each other; on SQLite
the write transaction (`BEGIN IMMEDIATE`, see `store.engine`) serialises the pick, and the update
is conditional on the row still being free either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Table, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.kernel.delivery import priority_of
from bot.kernel.ports import Clock
from bot.kernel.records import Audience, Notification
from bot.kernel.reply_codec import reply_from_json, reply_to_json
from store.conversion import bounded_key, is_row_id, storable_json, storable_text, utc
from store.tables import OutboxRow

_OUTBOX = cast(Table, OutboxRow.__table__)  # type: ignore[attr-defined]

NOTIFICATION_KEY_MAX = 255


class SqlOutbox:
    """Notifications waiting for an adapter's delivery loop."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def add(self, notification: Notification) -> Notification:
        """Queue the notification and return it as stored: id, created_at, no attempts yet.

        A missing `created_at` is the unit of work's clock.
        """
        key = storable_text(notification.key)
        if len(key) > NOTIFICATION_KEY_MAX:
            raise ValueError(f"notification key is longer than {NOTIFICATION_KEY_MAX} characters")
        values: dict[str, Any] = {
            "platform": bounded_key(notification.platform, "platform", 32),
            "workspace_id": bounded_key(notification.workspace_id, "workspace id"),
            "audience": Audience(notification.audience).value,
            "recipient": bounded_key(notification.recipient, "recipient"),
            "key": key,
            "replace": bool(notification.replace),
            "payload": storable_json(reply_to_json(notification.reply)),
            "created_at": utc(notification.created_at) or self._clock.now(),
            "attempts": 0,
            "given_up": False,
            "priority": priority_of(notification),
        }
        result = cast(CursorResult[Any], self._session.execute(insert(_OUTBOX).values(values)))
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database did not report the new notification's id")
        return _notification(values | {"id": int(primary_key[0]), "delivered_at": None})

    def pending(self, platform: str, now: datetime, limit: int = 50) -> list[Notification]:
        """Undelivered notifications for the platform whose next attempt is due, by id."""
        rows = self._session.execute(
            select(_OUTBOX)
            .where(
                _OUTBOX.c.platform == storable_text(platform),
                _OUTBOX.c.delivered_at.is_(None),
                _OUTBOX.c.given_up.is_(False),
                or_(_OUTBOX.c.next_attempt_at.is_(None), _OUTBOX.c.next_attempt_at <= utc(now)),
            )
            .order_by(_OUTBOX.c.id)
            .limit(max(0, limit))
        ).mappings()
        return [_notification(row) for row in rows]

    def lease(
        self, platform: str, owner: str, now: datetime, until: datetime, limit: int = 20
    ) -> list[Notification]:
        """Lease up to `limit` due, free notifications to `owner` until `until`, best first."""
        now_utc = utc(now)
        free = (
            _OUTBOX.c.platform == storable_text(platform),
            _OUTBOX.c.delivered_at.is_(None),
            _OUTBOX.c.given_up.is_(False),
            or_(_OUTBOX.c.next_attempt_at.is_(None), _OUTBOX.c.next_attempt_at <= now_utc),
            or_(_OUTBOX.c.leased_until.is_(None), _OUTBOX.c.leased_until <= now_utc),
        )
        picked = list(
            self._session.execute(
                select(_OUTBOX.c.id)
                .where(*free)
                .order_by(_OUTBOX.c.priority.desc(), _OUTBOX.c.id)
                .limit(max(0, limit))
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not picked:
            return []
        self._session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(picked), *free)
            .values(leased_until=utc(until), lease_owner=owner[:64])
        )
        rows = self._session.execute(
            select(_OUTBOX)
            .where(_OUTBOX.c.id.in_(picked), _OUTBOX.c.lease_owner == owner[:64])
            .order_by(_OUTBOX.c.priority.desc(), _OUTBOX.c.id)
        ).mappings()
        return [_notification(row) for row in rows]

    def release(self, owner: str, notification_ids: Sequence[int]) -> int:
        """Clear `owner`'s lease on these notifications; no attempt is counted."""
        ids = [i for i in notification_ids if is_row_id(i)]
        if not ids:
            return 0
        result = cast(
            CursorResult[Any],
            self._session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id.in_(ids), _OUTBOX.c.lease_owner == owner[:64])
                .values(leased_until=None, lease_owner=None)
            ),
        )
        return int(result.rowcount or 0)

    def mark_delivered(self, notification_id: int, at: datetime) -> None:
        """Record a successful delivery (a second report for the same one changes nothing)."""
        if not is_row_id(notification_id):
            return
        self._session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id == notification_id, _OUTBOX.c.delivered_at.is_(None))
            .values(
                attempts=_OUTBOX.c.attempts + 1,
                delivered_at=utc(at),
                next_attempt_at=None,
                leased_until=None,
                lease_owner=None,
            )
        )

    def mark_failed(
        self,
        notification_id: int,
        error: str,
        retry_at: datetime | None,
        *,
        owner: str | None = None,
    ) -> None:
        """Record a failed attempt: retry from `retry_at`, or give up for good when it is None.

        With `owner`, nothing changes unless that owner still holds the lease: a loop whose lease
        ran out must not overwrite the outcome of the loop that took the row over.
        """
        if not is_row_id(notification_id):
            return
        where = [_OUTBOX.c.id == notification_id, _OUTBOX.c.delivered_at.is_(None)]
        if owner is not None:
            where.append(_OUTBOX.c.lease_owner == owner[:64])
        self._session.execute(
            update(_OUTBOX)
            .where(*where)
            .values(
                attempts=_OUTBOX.c.attempts + 1,
                last_error=storable_text(error),
                next_attempt_at=utc(retry_at),
                given_up=retry_at is None,
                leased_until=None,
                lease_owner=None,
            )
        )

    def all(self) -> list[Notification]:
        """Every notification, delivered or not, oldest first."""
        rows = self._session.execute(select(_OUTBOX).order_by(_OUTBOX.c.id)).mappings()
        return [_notification(row) for row in rows]


@dataclass(frozen=True)
class OutboxDepth:
    """How much is waiting, for health checks and metrics."""

    waiting: int
    oldest: datetime | None
    given_up: int


def outbox_depth(engine: Engine) -> OutboxDepth:
    """Undelivered notifications (still to try), the oldest one's creation time, and given up."""
    with engine.connect() as connection:
        waiting, oldest = connection.execute(
            select(func.count(), func.min(_OUTBOX.c.created_at)).where(
                _OUTBOX.c.delivered_at.is_(None), _OUTBOX.c.given_up.is_(False)
            )
        ).one()
        given_up = connection.execute(
            select(func.count()).where(_OUTBOX.c.given_up.is_(True))
        ).scalar_one()
    return OutboxDepth(int(waiting), utc(oldest) if oldest is not None else None, int(given_up))


def _notification(row: Mapping[Any, Any]) -> Notification:
    return Notification(
        id=row["id"],
        platform=row["platform"],
        workspace_id=row["workspace_id"],
        audience=Audience(row["audience"]),
        recipient=row["recipient"],
        reply=reply_from_json(row["payload"]),
        key=row["key"],
        replace=bool(row["replace"]),
        created_at=row["created_at"],
        attempts=row["attempts"],
        delivered_at=row["delivered_at"],
        last_error=row.get("last_error"),
    )
