"""Submissions and reviews: faithful round trips, open and state queries, compare-and-set save."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.kernel.events import Workspace
from bot.kernel.ports import DraftExists
from bot.kernel.records import CallForPractice, Decision, Review, Submission, SubmissionState
from tests.conftest import STORE_NOW
from tests.support.hostile import HOSTILE_TEXT

LATER = STORE_NOW + timedelta(hours=1)
T1 = Workspace("slack", "T1")


def draft(contributor: str = "slack:T1:U1", **changes: object) -> Submission:
    submission = Submission(
        id=0,
        contributor_key=contributor,
        contributor_name="Alice",
        platform="slack",
        workspace_id="T1",
        state=SubmissionState.DRAFT,
        answers={"title": "Street lighting", "focus": ["prevention"], "start_date": "2024-01-31"},
        created_at=STORE_NOW,
        updated_at=STORE_NOW,
    )
    return replace(submission, **changes)  # type: ignore[arg-type]


def add(uow_factory, submission: Submission) -> Submission:
    with uow_factory() as uow:
        stored = uow.submissions.add(submission)
        uow.commit()
    return stored


def test_added_submission_reads_back_with_its_id(any_uow_factory):
    """A new submission gets id 1 and its public ref S-0001, and reads back equal."""
    stored = add(any_uow_factory, draft())

    assert stored == replace(draft(), id=1)
    assert stored.ref == "S-0001"
    with any_uow_factory() as uow:
        assert uow.submissions.get(T1, 1) == stored


@pytest.mark.parametrize("value", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_hostile_answers_and_names_round_trip(any_uow_factory, value):
    """Hostile text in the name and in answers (values and keys) is kept exactly."""
    submission = draft(
        contributor_name=value,
        answers={"title": value, "partners": [value, value], value: {"nested": [value]}},
    )

    stored = add(any_uow_factory, submission)

    with any_uow_factory() as uow:
        assert uow.submissions.get(T1, stored.id) == replace(submission, id=stored.id)


def test_every_field_round_trips(any_uow_factory):
    """Target, call, published ref, timestamps and revision all come back as written."""
    with any_uow_factory() as uow:
        call = uow.calls.add(
            CallForPractice(
                0, "slack", "T1", "Knife crime", "Diversion", STORE_NOW.date(), "U9", STORE_NOW
            )
        )
        uow.commit()
    submission = draft(
        state=SubmissionState.PUBLISHED,
        target_ref="PB007",
        call_id=call.id,
        published_ref="PB064",
        submitted_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        revision=4,
    )

    stored = add(any_uow_factory, submission)

    assert stored == replace(submission, id=1)


def test_missing_timestamps_come_from_the_clock(any_uow_factory):
    """created_at and updated_at left empty are the unit of work's clock."""
    stored = add(any_uow_factory, draft(created_at=None, updated_at=None))

    assert (stored.created_at, stored.updated_at) == (STORE_NOW, STORE_NOW)


def test_unknown_and_impossible_ids_read_as_none(any_uow_factory):
    """Ids that do not exist, including ones no integer column can hold, give None."""
    with any_uow_factory() as uow:
        assert uow.submissions.get(T1, 1) is None
        assert uow.submissions.get(T1, 0) is None
        assert uow.submissions.get(T1, -1) is None
        assert uow.submissions.get(T1, 10**30) is None


def test_open_for_lists_the_contributors_open_submissions(any_uow_factory):
    """Drafts, submitted and changes-requested count as open; ended ones and others' do not."""
    states = list(SubmissionState)
    for state in states:
        add(any_uow_factory, draft(state=state))
    add(any_uow_factory, draft("slack:T1:U2"))

    with any_uow_factory() as uow:
        found = uow.submissions.open_for("slack:T1:U1")

    assert [(s.id, s.state) for s in found] == [
        (1, SubmissionState.DRAFT),
        (2, SubmissionState.SUBMITTED),
        (3, SubmissionState.CHANGES_REQUESTED),
    ]


def test_list_by_state_gives_oldest_first(any_uow_factory):
    """Submissions in any of the given states come in id (creation) order."""
    for state in (
        SubmissionState.SUBMITTED,
        SubmissionState.DRAFT,
        SubmissionState.CHANGES_REQUESTED,
        SubmissionState.SUBMITTED,
    ):
        add(any_uow_factory, draft(state=state))

    with any_uow_factory() as uow:
        found = uow.submissions.list_by_state(
            T1, SubmissionState.SUBMITTED, SubmissionState.CHANGES_REQUESTED
        )
        nothing = uow.submissions.list_by_state(T1)

    assert [s.id for s in found] == [1, 3, 4]
    assert nothing == []


