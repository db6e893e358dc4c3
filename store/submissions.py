"""SQL storage of submissions and of the reviews moderators make of them.

`SqlSubmissionRepository.save` is a compare-and-set on `revision` (one conditional UPDATE whose
row count says who won), which is what makes a moderator's decision atomic across threads and
processes. `add` turns the one-draft-per-person index's refusal into `DraftExists`. Reviews are
only ever appended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.kernel.events import Workspace
from bot.kernel.ports import Clock, DraftExists
from bot.kernel.records import OPEN_STATES, Decision, Review, Submission, SubmissionState
from store.conversion import (
    bounded_key,
    is_row_id,
    optional_ref,
    ref_key,
    storable_json,
    storable_text,
    utc,
)
from store.tables import ReviewRow, SubmissionRow

_SUBMISSIONS = cast(Table, SubmissionRow.__table__)  # type: ignore[attr-defined]
_REVIEWS = cast(Table, ReviewRow.__table__)  # type: ignore[attr-defined]


class SqlSubmissionRepository:
    """Contributors' drafts and proposals."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def add(self, submission: Submission) -> Submission:
        """Store a new submission and return it as stored, with its id.

        Missing `created_at` / `updated_at` are taken from the unit of work's clock. A second
        draft of one contributor raises `DraftExists`; the insert ran in a savepoint, so the
        unit of work carries on (on PostgreSQL the loser waits for the winner's commit first).
        """
        values = self._values(submission)
        values["created_at"] = values.get("created_at") or self._clock.now()
        values["updated_at"] = values.get("updated_at") or values["created_at"]
        try:
            with self._session.begin_nested():
                result = cast(
                    CursorResult[Any], self._session.execute(insert(_SUBMISSIONS).values(values))
                )
        except IntegrityError as error:
            if values["state"] == SubmissionState.DRAFT.value and _is_second_draft(error):
                raise DraftExists(submission.contributor_key) from error
            raise
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database did not report the new submission's id")
        return self._stored(int(primary_key[0]))

    def get(self, workspace: Workspace, submission_id: int) -> Submission | None:
        """Return the workspace's submission with this id, or None (another workspace's too)."""
        return self._one(submission_id, *_in_workspace(workspace))

    def get_own(self, contributor_key: str, submission_id: int) -> Submission | None:
        """Return the contributor's submission with this id, or None (someone else's too)."""
        return self._one(
            submission_id, _SUBMISSIONS.c.contributor_key == storable_text(contributor_key)
        )

    def open_for(self, contributor_key: str) -> list[Submission]:
        """The contributor's drafts, submitted and changes-requested submissions, oldest first."""
        return self._where(
            _SUBMISSIONS.c.contributor_key == storable_text(contributor_key),
            _SUBMISSIONS.c.state.in_([state.value for state in OPEN_STATES]),
        )

    def list_by_state(self, workspace: Workspace, *states: SubmissionState) -> list[Submission]:
        """The workspace's submissions in any of these states, oldest (lowest id) first."""
        return self._where(
            *_in_workspace(workspace),
            _SUBMISSIONS.c.state.in_([SubmissionState(s).value for s in states]),
        )

    def for_practice(self, ref: str) -> list[Submission]:
        """Submissions that published `ref` or propose an update to it, oldest first."""
        key = ref_key(ref)
        if key is None:
            return []
        return self._where(
            or_(
                func.upper(_SUBMISSIONS.c.published_ref) == key,
                func.upper(_SUBMISSIONS.c.target_ref) == key,
            )
        )

    def save(self, submission: Submission, *, expected_revision: int) -> Submission | None:
        """Write the submission if its stored revision is still `expected_revision`.

        One `UPDATE ... WHERE id = ? AND revision = ?`: on PostgreSQL a concurrent writer waits
        for the row lock and then finds the revision moved, on SQLite writers are serialised;
        either way exactly one of two racing saves changes a row. Returns the stored submission
        (revision + 1), or None when it lost or the submission does not exist.
        """
        if not is_row_id(submission.id):
            return None
        values = self._values(submission)
        values["updated_at"] = values.get("updated_at") or self._clock.now()
        values = {k: v for k, v in values.items() if not (k == "created_at" and v is None)}
        values["revision"] = expected_revision + 1
        result = cast(
            CursorResult[Any],
            self._session.execute(
                update(_SUBMISSIONS)
                .where(
                    _SUBMISSIONS.c.id == submission.id,
                    _SUBMISSIONS.c.revision == expected_revision,
                )
                .values(values)
            ),
        )
        if result.rowcount != 1:
            return None
        return self._stored(submission.id)

    def _one(self, submission_id: int, *conditions: Any) -> Submission | None:
        """The submission with this id meeting `conditions`, or None (ids no row can have too)."""
        if not is_row_id(submission_id):
            return None
        row = (
            self._session.execute(
                select(_SUBMISSIONS).where(_SUBMISSIONS.c.id == submission_id, *conditions)
            )
            .mappings()
            .first()
        )
        return None if row is None else _submission(row)

    def _stored(self, submission_id: int) -> Submission:
        """Read back a row this transaction just wrote (so callers get exactly what is kept)."""
        stored = self._one(submission_id)
        if stored is None:
            raise RuntimeError(f"submission {submission_id} vanished inside its own transaction")
        return stored

    def _where(self, *conditions: Any) -> list[Submission]:
        rows = self._session.execute(
            select(_SUBMISSIONS).where(*conditions).order_by(_SUBMISSIONS.c.id)
        ).mappings()
        return [_submission(row) for row in rows]

    @staticmethod
    def _values(submission: Submission) -> dict[str, Any]:
        """Column values of a submission, checked and made storable (all but id and revision)."""
        call_id = submission.call_id
        if call_id is not None and not is_row_id(call_id):
            raise ValueError(f"call id {call_id} cannot exist")
        return {
            "contributor_key": bounded_key(submission.contributor_key, "contributor key"),
            "contributor_name": storable_text(submission.contributor_name),
            "platform": bounded_key(submission.platform, "platform", 32),
            "workspace_id": bounded_key(submission.workspace_id, "workspace id"),
            "state": SubmissionState(submission.state).value,
            "answers": storable_json(dict(submission.answers)),
            "target_ref": optional_ref(submission.target_ref),
            "call_id": call_id,
            "published_ref": optional_ref(submission.published_ref),
            "created_at": utc(submission.created_at),
            "updated_at": utc(submission.updated_at),
            "submitted_at": utc(submission.submitted_at),
            "revision": int(submission.revision),
        }


