"""Practice repository: faithful round trips, upsert on ref, ordering, history and bank_version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from bot.kernel.ports import GlossaryEntry, ImportOutcome
from store.repositories import CHUNK_SIZE

HOSTILE = "'; DROP TABLE practices; -- <script>alert(1)</script> <!channel> @everyone"
RTL = "برنامج منع الجريمة في الأحياء ‏שלום‎"
EMOJI = "🚔👮‍♀️🔪➡️🏫 👩🏽‍⚕️"
CONTROL = "tab\there\nnewline\rcarriage\x07bell\x1b[31mansi\x7f"


def full_practice(ref: str = "PB001") -> Practice:
    """A practice with every field set, and hostile text wherever text goes."""
    return Practice(
        ref=ref,
        title=f"Knife crime diversion {EMOJI}",
        summary=f"{RTL} {HOSTILE}",
        effectiveness=Effectiveness.PROMISING,
        focus=(Focus.DIVERSION, Focus.PREVENTION, Focus.LOCATION),
        topics=("Knife crime", "Youth violence", HOSTILE, RTL, EMOJI, ""),
        organisation="Thames Valley Police 🦌",
        region="South East",
        partners=("Youth Offending Team", "NHS A&E", '"quoted" \\backslash\\'),
        target_group="Young people aged 10–17",
        stage="Evaluated",
        start_date=date(2019, 4, 1),
        end_date=date(2024, 3, 31),
        aim=CONTROL,
        intended_outcome="Fewer repeat admissions ≥ 20 %",
        description="Ω" + "x" * 100_000 + "末",
        evaluation="Randomised; p < 0.05 & n > 300",
        learning="Start small.\n\n* Engage schools early\n* `code` _md_ **bold**",
        resources="£12,000 per year",
        contact_name="Zoë O'Brien-Łukasiewicz",
        contact_email="zoe.obrien@example.police.uk",
        links=("https://example.org/a?b=c&d=e", "javascript:alert(1)"),
        linked_to=(LinkedTo.HMICFRS, LinkedTo.TILLEY_AWARD),
        visibility=Visibility.RESTRICTED,
        added_at=datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        updated_at=datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
        reviewed_at=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
        archived_at=datetime(2025, 1, 1, tzinfo=UTC),
        version=7,
    )


def minimal_practice(ref: str, title: str = "A practice") -> Practice:
    return Practice(ref=ref, title=title, summary="Summary", effectiveness=Effectiveness.WORKED)


def test_fully_populated_practice_round_trips(uow_factory):
    """Every field, including 100 kB, RTL, emoji, control and SQL-looking text, comes back equal."""
    original = full_practice()
    with uow_factory() as uow:
        uow.practices.upsert_many([original])
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.practices.get("PB001")

    assert loaded == original


def test_minimal_practice_round_trips_with_defaults(uow_factory):
    """Empty tuples and None fields stay empty and None."""
    original = minimal_practice("PB002")
    with uow_factory() as uow:
        uow.practices.upsert_many([original])
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.practices.get("PB002")

    assert loaded == original
    assert loaded.focus == ()
    assert loaded.added_at is None


def test_loaded_values_are_domain_types(uow_factory):
    """Enums come back as enums and multi-valued fields as tuples."""
    with uow_factory() as uow:
        uow.practices.upsert_many([full_practice()])
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.practices.get("PB001")

    assert type(loaded.effectiveness) is Effectiveness
    assert [type(item) for item in loaded.focus] == [Focus, Focus, Focus]
    assert [type(item) for item in loaded.linked_to] == [LinkedTo, LinkedTo]
    assert type(loaded.visibility) is Visibility
    assert type(loaded.topics) is tuple


def test_timestamps_come_back_as_aware_utc(uow_factory):
    """A timestamp given in another zone (or naive) is the same instant, in UTC, on reading."""
    plus_two = timezone(timedelta(hours=2))
    practice = replace(
        minimal_practice("PB003"),
        added_at=datetime(2024, 5, 1, 14, 0, tzinfo=plus_two),
        updated_at=datetime(2024, 5, 1, 12, 30),
    )
    with uow_factory() as uow:
        uow.practices.upsert_many([practice])
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.practices.get("PB003")

    assert loaded.added_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert loaded.added_at.tzinfo is UTC
    assert loaded.updated_at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert loaded.updated_at.tzinfo is UTC


def test_nul_characters_are_stored_as_replacement_characters(uow_factory):
    """NUL (refused by PostgreSQL) becomes U+FFFD on every backend alike."""
    practice = replace(minimal_practice("PB004"), title="a\x00b", topics=("\x00",))
    with uow_factory() as uow:
        uow.practices.upsert_many([practice])
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.practices.get("PB004")

    assert loaded.title == "a\ufffdb"
    assert loaded.topics == ("\ufffd",)


def test_get_ignores_case_and_surrounding_spaces(uow_factory):
    """pb001 and ' PB001 ' both find PB001."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001")])
        uow.commit()

    with uow_factory() as uow:
        assert uow.practices.get("pb001").ref == "PB001"
        assert uow.practices.get(" Pb001 ").ref == "PB001"


