"""The 30-day clean-up of abandoned drafts: a warning after 23 idle days, then withdrawal."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.kernel.notices import tell_person
from bot.kernel.ports import UnitOfWork
from bot.kernel.records import Submission
from bot.kernel.replies import Reply, text
from bot.sharing.drafts import KINDS, load, withdraw
from bot.sharing.render import resume_offer, title_of

WARN_AFTER = timedelta(days=23)
DISCARD_AFTER = timedelta(days=30)


def sweep_stale_drafts(uow: UnitOfWork, now: datetime) -> None:
    """Warn about drafts idle for 23 days and discard those idle for 30, telling the person.

    Called by the scheduler inside a unit of work it commits. The warning is remembered in the
    conversation without touching its `updated_at`, so the 30 days still count from the last
    answer; any answer after the warning starts the count again. Both are claimed as reminders
    are, by compare-and-set (the conversation's revision, the submission's), so several
    sweeping processes send each warning and each discard notice once.
    """
    for conversation in uow.conversations.idle_since(now - WARN_AFTER):
        if conversation.kind not in KINDS or conversation.updated_at is None:
            continue
        found = load(uow, conversation)
        if found is None:
            uow.conversations.delete(conversation.actor_key)
            continue
        submission = found.submission
        idle = now - conversation.updated_at
        if idle >= DISCARD_AFTER:
            if not withdraw(uow, found, now):
                continue  # another sweeper (or the person) got there first
            message = (
                f"Your draft {title_of(submission.answers)} ({submission.ref}) was discarded "
                "after 30 days without an answer. Type share whenever you want to start again."
            )
            _tell_contributor(uow, submission, Reply((text(message),)), now)
        elif conversation.data.get("warned") is not True:
            claimed = uow.conversations.save(
                replace(conversation, data={**conversation.data, "warned": True}),
                expected_revision=conversation.revision,
            )
            if not claimed:
                continue  # another sweeper warned, or the person answered meanwhile
            deadline = (conversation.updated_at + DISCARD_AFTER).date().isoformat()
            reply = Reply(
                (
                    text(
                        f"Your draft {title_of(submission.answers)} ({submission.ref}) has "
                        f"waited {idle.days} days for an answer. It will be discarded on "
                        f"{deadline} unless you continue it."
                    ),
                    *resume_offer(submission)[1:],
                )
            )
            _tell_contributor(uow, submission, reply, now)


def _tell_contributor(uow: UnitOfWork, submission: Submission, reply: Reply, now: datetime) -> None:
    """Queue a message about a stale draft to its contributor (key `draft:<id>`)."""
    tell_person(
        uow,
        platform=submission.platform,
        workspace_id=submission.workspace_id,
        actor_key=submission.contributor_key,
        reply=reply,
        key=f"draft:{submission.id}",
        now=now,
    )
