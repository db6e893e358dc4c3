"""Publication: an approved submission becomes a `Practice` in the bank, with its follow-up booked.

A new practice takes the next free ref; an approved update keeps its practice's ref and becomes
the next version (the store keeps the earlier ones). Publishing writes the practice (which changes
the bank version, so search rebuilds and finds it at once), marks the submission published and
schedules the follow-up reminder, all in the caller's unit of work.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice
from bot.kernel.notices import tell_person
from bot.kernel.ports import UnitOfWork
from bot.kernel.records import (
    PracticeChange,
    PracticeEventKind,
    Reminder,
    ReminderState,
    Submission,
    SubmissionState,
)
from bot.kernel.replies import CardDetail, PracticeCard, Reply, text
from bot.kernel.settings import CoreSettings
from bot.sharing.answers import practice_from_answers

log = logging.getLogger(__name__)

# Reminders still waiting on the contributor: superseded when a new version is published.
OPEN_REMINDER_STATES = (
    ReminderState.PENDING,
    ReminderState.SENT,
    ReminderState.NUDGED,
    ReminderState.ESCALATED,
)


@dataclass(frozen=True)
class Approval:
    """What the approving moderator settled: the final rating, focus, topics and recognitions."""

    effectiveness: Effectiveness
    focus: tuple[Focus, ...]
    topics: tuple[str, ...]
    linked_to: tuple[LinkedTo, ...]
    note: str = ""


def effectiveness_of(answers: Mapping[str, Any]) -> Effectiveness | None:
    """The contributor's own rating from a submission's answers, if it is a known one."""
    raw = answers.get("effectiveness")
    try:
        return Effectiveness(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def focus_of(answers: Mapping[str, Any]) -> tuple[Focus, ...]:
    """The contributor's focus from a submission's answers (known values only)."""
    raw = answers.get("focus")
    picked: list[Focus] = []
    for item in raw if isinstance(raw, list | tuple) else []:
        known = item in {f.value for f in Focus}
        if known and Focus(item) not in picked:
            picked.append(Focus(item))
    return tuple(picked)


def schedule_reminder(
    uow: UnitOfWork,
    *,
    ref: str,
    contributor_key: str,
    platform: str,
    workspace_id: str,
    due_at: datetime,
) -> Reminder:
    """Book the next follow-up of a practice."""
    return uow.reminders.add(
        Reminder(
            id=0,
            practice_ref=ref,
            contributor_key=contributor_key,
            platform=platform,
            workspace_id=workspace_id,
            due_at=due_at,
        )
    )


def cancel_open_reminders(uow: UnitOfWork, ref: str, now: datetime) -> int:
    """Cancel the practice's reminders still waiting (superseded or retired); returns how many."""
    cancelled = 0
    for reminder in uow.reminders.for_practice(ref):
        if reminder.state in OPEN_REMINDER_STATES:
            done = dataclasses.replace(reminder, state=ReminderState.CANCELLED)
            if uow.reminders.transition(done, reminder.state, now) is not None:
                cancelled += 1
    return cancelled


def publish(
    uow: UnitOfWork,
    submission: Submission,
    approval: Approval,
    now: datetime,
    settings: CoreSettings,
    *,
    moderator_key: str = "",
    moderator_name: str = "",
) -> Practice | None:
    """Publish an approved submission; None when someone else decided it first.

    The submission is claimed (submitted -> published, compared on its revision) before anything
    else is written, so of two moderators approving at once only one publishes. The practice's
    history records the publication (new practice, or update) under the approving moderator,
    with the approval note; the store decides the version number.
    """
    existing = uow.practices.get(submission.target_ref) if submission.target_ref else None
    if submission.target_ref and existing is None:
        log.warning(
            "update %s targets unknown practice %s: published as a new practice",
            submission.ref,
            submission.target_ref,
        )
    ref = existing.ref if existing is not None else uow.practices.next_ref()
    claimed = uow.submissions.save(
        dataclasses.replace(
            submission, state=SubmissionState.PUBLISHED, published_ref=ref, updated_at=now
        ),
        expected_revision=submission.revision,
    )
    if claimed is None:
        return None
    practice = dataclasses.replace(
        practice_from_answers(submission.answers, ref),
        effectiveness=approval.effectiveness,
        focus=approval.focus,
        topics=approval.topics,
        linked_to=approval.linked_to,
        added_at=existing.added_at if existing is not None else now,
        updated_at=now,
        reviewed_at=now if existing is not None else None,
        archived_at=None,
        version=existing.version + 1 if existing is not None else 1,
    )
    uow.practices.upsert_many(
        [practice],
        change=PracticeChange(
            PracticeEventKind.UPDATED if existing is not None else PracticeEventKind.PUBLISHED,
            moderator_key or submission.contributor_key,
            moderator_name,
            approval.note,
        ),
    )
    practice = uow.practices.get(ref) or practice
    if existing is not None:
        _tell_original_contributor(uow, submission, practice, now)
    cancel_open_reminders(uow, ref, now)
    schedule_reminder(
        uow,
        ref=ref,
        contributor_key=submission.contributor_key,
        platform=submission.platform,
        workspace_id=submission.workspace_id,
        due_at=now + settings.reminder_interval,
    )
    return practice


def original_submission(uow: UnitOfWork, ref: str) -> Submission | None:
    """The submission that first published `ref` (None for an imported practice)."""
    first = [
        s
        for s in uow.submissions.for_practice(ref)
        if s.state is SubmissionState.PUBLISHED and s.published_ref == ref and s.target_ref is None
    ]
    return min(first, key=lambda s: s.id) if first else None


def _tell_original_contributor(
    uow: UnitOfWork, update: Submission, practice: Practice, now: datetime
) -> None:
    """Tell whoever first shared a practice that someone else's update of it is published.

    Their own updates need no such message (they are told it was approved); an imported
    practice has nobody on record to tell.
    """
    original = original_submission(uow, practice.ref)
    if original is None or original.contributor_key == update.contributor_key:
        return
    who = update.contributor_name or "Someone"
    tell_person(
        uow,
        platform=original.platform,
        workspace_id=original.workspace_id,
        actor_key=original.contributor_key,
        reply=Reply(
            (
                text(
                    f"{who} proposed an update of {practice.ref} “{practice.title}”, which you "
                    f"shared, and the moderators published it as version {practice.version}."
                ),
                PracticeCard(practice, CardDetail.SUMMARY),
            )
        ),
        key=f"submission:{update.id}:original",
        now=now,
    )
