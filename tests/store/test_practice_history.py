"""Versions only for new content, an append-only history of changes, refs from a counter, and
pruned searches: on the SQL store and the in-memory fakes alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.events import Actor
from bot.kernel.records import PracticeChange, PracticeEventKind
from tests.conftest import STORE_NOW

PB001 = Practice("PB001", "Bike marking", "Marking bikes.", Effectiveness.WORKED)


def write(uow_factory, *practices: Practice, change: PracticeChange | None = None) -> None:
    with uow_factory() as uow:
        uow.practices.upsert_many(list(practices), change=change)
        uow.commit()


def test_reimporting_identical_content_makes_no_version_and_no_history(any_uow_factory):
    """Importing the same practice twice leaves version 1 and one `added` entry."""
    write(any_uow_factory, PB001)
    write(any_uow_factory, PB001)
    with any_uow_factory() as uow:
        assert uow.practices.get("PB001").version == 1
        assert [(e.kind, e.version) for e in uow.practices.changes("PB001")] == [
            (PracticeEventKind.ADDED, 1)
        ]


def test_changed_content_gets_the_next_version_whatever_the_caller_says(any_uow_factory):
    """An import with new content becomes version 2, recorded as changed by import."""
    write(any_uow_factory, PB001)
    write(any_uow_factory, replace(PB001, summary="New words.", version=7))
    with any_uow_factory() as uow:
        assert uow.practices.get("pb001").version == 2
        assert [p.summary for p in uow.practices.history("PB001")] == ["Marking bikes."]
        assert [(e.kind, e.actor_key) for e in uow.practices.changes("pb001")] == [
            (PracticeEventKind.ADDED, "import"),
            (PracticeEventKind.CHANGED, "import"),
        ]


def test_no_changes_at_follow_up_is_history_but_not_a_version(any_uow_factory):
    """A review date alone is recorded as `kept` with who and the note, at the same version."""
    write(any_uow_factory, PB001)
    kept = PracticeChange(PracticeEventKind.KEPT, "slack:T1:U1", "Alice", "No changes.")
    write(any_uow_factory, replace(PB001, reviewed_at=STORE_NOW), change=kept)
    with any_uow_factory() as uow:
        practice = uow.practices.get("PB001")
        [_, event] = uow.practices.changes("PB001")
    assert (practice.version, practice.reviewed_at) == (1, STORE_NOW)
    assert (event.kind, event.version, event.actor_key, event.actor_name, event.note) == (
        PracticeEventKind.KEPT,
        1,
        "slack:T1:U1",
        "Alice",
        "No changes.",
    )


def test_history_of_an_unknown_ref_is_empty(any_uow_factory):
    """A ref the bank does not hold has no history."""
    with any_uow_factory() as uow:
        assert uow.practices.changes("PB404") == []


def test_refs_come_from_a_counter_that_never_repeats(any_uow_factory):
    """Each ref taken is new, and an imported PB ref moves the counter past it."""
    with any_uow_factory() as uow:
        first = uow.practices.next_ref()
        uow.commit()
    write(any_uow_factory, replace(PB001, ref="PB010"))
    with any_uow_factory() as uow:
        second = uow.practices.next_ref()
        third = uow.practices.next_ref()
    assert (first, second, third) == ("PB001", "PB011", "PB012")


SEARCHER = Actor(platform="slack", workspace_id="T1", user_id="U1")


def test_pruning_forgets_only_searches_older_than_the_cut_off(any_uow_factory):
    """Searches before the cut-off go; later ones stay and still page."""
    with any_uow_factory() as uow:
        old = uow.searches.record(SEARCHER, "knife", 0, STORE_NOW - timedelta(days=91))
        new = uow.searches.record(SEARCHER, "bikes", 2, STORE_NOW)
        uow.commit()
    with any_uow_factory() as uow:
        pruned = uow.searches.prune(STORE_NOW - timedelta(days=90))
        uow.commit()
    with any_uow_factory() as uow:
        assert (
            pruned,
            uow.searches.get(SEARCHER, old.id),
            uow.searches.get(SEARCHER, new.id).text,
        ) == (
            1,
            None,
            "bikes",
        )