def test_save_with_the_current_revision_writes_and_bumps_it(any_uow_factory):
    """A save expecting the stored revision succeeds and returns revision + 1."""
    stored = add(any_uow_factory, draft())
    submitted = replace(
        stored, state=SubmissionState.SUBMITTED, submitted_at=LATER, updated_at=LATER
    )

    with any_uow_factory() as uow:
        saved = uow.submissions.save(submitted, expected_revision=0)
        uow.commit()

    assert saved == replace(submitted, revision=1)
    with any_uow_factory() as uow:
        assert uow.submissions.get(T1, stored.id) == saved


def test_save_with_a_stale_revision_loses_and_changes_nothing(any_uow_factory):
    """A save expecting an older revision returns None and leaves the row as it was."""
    stored = add(any_uow_factory, draft())
    with any_uow_factory() as uow:
        first = uow.submissions.save(
            replace(stored, state=SubmissionState.SUBMITTED), expected_revision=0
        )
        uow.commit()

    with any_uow_factory() as uow:
        second = uow.submissions.save(
            replace(stored, state=SubmissionState.WITHDRAWN), expected_revision=0
        )
        uow.commit()

    assert second is None
    with any_uow_factory() as uow:
        assert uow.submissions.get(T1, stored.id) == first


def test_save_of_an_unknown_submission_returns_none(any_uow_factory):
    """Saving a submission that was never added writes nothing."""
    with any_uow_factory() as uow:
        assert uow.submissions.save(draft(id=42), expected_revision=0) is None
        assert uow.submissions.save(draft(id=10**30), expected_revision=0) is None


def test_save_without_updated_at_stamps_the_clock_and_keeps_created_at(any_uow_factory):
    """A save that leaves timestamps empty keeps created_at and takes updated_at from the clock."""
    stored = add(any_uow_factory, draft(created_at=datetime(2025, 1, 1, tzinfo=UTC)))

    with any_uow_factory() as uow:
        saved = uow.submissions.save(
            replace(stored, created_at=None, updated_at=None), expected_revision=0
        )

    assert saved is not None
    assert (saved.created_at, saved.updated_at) == (datetime(2025, 1, 1, tzinfo=UTC), STORE_NOW)


def test_uncommitted_submission_vanishes(any_uow_factory):
    """Leaving the unit of work without commit discards the new submission."""
    with any_uow_factory() as uow:
        uow.submissions.add(draft())

    with any_uow_factory() as uow:
        assert uow.submissions.get(T1, 1) is None


def test_nul_in_answers_is_stored_as_replacement_character(uow_factory):
    """NUL (which PostgreSQL's jsonb refuses) is stored as U+FFFD on every SQL backend."""
    stored = add(uow_factory, draft(contributor_name="A\x00", answers={"t\x00": ["\x00"]}))

    assert stored.contributor_name == "A\ufffd"
    assert stored.answers == {"t\ufffd": ["\ufffd"]}


@pytest.mark.parametrize(
    "changes",
    [
        {"contributor_key": ""},
        {"contributor_key": "k" * 256},
        {"platform": "p" * 33},
        {"target_ref": "PB 1"},
        {"published_ref": "P" * 33},
    ],
    ids=["empty key", "long key", "long platform", "bad target", "long published"],
)
def test_unstorable_identifiers_are_refused(uow_factory, changes):
    """Identifiers that do not fit their columns are refused alike on every SQL backend."""
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.submissions.add(draft(**changes))


