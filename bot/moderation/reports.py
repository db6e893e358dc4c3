"""Moderators' reports: the queue of submissions waiting for a decision, and the bank's stats.

`queue` lists the workspace's submitted submissions oldest first with how long each has waited;
`stats` counts the workspace's submissions by state and the bank's practices by effectiveness and
focus, and lists the workspace's searches that found no exact match, most frequent first: the
gaps the bank should fill (only searches about a subject, each counted once however it was
typed: `bot.moderation.gaps`). Each gap says whether it found nothing at all or only closest
(partial) practices, and carries a *Teach search* button (`bot.moderation.teaching`). A gap whose
words were taught to search after it was last run is left out: it has been dealt with, and it
comes back if people search for it again and still find nothing exact. The bank is shared;
submissions and searches are the workspace's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from bot.kernel import actions
from bot.kernel.access import is_moderator
from bot.kernel.actions import OpenSubmission, TeachSearch
from bot.kernel.domain import EFFECTIVENESS_LABELS, Focus
from bot.kernel.events import Actor
from bot.kernel.notices import user_id_of
from bot.kernel.ports import Clock, GlossaryEntry, SearchGap, UnitOfWorkFactory
from bot.kernel.records import Submission, SubmissionState
from bot.kernel.replies import Action, Block, Buttons, Reply, bold, text
from bot.kernel.when import format_age
from bot.moderation.decisions import proposed_practice, refuse_non_moderator
from bot.moderation.gaps import topic_gaps
from bot.search.glossary import term_key
from bot.search.query import parse_query

# Enough to act on in one sitting; the rest is summarised as a count.
QUEUE_SHOWN = 20
GAPS_SHOWN = 10
# Spellings read from the log before they are merged into gaps and the taught ones left out:
# enough that merging and leaving out still fill a report of GAPS_SHOWN.
GAPS_READ = 1000
# Slack caps button labels at 75 characters.
LABEL_TITLE_CHARS = 40


def _waiting_since(submission: Submission) -> datetime | None:
    """When the submission joined the queue: submitted, else last changed, else created."""
    return submission.submitted_at or submission.updated_at or submission.created_at


def _label(submission: Submission) -> str:
    title = proposed_practice(submission).title or "(untitled)"
    if len(title) > LABEL_TITLE_CHARS:
        title = title[: LABEL_TITLE_CHARS - 1].rstrip() + "…"
    return f"Open {submission.ref}: {title}"


class ModeratorReports:
    """The `queue` and `stats` commands, for moderators only."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        """Keep the storage and clock."""
        self._uow_factory = uow_factory
        self._clock = clock

    def queue(self, actor: Actor) -> Reply:
        """Submissions waiting for a decision, oldest first, with their age and an Open button."""
        with self._uow_factory() as uow:
            if not is_moderator(actor, uow.workspaces.get(actor.workspace)):
                return refuse_non_moderator(actor, "queue")
            pending = uow.submissions.list_by_state(actor.workspace, SubmissionState.SUBMITTED)
        if not pending:
            return Reply((text("Nothing is waiting for a decision."),))
        now = self._clock.now()
        oldest = datetime.min.replace(tzinfo=now.tzinfo)
        pending.sort(key=lambda s: (_waiting_since(s) or oldest, s.id))
        count = len(pending)
        blocks: list[Block] = [
            text(bold(f"{count} submission{'' if count == 1 else 's'} waiting"), ", oldest first.")
        ]
        for submission in pending[:QUEUE_SHOWN]:
            since = _waiting_since(submission)
            age = format_age(now - since) if since else "unknown time"
            title = proposed_practice(submission).title or "(untitled)"
            who = submission.contributor_name or user_id_of(submission.contributor_key)
            update = f", update of {submission.target_ref}" if submission.target_ref else ""
            blocks.append(text(f"{submission.ref} “{title}” from {who}{update}: waiting {age}."))
            blocks.append(
                Buttons(
                    (Action(actions.encode(OpenSubmission(submission.id)), _label(submission)),)
                )
            )
        if count > QUEUE_SHOWN:
            blocks.append(text(f"…and {count - QUEUE_SHOWN} more."))
        return Reply(tuple(blocks))

    def stats(self, actor: Actor) -> Reply:
        """Counts by state, by effectiveness and focus, and the searches that found nothing."""
        with self._uow_factory() as uow:
            if not is_moderator(actor, uow.workspaces.get(actor.workspace)):
                return refuse_non_moderator(actor, "stats")
            submissions = uow.submissions.list_by_state(actor.workspace, *SubmissionState)
            practices = [p for p in uow.practices.list_all() if p.archived_at is None]
            archived = sum(1 for p in uow.practices.list_all() if p.archived_at is not None)
            taught = uow.glossary.list_all()
            logged = uow.searches.zero_result_texts(actor.workspace, GAPS_READ)
        gaps = _untaught(topic_gaps(logged), taught)
        states = Counter(s.state for s in submissions)
        ratings = Counter(p.effectiveness for p in practices)
        focus = Counter(f for p in practices for f in p.focus)
        blocks: list[Block] = [
            text(
                bold("Submissions"),
                ": "
                + _counts((s.value.replace("_", " "), states[s]) for s in SubmissionState)
                + ".",
            ),
            text(
                bold(f"Practices in the bank ({len(practices)}, {archived} archived)"),
                ": "
                + _counts((label, ratings[e]) for e, label in EFFECTIVENESS_LABELS.items())
                + ".",
            ),
            text(bold("By focus"), ": " + _counts((f.label, focus[f]) for f in Focus) + "."),
        ]
        if gaps:
            blocks.append(
                text(
                    bold("Searches with no exact match"),
                    ", most frequent first (teach search what they mean, or find a practice):",
                )
            )
            for gap in gaps[:GAPS_SHOWN]:
                found = "only closest practices" if gap.partial_only else "nothing found"
                blocks.append(text(f"“{gap.text}” ({gap.count}×): {found}"))
                blocks.append(Buttons((_teach_button(gap),)))
            if len(gaps) > GAPS_SHOWN:
                blocks.append(text(f"…and {len(gaps) - GAPS_SHOWN} more."))
        else:
            blocks.append(text("Every search found an exact match so far."))
        return Reply(tuple(blocks))


def _untaught(gaps: list[SearchGap], taught: list[GlossaryEntry]) -> list[SearchGap]:
    """The gaps whose words were not taught to search since they were last run."""
    taught_at = {term_key(e.term): e.added_at for e in taught if e.added_at is not None}

    def dealt_with(gap: SearchGap) -> bool:
        at = taught_at.get(term_key(parse_query(gap.text).text))
        return at is not None and gap.last_at is not None and at >= gap.last_at

    return [gap for gap in gaps if not dealt_with(gap)]


def _teach_button(gap: SearchGap) -> Action:
    words = gap.text if len(gap.text) <= LABEL_TITLE_CHARS else gap.text[: LABEL_TITLE_CHARS - 1]
    label = f"Teach search: {words.rstrip()}{'' if words == gap.text else '…'}"
    return Action(actions.encode(TeachSearch(gap.search_id)), label)


def _counts(pairs: Iterable[tuple[str, int]]) -> str:
    """`worked 3, promising 1`: every category, zeros included, so gaps show."""
    return ", ".join(f"{name} {count}" for name, count in pairs)
