"""Search log repository: each search is stored with an id and read back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.ports import SearchGap, SearchRecord

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
