"""A person's home page in the bank: recent practices, their own submissions, the moderators' queue.

Adapters show it where the platform has a home page (Slack's App Home tab); it is built here so
every platform shows the same page with the same rights.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.kernel import actions
from bot.kernel.access import is_moderator, may_see_restricted
from bot.kernel.actions import ReviseSubmission, ShowPractice
from bot.kernel.domain import Practice
from bot.kernel.events import Actor
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.records import Submission, SubmissionState
from bot.kernel.replies import Action, Block, Buttons, CardDetail, PracticeCard, Reply, bold, text
from bot.moderation.reports import ModeratorReports
from bot.sharing import share_button
from bot.sharing.render import title_of

RECENT_SHOWN = 5
OWN_SHOWN = 10
# How a submission's state reads to its contributor.
STATE_WORDS: dict[SubmissionState, str] = {
    SubmissionState.DRAFT: "draft, not sent yet",
    SubmissionState.SUBMITTED: "with the moderators",
    SubmissionState.CHANGES_REQUESTED: "changes requested",
    SubmissionState.PUBLISHED: "published",
    SubmissionState.REJECTED: "not accepted",
    SubmissionState.WITHDRAWN: "withdrawn",
}
_EPOCH = datetime.min.replace(tzinfo=UTC)


def _newest_first(practice: Practice) -> tuple[datetime, str]:
    return (practice.added_at or _EPOCH, practice.ref)


def _changed_at(submission: Submission) -> datetime:
    return submission.updated_at or submission.submitted_at or submission.created_at or _EPOCH


def _submission_line(submission: Submission) -> list[Block]:
    """One of the person's submissions: id, title, state, and Revise when it is their move."""
    title = title_of(submission.answers) or "(untitled)"
    state = STATE_WORDS.get(submission.state, submission.state.value)
    published = f" as {submission.published_ref}" if submission.published_ref else ""
    blocks: list[Block] = [text(bold(submission.ref), f" {title}: {state}{published}.")]
    if submission.state is SubmissionState.CHANGES_REQUESTED:
        revise = actions.encode_share(ReviseSubmission(submission.id))
        blocks.append(Buttons((Action(revise, f"Revise {submission.ref}"),)))
    return blocks


class Home:
    """Builds the home page for one person, from the store, with their own rights."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        """Keep the storage and clock (the moderators' queue shows waiting times)."""
        self._uow_factory = uow_factory
        self._reports = ModeratorReports(uow_factory, clock)

    def for_actor(self, actor: Actor) -> Reply:
        """The page: share button, recent practices, own submissions, and the queue if moderator."""
        with self._uow_factory() as uow:
            settings = uow.workspaces.get(actor.workspace)
            restricted = may_see_restricted(actor, settings)
            practices = [
                p
                for p in uow.practices.list_all()
                if p.archived_at is None and (restricted or not p.is_restricted)
            ]
            own = [
                s
                for s in uow.submissions.list_by_state(actor.workspace, *SubmissionState)
                if s.contributor_key == actor.key
            ]
            moderator = is_moderator(actor, settings)
        blocks: list[Block] = [
            text(
                bold("Practice bank"),
                ": what police forces and partners tried against crime and harm, "
                "and whether it worked. Search with ",
                bold("/practice"),
                " and a few words.",
            ),
            Buttons((share_button(),)),
            text(bold("Recently published")),
        ]
        recent = sorted(practices, key=_newest_first, reverse=True)[:RECENT_SHOWN]
        for practice in recent:
            blocks.append(PracticeCard(practice, CardDetail.SUMMARY))
            show = actions.encode(ShowPractice(practice.ref))
            blocks.append(Buttons((Action(show, f"Details {practice.ref}"),)))
        if not recent:
            blocks.append(text("Nothing published yet."))
        blocks.append(text(bold("Your drafts and submissions")))
        own.sort(key=lambda s: (_changed_at(s), s.id), reverse=True)
        for submission in own[:OWN_SHOWN]:
            blocks.extend(_submission_line(submission))
        if not own:
            blocks.append(text("None yet. Press Share a practice to add yours."))
        elif len(own) > OWN_SHOWN:
            blocks.append(text(f"…and {len(own) - OWN_SHOWN} older."))
        if moderator:
            blocks.append(text(bold("Waiting for moderation")))
            blocks.extend(self._reports.queue(actor).blocks)
        return Reply(tuple(blocks))
