"""SQL implementations of the core's storage protocols (`bot.kernel.ports`) over a session.

`SqlUnitOfWorkFactory(engine)` is what the composition root hands to the core: each call gives a
`SqlUnitOfWork`, one transaction that is committed explicitly and rolled back otherwise. The
repositories speak SQLAlchemy Core against the tables in `store.tables` and return only
`bot.kernel` values. Practices, glossary, workspaces and the search
log live here; the sharing workflow's repositories have a module each (`store.submissions`,
`store.reminders`, `store.calls`, `store.conversations`, `store.outbox`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import (
    CursorResult,
    Engine,
    RowMapping,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.kernel.domain import REF_PATTERN, TIMESTAMP_FIELDS, Practice, format_ref
from bot.kernel.events import Actor, Workspace
from bot.kernel.ports import (
    STREAM_PAGE,
    BankChanges,
    Clock,
    GlossaryChange,
    GlossaryChangeKind,
    GlossaryEntry,
    ImportOutcome,
    SearchGap,
    SearchRecord,
    SystemClock,
    WorkspaceSettings,
)
from bot.kernel.records import IMPORT_ACTOR, PracticeChange, PracticeEvent, PracticeEventKind
from store.calls import SqlCallRepository
from store.conversations import SqlConversationRepository
from store.conversion import (
    bounded_key,
    is_row_id,
    practice_from_snapshot,
    practice_from_values,
    practice_snapshot,
    practice_to_values,
    ref_key,
    storable_text,
    utc,
)
from store.engine import READ_ONLY, DatabaseUnavailable, describe_error
from store.outbox import SqlOutbox
from store.reminders import SqlReminderRepository
from store.submissions import SqlReviewRepository, SqlSubmissionRepository
from store.tables import (
    BankStateRow,
    GlossaryChangeRow,
    GlossaryTermRow,
    PracticeEventRow,
    PracticeRow,
    PracticeVersionRow,
    SearchRow,
    WorkspaceSettingsRow,
)

# How many practices one round trip reads or writes: well under SQLite's and PostgreSQL's
# bind-parameter limits, large enough that 100k practices take a couple of hundred statements.
CHUNK_SIZE = 500

_PRACTICES = cast(Table, PracticeRow.__table__)  # type: ignore[attr-defined]
_VERSIONS = cast(Table, PracticeVersionRow.__table__)  # type: ignore[attr-defined]
_BANK_STATE = cast(Table, BankStateRow.__table__)  # type: ignore[attr-defined]
_GLOSSARY = cast(Table, GlossaryTermRow.__table__)  # type: ignore[attr-defined]
_GLOSSARY_CHANGES = cast(Table, GlossaryChangeRow.__table__)  # type: ignore[attr-defined]
_WORKSPACES = cast(Table, WorkspaceSettingsRow.__table__)  # type: ignore[attr-defined]
_SEARCHES = cast(Table, SearchRow.__table__)  # type: ignore[attr-defined]
_EVENTS = cast(Table, PracticeEventRow.__table__)  # type: ignore[attr-defined]

# The columns a practice is written as; `change_seq` is bookkeeping the repository sets itself.
_PRACTICE_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in _PRACTICES.columns if c.name not in {"id", "change_seq"}
)
_UPDATE_PRACTICE = (
    update(_PRACTICES)
    .where(_PRACTICES.c.id == bindparam("row_id"))
    .values({name: bindparam(f"new_{name}") for name in (*_PRACTICE_COLUMNS, "change_seq")})
)
_BANK_STATE_ID = 1


def _changes_statement(since: bool) -> Any:
    """`changed_since`'s one statement, built once at import.

    Building it per search cost five times what running it does: SQLAlchemy derives a cache
    key from every new statement object, and this check runs before every query.
    """
    glossary = select(
        func.count().label("glossary_count"),
        func.max(_GLOSSARY.c.added_at).label("glossary_latest"),
        func.coalesce(
            func.sum(func.length(_GLOSSARY.c.term) + func.length(_GLOSSARY.c.expansion)), 0
        ).label("glossary_size"),
    ).subquery()
    wanted = _PRACTICES.c.change_seq > bindparam("seq") if since else true()
    return select(glossary, _PRACTICES).select_from(glossary.outerjoin(_PRACTICES, wanted))


_LIVE_PAGE = (
    select(_PRACTICES)
    .where(_PRACTICES.c.archived_at.is_(None), _PRACTICES.c.id > bindparam("after"))
    .order_by(_PRACTICES.c.id)
    .limit(bindparam("size"))
)
_CHANGES_ALL = _changes_statement(since=False)
_CHANGES_SINCE = _changes_statement(since=True)
# What a practice says, as opposed to its bookkeeping (ref, version and the four timestamps): a
# new version is written only when one of these changes.
_CONTENT_COLUMNS: tuple[str, ...] = tuple(
    name for name in _PRACTICE_COLUMNS if name not in {"ref", "version", *TIMESTAMP_FIELDS}
)


class SqlPracticeRepository:
    """The published practices, with their version history and a cheap change counter."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def get(self, ref: str) -> Practice | None:
        """Return the practice with this ref, whatever its case, or None."""
        key = ref_key(ref)
        if key is None:
            return None
        row = (
            self._session.execute(select(_PRACTICES).where(func.upper(_PRACTICES.c.ref) == key))
            .mappings()
            .first()
        )
        return None if row is None else practice_from_values(row)

    def list_all(self) -> list[Practice]:
        """Every practice, archived ones included, in ref order (PB999 before PB1000)."""
        rows = self._session.execute(
            select(_PRACTICES).order_by(func.length(_PRACTICES.c.ref), _PRACTICES.c.ref)
        ).mappings()
        return [practice_from_values(row) for row in rows]

    def upsert_many(
        self, practices: Sequence[Practice], *, change: PracticeChange | None = None
    ) -> ImportOutcome:
        """Add practices whose ref is new and replace those whose ref exists (any case).

        Works in chunks with one read and a few bulk statements each, so 100k practices import
        in one transaction without row-by-row round trips. A stored practice keeps its ref as
        first written (the version history, reminders and history point at it). Its version
        moves on, with a snapshot in `practice_versions`, only when its content changes; a
        change of bookkeeping alone (reviewed, archived) rewrites the row and no version. A
        practice identical to the stored one counts as updated (and unchanged) but is not
        rewritten, so it does not move `bank_version`. Each write is recorded in
        `practice_events` (see `PracticeChange`). When the same ref appears twice, the last one
        wins.

        Every row written carries the change number this call claimed (`change_seq`, see
        `changed_since`). The number is claimed by moving the bank's counter *before* the first
        row is written: on PostgreSQL that row lock is held to commit, so writers commit in
        the order of their numbers and a reader that saw number N has seen every write up to N.
        """
        latest: dict[str, dict[str, Any]] = {}
        for practice in practices:
            values = practice_to_values(practice)
            latest[values["ref"].upper()] = values
        added = updated = written = unchanged = 0
        highest_new_ref = 0
        seq: int | None = None
        for chunk in _chunks(list(latest.items()), CHUNK_SIZE):
            existing = self._rows_by_key([key for key, _ in chunk])
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            versions: list[dict[str, Any]] = []
            events: list[tuple[dict[str, Any], PracticeEventKind]] = []
            for key, values in chunk:
                row = existing.get(key)
                if row is None:
                    added += 1
                    values["version"] = max(1, values["version"])
                    inserts.append(values)
                    versions.append(values)
                    events.append((values, PracticeEventKind.ADDED))
                    if REF_PATTERN.match(key):
                        highest_new_ref = max(highest_new_ref, int(key[2:]))
                    continue
                updated += 1
                values["ref"] = row["ref"]
                new_content = any(row[name] != values[name] for name in _CONTENT_COLUMNS)
                values["version"] = row["version"] + 1 if new_content else row["version"]
                if any(row[name] != value for name, value in values.items()):
                    updates.append(
                        {"row_id": row["id"]} | {f"new_{k}": v for k, v in values.items()}
                    )
                else:
                    unchanged += 1
                if new_content:
                    versions.append(values)
                if new_content or change is not None:
                    events.append((values, PracticeEventKind.CHANGED))
            if (inserts or updates) and seq is None:
                seq = self._claim_change_seq()
            if inserts:
                self._session.execute(
                    insert(_PRACTICES), [values | {"change_seq": seq} for values in inserts]
                )
            if updates:
                self._session.execute(
                    _UPDATE_PRACTICE, [values | {"new_change_seq": seq} for values in updates]
                )
            if versions:
                self._record_versions(versions)
            if events:
                self._record_events(events, change)
            written += len(inserts) + len(updates)
        if highest_new_ref:
            self._raise_ref_counter(highest_new_ref)
        return ImportOutcome(added=added, updated=updated, unchanged=unchanged)

    def count(self) -> int:
        """How many practices the bank holds, archived ones included."""
        return int(self._session.execute(select(func.count()).select_from(_PRACTICES)).scalar_one())

    def bank_version(self) -> str:
        """Return the counter moved by every write that changed a practice (one indexed read)."""
        value = self._session.execute(
            select(_BANK_STATE.c.practices_version).where(_BANK_STATE.c.id == _BANK_STATE_ID)
        ).scalar_one_or_none()
        return str(value or 0)

    def changed_since(self, seq: int | None) -> BankChanges:
        """Practices written after change number `seq` (all for None) and the glossary's token.

        One statement, one round trip: the glossary's count, latest time and size, outer-joined
        with the practices whose `change_seq` is past `seq` (an indexed range, empty when
        nothing changed). It only reads, so on SQLite it never waits for or takes the write
        lock. The answer's `seq` is the highest number among the rows read: writers commit in
        number order (see `upsert_many`), so everything up to it has been seen.
        """
        if seq is None:
            rows = self._session.execute(_CHANGES_ALL).mappings()
        else:
            rows = self._session.execute(_CHANGES_SINCE, {"seq": seq}).mappings()
        latest = seq or 0
        practices: list[Practice] = []
        token = ""
        for row in rows:
            token = f"{row['glossary_count']}:{row['glossary_latest']}:{row['glossary_size']}"
            if row["id"] is None:
                continue
            practices.append(practice_from_values(row))
            latest = max(latest, int(row["change_seq"]))
        return BankChanges(seq=latest, practices=tuple(practices), glossary_version=token)

    def live_practices(self, page_size: int = STREAM_PAGE) -> Iterator[Practice]:
        """Every live practice, in keyset pages by row id: one round trip per `page_size`.

        Each page is one indexed range read (`id > last`) fetched whole, and its rows are
        turned into practices one at a time as the caller takes them, so no more than a page
        of rows and one practice are held here. The same on PostgreSQL and SQLite, and no
        cursor stays open between pages (nothing to hold a lock or a snapshot while the caller
        indexes). Archived practices are not read at all.
        """
        last = 0
        while True:
            page = (
                self._session.execute(_LIVE_PAGE, {"after": last, "size": max(page_size, 1)})
                .mappings()
                .all()
            )
            for row in page:
                yield practice_from_values(row)
            if len(page) < max(page_size, 1):
                return
            last = int(page[-1]["id"])
            del page

    def matching(self, words: Sequence[str], limit: int) -> list[Practice]:
        """Up to `limit` live practices whose title or summary holds one of the words.

        A plain scan (LIKE), answered only while a worker's index is being built at start-up.
        """
        wanted = [
            func.lower(column).contains(word.lower(), autoescape=True)
            for word in words[:20]
            for column in (_PRACTICES.c.title, _PRACTICES.c.summary)
        ]
        query = select(_PRACTICES).where(_PRACTICES.c.archived_at.is_(None))
        if wanted:
            query = query.where(or_(*wanted))
        rows = self._session.execute(
            query.order_by(func.length(_PRACTICES.c.ref), _PRACTICES.c.ref).limit(max(limit, 0))
        ).mappings()
        return [practice_from_values(row) for row in rows]

    def next_ref(self) -> str:
        """Take the next ref from the counter in `bank_state`: never one handed out before.

        The increment is an UPDATE of the one counter row, so two publications at once queue
        on its row lock (PostgreSQL) or the write lock (SQLite) and get different numbers; a
        publication that rolls back gives its number back with it, unused. Imports raise the
        counter past any PB ref they store, and the 0004 migration started it after the
        highest ref already stored.
        """
        result = self._session.execute(
            update(_BANK_STATE)
            .where(_BANK_STATE.c.id == _BANK_STATE_ID)
            .values(last_ref_number=_BANK_STATE.c.last_ref_number + 1)
        )
        if getattr(result, "rowcount", 0) == 0:
            self._session.execute(
                insert(_BANK_STATE).values(
                    id=_BANK_STATE_ID, practices_version=0, last_ref_number=1
                )
            )
        number = self._session.execute(
            select(_BANK_STATE.c.last_ref_number).where(_BANK_STATE.c.id == _BANK_STATE_ID)
        ).scalar_one()
        return format_ref(int(number))

    def changes(self, ref: str) -> list[PracticeEvent]:
        """The practice's history of changes, oldest first; [] for an unknown ref."""
        key = ref_key(ref)
        if key is None:
            return []
        rows = self._session.execute(
            select(_EVENTS)
            .join(_PRACTICES, _PRACTICES.c.ref == _EVENTS.c.ref)
            .where(func.upper(_PRACTICES.c.ref) == key)
            .order_by(_EVENTS.c.id)
        ).mappings()
        return [
            PracticeEvent(
                id=row["id"],
                ref=row["ref"],
                version=row["version"],
                kind=PracticeEventKind(row["kind"]),
                actor_key=row["actor_key"],
                actor_name=row["actor_name"],
                at=row["at"],
                note=row["note"],
            )
            for row in rows
        ]

    def history(self, ref: str) -> list[Practice]:
        """Earlier versions of the practice, oldest first (the current one is not included).

        Every write appends a snapshot, so the latest snapshot is the practice as it stands and
        the ones before it are its history.
        """
        key = ref_key(ref)
        if key is None:
            return []
        snapshots = list(
            self._session.execute(
                select(_VERSIONS.c.snapshot)
                .where(func.upper(_VERSIONS.c.ref) == key)
                .order_by(_VERSIONS.c.id)
            ).scalars()
        )
        return [practice_from_snapshot(snapshot) for snapshot in snapshots[:-1]]

    def _rows_by_key(self, keys: list[str]) -> dict[str, Any]:
        """Fetch stored rows whose upper-cased ref is among `keys`, by that key."""
        rows = self._session.execute(
            select(_PRACTICES).where(func.upper(_PRACTICES.c.ref).in_(keys))
        ).mappings()
        return {row["ref"].upper(): row for row in rows}

    def _record_versions(self, changed: list[dict[str, Any]]) -> None:
        """Append a snapshot of each written practice to the version history."""
        now = self._clock.now()
        self._session.execute(
            insert(_VERSIONS),
            [
                {
                    "ref": values["ref"],
                    "version": values["version"],
                    "snapshot": practice_snapshot(values),
                    "created_at": now,
                }
                for values in changed
            ],
        )

    def _record_events(
        self,
        events: list[tuple[dict[str, Any], PracticeEventKind]],
        change: PracticeChange | None,
    ) -> None:
        """Append one history entry per written practice: as `change` says, else as an import."""
        now = self._clock.now()
        self._session.execute(
            insert(_EVENTS),
            [
                {
                    "ref": values["ref"],
                    "version": values["version"],
                    "kind": (kind if change is None else change.kind).value,
                    "actor_key": (
                        IMPORT_ACTOR
                        if change is None
                        else bounded_key(change.actor_key, "actor key")
                    ),
                    "actor_name": "" if change is None else storable_text(change.actor_name),
                    "note": "" if change is None else storable_text(change.note),
                    "at": now,
                }
                for values, kind in events
            ],
        )

    def _raise_ref_counter(self, number: int) -> None:
        """Keep the ref counter at or above a PB number an import stored, so it is not reused."""
        self._session.execute(
            update(_BANK_STATE)
            .where(_BANK_STATE.c.id == _BANK_STATE_ID, _BANK_STATE.c.last_ref_number < number)
            .values(last_ref_number=number)
        )

    def _claim_change_seq(self) -> int:
        """Move the change counter and return its new value, the number of this write.

        On PostgreSQL the row lock taken here orders concurrent imports until commit.
        """
        result = self._session.execute(
            update(_BANK_STATE)
            .where(_BANK_STATE.c.id == _BANK_STATE_ID)
            .values(practices_version=_BANK_STATE.c.practices_version + 1)
        )
        if getattr(result, "rowcount", 0) == 0:
            self._session.execute(
                insert(_BANK_STATE).values(id=_BANK_STATE_ID, practices_version=1)
            )
        return int(
            self._session.execute(
                select(_BANK_STATE.c.practices_version).where(_BANK_STATE.c.id == _BANK_STATE_ID)
            ).scalar_one()
        )


