"""Alembic migrations: a new or older database reaches head, repeatably, matching the tables.

0004 adds the practice history, explicit retirement requests, the ref counter, foreign keys and
CHECKs; 0005 gives each search its workspace (`searches.platform`, `searches.workspace_id`,
backfilled from each row's `actor_key`) and an index for the gaps report; 0007 puts the
delivery lease and a priority on the outbox row; 0008 allows one open draft per person and
gives each conversation a revision; 0009 gives each practice row the change number of its last
write; 0010 counts each search's partial matches and gives workspaces a call channel.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import store.tables  # noqa: F401 - registers the tables
from store.engine import make_engine
from store.migrate import (
    MIGRATIONS_FOLDER,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)

ALL_TABLES = {
    "alembic_version",
    "bank_state",
    "calls_for_practice",
    "conversations",
    "glossary_changes",
    "glossary_terms",
    "outbox",
    "platform_claims",
    "posted_messages",
    "practice_events",
    "practice_versions",
    "practices",
    "reminders",
    "reviews",
    "searches",
    "submissions",
    "workspace_settings",
}


@pytest.fixture
def fresh_engine(database_url: str) -> Iterator[Engine]:
    # These tests are about the schema, not deadlines: a shared PostgreSQL busy for a few
    # seconds (a neighbour's DROP SCHEMA, a checkpoint) once cancelled a catalog read at 5 s.
    engine = make_engine(database_url, statement_timeout_ms=60_000)
    yield engine
    engine.dispose()


def test_head_revision_is_the_glossary_audit_trail():
    """The newest migration is 0011: the taught glossary's audit trail."""
    assert head_revision() == "0011"


def test_migration_scripts_sit_in_the_package():
    """The scripts Alembic loads live inside the store package (installed as package data)."""
    assert (MIGRATIONS_FOLDER / "env.py").is_file()
    assert (MIGRATIONS_FOLDER / "script.py.mako").is_file()
    assert (MIGRATIONS_FOLDER / "versions" / "0001_initial.py").is_file()


def test_fresh_database_has_no_revision(fresh_engine):
    """A database never migrated reports no revision."""
    assert current_revision(fresh_engine) is None


def test_upgrade_creates_every_table(fresh_engine):
    """Upgrading an empty database creates all tables and records head."""
    upgrade(fresh_engine)

    assert set(inspect(fresh_engine).get_table_names()) == ALL_TABLES
    assert current_revision(fresh_engine) == head_revision()


def test_upgrade_twice_changes_nothing(fresh_engine):
    """Running the upgrade on a database already at head is a no-op."""
    upgrade(fresh_engine)
    upgrade(fresh_engine)

    assert set(inspect(fresh_engine).get_table_names()) == ALL_TABLES
    assert current_revision(fresh_engine) == head_revision()


def test_upgrade_from_an_older_revision_reaches_head(fresh_engine):
    """A database stopped at an earlier revision is brought forward by the same call."""
    upgrade(fresh_engine, "0002")
    assert current_revision(fresh_engine) == "0002"

    upgrade(fresh_engine)

    assert current_revision(fresh_engine) == head_revision()


def test_searches_recorded_before_0003_have_shown_nothing(fresh_engine):
    """Upgrading from 0002 keeps existing searches and gives them shown_until 0."""
    upgrade(fresh_engine, "0002")
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO searches (actor_key, text, result_count, at) "
                "VALUES ('slack:T1:U1', 'knife', 2, '2025-03-01 10:00:00+00:00')"
            )
        )

    upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        rows = connection.execute(text("SELECT text, shown_until FROM searches")).all()
    assert [tuple(row) for row in rows] == [("knife", 0)]


def test_downgrade_to_0002_drops_shown_until(fresh_engine):
    """Going back to 0002 removes the column and keeps the searches."""
    upgrade(fresh_engine, "0003")
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO searches (actor_key, text, result_count, at, shown_until) "
                "VALUES ('slack:T1:U1', 'knife', 2, '2025-03-01 10:00:00+00:00', 5)"
            )
        )

    downgrade(fresh_engine, "0002")

    columns = {c["name"] for c in inspect(fresh_engine).get_columns("searches")}
    assert columns == {"id", "actor_key", "text", "result_count", "at"}
    with fresh_engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM searches")).scalars().all() == ["knife"]


def test_searches_recorded_before_0005_get_the_workspace_of_their_actor_key(fresh_engine):
    """Upgrading from 0003 keeps every search and fills platform and workspace from actor_key."""
    upgrade(fresh_engine, "0003")
    keys = ["slack:T1:U1", "discord:123456789:42", "console:local:me", "odd"]
    with fresh_engine.begin() as connection:
        for key in keys:
            connection.execute(
                text(
                    "INSERT INTO searches (actor_key, text, result_count, at) "
                    "VALUES (:key, 'knife', 0, '2025-03-01 10:00:00+00:00')"
                ),
                {"key": key},
            )

    upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT actor_key, platform, workspace_id FROM searches ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("slack:T1:U1", "slack", "T1"),
        ("discord:123456789:42", "discord", "123456789"),
        ("console:local:me", "console", "local"),
        ("odd", "odd", ""),
    ]


def test_downgrade_to_0003_drops_the_search_workspace(fresh_engine):
    """Going back to 0003 removes platform and workspace_id and keeps the searches."""
    upgrade(fresh_engine)
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO searches (actor_key, platform, workspace_id, text, result_count, at) "
                "VALUES ('slack:T1:U1', 'slack', 'T1', 'knife', 0, '2025-03-01 10:00:00+00:00')"
            )
        )

    downgrade(fresh_engine, "0003")

    columns = {c["name"] for c in inspect(fresh_engine).get_columns("searches")}
    assert columns == {"id", "actor_key", "text", "result_count", "at", "shown_until"}
    with fresh_engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM searches")).scalars().all() == ["knife"]


