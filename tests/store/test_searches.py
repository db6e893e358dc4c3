"""Search log repository: each search is stored with an id and read back exactly, by its owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.kernel.events import Actor, Workspace
from bot.kernel.ports import SearchGap, SearchRecord

AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
T1 = Workspace("slack", "T1")


def who(user_id: str, workspace: Workspace = T1) -> Actor:
    """A person searching in `workspace` (Slack team T1 unless told)."""
    return Actor(platform=workspace.platform, workspace_id=workspace.id, user_id=user_id)


U1 = who("U1")
ALICE = who("ALICE")
BOB = who("BOB")


def test_recorded_search_reads_back(uow_factory):
    """A recorded search gets an id and reads back equal."""
    with uow_factory() as uow:
        record = uow.searches.record(U1, "knife crime", 12, AT)
        uow.commit()

    with uow_factory() as uow:
        assert uow.searches.get(U1, record.id) == SearchRecord(
            record.id, "slack:T1:U1", T1, "knife crime", 12, AT
        )


def test_each_search_gets_its_own_id(uow_factory):
    """Two searches get different ids."""
    with uow_factory() as uow:
        first = uow.searches.record(U1, "one", 1, AT)
        second = uow.searches.record(U1, "two", 0, AT)
        uow.commit()

    assert first.id != second.id


def test_unknown_search_is_none(uow_factory):
    """An id never recorded gives None."""
    with uow_factory() as uow:
        assert uow.searches.get(U1, 987654) is None


@pytest.mark.parametrize(
    "query",
    [
        "",
        "x" * 100_000,
        "'; DELETE FROM searches; --",
        "<!channel> @everyone <script>",
        "جرائم السكاكين",
        "🔪🚔",
        "tab\tbell\x07esc\x1b",
    ],
)
def test_hostile_search_text_round_trips(uow_factory, query):
    """Whatever people type is stored and read back exactly."""
    with uow_factory() as uow:
        record = uow.searches.record(U1, query, 0, AT)
        uow.commit()

    with uow_factory() as uow:
        assert uow.searches.get(U1, record.id).text == query


def test_nul_in_search_text_becomes_replacement_character(uow_factory):
    """NUL is stored as U+FFFD, and the returned record says so."""
    with uow_factory() as uow:
        record = uow.searches.record(U1, "a\x00b", 0, AT)
        uow.commit()

    with uow_factory() as uow:
        assert record.text == "a\ufffdb"
        assert uow.searches.get(U1, record.id).text == "a\ufffdb"


def test_search_time_is_kept_in_utc(uow_factory):
    """A time given in another zone reads back as the same instant in UTC."""
    local = datetime(2025, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    with uow_factory() as uow:
        record = uow.searches.record(U1, "q", 0, local)
        uow.commit()

    with uow_factory() as uow:
        at = uow.searches.get(U1, record.id).at

    assert at == AT
    assert at.tzinfo is UTC


def record_searches(uow_factory, *searches: tuple[str, int]) -> None:
    with uow_factory() as uow:
        for text, count in searches:
            uow.searches.record(U1, text, count, AT)
        uow.commit()


def test_gaps_group_empty_searches_ignoring_case_most_frequent_first(any_uow_factory):
    """Zero-result texts are grouped case-insensitively, shown as first spelled, counted."""
    record_searches(
        any_uow_factory,
        ("Zzqx widgets", 0),
        ("zzqx WIDGETS", 0),
        ("knife crime", 12),
        ("qqvv", 0),
        ("zzqx widgets", 0),
    )

    with any_uow_factory() as uow:
        gaps = uow.searches.zero_result_texts(T1)

    assert [(g.text, g.count) for g in gaps] == [("Zzqx widgets", 3), ("qqvv", 1)]


def test_gaps_with_equal_counts_are_ordered_by_text_and_limited(any_uow_factory):
    """Ties are ordered by text, and at most `limit` gaps come back."""
    record_searches(any_uow_factory, ("b", 0), ("c", 0), ("a", 0), ("😀", 0), ("", 0))

    with any_uow_factory() as uow:
        assert [g.text for g in uow.searches.zero_result_texts(T1, 3)] == ["", "a", "b"]
        assert [g.text for g in uow.searches.zero_result_texts(T1, 10)] == ["", "a", "b", "c", "😀"]
        assert uow.searches.zero_result_texts(T1, 0) == []


def test_no_empty_searches_means_no_gaps(any_uow_factory):
    """When every search found something there are no gaps."""
    record_searches(any_uow_factory, ("knife", 3))

    with any_uow_factory() as uow:
        assert uow.searches.zero_result_texts(T1) == []


# --- where a person stopped reading (a typed `more` continues from there) ----------------------


def test_new_search_has_shown_nothing(any_uow_factory):
    """A freshly recorded search starts with shown_until 0, also when read back."""
    with any_uow_factory() as uow:
        record = uow.searches.record(U1, "knife", 12, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert record.shown_until == 0
        assert uow.searches.get(U1, record.id).shown_until == 0


def test_mark_shown_is_kept(any_uow_factory):
    """The offset marked is what get and latest_for read back after commit."""
    with any_uow_factory() as uow:
        record = uow.searches.record(U1, "knife", 12, AT)
        uow.searches.mark_shown(U1, record.id, 5)
        uow.commit()

    with any_uow_factory() as uow:
        expected = SearchRecord(record.id, "slack:T1:U1", T1, "knife", 12, AT, shown_until=5)
        assert uow.searches.get(U1, record.id) == expected
        assert uow.searches.latest_for(U1) == expected


def test_mark_shown_replaces_rather_than_raises(any_uow_factory):
    """A lower offset (an older page's button pressed again) replaces a higher one."""
    with any_uow_factory() as uow:
        record = uow.searches.record(U1, "knife", 12, AT)
        uow.searches.mark_shown(U1, record.id, 10)
        uow.searches.mark_shown(U1, record.id, 5)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(U1, record.id).shown_until == 5


def test_mark_shown_without_commit_is_rolled_back(any_uow_factory):
    """Leaving the unit of work without committing keeps the old offset."""
    with any_uow_factory() as uow:
        record = uow.searches.record(U1, "knife", 12, AT)
        uow.commit()
    with any_uow_factory() as uow:
        uow.searches.mark_shown(U1, record.id, 5)

    with any_uow_factory() as uow:
        assert uow.searches.get(U1, record.id).shown_until == 0


def test_mark_shown_for_an_unknown_search_changes_nothing(any_uow_factory):
    """Marking an id never recorded neither fails nor creates a search."""
    with any_uow_factory() as uow:
        uow.searches.mark_shown(U1, 987654, 5)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(U1, 987654) is None
        assert uow.searches.latest_for(U1) is None


def test_mark_shown_touches_only_that_search(any_uow_factory):
    """Other searches, the owner's included, keep their own offsets."""
    with any_uow_factory() as uow:
        first = uow.searches.record(U1, "one", 12, AT)
        second = uow.searches.record(U1, "two", 12, AT)
        uow.searches.mark_shown(U1, second.id, 10)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(U1, first.id).shown_until == 0
        assert uow.searches.get(U1, second.id).shown_until == 10


def test_latest_for_is_the_persons_newest_search(any_uow_factory):
    """The highest id among the person's searches wins; other people's newer ones are ignored."""
    with any_uow_factory() as uow:
        uow.searches.record(ALICE, "first", 1, AT)
        newest = uow.searches.record(ALICE, "second", 2, AT - timedelta(days=1))
        uow.searches.record(BOB, "bob's", 3, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.latest_for(ALICE) == newest
        assert uow.searches.latest_for(BOB).text == "bob's"


def test_latest_for_someone_who_never_searched_is_none(any_uow_factory):
    """No search recorded for the key gives None, however close another key is."""
    with any_uow_factory() as uow:
        uow.searches.record(ALICE, "knife", 2, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.latest_for(who("alice")) is None
        assert uow.searches.latest_for(who("ALIC")) is None
        assert uow.searches.latest_for(who("ALICE", Workspace("slack", "T2"))) is None
        assert uow.searches.latest_for(who("ALICE", Workspace("discord", "T1"))) is None


@pytest.mark.parametrize(
    "owner",
    [
        who(""),
        who("x" * 100_000),
        who("'; DELETE FROM searches; --"),
        who("%"),
        who("_LICE"),
        who("\u202eمرحبا", Workspace("discord", "🚔")),
        who("<!channel>"),
        who("ALICE", Workspace("slack", "%")),
    ],
)
def test_latest_for_hostile_keys_matches_nothing_and_deletes_nothing(any_uow_factory, owner):
    """Odd, oversized or injected keys (wildcards too) match no one and harm nothing."""
    with any_uow_factory() as uow:
        record = uow.searches.record(ALICE, "knife", 2, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.latest_for(owner) is None
        assert uow.searches.get(owner, record.id) is None
        assert uow.searches.latest_for(ALICE) == record


# --- one person's searches, one workspace's gaps ------------------------------------------------


def test_another_persons_search_id_reads_as_unknown(any_uow_factory):
    """Bob asking for Alice's search id gets None, as for an id never recorded."""
    with any_uow_factory() as uow:
        record = uow.searches.record(ALICE, "knife", 2, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(BOB, record.id) is None
        assert uow.searches.get(ALICE, record.id) == record


def test_the_same_user_id_in_another_workspace_owns_nothing_here(any_uow_factory):
    """ALICE of team T2 (or of a Discord guild T1) cannot read or move T1's ALICE's search."""
    with any_uow_factory() as uow:
        record = uow.searches.record(ALICE, "knife", 2, AT)
        uow.commit()
    elsewhere = [who("ALICE", Workspace("slack", "T2")), who("ALICE", Workspace("discord", "T1"))]

    with any_uow_factory() as uow:
        for other in elsewhere:
            assert uow.searches.get(other, record.id) is None
            uow.searches.mark_shown(other, record.id, 5)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(ALICE, record.id).shown_until == 0


def test_mark_shown_by_someone_else_changes_nothing(any_uow_factory):
    """Bob marking Alice's search leaves where Alice stopped reading."""
    with any_uow_factory() as uow:
        record = uow.searches.record(ALICE, "knife", 12, AT)
        uow.searches.mark_shown(ALICE, record.id, 5)
        uow.searches.mark_shown(BOB, record.id, 10)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(ALICE, record.id).shown_until == 5


def test_gaps_are_the_workspaces_own(any_uow_factory):
    """Zero-result searches run in team T2 never show in T1's gaps, and the other way round."""
    t2 = Workspace("slack", "T2")
    with any_uow_factory() as uow:
        uow.searches.record(ALICE, "zzqx widgets", 0, AT)
        uow.searches.record(who("CAROL", t2), "secret operation nightjar", 0, AT)
        uow.searches.record(who("CAROL", t2), "zzqx widgets", 0, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert _counted(uow.searches.zero_result_texts(T1)) == [("zzqx widgets", 1)]
        assert _counted(uow.searches.zero_result_texts(t2)) == [
            ("secret operation nightjar", 1),
            ("zzqx widgets", 1),
        ]
        assert uow.searches.zero_result_texts(Workspace("discord", "T1")) == []


def _counted(gaps: list[SearchGap]) -> list[tuple[str, int]]:
    return [(gap.text, gap.count) for gap in gaps]


def test_a_gap_says_whether_its_latest_run_found_closest_practices(any_uow_factory):
    """A search with only partial matches is a partial-only gap naming its latest run and time."""
    later = AT + timedelta(hours=1)
    with any_uow_factory() as uow:
        uow.searches.record(U1, "county lines", 0, AT, partial_count=4)
        last = uow.searches.record(U1, "County Lines", 0, later, partial_count=2)
        uow.searches.record(U1, "zzqx", 0, AT)
        uow.commit()

    with any_uow_factory() as uow:
        gaps = uow.searches.zero_result_texts(T1)

    assert gaps == [
        SearchGap("county lines", 2, partial_only=True, search_id=last.id, last_at=later),
        SearchGap("zzqx", 1, partial_only=False, search_id=gaps[1].search_id, last_at=AT),
    ]


def test_partial_count_reads_back(any_uow_factory):
    """A recorded search keeps how many partial matches it had."""
    with any_uow_factory() as uow:
        record = uow.searches.record(U1, "suicide bridges", 0, AT, partial_count=3)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(U1, record.id).partial_count == 3


def test_a_search_in_the_workspace_is_found_by_id_for_anyone_there_only(any_uow_factory):
    """`in_workspace` finds anyone's search run in the workspace, never another workspace's."""
    with any_uow_factory() as uow:
        record = uow.searches.record(ALICE, "ocg", 0, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.in_workspace(T1, record.id) == record
        assert uow.searches.in_workspace(Workspace("slack", "T2"), record.id) is None
        assert uow.searches.in_workspace(T1, record.id + 1) is None
        assert uow.searches.in_workspace(T1, -1) is None


def test_recorded_search_carries_its_workspace(any_uow_factory):
    """The record names the workspace it was run in, also when read back."""
    with any_uow_factory() as uow:
        record = uow.searches.record(who("U9", Workspace("discord", "G1")), "knife", 2, AT)
        uow.commit()

    assert record.workspace == Workspace("discord", "G1")
    assert record.workspace.key == "discord:G1"