class SqlGlossaryRepository:
    """Glossary entries moderators added at run time."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def list_all(self) -> list[GlossaryEntry]:
        """Every stored entry, by term."""
        rows = self._session.execute(select(_GLOSSARY).order_by(_GLOSSARY.c.term)).mappings()
        return [
            GlossaryEntry(
                term=row["term"],
                expansion=row["expansion"],
                added_by=row["added_by"],
                added_at=utc(row["added_at"]),
            )
            for row in rows
        ]

    def add(self, entry: GlossaryEntry) -> None:
        """Add the entry, or replace the one whose term matches ignoring case.

        The bank version moves with it: every worker's search index cache watches that token,
        so the new meaning is searched with everywhere from the next query on.
        """
        term = bounded_key(entry.term, "glossary term")
        expansion = storable_text(entry.expansion)
        author = bounded_key(entry.added_by, "glossary author")
        values = {"term": term, "expansion": expansion, "added_by": author}
        values_at = {**values, "added_at": self._clock.now()}
        existing = self._session.execute(
            select(_GLOSSARY.c.id).where(func.lower(_GLOSSARY.c.term) == term.lower())
        ).scalar_one_or_none()
        if existing is None:
            self._session.execute(insert(_GLOSSARY).values(values_at))
        else:
            self._session.execute(
                update(_GLOSSARY).where(_GLOSSARY.c.id == existing).values(values_at)
            )
        self._record_change(term, GlossaryChangeKind.TAUGHT, expansion, author)
        _bump_bank_version(self._session)

    def remove(self, term: str, removed_by: str) -> GlossaryEntry | None:
        """Remove the entry whose term matches ignoring case, recording it; None if none does."""
        wanted = storable_text(term).lower()
        row = (
            self._session.execute(select(_GLOSSARY).where(func.lower(_GLOSSARY.c.term) == wanted))
            .mappings()
            .first()
        )
        if row is None:
            return None
        self._session.execute(delete(_GLOSSARY).where(_GLOSSARY.c.id == row["id"]))
        by = bounded_key(removed_by, "glossary author")
        self._record_change(row["term"], GlossaryChangeKind.REMOVED, row["expansion"], by)
        _bump_bank_version(self._session)
        return GlossaryEntry(row["term"], row["expansion"], row["added_by"], utc(row["added_at"]))

    def changes(self, term: str | None = None, limit: int = 20) -> list[GlossaryChange]:
        """The audit trail, newest first, of one term (matched ignoring case) or of all."""
        query = select(_GLOSSARY_CHANGES).order_by(_GLOSSARY_CHANGES.c.id.desc())
        if term is not None:
            query = query.where(func.lower(_GLOSSARY_CHANGES.c.term) == storable_text(term).lower())
        rows = self._session.execute(query.limit(max(0, limit))).mappings()
        return [
            GlossaryChange(
                term=row["term"],
                kind=GlossaryChangeKind(row["change"]),
                expansion=row["expansion"],
                by=row["changed_by"],
                at=cast(datetime, utc(row["changed_at"])),
            )
            for row in rows
        ]

    def _record_change(self, term: str, kind: GlossaryChangeKind, expansion: str, by: str) -> None:
        """Append one line to the audit trail (never updated or deleted)."""
        self._session.execute(
            insert(_GLOSSARY_CHANGES).values(
                term=term,
                change=kind.value,
                expansion=expansion,
                changed_by=by,
                changed_at=self._clock.now(),
            )
        )


class SqlWorkspaceRepository:
    """Per-workspace settings."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(
        self, workspace: Workspace | str, workspace_id: str | None = None
    ) -> WorkspaceSettings | None:
        """Return the workspace's settings, or None when it was never configured."""
        wanted = Workspace.of(workspace, workspace_id)
        row = (
            self._session.execute(
                select(_WORKSPACES).where(
                    _WORKSPACES.c.platform == storable_text(wanted.platform),
                    _WORKSPACES.c.workspace_id == storable_text(wanted.id),
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return WorkspaceSettings(
            platform=row["platform"],
            workspace_id=row["workspace_id"],
            police_only=bool(row["police_only"]),
            moderation_channel=row["moderation_channel"],
            moderator_ids=tuple(row["moderator_ids"]),
            moderator_roles=tuple(row["moderator_roles"]),
            call_channel=row["call_channel"],
        )

    def save(self, settings: WorkspaceSettings) -> None:
        """Create or replace the workspace's settings."""
        platform = bounded_key(settings.platform, "platform", 32)
        workspace_id = bounded_key(settings.workspace_id, "workspace id")
        channel = settings.moderation_channel
        calls_in = settings.call_channel
        values = {
            "platform": platform,
            "workspace_id": workspace_id,
            "police_only": bool(settings.police_only),
            "moderation_channel": None if channel is None else bounded_key(channel, "channel"),
            "moderator_ids": [storable_text(item) for item in settings.moderator_ids],
            "moderator_roles": [storable_text(item) for item in settings.moderator_roles],
            "call_channel": None if calls_in is None else bounded_key(calls_in, "channel"),
        }
        # One statement, not a check then an insert: two workers seeding the same workspace at
        # their first start both succeed (the later one's values win) instead of one failing.
        upsert = (
            postgresql_insert
            if self._session.get_bind().dialect.name == "postgresql"
            else sqlite_insert
        )
        statement = upsert(_WORKSPACES).values(values)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[_WORKSPACES.c.platform, _WORKSPACES.c.workspace_id],
                set_={name: statement.excluded[name] for name in values},
            )
        )


class SqlSearchLogRepository:
    """Searches people ran, for "more results" and the gaps report.

    Every read is filtered in SQL by the owner (their actor key and workspace) or by the
    workspace, so one person's search id never opens another's record.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(
        self, owner: Actor, text: str, result_count: int, at: datetime, partial_count: int = 0
    ) -> SearchRecord:
        """Store a search and return it with its id (the text exactly as it will read back)."""
        values: dict[str, Any] = {
            "actor_key": bounded_key(owner.key, "actor key"),
            "platform": bounded_key(owner.platform, "platform", 32),
            "workspace_id": bounded_key(owner.workspace_id, "workspace id"),
            "text": storable_text(text),
            "result_count": int(result_count),
            "partial_count": max(0, int(partial_count)),
            "at": utc(at),
        }
        result = cast(CursorResult[Any], self._session.execute(insert(_SEARCHES).values(values)))
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database did not report the new search's id")
        return SearchRecord(
            id=int(primary_key[0]),
            actor_key=values["actor_key"],
            workspace=Workspace(values["platform"], values["workspace_id"]),
            text=values["text"],
            result_count=values["result_count"],
            at=values["at"],
            partial_count=values["partial_count"],
        )

    def zero_result_texts(self, workspace: Workspace, limit: int = 10) -> list[SearchGap]:
        """Texts of the workspace's searches that found nothing, most often first, at most `limit`.

        Grouping (by `str.lower`) and the tie order (by text, code point order) are done here
        rather than in SQL, because SQLite's `lower()` and PostgreSQL's collations differ; the
        rows read are only the zero-result searches, in id order, so the first spelling wins.
        """
        rows = self._session.execute(
            select(_SEARCHES.c.id, _SEARCHES.c.text, _SEARCHES.c.partial_count, _SEARCHES.c.at)
            .where(*_in_workspace(workspace), _SEARCHES.c.result_count == 0)
            .order_by(_SEARCHES.c.id)
        ).all()
        groups: dict[str, SearchGap] = {}
        for search_id, text, partial_count, at in rows:
            key = text.lower()
            seen = groups.get(key)
            groups[key] = SearchGap(
                text if seen is None else seen.text,
                1 if seen is None else seen.count + 1,
                partial_only=partial_count > 0,
                search_id=search_id,
                last_at=utc(at),
            )
        ranked = sorted(groups.values(), key=lambda gap: (-gap.count, gap.text))
        return ranked[: max(0, limit)]

    def get(self, owner: Actor, search_id: int) -> SearchRecord | None:
        """Return the owner's search with this id, or None (also for anyone else's)."""
        owned = _owned_by(owner)
        if owned is None or not is_row_id(search_id):
            return None
        row = (
            self._session.execute(select(_SEARCHES).where(_SEARCHES.c.id == search_id, *owned))
            .mappings()
            .first()
        )
        return None if row is None else _search_record(row)

    def in_workspace(self, workspace: Workspace, search_id: int) -> SearchRecord | None:
        """Return any search with this id run in `workspace`, or None (also for another's)."""
        if not is_row_id(search_id):
            return None
        row = (
            self._session.execute(
                select(_SEARCHES).where(_SEARCHES.c.id == search_id, *_in_workspace(workspace))
            )
            .mappings()
            .first()
        )
        return None if row is None else _search_record(row)

    def latest_for(self, owner: Actor) -> SearchRecord | None:
        """Return the person's most recently recorded search, or None when they ran none."""
        owned = _owned_by(owner)
        if owned is None:
            return None
        row = (
            self._session.execute(
                select(_SEARCHES).where(*owned).order_by(_SEARCHES.c.id.desc()).limit(1)
            )
            .mappings()
            .first()
        )
        return None if row is None else _search_record(row)

    def mark_shown(self, owner: Actor, search_id: int, until: int) -> None:
        """Record how far the owner has read; an unknown id or another's search changes nothing."""
        owned = _owned_by(owner)
        if owned is None or not is_row_id(search_id):
            return
        self._session.execute(
            update(_SEARCHES)
            .where(_SEARCHES.c.id == search_id, *owned)
            .values(shown_until=max(0, int(until)))
        )

    def prune(self, before: datetime) -> int:
        """Delete searches run before `before` (paging them then reads as gone); how many went."""
        result = cast(
            CursorResult[Any],
            self._session.execute(delete(_SEARCHES).where(_SEARCHES.c.at < utc(before))),
        )
        return int(result.rowcount)


def _bump_bank_version(session: Session) -> None:
    """Move `bank_state.practices_version`, the token every worker's search index cache watches."""
    result = session.execute(
        update(_BANK_STATE)
        .where(_BANK_STATE.c.id == _BANK_STATE_ID)
        .values(practices_version=_BANK_STATE.c.practices_version + 1)
    )
    if getattr(result, "rowcount", 0) == 0:
        session.execute(insert(_BANK_STATE).values(id=_BANK_STATE_ID, practices_version=1))


def _in_workspace(workspace: Workspace) -> tuple[Any, ...]:
    """SQL conditions: the search was run in `workspace`."""
    return (
        _SEARCHES.c.platform == storable_text(workspace.platform),
        _SEARCHES.c.workspace_id == storable_text(workspace.id),
    )


def _owned_by(owner: Actor) -> tuple[Any, ...] | None:
    """SQL conditions: the search was run by `owner`; None when no row can be theirs."""
    try:
        key = bounded_key(owner.key, "actor key")
    except ValueError:
        return None  # no such key can have been recorded
    return (_SEARCHES.c.actor_key == key, *_in_workspace(owner.workspace))


def _search_record(row: RowMapping) -> SearchRecord:
    """Turn a `searches` row into the core's record."""
    return SearchRecord(
        id=row["id"],
        actor_key=row["actor_key"],
        workspace=Workspace(row["platform"], row["workspace_id"]),
        text=row["text"],
        result_count=row["result_count"],
        at=row["at"],
        shown_until=row["shown_until"],
        partial_count=row["partial_count"],
    )


class SqlUnitOfWork:
    """One transaction over the repositories: `commit()` keeps the changes, leaving discards them.

    Every repository shares the one session, so a state change and the notifications it causes
    commit together. The repositories are set on entering the block. Connection failures inside
    the block surface as `DatabaseUnavailable`.
    """

    practices: SqlPracticeRepository
    glossary: SqlGlossaryRepository
    workspaces: SqlWorkspaceRepository
    searches: SqlSearchLogRepository
    submissions: SqlSubmissionRepository
    reviews: SqlReviewRepository
    reminders: SqlReminderRepository
    calls: SqlCallRepository
    conversations: SqlConversationRepository
    outbox: SqlOutbox
    session: Session

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self.clock: Clock = clock or SystemClock()

    def __enter__(self) -> Self:
        """Open a session; the transaction begins with the first statement."""
        self.session = Session(self._engine, expire_on_commit=False)
        self.practices = SqlPracticeRepository(self.session, self.clock)
        self.glossary = SqlGlossaryRepository(self.session, self.clock)
        self.workspaces = SqlWorkspaceRepository(self.session)
        self.searches = SqlSearchLogRepository(self.session)
        self.submissions = SqlSubmissionRepository(self.session, self.clock)
        self.reviews = SqlReviewRepository(self.session)
        self.reminders = SqlReminderRepository(self.session)
        self.calls = SqlCallRepository(self.session)
        self.conversations = SqlConversationRepository(self.session, self.clock)
        self.outbox = SqlOutbox(self.session, self.clock)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and give the connection back."""
        try:
            self.session.rollback()
        except SQLAlchemyError as error:
            if exc is None:
                raise _unavailable(error) from error
        finally:
            self.session.close()
        if isinstance(exc, OperationalError) and _is_unavailable(exc):
            raise _unavailable(exc) from exc

    def commit(self) -> None:
        """Make the changes so far permanent; the unit of work stays usable afterwards."""
        self.session.commit()


class SqlUnitOfWorkFactory:
    """Makes a fresh `SqlUnitOfWork` per use case, all on one engine."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()

    def __call__(self) -> SqlUnitOfWork:
        """Start a new unit of work."""
        return SqlUnitOfWork(self.engine, self.clock)

    def reader(self) -> SqlUnitOfWork:
        """Start a unit of work that only reads: on SQLite it never takes the write lock.

        A write in it would fail on SQLite when another writer holds the lock, so only read.
        """
        return SqlUnitOfWork(self.engine.execution_options(**{READ_ONLY: True}), self.clock)


def _is_unavailable(error: OperationalError) -> bool:
    """Tell lost/refused connections and locks from retryable serialization conflicts."""
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return not sqlstate.startswith("40")


def _unavailable(error: SQLAlchemyError) -> DatabaseUnavailable:
    """Word a database failure for a person."""
    return DatabaseUnavailable(f"The database stopped answering: {describe_error(error)}")


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
