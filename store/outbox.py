"""SQL outbox: notifications written in the same transaction as the change that caused them.

Each row holds the reply as `bot.kernel.reply_codec` encodes it. An adapter's delivery loop reads
`pending` (oldest first, skipping those waiting for a retry), then records `mark_delivered` or
`mark_failed` (with the time of the next attempt, or none to give up).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, insert, or_, select, update
from sqlalchemy.orm import Session

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

    def mark_delivered(self, notification_id: int, at: datetime) -> None:
        """Record a successful delivery (a second report for the same one changes nothing)."""
        if not is_row_id(notification_id):
            return
        self._session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id == notification_id, _OUTBOX.c.delivered_at.is_(None))
            .values(attempts=_OUTBOX.c.attempts + 1, delivered_at=utc(at), next_attempt_at=None)
        )

    def mark_failed(self, notification_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt: retry from `retry_at`, or give up for good when it is None."""
        if not is_row_id(notification_id):
            return
        self._session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id == notification_id, _OUTBOX.c.delivered_at.is_(None))
            .values(
                attempts=_OUTBOX.c.attempts + 1,
                last_error=storable_text(error),
                next_attempt_at=utc(retry_at),
                given_up=retry_at is None,
            )
        )

    def all(self) -> list[Notification]:
        """Every notification, delivered or not, oldest first."""
        rows = self._session.execute(select(_OUTBOX).order_by(_OUTBOX.c.id)).mappings()
        return [_notification(row) for row in rows]


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
