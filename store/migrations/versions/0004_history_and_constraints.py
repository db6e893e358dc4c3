"""Practice history, explicit retirement requests, one snapshot per version, a ref counter, and the
foreign keys and CHECKs the schema lacked.

Existing data is carried over, never dropped:
- refs in `practice_versions` and `reminders` take the case of their practice's stored ref, so
  the new foreign keys to `practices.ref` hold;
- a reminder left `answered` with no later one booked for a practice still in the bank was a
  contributor's Retire waiting for moderators: it becomes `retirement_requested`;
- the version history gets one snapshot per (ref, version): a snapshot that repeated its
  predecessor's content (a review or a retirement rewrote the row) becomes a `kept` / `retired`
  / `changed` entry of the new `practice_events` instead, and a snapshot with new content under
  a number already used is renumbered after it (the practice's version follows);
- each remaining snapshot is recorded in `practice_events` as `added` (version 1) or `changed`,
  by `unknown`, with a note saying it predates the history: who made it was never stored;
- `bank_state.last_ref_number` starts at the highest PB number stored, so no ref is reused.

Revision ID: 0004
Revises: 0003
Create Date: 2025-11-26
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# Frozen copies of the enumerations as this revision knows them (migrations never import code
# that may change later).
EFFECTIVENESS = ("worked", "promising", "untested", "didnt_work")
VISIBILITY = ("public", "restricted")
SUBMISSION_STATES = (
    "draft",
    "submitted",
    "changes_requested",
    "published",
    "rejected",
    "withdrawn",
)
DECISIONS = ("approve", "request_changes", "reject", "retire", "keep")
REMINDER_STATES = (
    "pending",
    "sent",
    "nudged",
    "escalated",
    "answered",
    "retirement_requested",
    "cancelled",
)
EVENT_KINDS = ("added", "changed", "published", "updated", "kept", "retired")
BOOKKEEPING = {"ref", "version", "added_at", "updated_at", "reviewed_at", "archived_at"}
BEFORE_HISTORY = "recorded before the practice history was kept"
_REF = re.compile(r"^PB\d{3,}$")

_practices = sa.table(
    "practices",
    sa.column("id", sa.Integer),
    sa.column("ref", sa.String),
    sa.column("version", sa.Integer),
    sa.column("archived_at", sa.DateTime(timezone=True)),
)
_versions = sa.table(
    "practice_versions",
    sa.column("id", sa.Integer),
    sa.column("ref", sa.String),
    sa.column("version", sa.Integer),
    sa.column("snapshot", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_events = sa.table(
    "practice_events",
    sa.column("ref", sa.String),
    sa.column("version", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("actor_key", sa.String),
    sa.column("actor_name", sa.Text),
    sa.column("note", sa.Text),
    sa.column("at", sa.DateTime(timezone=True)),
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    """Carry the data over (see the module docstring), then add the tables and constraints."""
    op.create_table(
        "practice_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor_key", sa.String(255), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_practice_events"),
        sa.ForeignKeyConstraint(
            ["ref"], ["practices.ref"], name="fk_practice_events_ref_practices"
        ),
        sa.CheckConstraint(_one_of("kind", EVENT_KINDS), name="ck_practice_events_kind"),
    )
    op.create_index("ix_practice_events_ref", "practice_events", ["ref"])

    _match_ref_case()
    _mark_retirement_requests()
    _one_snapshot_per_version()

    with op.batch_alter_table("bank_state") as batch:
        batch.add_column(
            sa.Column("last_ref_number", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        sa.text("UPDATE bank_state SET last_ref_number = :n").bindparams(n=_highest_ref_number())
    )

    with _quietly_rebuilt("practices") as batch:
        batch.create_check_constraint(
            "ck_practices_effectiveness", _one_of("effectiveness", EFFECTIVENESS)
        )
        batch.create_check_constraint(
            "ck_practices_visibility", _one_of("visibility", VISIBILITY)
        )
        batch.create_check_constraint("ck_practices_version", "version >= 1")
    _restore_upper_ref_index()
    with op.batch_alter_table("practice_versions") as batch:
        batch.drop_index("ix_practice_versions_ref_version")
        batch.create_unique_constraint(
            "uq_practice_versions_ref_version", ["ref", "version"]
        )
        batch.create_foreign_key(
            "fk_practice_versions_ref_practices", "practices", ["ref"], ["ref"]
        )
    with op.batch_alter_table("submissions") as batch:
        batch.create_check_constraint(
            "ck_submissions_state", _one_of("state", SUBMISSION_STATES)
        )
        batch.create_check_constraint("ck_submissions_revision", "revision >= 0")
    with op.batch_alter_table("reviews") as batch:
        batch.create_check_constraint("ck_reviews_decision", _one_of("decision", DECISIONS))
    with op.batch_alter_table("reminders") as batch:
        batch.create_foreign_key(
            "fk_reminders_practice_ref_practices", "practices", ["practice_ref"], ["ref"]
        )
        batch.create_check_constraint("ck_reminders_state", _one_of("state", REMINDER_STATES))
    with op.batch_alter_table("outbox") as batch:
        batch.create_check_constraint("ck_outbox_attempts", "attempts >= 0")


@contextmanager
def _quietly_rebuilt(table: str) -> Iterator[BatchOperations]:
    """Batch-alter `table`, without SQLite's warning that it cannot reflect upper(ref).

    `_restore_upper_ref_index` puts that index back straight after.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        with op.batch_alter_table(table) as batch:
            yield batch


def _restore_upper_ref_index() -> None:
    """SQLite's batch mode rebuilds `practices` without the upper(ref) index it cannot reflect."""
    op.execute(
        sa.text("CREATE UNIQUE INDEX IF NOT EXISTS uq_practices_ref_upper ON practices (upper(ref))")
    )