def _in_workspace(workspace: Workspace) -> tuple[Any, ...]:
    """SQL conditions: the submission belongs to `workspace`."""
    return (
        _SUBMISSIONS.c.platform == storable_text(workspace.platform),
        _SUBMISSIONS.c.workspace_id == storable_text(workspace.id),
    )


def _is_second_draft(error: IntegrityError) -> bool:
    """Whether the one-draft index refused it (PostgreSQL names it, SQLite its column)."""
    message = str(error.orig)
    return "uq_submissions_one_draft" in message or "submissions.contributor_key" in message


def _submission(row: Mapping[Any, Any]) -> Submission:
    return Submission(
        id=row["id"],
        contributor_key=row["contributor_key"],
        contributor_name=row["contributor_name"],
        platform=row["platform"],
        workspace_id=row["workspace_id"],
        state=SubmissionState(row["state"]),
        answers=dict(row["answers"]),
        target_ref=row["target_ref"],
        call_id=row["call_id"],
        published_ref=row["published_ref"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
        revision=row["revision"],
    )


class SqlReviewRepository:
    """The append-only audit trail of moderator decisions."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, review: Review) -> Review:
        """Append a review and return it as stored, with its id."""
        values: dict[str, Any] = {
            "submission_id": review.submission_id,
            "moderator_key": bounded_key(review.moderator_key, "moderator key"),
            "moderator_name": storable_text(review.moderator_name),
            "decision": Decision(review.decision).value,
            "note": storable_text(review.note),
            "at": utc(review.at),
        }
        result = cast(CursorResult[Any], self._session.execute(insert(_REVIEWS).values(values)))
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database did not report the new review's id")
        return replace(
            review,
            id=int(primary_key[0]),
            moderator_key=values["moderator_key"],
            moderator_name=values["moderator_name"],
            decision=Decision(values["decision"]),
            note=values["note"],
            at=values["at"],
        )

    def for_submission(self, submission_id: int) -> list[Review]:
        """Reviews of one submission, oldest first."""
        if not is_row_id(submission_id):
            return []
        rows = self._session.execute(
            select(_REVIEWS)
            .where(_REVIEWS.c.submission_id == submission_id)
            .order_by(_REVIEWS.c.id)
        ).mappings()
        return [
            Review(
                id=row["id"],
                submission_id=row["submission_id"],
                moderator_key=row["moderator_key"],
                moderator_name=row["moderator_name"],
                decision=Decision(row["decision"]),
                note=row["note"],
                at=row["at"],
            )
            for row in rows
        ]
