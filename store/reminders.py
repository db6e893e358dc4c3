"""SQL storage of follow-up reminders, with the atomic claim two sweepers rely on.

`transition` is one `UPDATE ... WHERE id = ? AND state = ?`: when two bot processes sweep the same
due reminder, the row lock (PostgreSQL) or the write lock (SQLite) lets one update it and the
other find the state already moved, so the reminder is sent once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, case, func, insert, select, update
from sqlalchemy.orm import Session

from bot.kernel.events import Workspace
from bot.kernel.records import Reminder, ReminderState
from store.conversion import bounded_key, is_row_id, ref_key, storable_text, utc, valid_ref
from store.tables import PracticeRow, ReminderRow

_REMINDERS = cast(Table, ReminderRow.__table__)  # type: ignore[attr-defined]
_PRACTICES = cast(Table, PracticeRow.__table__)  # type: ignore[attr-defined]

# The moment a reminder's current state runs out: see `bot.kernel.ports.ReminderRepository.due`.
_CLOCK = case(
    (_REMINDERS.c.state == ReminderState.SENT.value, _REMINDERS.c.sent_at),
    (_REMINDERS.c.state == ReminderState.NUDGED.value, _REMINDERS.c.nudged_at),
    else_=_REMINDERS.c.due_at,
)


class SqlReminderRepository:
    """Follow-up reminders."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, reminder: Reminder) -> Reminder:
        """Store a reminder and return it as stored, with its id."""
        values: dict[str, Any] = {
            "practice_ref": self._stored_ref(valid_ref(reminder.practice_ref)),
            "contributor_key": bounded_key(reminder.contributor_key, "contributor key"),
            "platform": bounded_key(reminder.platform, "platform", 32),
            "workspace_id": bounded_key(reminder.workspace_id, "workspace id"),
            **_changing_values(reminder),
        }
        result = cast(CursorResult[Any], self._session.execute(insert(_REMINDERS).values(values)))
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database did not report the new reminder's id")
        return self._stored(int(primary_key[0]))

    def get(self, workspace: Workspace, reminder_id: int) -> Reminder | None:
        """Return the workspace's reminder with this id, or None (another workspace's too)."""
        return self._one(
            reminder_id,
            _REMINDERS.c.platform == storable_text(workspace.platform),
            _REMINDERS.c.workspace_id == storable_text(workspace.id),
        )

    def _one(self, reminder_id: int, *conditions: Any) -> Reminder | None:
        """The reminder with this id meeting `conditions`, or None (ids no row can have too)."""
        if not is_row_id(reminder_id):
            return None
        row = (
            self._session.execute(
                select(_REMINDERS).where(_REMINDERS.c.id == reminder_id, *conditions)
            )
            .mappings()
            .first()
        )
        return None if row is None else _reminder(row)

    def due(self, states: Sequence[ReminderState], before: datetime) -> list[Reminder]:
        """Reminders in `states` whose clock ran out at or before `before`, oldest first."""
        rows = self._session.execute(
            select(_REMINDERS)
            .where(
                _REMINDERS.c.state.in_([ReminderState(state).value for state in states]),
                _CLOCK <= utc(before),  # noqa: SIM300 - _CLOCK is a SQL expression
            )
            .order_by(_CLOCK, _REMINDERS.c.id)
        ).mappings()
        return [_reminder(row) for row in rows]

    def for_practice(self, ref: str) -> list[Reminder]:
        """Every reminder of a practice (ref in any case), oldest first."""
        key = ref_key(ref)
        if key is None:
            return []
        rows = self._session.execute(
            select(_REMINDERS)
            .where(func.upper(_REMINDERS.c.practice_ref) == key)
            .order_by(_REMINDERS.c.id)
        ).mappings()
        return [_reminder(row) for row in rows]

    def transition(
        self, reminder: Reminder, expected: ReminderState, at: datetime
    ) -> Reminder | None:
        """Save the reminder's state and times only if its stored state is still `expected`.

        Returns the stored reminder, or None when another sweeper (or answer) moved it first.
        `at` is recorded as the moment of the change.
        """
        if not is_row_id(reminder.id):
            return None
        result = cast(
            CursorResult[Any],
            self._session.execute(
                update(_REMINDERS)
                .where(
                    _REMINDERS.c.id == reminder.id,
                    _REMINDERS.c.state == ReminderState(expected).value,
                )
                .values(_changing_values(reminder) | {"changed_at": utc(at)})
            ),
        )
        if result.rowcount != 1:
            return None
        return self._stored(reminder.id)

    def _stored_ref(self, ref: str) -> str:
        """The practice's ref as stored (the foreign key compares exactly), else `ref` itself."""
        stored = self._session.execute(
            select(_PRACTICES.c.ref).where(func.upper(_PRACTICES.c.ref) == ref.upper())
        ).scalar_one_or_none()
        return ref if stored is None else str(stored)

    def _stored(self, reminder_id: int) -> Reminder:
        """Read back a row this transaction just wrote."""
        stored = self._one(reminder_id)
        if stored is None:
            raise RuntimeError(f"reminder {reminder_id} vanished inside its own transaction")
        return stored


def _changing_values(reminder: Reminder) -> dict[str, Any]:
    """The columns a transition may change."""
    return {
        "due_at": utc(reminder.due_at),
        "state": ReminderState(reminder.state).value,
        "sent_at": utc(reminder.sent_at),
        "nudged_at": utc(reminder.nudged_at),
        "answered_at": utc(reminder.answered_at),
    }


def _reminder(row: Mapping[Any, Any]) -> Reminder:
    return Reminder(
        id=row["id"],
        practice_ref=row["practice_ref"],
        contributor_key=row["contributor_key"],
        platform=row["platform"],
        workspace_id=row["workspace_id"],
        due_at=row["due_at"],
        state=ReminderState(row["state"]),
        sent_at=row["sent_at"],
        nudged_at=row["nudged_at"],
        answered_at=row["answered_at"],
    )