def test_pending_notifications_stay_pending_through_0007(fresh_engine):
    """Upgrading from 0003 keeps a queued notification, unleased, its old claims gone."""
    upgrade(fresh_engine, "0003")
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox (platform, workspace_id, audience, recipient, key, replace, "
                "payload, created_at, attempts, given_up) VALUES ('slack', 'T1', 'channel', "
                "'C1', 'submission:1', false, '{}', '2025-03-01 10:00:00+00:00', 2, false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO platform_claims (platform, key, claimed_at) VALUES "
                "('slack', 'outbox:1:2', '2025-03-01 10:00:00+00:00'), "
                "('slack', 'event:Ev1', '2025-03-01 10:00:00+00:00')"
            )
        )

    upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT attempts, priority, leased_until, lease_owner, delivered_at FROM outbox")
        ).all()
        claims = connection.execute(text("SELECT key FROM platform_claims")).scalars().all()
    assert [tuple(row) for row in rows] == [(2, 0, None, None, None)]
    assert claims == ["event:Ev1"]


def test_downgrade_to_0003_drops_the_lease_columns(fresh_engine):
    """Going back to 0003 removes the lease and priority columns and keeps the rows."""
    upgrade(fresh_engine)
    downgrade(fresh_engine, "0003")

    columns = {c["name"] for c in inspect(fresh_engine).get_columns("outbox")}
    assert not columns & {"priority", "leased_until", "lease_owner"}


def test_downgrade_to_base_then_upgrade_rebuilds_the_schema(fresh_engine):
    """Downgrade removes the schema and the next upgrade rebuilds it."""
    upgrade(fresh_engine)
    downgrade(fresh_engine, "base")
    assert set(inspect(fresh_engine).get_table_names()) == {"alembic_version"}
    assert current_revision(fresh_engine) is None

    upgrade(fresh_engine)

    assert set(inspect(fresh_engine).get_table_names()) == ALL_TABLES


# SQLite can't reflect the upper(ref) expression index, so autogenerate warns and skips it there.
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrated_schema_matches_the_table_definitions(engine):
    """Autogenerate finds nothing to change: the hand-written migration equals store.tables."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_bank_state_starts_at_zero(engine):
    """The migration seeds the practice change counter."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, practices_version FROM bank_state")).all()

    assert [tuple(row) for row in rows] == [(1, 0)]


def _insert_draft(connection, key: str, updated: str, state: str = "draft") -> None:
    connection.execute(
        text(
            "INSERT INTO submissions (contributor_key, contributor_name, platform, workspace_id, "
            "state, answers, created_at, updated_at, revision) VALUES (:key, 'Alice', 'slack', "
            "'T1', :state, '{}', :updated, :updated, 0)"
        ),
        {"key": key, "updated": updated, "state": state},
    )


def test_upgrade_to_0008_withdraws_duplicate_drafts_keeping_the_newest(fresh_engine):
    """Older drafts of one person become withdrawn (kept), the newest stays a draft."""
    upgrade(fresh_engine, "0003")
    with fresh_engine.begin() as connection:
        _insert_draft(connection, "slack:T1:U1", "2025-03-01 10:00:00+00:00")
        _insert_draft(connection, "slack:T1:U1", "2025-03-03 10:00:00+00:00")
        _insert_draft(connection, "slack:T1:U1", "2025-03-02 10:00:00+00:00")
        _insert_draft(connection, "slack:T1:U1", "2025-03-04 10:00:00+00:00", "submitted")
        _insert_draft(connection, "slack:T1:U2", "2025-03-01 10:00:00+00:00")

    upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        rows = connection.execute(text("SELECT id, state FROM submissions ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [
        (1, "withdrawn"),
        (2, "draft"),
        (3, "withdrawn"),
        (4, "submitted"),
        (5, "draft"),
    ]


def test_upgrade_to_0008_keeps_the_draft_the_dialogue_is_editing(fresh_engine):
    """Of duplicate drafts, the one the person's sharing conversation points at is kept."""
    upgrade(fresh_engine, "0003")
    with fresh_engine.begin() as connection:
        _insert_draft(connection, "slack:T1:U1", "2025-03-01 10:00:00+00:00")
        _insert_draft(connection, "slack:T1:U1", "2025-03-03 10:00:00+00:00")
        connection.execute(
            text(
                "INSERT INTO conversations (actor_key, kind, step, data, updated_at) VALUES "
                "('slack:T1:U1', 'share', 'summary', '{\"submission_id\": 1}', "
                "'2025-03-01 10:00:00+00:00')"
            )
        )

    upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        rows = connection.execute(text("SELECT id, state FROM submissions ORDER BY id")).all()
        revision = connection.execute(text("SELECT revision FROM conversations")).scalar_one()
    assert [tuple(row) for row in rows] == [(1, "draft"), (2, "withdrawn")]
    assert revision == 0


def test_terms_taught_before_0011_start_the_audit_trail(fresh_engine):
    """Upgrading from 0010 records each stored term once as taught, by its author, at its time."""
    upgrade(fresh_engine, "0010")
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO glossary_terms (term, expansion, added_by, added_at) "
                "VALUES ('ocg', 'organised crime group', 'slack:T1:U1', "
                "'2025-03-01 10:00:00+00:00')"
            )
        )

    upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT term, change, expansion, changed_by FROM glossary_changes")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ocg", "taught", "organised crime group", "slack:T1:U1")
    ]
