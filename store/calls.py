"""SQL storage of calls for practice (a moderator's themed request, open until a closing date)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, Table, insert, select
from sqlalchemy.orm import Session

from bot.kernel.events import Workspace
from bot.kernel.records import CallForPractice
from store.conversion import bounded_key, is_row_id, storable_text, utc
from store.tables import CallForPracticeRow

_CALLS = cast(Table, CallForPracticeRow.__table__)  # type: ignore[attr-defined]


class SqlCallRepository:
    """Calls for practice."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, call: CallForPractice) -> CallForPractice:
        """Store a new call and return it as stored, with its id."""
        values: dict[str, Any] = {
            "platform": bounded_key(call.platform, "platform", 32),
            "workspace_id": bounded_key(call.workspace_id, "workspace id"),
            "theme": storable_text(call.theme),
            "wanted": storable_text(call.wanted),
            "closes_on": call.closes_on,
            "opened_by": bounded_key(call.opened_by, "opened by"),
            "opened_at": utc(call.opened_at),
        }
        result = cast(CursorResult[Any], self._session.execute(insert(_CALLS).values(values)))
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database did not report the new call's id")
        return CallForPractice(id=int(primary_key[0]), **values)

    def get(self, workspace: Workspace, call_id: int) -> CallForPractice | None:
        """Return the workspace's call with this id, or None (another workspace's too)."""
        if not is_row_id(call_id):
            return None
        row = (
            self._session.execute(
                select(_CALLS).where(_CALLS.c.id == call_id, *_in_workspace(workspace))
            )
            .mappings()
            .first()
        )
        return None if row is None else _call(row)

    def list_for(self, workspace: Workspace) -> list[CallForPractice]:
        """The workspace's calls, newest (last opened) first."""
        rows = self._session.execute(
            select(_CALLS).where(*_in_workspace(workspace)).order_by(_CALLS.c.id.desc())
        ).mappings()
        return [_call(row) for row in rows]


def _in_workspace(workspace: Workspace) -> tuple[Any, ...]:
    """SQL conditions: the call belongs to `workspace`."""
    return (
        _CALLS.c.platform == storable_text(workspace.platform),
        _CALLS.c.workspace_id == storable_text(workspace.id),
    )


def _call(row: Mapping[Any, Any]) -> CallForPractice:
    return CallForPractice(
        id=row["id"],
        platform=row["platform"],
        workspace_id=row["workspace_id"],
        theme=row["theme"],
        wanted=row["wanted"],
        closes_on=row["closes_on"],
        opened_by=row["opened_by"],
        opened_at=row["opened_at"],
    )