def review(submission_id: int, note: str = "Looks good", **changes: object) -> Review:
    base = Review(
        id=0,
        submission_id=submission_id,
        moderator_key="slack:T1:UMOD",
        moderator_name="Mo",
        decision=Decision.APPROVE,
        note=note,
        at=STORE_NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_reviews_round_trip_hostile_notes(any_uow_factory, value):
    """A review's note and moderator name come back exactly, with the review's new id."""
    stored = add(any_uow_factory, draft())
    with any_uow_factory() as uow:
        added = uow.reviews.add(review(stored.id, value, moderator_name=value))
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.reviews.for_submission(stored.id) == [added]
    assert added == review(stored.id, value, moderator_name=value, id=1)


def test_reviews_of_a_submission_come_oldest_first(any_uow_factory):
    """for_submission lists one submission's reviews in the order they were made."""
    first = add(any_uow_factory, draft())
    other = add(any_uow_factory, draft("slack:T1:U2"))
    with any_uow_factory() as uow:
        uow.reviews.add(review(first.id, "fix it", decision=Decision.REQUEST_CHANGES))
        uow.reviews.add(review(other.id, "no", decision=Decision.REJECT))
        uow.reviews.add(review(first.id, "ok", at=LATER))
        uow.commit()

    with any_uow_factory() as uow:
        notes = [(r.id, r.decision, r.note) for r in uow.reviews.for_submission(first.id)]
        assert uow.reviews.for_submission(10**30) == []

    assert notes == [(1, Decision.REQUEST_CHANGES, "fix it"), (3, Decision.APPROVE, "ok")]


def test_another_workspaces_submission_reads_as_unknown(any_uow_factory):
    """T2's submission fetched by id from T1 (or from a Discord guild T2) is None."""
    stored = add(any_uow_factory, draft(workspace_id="T2"))

    with any_uow_factory() as uow:
        assert uow.submissions.get(T1, stored.id) is None
        assert uow.submissions.get(Workspace("discord", "T2"), stored.id) is None
        assert uow.submissions.get(Workspace("slack", "T2"), stored.id) == stored


def test_list_by_state_gives_only_the_workspaces_submissions(any_uow_factory):
    """The queue of T1 holds T1's submissions only, not T2's nor a Discord guild's."""
    add(any_uow_factory, draft(state=SubmissionState.SUBMITTED))
    add(any_uow_factory, draft(state=SubmissionState.SUBMITTED, workspace_id="T2"))
    add(any_uow_factory, draft(state=SubmissionState.SUBMITTED, platform="discord"))

    with any_uow_factory() as uow:
        mine = uow.submissions.list_by_state(T1, *SubmissionState)

    assert [(s.id, s.workspace) for s in mine] == [(1, T1)]


def test_get_own_reads_only_the_contributors_submission(any_uow_factory):
    """Someone else's submission id reads as None for get_own; the contributor's reads back."""
    stored = add(any_uow_factory, draft())

    with any_uow_factory() as uow:
        assert uow.submissions.get_own("slack:T1:U1", stored.id) == stored
        assert uow.submissions.get_own("slack:T1:U2", stored.id) is None
        assert uow.submissions.get_own("slack:T2:U1", stored.id) is None
        assert uow.submissions.get_own("slack:T1:U1", 10**30) is None


def test_a_second_draft_of_one_contributor_is_refused(any_uow_factory):
    """One open draft per person is the store's rule: the second insert raises DraftExists."""
    add(any_uow_factory, draft())
    with any_uow_factory() as uow:
        with pytest.raises(DraftExists):
            uow.submissions.add(draft())
        # The unit of work is still usable after the refusal (the insert ran in a savepoint).
        other = uow.submissions.add(draft("slack:T1:U2"))
        uow.commit()

    with any_uow_factory() as uow:
        assert [s.id for s in uow.submissions.open_for("slack:T1:U1")] == [1]
        assert uow.submissions.get(T1, other.id) is not None


def test_submitted_and_sent_back_submissions_do_not_count_as_drafts(any_uow_factory):
    """A contributor may draft while other submissions are with the moderators or sent back."""
    add(any_uow_factory, draft(state=SubmissionState.SUBMITTED))
    add(any_uow_factory, draft(state=SubmissionState.CHANGES_REQUESTED))
    add(any_uow_factory, draft())

    with any_uow_factory() as uow:
        assert len(uow.submissions.open_for("slack:T1:U1")) == 3


def test_for_practice_finds_every_workspaces_submissions_of_a_ref(any_uow_factory):
    """Publishing and update submissions of PB046 come back from every workspace; others not."""
    first = add(any_uow_factory, draft(state=SubmissionState.PUBLISHED, published_ref="PB046"))
    update = add(
        any_uow_factory,
        draft("slack:T2:U9", workspace_id="T2", target_ref="pb046"),
    )
    add(any_uow_factory, draft("slack:T1:U3", published_ref="PB047"))

    with any_uow_factory() as uow:
        found = uow.submissions.for_practice("pb046")
        nothing = uow.submissions.for_practice("PB99999999999999999999999999999999")

    assert [s.id for s in found] == [first.id, update.id]
    assert nothing == []