@pytest.mark.parametrize(
    "ref",
    ["", "PB999", "PB001'; DROP TABLE practices; --", "PB\x00001", "ПБ001", "🙂", "P" * 100_000],
)
def test_get_unknown_or_hostile_ref_is_none(uow_factory, ref):
    """A ref that matches nothing, however odd, gives None rather than an error."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001")])
        uow.commit()

    with uow_factory() as uow:
        assert uow.practices.get(ref) is None


def test_upsert_replaces_a_practice_with_the_same_ref(uow_factory):
    """Upserting an existing ref updates it instead of adding a second row."""
    with uow_factory() as uow:
        first = uow.practices.upsert_many([minimal_practice("PB001", "Old title")])
        uow.commit()
    with uow_factory() as uow:
        second = uow.practices.upsert_many([minimal_practice("PB001", "New title")])
        uow.commit()

    with uow_factory() as uow:
        assert (first, second) == (ImportOutcome(added=1, updated=0), ImportOutcome(0, 1))
        assert uow.practices.count() == 1
        assert uow.practices.get("PB001").title == "New title"


def test_upsert_matches_refs_ignoring_case(uow_factory):
    """A differently-cased ref updates the existing practice, which keeps its first spelling."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001", "Old")])
        uow.commit()
    with uow_factory() as uow:
        outcome = uow.practices.upsert_many([minimal_practice("pb001", "New")])
        uow.commit()

    with uow_factory() as uow:
        assert outcome == ImportOutcome(added=0, updated=1)
        assert [(p.ref, p.title) for p in uow.practices.list_all()] == [("PB001", "New")]


def test_duplicate_refs_in_one_batch_keep_the_last(uow_factory):
    """When one import names a ref twice, the later practice wins and it counts once."""
    with uow_factory() as uow:
        outcome = uow.practices.upsert_many(
            [minimal_practice("PB001", "First"), minimal_practice("PB001", "Second")]
        )
        uow.commit()

    with uow_factory() as uow:
        assert outcome == ImportOutcome(added=1, updated=0)
        assert uow.practices.get("PB001").title == "Second"


