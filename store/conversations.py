"""SQL storage of guided dialogues in flight, one row per person, so they survive restarts.

`save` with an expected revision is a compare-and-set (one conditional UPDATE whose row count
says who won), so an answer applied by one worker is never applied again by another.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.kernel.ports import Clock
from bot.kernel.records import Conversation
from store.conversion import bounded_key, storable_json, storable_text, utc
from store.tables import ConversationRow

_CONVERSATIONS = cast(Table, ConversationRow.__table__)  # type: ignore[attr-defined]


class SqlConversationRepository:
    """Guided dialogues in flight, keyed by actor key."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def get(self, actor_key: str) -> Conversation | None:
        """Return the person's conversation, or None."""
        row = (
            self._session.execute(
                select(_CONVERSATIONS).where(_CONVERSATIONS.c.actor_key == storable_text(actor_key))
            )
            .mappings()
            .first()
        )
        return None if row is None else _conversation(row)

    def save(self, conversation: Conversation, *, expected_revision: int | None = None) -> bool:
        """Create or replace the person's conversation; the stored revision goes up by one.

        Without `expected_revision`, an `INSERT ... ON CONFLICT DO UPDATE`, so two saves racing
        for the same person never fail on the unique key. With it, an `UPDATE ... WHERE
        revision = ?`: on PostgreSQL a concurrent writer waits for the row lock and then finds
        the revision moved, on SQLite writers are serialised; False when it lost or the row is
        gone. A missing `updated_at` is the unit of work's clock.
        """
        values: dict[str, Any] = {
            "actor_key": bounded_key(conversation.actor_key, "actor key"),
            "kind": bounded_key(conversation.kind, "conversation kind", 64),
            "step": bounded_key(conversation.step, "conversation step"),
            "data": storable_json(dict(conversation.data)),
            "updated_at": utc(conversation.updated_at) or self._clock.now(),
        }
        if expected_revision is not None:
            result = cast(
                CursorResult[Any],
                self._session.execute(
                    update(_CONVERSATIONS)
                    .where(
                        _CONVERSATIONS.c.actor_key == values["actor_key"],
                        _CONVERSATIONS.c.revision == expected_revision,
                    )
                    .values({**values, "revision": expected_revision + 1})
                ),
            )
            return result.rowcount == 1
        upsert = (
            postgresql_insert
            if self._session.get_bind().dialect.name == "postgresql"
            else sqlite_insert
        )
        statement = upsert(_CONVERSATIONS).values({**values, "revision": 0})
        changed = {name: statement.excluded[name] for name in values if name != "actor_key"}
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[_CONVERSATIONS.c.actor_key],
                set_={**changed, "revision": _CONVERSATIONS.c.revision + 1},
            )
        )
        return True

    def delete(self, actor_key: str) -> None:
        """Forget the person's conversation, if any."""
        self._session.execute(
            delete(_CONVERSATIONS).where(_CONVERSATIONS.c.actor_key == storable_text(actor_key))
        )

    def idle_since(self, before: datetime) -> list[Conversation]:
        """Conversations last saved strictly before `before`, longest idle first."""
        rows = self._session.execute(
            select(_CONVERSATIONS)
            .where(_CONVERSATIONS.c.updated_at < utc(before))
            .order_by(_CONVERSATIONS.c.updated_at, _CONVERSATIONS.c.actor_key)
        ).mappings()
        return [_conversation(row) for row in rows]


def _conversation(row: Mapping[Any, Any]) -> Conversation:
    return Conversation(
        actor_key=row["actor_key"],
        kind=row["kind"],
        step=row["step"],
        data=dict(row["data"]),
        updated_at=row["updated_at"],
        revision=row["revision"],
    )