def _match_ref_case() -> None:
    """Give versions and reminders their practice's stored ref, so the foreign keys hold."""
    for table, column in (("practice_versions", "ref"), ("reminders", "practice_ref")):
        op.execute(
            sa.text(
                f"UPDATE {table} SET {column} = (SELECT p.ref FROM practices p "
                f"WHERE upper(p.ref) = upper({table}.{column})) "
                f"WHERE EXISTS (SELECT 1 FROM practices p WHERE upper(p.ref) = "
                f"upper({table}.{column}))"
            )
        )
        orphans = (
            op.get_bind()
            .execute(
                sa.text(
                    f"SELECT DISTINCT {column} FROM {table} WHERE {column} NOT IN "
                    "(SELECT ref FROM practices)"
                )
            )
            .scalars()
            .all()
        )
        if orphans:
            raise RuntimeError(
                f"{table} names practices the bank does not hold ({', '.join(orphans[:10])}): "
                "import those practices (archived if need be), then upgrade again"
            )


def _mark_retirement_requests() -> None:
    """An answered reminder with none booked after it, for a practice in the bank, was a Retire."""
    op.execute(
        sa.text(
            "UPDATE reminders SET state = 'retirement_requested' WHERE state = 'answered' "
            "AND NOT EXISTS (SELECT 1 FROM reminders later WHERE later.practice_ref = "
            "reminders.practice_ref AND later.id > reminders.id) "
            "AND EXISTS (SELECT 1 FROM practices p WHERE p.ref = reminders.practice_ref "
            "AND p.archived_at IS NULL)"
        )
    )


def _content(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in snapshot.items() if name not in BOOKKEEPING}


def _one_snapshot_per_version() -> None:
    """Fold repeated snapshots into history entries and renumber clashing ones (see above)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_versions).order_by(_versions.c.ref, _versions.c.id)
    ).mappings()
    events: list[tuple[datetime, int, dict[str, Any]]] = []
    folded: list[int] = []
    renumbered: list[dict[str, int]] = []
    final_version: dict[str, int] = {}
    previous: dict[str, dict[str, Any]] = {}
    for row in rows:
        ref, snapshot = row["ref"], dict(row["snapshot"])
        before = previous.get(ref)
        event = {"ref": ref, "actor_key": "unknown", "actor_name": "", "note": BEFORE_HISTORY}
        if before is not None and _content(before) == _content(snapshot):
            folded.append(row["id"])
            if snapshot.get("archived_at") and not before.get("archived_at"):
                kind = "retired"
            elif snapshot.get("reviewed_at") != before.get("reviewed_at"):
                kind = "kept"
            else:
                kind = "changed"
            event |= {"version": final_version[ref], "kind": kind}
        else:
            version = max(1, int(row["version"]))
            if before is not None and version <= final_version[ref]:
                version = final_version[ref] + 1
            if version != row["version"]:
                renumbered.append({"row_id": row["id"], "new_version": version})
            final_version[ref] = version
            event |= {"version": version, "kind": "added" if before is None else "changed"}
        previous[ref] = snapshot
        events.append((row["created_at"], row["id"], event))
    if folded:
        bind.execute(sa.delete(_versions).where(_versions.c.id.in_(folded)))
    if renumbered:
        bind.execute(
            sa.update(_versions)
            .where(_versions.c.id == sa.bindparam("row_id"))
            .values(version=sa.bindparam("new_version")),
            renumbered,
        )
    for ref, version in final_version.items():
        bind.execute(
            sa.update(_practices)
            .where(_practices.c.ref == ref, _practices.c.version != version)
            .values(version=version)
        )
    events.sort(key=lambda item: (item[0], item[1]))
    if events:
        bind.execute(sa.insert(_events), [event | {"at": at} for at, _, event in events])


def _highest_ref_number() -> int:
    """The highest PB number among stored practices and their versions (0 when none)."""
    bind = op.get_bind()
    highest = 0
    for table in (_practices, _versions):
        for ref in bind.execute(sa.select(table.c.ref).distinct()).scalars():
            if _REF.match(ref.upper()):
                highest = max(highest, int(ref[2:]))
    return highest


def downgrade() -> None:
    """Drop what `upgrade` added; retirement requests read as answered again.

    Folded snapshots are not restored (the history entries that replaced them go).
    """
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("ck_outbox_attempts", type_="check")
    op.execute(
        sa.text("UPDATE reminders SET state = 'answered' WHERE state = 'retirement_requested'")
    )
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("ck_reminders_state", type_="check")
        batch.drop_constraint("fk_reminders_practice_ref_practices", type_="foreignkey")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_constraint("ck_reviews_decision", type_="check")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("ck_submissions_revision", type_="check")
        batch.drop_constraint("ck_submissions_state", type_="check")
    with op.batch_alter_table("practice_versions") as batch:
        batch.drop_constraint("fk_practice_versions_ref_practices", type_="foreignkey")
        batch.drop_constraint("uq_practice_versions_ref_version", type_="unique")
        batch.create_index("ix_practice_versions_ref_version", ["ref", "version"])
    with _quietly_rebuilt("practices") as batch:
        batch.drop_constraint("ck_practices_version", type_="check")
        batch.drop_constraint("ck_practices_visibility", type_="check")
        batch.drop_constraint("ck_practices_effectiveness", type_="check")
    _restore_upper_ref_index()
    with op.batch_alter_table("bank_state") as batch:
        batch.drop_column("last_ref_number")
    op.drop_index("ix_practice_events_ref", table_name="practice_events")
    op.drop_table("practice_events")