def test_mixed_batch_counts_added_and_updated(uow_factory):
    """An import reports how many refs were new and how many matched."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001"), minimal_practice("PB002")])
        uow.commit()
    with uow_factory() as uow:
        outcome = uow.practices.upsert_many(
            [minimal_practice("PB002", "Changed"), minimal_practice("PB003")]
        )
        uow.commit()

    assert outcome == ImportOutcome(added=1, updated=1)


def test_upsert_across_several_chunks(uow_factory):
    """A batch larger than one chunk is stored completely, then updated completely."""
    total = CHUNK_SIZE * 2 + 7
    practices = [minimal_practice(f"PB{n:04d}", f"Title {n}") for n in range(1, total + 1)]
    with uow_factory() as uow:
        added = uow.practices.upsert_many(practices)
        uow.commit()
    with uow_factory() as uow:
        updated = uow.practices.upsert_many([replace(p, title=p.title + "!") for p in practices])
        uow.commit()

    with uow_factory() as uow:
        stored = uow.practices.list_all()

    assert added == ImportOutcome(added=total, updated=0)
    assert updated == ImportOutcome(added=0, updated=total)
    assert len(stored) == total
    assert stored[-1] == replace(minimal_practice(f"PB{total:04d}", f"Title {total}!"), version=2)


def test_list_all_orders_by_ref_number(uow_factory):
    """PB999 comes before PB1000, and archived practices are included."""
    archived = replace(minimal_practice("PB002"), archived_at=datetime(2025, 1, 1, tzinfo=UTC))
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB1000"), archived, minimal_practice("PB999")])
        uow.commit()

    with uow_factory() as uow:
        refs = [p.ref for p in uow.practices.list_all()]

    assert refs == ["PB002", "PB999", "PB1000"]


def test_empty_bank(uow_factory):
    """A new bank has no practices and version 0."""
    with uow_factory() as uow:
        assert uow.practices.list_all() == []
        assert uow.practices.count() == 0
        assert uow.practices.bank_version() == "0"
        assert uow.practices.upsert_many([]) == ImportOutcome(added=0, updated=0)
        assert uow.practices.bank_version() == "0"


def test_bank_version_changes_when_a_practice_is_added(uow_factory):
    """Adding a practice moves the bank version."""
    with uow_factory() as uow:
        before = uow.practices.bank_version()
        uow.practices.upsert_many([minimal_practice("PB001")])
        uow.commit()

    with uow_factory() as uow:
        assert uow.practices.bank_version() != before


def test_bank_version_changes_when_a_practice_is_updated(uow_factory):
    """Changing a stored practice moves the bank version."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001", "Old")])
        uow.commit()
        before = uow.practices.bank_version()
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001", "New")])
        uow.commit()

    with uow_factory() as uow:
        assert uow.practices.bank_version() != before


def test_identical_reimport_leaves_bank_version_alone(uow_factory):
    """Re-importing unchanged practices counts them as updated but changes nothing."""
    practice = full_practice()
    with uow_factory() as uow:
        uow.practices.upsert_many([practice])
        uow.commit()
        before = uow.practices.bank_version()
    with uow_factory() as uow:
        outcome = uow.practices.upsert_many([practice])
        uow.commit()

    with uow_factory() as uow:
        assert outcome == ImportOutcome(added=0, updated=1, unchanged=1)
        assert uow.practices.bank_version() == before
        assert uow.practices.history("PB001") == []


def test_history_keeps_every_earlier_version(uow_factory, store_clock):
    """Each change appends a snapshot; history gives the earlier versions, oldest first."""
    v1 = full_practice()
    v2 = replace(v1, title="Renamed", version=8)
    v3 = replace(v1, title="Renamed again", version=9)
    with uow_factory() as uow:
        uow.practices.upsert_many([v1])
        uow.commit()
    for version in (v2, v3):
        with uow_factory() as uow:
            uow.practices.upsert_many([version])
            uow.commit()

    with uow_factory() as uow:
        assert uow.practices.history("pb001") == [v1, v2]
        assert uow.practices.get("PB001") == v3
        assert uow.practices.history("PB404") == []


def test_a_practice_written_once_has_no_history(uow_factory):
    """A practice never changed has no earlier versions."""
    with uow_factory() as uow:
        uow.practices.upsert_many([full_practice()])
        uow.commit()

    with uow_factory() as uow:
        assert uow.practices.history("PB001") == []


def test_history_records_when_each_version_was_written(uow_factory, store_clock, engine):
    """The snapshot's created_at is the unit of work's clock."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001")])
        uow.commit()

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT ref, version FROM practice_versions")).all()
    assert [tuple(row) for row in rows] == [("PB001", 1)]


@pytest.mark.parametrize(
    "ref",
    ["", "PB 001", "PB001\n", "P" * 33, "ПБ001", "PB🙂", "PB\x00"],
)
def test_unstorable_ref_is_refused(uow_factory, ref):
    """A ref that isn't short printable ASCII is refused before touching the database."""
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.practices.upsert_many([minimal_practice(ref)])


