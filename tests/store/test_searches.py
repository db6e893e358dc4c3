"""Search log repository: each search is stored with an id and read back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.kernel.ports import SearchGap, SearchRecord

AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def test_recorded_search_reads_back(uow_factory):
    """A recorded search gets an id and reads back equal."""
    with uow_factory() as uow:
        record = uow.searches.record("slack:T1:U1", "knife crime", 12, AT)
        uow.commit()

    with uow_factory() as uow:
        assert uow.searches.get(record.id) == SearchRecord(
            record.id, "slack:T1:U1", "knife crime", 12, AT
        )


def test_each_search_gets_its_own_id(uow_factory):
    """Two searches get different ids."""
    with uow_factory() as uow:
        first = uow.searches.record("a", "one", 1, AT)
        second = uow.searches.record("a", "two", 0, AT)
        uow.commit()

    assert first.id != second.id


def test_unknown_search_is_none(uow_factory):
    """An id never recorded gives None."""
    with uow_factory() as uow:
        assert uow.searches.get(987654) is None


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
        record = uow.searches.record("slack:T1:U1", query, 0, AT)
        uow.commit()

    with uow_factory() as uow:
        assert uow.searches.get(record.id).text == query


def test_nul_in_search_text_becomes_replacement_character(uow_factory):
    """NUL is stored as U+FFFD, and the returned record says so."""
    with uow_factory() as uow:
        record = uow.searches.record("k", "a\x00b", 0, AT)
        uow.commit()

    with uow_factory() as uow:
        assert record.text == "a\ufffdb"
        assert uow.searches.get(record.id).text == "a\ufffdb"


def test_search_time_is_kept_in_utc(uow_factory):
    """A time given in another zone reads back as the same instant in UTC."""
    local = datetime(2025, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    with uow_factory() as uow:
        record = uow.searches.record("k", "q", 0, local)
        uow.commit()

    with uow_factory() as uow:
        at = uow.searches.get(record.id).at

    assert at == AT
    assert at.tzinfo is UTC


def record_searches(uow_factory, *searches: tuple[str, int]) -> None:
    with uow_factory() as uow:
        for text, count in searches:
            uow.searches.record("slack:T1:U1", text, count, AT)
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
        gaps = uow.searches.zero_result_texts()

    assert gaps == [SearchGap("Zzqx widgets", 3), SearchGap("qqvv", 1)]


def test_gaps_with_equal_counts_are_ordered_by_text_and_limited(any_uow_factory):
    """Ties are ordered by text, and at most `limit` gaps come back."""
    record_searches(any_uow_factory, ("b", 0), ("c", 0), ("a", 0), ("😀", 0), ("", 0))

    with any_uow_factory() as uow:
        assert [g.text for g in uow.searches.zero_result_texts(3)] == ["", "a", "b"]
        assert [g.text for g in uow.searches.zero_result_texts(10)] == ["", "a", "b", "c", "😀"]
        assert uow.searches.zero_result_texts(0) == []


def test_no_empty_searches_means_no_gaps(any_uow_factory):
    """When every search found something there are no gaps."""
    record_searches(any_uow_factory, ("knife", 3))

    with any_uow_factory() as uow:
        assert uow.searches.zero_result_texts() == []


# --- where a person stopped reading (a typed `more` continues from there) ----------------------


def test_new_search_has_shown_nothing(any_uow_factory):
    """A freshly recorded search starts with shown_until 0, also when read back."""
    with any_uow_factory() as uow:
        record = uow.searches.record("slack:T1:U1", "knife", 12, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert record.shown_until == 0
        assert uow.searches.get(record.id).shown_until == 0


def test_mark_shown_is_kept(any_uow_factory):
    """The offset marked is what get and latest_for read back after commit."""
    with any_uow_factory() as uow:
        record = uow.searches.record("slack:T1:U1", "knife", 12, AT)
        uow.searches.mark_shown(record.id, 5)
        uow.commit()

    with any_uow_factory() as uow:
        expected = SearchRecord(record.id, "slack:T1:U1", "knife", 12, AT, shown_until=5)
        assert uow.searches.get(record.id) == expected
        assert uow.searches.latest_for("slack:T1:U1") == expected


def test_mark_shown_replaces_rather_than_raises(any_uow_factory):
    """A lower offset (an older page's button pressed again) replaces a higher one."""
    with any_uow_factory() as uow:
        record = uow.searches.record("k", "knife", 12, AT)
        uow.searches.mark_shown(record.id, 10)
        uow.searches.mark_shown(record.id, 5)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(record.id).shown_until == 5


def test_mark_shown_without_commit_is_rolled_back(any_uow_factory):
    """Leaving the unit of work without committing keeps the old offset."""
    with any_uow_factory() as uow:
        record = uow.searches.record("k", "knife", 12, AT)
        uow.commit()
    with any_uow_factory() as uow:
        uow.searches.mark_shown(record.id, 5)

    with any_uow_factory() as uow:
        assert uow.searches.get(record.id).shown_until == 0


def test_mark_shown_for_an_unknown_search_changes_nothing(any_uow_factory):
    """Marking an id never recorded neither fails nor creates a search."""
    with any_uow_factory() as uow:
        uow.searches.mark_shown(987654, 5)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(987654) is None
        assert uow.searches.latest_for("k") is None


def test_mark_shown_touches_only_that_search(any_uow_factory):
    """Other searches, the owner's included, keep their own offsets."""
    with any_uow_factory() as uow:
        first = uow.searches.record("k", "one", 12, AT)
        second = uow.searches.record("k", "two", 12, AT)
        uow.searches.mark_shown(second.id, 10)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.get(first.id).shown_until == 0
        assert uow.searches.get(second.id).shown_until == 10


def test_latest_for_is_the_persons_newest_search(any_uow_factory):
    """The highest id among the person's searches wins; other people's newer ones are ignored."""
    with any_uow_factory() as uow:
        uow.searches.record("slack:T1:ALICE", "first", 1, AT)
        newest = uow.searches.record("slack:T1:ALICE", "second", 2, AT - timedelta(days=1))
        uow.searches.record("slack:T1:BOB", "bob's", 3, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.latest_for("slack:T1:ALICE") == newest
        assert uow.searches.latest_for("slack:T1:BOB").text == "bob's"


def test_latest_for_someone_who_never_searched_is_none(any_uow_factory):
    """No search recorded for the key gives None, however close another key is."""
    with any_uow_factory() as uow:
        uow.searches.record("slack:T1:ALICE", "knife", 2, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.latest_for("slack:T1:alice") is None
        assert uow.searches.latest_for("slack:T1:ALIC") is None
        assert uow.searches.latest_for("slack:T2:ALICE") is None


@pytest.mark.parametrize(
    "key",
    [
        "",
        "x" * 100_000,
        "slack:T1:'; DELETE FROM searches; --",
        "slack:T1:%",
        "slack:T1:_LICE",
        "discord:🚔:\u202eمرحبا",
        "slack:T1:<!channel>",
    ],
)
def test_latest_for_hostile_keys_matches_nothing_and_deletes_nothing(any_uow_factory, key):
    """Odd, oversized or injected keys (wildcards too) match no one and harm nothing."""
    with any_uow_factory() as uow:
        record = uow.searches.record("slack:T1:ALICE", "knife", 2, AT)
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.searches.latest_for(key) is None
        assert uow.searches.latest_for("slack:T1:ALICE") == record
