"""Counts an operator watches, read straight from the shared database (health and metrics).

Reading them from the database rather than counting in each process makes them right whatever
number of workers or processes run: every gauge is the same wherever it is scraped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, case, func, select

from store.conversion import utc
from store.outbox import OutboxDepth, outbox_depth
from store.tables import ReminderRow, ReviewRow, SearchRow

_REMINDERS = cast(Table, ReminderRow.__table__)  # type: ignore[attr-defined]
_REVIEWS = cast(Table, ReviewRow.__table__)  # type: ignore[attr-defined]
_SEARCHES = cast(Table, SearchRow.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BankStats:
    """The outbox, reminders, decisions and searches, as counted now."""

    outbox: OutboxDepth
    reminders_due: int
    reminders_sent: int
    decisions: dict[str, int] = field(default_factory=dict)
    searches: int = 0
    zero_result_searches: int = 0


def bank_stats(engine: Engine, now: datetime) -> BankStats:
    """Count everything in one short read."""
    depth = outbox_depth(engine)
    with engine.connect() as connection:
        due = connection.execute(
            select(func.count()).where(
                _REMINDERS.c.state == "pending", _REMINDERS.c.due_at <= utc(now)
            )
        ).scalar_one()
        sent = connection.execute(
            select(func.count()).where(_REMINDERS.c.sent_at.is_not(None))
        ).scalar_one()
        decisions: dict[str, Any] = dict(
            connection.execute(
                select(_REVIEWS.c.decision, func.count()).group_by(_REVIEWS.c.decision)
            ).all()
        )
        searches, zero = connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((_SEARCHES.c.result_count == 0, 1), else_=0)), 0),
            )
        ).one()
    return BankStats(
        outbox=depth,
        reminders_due=int(due),
        reminders_sent=int(sent),
        decisions={str(k): int(v) for k, v in decisions.items()},
        searches=int(searches),
        zero_result_searches=int(zero),
    )