def test_refs_differing_only_in_case_cannot_coexist(engine):
    """The schema itself refuses a second ref that differs only in case."""
    insert = text(
        "INSERT INTO practices (ref, title, summary, effectiveness, focus, topics, partners,"
        " links, linked_to, visibility, version)"
        " VALUES (:ref, 't', 's', 'worked', '[]', '[]', '[]', '[]', '[]', 'public', 1)"
    )
    with engine.begin() as connection:
        connection.execute(insert, {"ref": "PB001"})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert, {"ref": "pb001"})


# --- the change number running search indexes read ----------------------------------------------


def test_changed_since_none_reads_the_whole_bank_once(uow_factory):
    """Start-up reads every practice, archived ones included, with the latest change number."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001"), minimal_practice("PB002")])
        uow.commit()
    with uow_factory() as uow:
        changes = uow.practices.changed_since(None)
        assert sorted(p.ref for p in changes.practices) == ["PB001", "PB002"]
        assert changes.seq == int(uow.practices.bank_version())


def test_changed_since_returns_only_later_writes(uow_factory):
    """A worker that saw change N is given only the practices written after N."""
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB001"), minimal_practice("PB002")])
        uow.commit()
        seen = uow.practices.changed_since(None).seq
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice("PB002", "Renamed"), minimal_practice("PB003")])
        uow.commit()
    with uow_factory() as uow:
        changes = uow.practices.changed_since(seen)
        assert sorted((p.ref, p.title) for p in changes.practices) == [
            ("PB002", "Renamed"),
            ("PB003", "A practice"),
        ]
        assert changes.seq > seen
        assert uow.practices.changed_since(changes.seq).practices == ()


def test_identical_reimport_is_not_a_change(uow_factory):
    """Re-importing an unchanged practice gives running indexes nothing to apply."""
    with uow_factory() as uow:
        uow.practices.upsert_many([full_practice()])
        uow.commit()
        seen = uow.practices.changed_since(None).seq
    with uow_factory() as uow:
        uow.practices.upsert_many([full_practice()])
        uow.commit()
    with uow_factory() as uow:
        assert uow.practices.changed_since(seen) == uow.practices.changed_since(seen)
        assert uow.practices.changed_since(seen).practices == ()


def test_glossary_version_moves_when_a_term_is_added(uow_factory):
    """The change read carries a glossary token that moves when a moderator adds an entry."""
    with uow_factory() as uow:
        before = uow.practices.changed_since(None).glossary_version
        uow.glossary.add(GlossaryEntry("plugh", "catalytic converter", added_by="U-MOD"))
        uow.commit()
    with uow_factory() as uow:
        after = uow.practices.changed_since(0).glossary_version
    assert after != before


def test_live_practices_are_read_a_page_at_a_time(uow_factory, engine):
    """A full index build streams the bank: one statement per page, each read only when needed.

    So the whole bank (narrative fields and all) is never held at once; archived practices
    are not read at all.
    """
    refs = [f"PB{n:03d}" for n in range(1, 9)]
    with uow_factory() as uow:
        uow.practices.upsert_many([minimal_practice(ref) for ref in refs])
        uow.practices.upsert_many(
            [replace(minimal_practice("PB004"), archived_at=datetime(2025, 1, 1, tzinfo=UTC))]
        )
        uow.commit()
    reads: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "FROM practices" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with uow_factory() as uow:
            stream = uow.practices.live_practices(page_size=2)
            assert reads == []
            assert next(stream).ref == "PB001"
            assert len(reads) == 1
            assert next(stream).ref == "PB002"
            assert len(reads) == 1  # the first page is used up before the next is asked for
            assert next(stream).ref == "PB003"
            assert len(reads) == 2
            assert [p.ref for p in stream] == ["PB005", "PB006", "PB007", "PB008"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(reads) == 4  # pages of 2, 2, 2 and 1 of the 7 live practices
