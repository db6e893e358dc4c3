"""The submit step: a finished draft goes to the moderators.

Its state change, the end of its dialogue and the moderators' notification are written in one
unit of work.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.kernel.access import contributed
from bot.kernel.notices import tell_moderators
from bot.kernel.ports import UnitOfWork
from bot.kernel.records import SubmissionState
from bot.kernel.replies import Block, Reply, bold, text
from bot.sharing.dialogue import Draft
from bot.sharing.drafts import OpenDraft, conflict
from bot.sharing.render import last_change_request, moderation_card


def submit(uow: UnitOfWork, open_draft: OpenDraft, draft: Draft, now: datetime) -> list[Reply]:
    """Hand the draft to the moderators: state, conversation and notification in one go."""
    submission = open_draft.submission
    saved = uow.submissions.save(
        replace(
            submission,
            answers=dict(draft.answers),
            state=SubmissionState.SUBMITTED,
            submitted_at=now,
            updated_at=now,
        ),
        expected_revision=submission.revision,
    )
    if saved is None:
        return [conflict()]
    uow.conversations.delete(open_draft.conversation.actor_key)
    settings = uow.workspaces.get(saved.workspace)
    requested = last_change_request(uow.reviews.for_submission(saved.id))
    current = uow.practices.get(saved.target_ref) if saved.target_ref else None
    by_contributor = None
    if current is not None:
        by_contributor = contributed(uow, saved.contributor_key, current.ref)
    posted = tell_moderators(
        uow,
        settings,
        reply=moderation_card(saved, requested, current=current, by_contributor=by_contributor),
        key=f"submission:{saved.id}",
        now=now,
    )
    channel = posted is not None
    blocks: list[Block] = [text(f"Thanks — {saved.ref} is with the moderators.")]
    if not channel:
        blocks.append(
            text(
                "No moderation channel is set up for this workspace yet, so it waits in the "
                "moderators' queue: they see it with ",
                bold("queue"),
                ".",
            )
        )
    blocks.append(text("I'll tell you here when they have looked at it."))
    return [Reply(tuple(blocks))]
