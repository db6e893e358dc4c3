"""Practice refs for publication: the next free number, never reused, unique under concurrency."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

from bot.kernel.domain import Effectiveness, Practice


def practice(ref: str) -> Practice:
    return Practice(
        ref=ref, title="A practice", summary="Summary", effectiveness=Effectiveness.WORKED
    )


def store(uow_factory, *practices: Practice) -> None:
    with uow_factory() as uow:
        uow.practices.upsert_many(list(practices))
        uow.commit()


def test_empty_bank_starts_at_pb001(any_uow_factory):
    """The first published practice is PB001."""
    with any_uow_factory() as uow:
        assert uow.practices.next_ref() == "PB001"


def test_next_ref_follows_the_highest_number(any_uow_factory):
    """The next ref is one above the highest PB number, whatever gaps or case there are."""
    store(any_uow_factory, practice("PB001"), practice("pb063"), practice("PB010"))

    with any_uow_factory() as uow:
        assert uow.practices.next_ref() == "PB064"


def test_next_ref_grows_past_three_digits(any_uow_factory):
    """After PB999 comes PB1000, and after PB1000 comes PB1001."""
    store(any_uow_factory, practice("PB999"))
    with any_uow_factory() as uow:
        assert uow.practices.next_ref() == "PB1000"
    store(any_uow_factory, practice("PB1000"))
    with any_uow_factory() as uow:
        assert uow.practices.next_ref() == "PB1001"


def test_refs_outside_the_pb_numbering_are_ignored(any_uow_factory):
    """Imported refs that are not PB plus digits do not move the numbering."""
    store(any_uow_factory, practice("PB002"), practice("X999"), practice("PBX"), practice("PB12A"))

    with any_uow_factory() as uow:
        assert uow.practices.next_ref() == "PB003"


def test_archived_practices_keep_their_number(any_uow_factory):
    """An archived practice still holds its ref, so its number is not handed out again."""
    archived = replace(practice("PB005"), archived_at=datetime(2025, 1, 1, tzinfo=UTC))
    store(any_uow_factory, practice("PB004"), archived)

    with any_uow_factory() as uow:
        assert uow.practices.next_ref() == "PB006"


def test_concurrent_publications_get_different_refs(uow_factory):
    """Two units of work taking the next ref at once end up with two different practices."""
    barrier = threading.Barrier(2, timeout=30)
    refs: list[str] = []
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            with uow_factory() as uow:
                barrier.wait()
                ref = uow.practices.next_ref()
                uow.practices.upsert_many([practice(ref)])
                uow.commit()
                refs.append(ref)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(refs) == ["PB001", "PB002"]
    with uow_factory() as uow:
        assert [p.ref for p in uow.practices.list_all()] == ["PB001", "PB002"]
