"""Upgrading a database in use at revision 0003 to 0004 keeps every row and carries it over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from bot.kernel.records import ReminderState
from store.engine import make_engine
from store.migrate import current_revision, head_revision, upgrade
from store.repositories import SqlUnitOfWorkFactory

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_VERSIONS = sa.table(
    "practice_versions",
    sa.column("ref", sa.String),
    sa.column("version", sa.Integer),
    sa.column("snapshot", _JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
WRITTEN = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
COUNTED = ("practices", "submissions", "reviews", "reminders", "searches")


def _practice(ref: str, version: int, archived: str = "NULL") -> str:
    return (
        "INSERT INTO practices (ref, title, summary, effectiveness, focus, topics, partners, "
        "links, linked_to, visibility, version, archived_at) VALUES "
        f"('{ref}', 'Title {ref}', 'Summary.', 'worked', '[]', '[]', '[]', '[]', '[]', "
        f"'public', {version}, {archived})"
    )


def _snapshot(ref: str, summary: str, reviewed: str | None = None) -> dict[str, object]:
    return {"ref": ref, "summary": summary, "reviewed_at": reviewed, "archived_at": None}


@pytest.fixture
def at_0003(database_url: str) -> Iterator[Engine]:
    """A database at 0003 holding practices with versions, submissions, reviews, reminders
    (one answered Retire waiting for moderators) and searches."""
    engine = make_engine(database_url)
    upgrade(engine, "0003")
    with engine.begin() as connection:
        for statement in (
            _practice("PB001", 1),
            _practice("PB002", 2),
            _practice("PB003", 1, "'2025-02-01 10:00:00+00:00'"),
            "INSERT INTO submissions (contributor_key, contributor_name, platform, workspace_id,"
            " state, answers, published_ref, created_at, updated_at, revision) VALUES "
            "('slack:T1:U1', 'Alice', 'slack', 'T1', 'published', '{}', 'PB002',"
            " '2025-01-01 10:00:00+00:00', '2025-01-02 10:00:00+00:00', 1)",
            "INSERT INTO reviews (submission_id, moderator_key, moderator_name, decision, note, at)"
            " VALUES (1, 'slack:T1:U9', 'Moira', 'approve', '', '2025-01-02 10:00:00+00:00')",
            # PB001: answered No changes (a later reminder booked); PB002: answered Retire.
            "INSERT INTO reminders (practice_ref, contributor_key, platform, workspace_id, due_at,"
            " state) VALUES ('pb001', 'slack:T1:U1', 'slack', 'T1', '2025-01-01 10:00:00+00:00',"
            " 'answered'), ('PB001', 'slack:T1:U1', 'slack', 'T1', '2026-01-01 10:00:00+00:00',"
            " 'pending'), ('PB002', 'slack:T1:U1', 'slack', 'T1', '2025-01-01 10:00:00+00:00',"
            " 'answered')",
            "INSERT INTO searches (actor_key, text, result_count, at, shown_until) VALUES "
            "('slack:T1:U1', 'knife', 0, '2025-03-01 10:00:00+00:00', 5)",
        ):
            connection.execute(text(statement))
        connection.execute(
            sa.insert(_VERSIONS).values(created_at=WRITTEN),
            [
                {"ref": "PB001", "version": 1, "snapshot": _snapshot("PB001", "S")},
                # The follow-up's No changes rewrote the row: same content, same number.
                {
                    "ref": "PB001",
                    "version": 1,
                    "snapshot": _snapshot("PB001", "S", "2025-03-01T10:00:00+00:00"),
                },
                {"ref": "PB002", "version": 1, "snapshot": _snapshot("PB002", "Old")},
                {"ref": "PB002", "version": 2, "snapshot": _snapshot("PB002", "New")},
                {"ref": "PB003", "version": 1, "snapshot": _snapshot("PB003", "S")},
            ],
        )
    yield engine
    engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in COUNTED
        }


def test_upgrade_from_0003_keeps_every_row(at_0003):
    """Practices, submissions, reviews, reminders and searches are all still there."""
    before = _counts(at_0003)
    upgrade(at_0003)
    assert current_revision(at_0003) == head_revision()
    assert (
        _counts(at_0003)
        == before
        == dict.fromkeys(COUNTED, 1)
        | {
            "practices": 3,
            "reminders": 3,
        }
    )


def test_an_answered_retire_becomes_a_retirement_request(at_0003):
    """The answered reminder with nothing booked after it reads as a retirement request."""
    upgrade(at_0003)
    with SqlUnitOfWorkFactory(at_0003)() as uow:
        states = [(r.practice_ref, r.state) for r in uow.reminders.due(list(ReminderState), _far())]
    assert sorted(states) == [
        ("PB001", ReminderState.ANSWERED),
        ("PB001", ReminderState.PENDING),
        ("PB002", ReminderState.RETIREMENT_REQUESTED),
    ]


def test_repeated_snapshots_become_history_entries(at_0003):
    """One snapshot per version stays; the No changes rewrite is a `kept` entry instead."""
    upgrade(at_0003)
    with at_0003.connect() as connection:
        versions = connection.execute(
            text("SELECT ref, version FROM practice_versions ORDER BY ref, version")
        ).all()
    assert [tuple(v) for v in versions] == [("PB001", 1), ("PB002", 1), ("PB002", 2), ("PB003", 1)]
    with SqlUnitOfWorkFactory(at_0003)() as uow:
        kinds = [(e.kind.value, e.version, e.actor_key) for e in uow.practices.changes("pb001")]
    assert kinds == [("added", 1, "unknown"), ("kept", 1, "unknown")]


def test_the_ref_counter_starts_after_the_highest_stored_ref(at_0003):
    """The first ref handed out after the upgrade is PB004."""
    upgrade(at_0003)
    with SqlUnitOfWorkFactory(at_0003)() as uow:
        assert uow.practices.next_ref() == "PB004"


def test_constraints_refuse_unknown_states_after_the_upgrade(at_0003):
    """A reminder in a state the bot does not know is refused by the database."""
    upgrade(at_0003)
    with pytest.raises(IntegrityError), at_0003.begin() as connection:
        connection.execute(text("UPDATE reminders SET state = 'lost'"))


def test_a_reminder_for_a_practice_not_in_the_bank_is_refused(at_0003):
    """The new foreign key holds reminders to practices the bank has."""
    upgrade(at_0003)
    with pytest.raises(IntegrityError), at_0003.begin() as connection:
        connection.execute(text("UPDATE reminders SET practice_ref = 'PB404'"))


def _far() -> datetime:
    return datetime(2100, 1, 1, tzinfo=UTC)
