"""Follow-ups: asking a practice's contributor, a while after publication, what happened since.

`sweep_reminders` (run by the scheduler every minute and once at start-up, so reminders that fell
due while the bot was down go out at once) sends due reminders, nudges once after `nudge_after`
without an answer and then tells the moderators. Every step claims the reminder with a
compare-and-set on its state in the same unit of work as its notification, so two sweepers never
send the same message. `FollowUp` handles the contributor's answer (No changes / Update / Retire)
and a moderator's decision on a retirement: confirmed, the practice is archived (never deleted);
kept, the contributor is told and the next follow-up is booked.

A Retire answer moves the reminder to its own state, `retirement_requested`, rather than to
`answered`: the request is then a fact in the database, not something inferred from the
reminders around it. A moderator's confirm or keep settles it (retirement_requested → answered)
with a compare-and-set, so of two moderators deciding at once only one wins. The reminder
record was chosen over a new "retirement request" table because it already carries everything
the request needs (practice, contributor, workspace, when asked) and its compare-and-set.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.kernel import actions
from bot.kernel.access import is_moderator
from bot.kernel.actions import (
    AnswerFollowUp,
    ConfirmRetirement,
    DeclineRetirement,
    FollowUpAnswer,
    ShowPractice,
)
from bot.kernel.domain import Practice
from bot.kernel.events import Actor
from bot.kernel.notices import tell_moderators, tell_person
from bot.kernel.ports import Clock, UnitOfWork, UnitOfWorkFactory, WorkspaceSettings
from bot.kernel.records import (
    Decision,
    PracticeChange,
    PracticeEventKind,
    Reminder,
    ReminderState,
    Review,
    SubmissionState,
)
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    CardDetail,
    PracticeCard,
    Reply,
    say,
    text,
)
from bot.kernel.settings import CoreSettings
from bot.kernel.when import format_day, format_interval, format_moment
from bot.moderation.decisions import moderator_name, refuse_non_moderator
from bot.moderation.publication import cancel_open_reminders, schedule_reminder

log = logging.getLogger(__name__)

# States in which the contributor has been asked and may answer.
ANSWERABLE = (ReminderState.SENT, ReminderState.NUDGED, ReminderState.ESCALATED)


def answer_buttons(reminder_id: int) -> Buttons:
    """No changes / Update / Retire for a reminder."""
    return Buttons(
        (
            Action(
                actions.encode(AnswerFollowUp(FollowUpAnswer.KEEP, reminder_id)),
                "No changes",
                ActionStyle.PRIMARY,
            ),
            Action(actions.encode(AnswerFollowUp(FollowUpAnswer.UPDATE, reminder_id)), "Update"),
            Action(
                actions.encode(AnswerFollowUp(FollowUpAnswer.RETIRE, reminder_id)),
                "Retire",
                ActionStyle.DANGER,
            ),
        )
    )


def reminder_message(practice: Practice, reminder: Reminder, settings: CoreSettings) -> Reply:
    """The follow-up question to the contributor, with the practice's card and answer buttons."""
    did = "reviewed" if practice.reviewed_at else "shared"
    return Reply(
        (
            text(
                f"{format_interval(settings.reminder_interval)} ago you {did} {practice.ref} "
                f"“{practice.title}” with the practice bank."
            ),
            text(
                "Is it still running? Any results or evaluation since? Anything to change? "
                "Your answer keeps the bank current, and a “didn't work” lesson helps others too."
            ),
            PracticeCard(practice, CardDetail.SUMMARY),
            answer_buttons(reminder.id),
        )
    )


def nudge_message(practice: Practice, reminder: Reminder) -> Reply:
    """The one reminder sent when the first follow-up got no answer."""
    sent = format_day(reminder.sent_at.date()) if reminder.sent_at else "recently"
    return Reply(
        (
            text(
                f"A gentle reminder: on {sent} I asked about {practice.ref} “{practice.title}”. "
                "Is it still running, and is there anything to change?"
            ),
            PracticeCard(practice, CardDetail.SUMMARY),
            answer_buttons(reminder.id),
        )
    )


def escalation_message(practice: Practice, reminder: Reminder) -> Reply:
    """Tell the moderators a contributor answered neither the follow-up nor the nudge."""
    sent = format_day(reminder.sent_at.date()) if reminder.sent_at else "?"
    nudged = format_day(reminder.nudged_at.date()) if reminder.nudged_at else "?"
    contact = ", ".join(c for c in (practice.contact_name, practice.contact_email) if c)
    blocks: list[Block] = [
        text(
            f"No answer about {practice.ref} “{practice.title}”: its contributor was asked on "
            f"{sent} and reminded on {nudged}."
        )
    ]
    if contact:
        blocks.append(text(f"Contact on the practice: {contact}."))
    blocks.append(
        Buttons((Action(actions.encode(ShowPractice(practice.ref)), f"Show {practice.ref}"),))
    )
    return Reply(tuple(blocks), private=False)


@dataclass(frozen=True)
class _Step:
    """One sweep step: which state it claims, into which, and what it sends."""

    expected: ReminderState
    advance: Callable[[Reminder, datetime], Reminder]
    send: Callable[[UnitOfWork, Practice, Reminder, datetime], None]


def sweep_reminders(uow_factory: UnitOfWorkFactory, clock: Clock, settings: CoreSettings) -> int:
    """Send due reminders, nudges and escalations; returns how many messages were queued.

    Each reminder is claimed in its own unit of work, so a sweeper that loses a claim to another
    process (or crashes half-way) leaves every other reminder as it was.
    """
    now = clock.now()

    def to_person(kind: str) -> Callable[[UnitOfWork, Practice, Reminder, datetime], None]:
        def send(uow: UnitOfWork, practice: Practice, reminder: Reminder, at: datetime) -> None:
            reply = (
                reminder_message(practice, reminder, settings)
                if kind == "reminder"
                else nudge_message(practice, reminder)
            )
            tell_person(
                uow,
                platform=reminder.platform,
                workspace_id=reminder.workspace_id,
                actor_key=reminder.contributor_key,
                reply=reply,
                key=f"reminder:{reminder.id}",
                now=at,
            )

        return send

    def to_moderators(
        uow: UnitOfWork, practice: Practice, reminder: Reminder, at: datetime
    ) -> None:
        workspace = uow.workspaces.get(reminder.workspace)
        tell_moderators(
            uow,
            workspace,
            reply=escalation_message(practice, reminder),
            key=f"reminder:{reminder.id}",
            now=at,
        )

    steps = (
        (
            now,
            _Step(
                ReminderState.PENDING,
                lambda r, at: dataclasses.replace(r, state=ReminderState.SENT, sent_at=at),
                to_person("reminder"),
            ),
        ),
        (
            now - settings.nudge_after,
            _Step(
                ReminderState.SENT,
                lambda r, at: dataclasses.replace(r, state=ReminderState.NUDGED, nudged_at=at),
                to_person("nudge"),
            ),
        ),
        (
            now - settings.escalate_after,
            _Step(
                ReminderState.NUDGED,
                lambda r, at: dataclasses.replace(r, state=ReminderState.ESCALATED),
                to_moderators,
            ),
        ),
    )
    queued = 0
    for cut_off, step in steps:
        with uow_factory() as uow:
            due = uow.reminders.due([step.expected], cut_off)
        for reminder in due:
            queued += _claim_and_send(uow_factory, reminder, step, now)
    return queued


def _claim_and_send(
    uow_factory: UnitOfWorkFactory, reminder: Reminder, step: _Step, now: datetime
) -> int:
    """Claim one reminder for a step and queue its message; 0 when another sweeper had it."""
    with uow_factory() as uow:
        practice = uow.practices.get(reminder.practice_ref)
        if practice is None or practice.archived_at is not None:
            # Retired (or gone) since it was booked: nobody should be asked about it.
            closed = dataclasses.replace(reminder, state=ReminderState.CANCELLED)
            if uow.reminders.transition(closed, step.expected, now) is not None:
                uow.commit()
            return 0
        claimed = uow.reminders.transition(step.advance(reminder, now), step.expected, now)
        if claimed is None:
            return 0
        step.send(uow, practice, claimed, now)
        uow.commit()
        return 1


@dataclass(frozen=True)
class FollowUpResult:
    """The answer to show, and the practice to start an update of (the Update answer)."""

    reply: Reply
    update_ref: str | None = None


class FollowUp:
    """Contributors' answers to follow-ups, and moderators' decisions on retirement requests."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, settings: CoreSettings
    ) -> None:
        """Keep the storage, clock and timing rules."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._settings = settings

    def answer(self, actor: Actor, answer: FollowUpAnswer, reminder_id: int) -> FollowUpResult:
        """Take the contributor's No changes / Update / Retire; only they may answer."""
        with self._uow_factory() as uow:
            reminder = uow.reminders.get(actor.workspace, reminder_id)
            if reminder is None:
                return FollowUpResult(say("That follow-up no longer exists."))
            ref = reminder.practice_ref
            if reminder.contributor_key != actor.key:
                log.warning("%s tried to answer follow-up %s of %s", actor.key, reminder_id, ref)
                return FollowUpResult(
                    say(f"Only the person who shared {ref} can answer its follow-up.")
                )
            if reminder.state not in ANSWERABLE:
                return FollowUpResult(_closed(reminder))
            practice = uow.practices.get(ref)
            if practice is None or practice.archived_at is not None:
                return FollowUpResult(say(f"{ref} is no longer in the bank: nothing to answer."))
            if answer is FollowUpAnswer.UPDATE:
                # Answered only once the update's draft exists (`record_update`): an update that
                # could not start (another draft first, a refusal) leaves the reminder open.
                return FollowUpResult(
                    say(f"Let's update {practice.ref} “{practice.title}”."), update_ref=ref
                )
            now = self._clock.now()
            answered = dataclasses.replace(
                reminder,
                state=(
                    ReminderState.RETIREMENT_REQUESTED
                    if answer is FollowUpAnswer.RETIRE
                    else ReminderState.ANSWERED
                ),
                answered_at=now,
            )
            if uow.reminders.transition(answered, reminder.state, now) is None:
                return FollowUpResult(_closed(reminder))
            result = self._apply(uow, actor, answer, practice, reminder, now)
            uow.commit()
        return result

    def _apply(
        self,
        uow: UnitOfWork,
        actor: Actor,
        answer: FollowUpAnswer,
        practice: Practice,
        reminder: Reminder,
        now: datetime,
    ) -> FollowUpResult:
        next_due = now + self._settings.reminder_interval
        interval = format_interval(self._settings.reminder_interval)
        if answer is FollowUpAnswer.RETIRE:
            workspace = uow.workspaces.get(reminder.workspace)
            tell_moderators(
                uow,
                workspace,
                reply=_retirement_request(actor, practice, reminder),
                key=f"retire:{reminder.id}",
                now=now,
            )
            return FollowUpResult(
                say(
                    f"I asked the moderators to confirm retiring {practice.ref}. It stays in the "
                    "bank, archived rather than deleted, and you will hear when it is done."
                )
            )
        # No changes counts as a review: the next follow-up is booked now (Update books it in
        # `record_update`, and a published update replaces it with one from the new version).
        schedule_reminder(
            uow,
            ref=practice.ref,
            contributor_key=reminder.contributor_key,
            platform=reminder.platform,
            workspace_id=reminder.workspace_id,
            due_at=next_due,
        )
        uow.practices.upsert_many(
            [dataclasses.replace(practice, reviewed_at=now)],
            change=PracticeChange(
                PracticeEventKind.KEPT,
                reminder.contributor_key,
                actor.display_name.strip(),
                f"No changes, answered at follow-up {reminder.id}.",
            ),
        )
        return FollowUpResult(
            say(
                f"Thank you: {practice.ref} is marked as reviewed on {format_day(now.date())}. "
                f"I will ask again in {interval}."
            )
        )

    def record_update(self, actor: Actor, reminder_id: int) -> bool:
        """Close a follow-up answered *Update* once the contributor's update draft exists.

        Returns whether it was closed; the next follow-up is booked as after *No changes*, and
        a published update replaces it with one counted from the new version.
        """
        with self._uow_factory() as uow:
            reminder = uow.reminders.get(actor.workspace, reminder_id)
            if reminder is None or reminder.contributor_key != actor.key:
                return False
            if reminder.state not in ANSWERABLE:
                return False
            started = any(
                s.target_ref == reminder.practice_ref and s.state is SubmissionState.DRAFT
                for s in uow.submissions.open_for(actor.key)
            )
            if not started:
                return False
            now = self._clock.now()
            answered = dataclasses.replace(reminder, state=ReminderState.ANSWERED, answered_at=now)
            if uow.reminders.transition(answered, reminder.state, now) is None:
                return False
            schedule_reminder(
                uow,
                ref=reminder.practice_ref,
                contributor_key=reminder.contributor_key,
                platform=reminder.platform,
                workspace_id=reminder.workspace_id,
                due_at=now + self._settings.reminder_interval,
            )
            uow.commit()
        return True

    def confirm_retirement(self, actor: Actor, reminder_id: int) -> Reply:
        """Archive the practice a contributor asked to retire, once a moderator confirms."""
        attempted = actions.encode(ConfirmRetirement(reminder_id))
        with self._uow_factory() as uow:
            claimed = _claim_retirement_request(uow, actor, reminder_id, attempted, self._clock)
            if isinstance(claimed, Reply):
                return claimed
            reminder, practice, workspace, now = claimed
            ref = practice.ref
            uow.practices.upsert_many(
                [dataclasses.replace(practice, archived_at=now)],
                change=PracticeChange(
                    PracticeEventKind.RETIRED,
                    actor.key,
                    moderator_name(actor),
                    f"At its contributor's request (follow-up {reminder.id}).",
                ),
            )
            cancel_open_reminders(uow, ref, now)
            _record_retirement_decision(
                uow,
                actor,
                ref,
                Decision.RETIRE,
                f"Retired {ref} at the contributor's request (follow-up {reminder.id}).",
                now,
            )
            _tell_retirement_outcome(
                uow,
                workspace,
                reminder,
                to_contributor=(
                    f"{ref} “{practice.title}” is retired, as you asked: it no longer appears in "
                    "search, and its record is kept. Thank you for keeping the bank current."
                ),
                to_moderators=(
                    f"{ref} “{practice.title}” was retired by {moderator_name(actor)} at "
                    f"{format_moment(now)}, at its contributor's request."
                ),
                now=now,
            )
            uow.commit()
        return say(f"Retired {ref}: archived, hidden from search, and its contributor was told.")

    def decline_retirement(self, actor: Actor, reminder_id: int) -> Reply:
        """Keep a practice its contributor asked to retire; the follow-ups carry on.

        A moderator may know the practice still helps others (or wants its "didn't work" lesson
        kept in search). The contributor is told, and the next reminder is booked as after any
        other answer, so the practice keeps being asked about.
        """
        attempted = actions.encode(DeclineRetirement(reminder_id))
        with self._uow_factory() as uow:
            claimed = _claim_retirement_request(uow, actor, reminder_id, attempted, self._clock)
            if isinstance(claimed, Reply):
                return claimed
            reminder, practice, workspace, now = claimed
            ref = practice.ref
            next_due = now + self._settings.reminder_interval
            schedule_reminder(
                uow,
                ref=ref,
                contributor_key=reminder.contributor_key,
                platform=reminder.platform,
                workspace_id=reminder.workspace_id,
                due_at=next_due,
            )
            _record_retirement_decision(
                uow,
                actor,
                ref,
                Decision.KEEP,
                f"Kept {ref}, which its contributor asked to retire (follow-up {reminder.id}).",
                now,
            )
            _tell_retirement_outcome(
                uow,
                workspace,
                reminder,
                to_contributor=(
                    f"The moderators kept {ref} “{practice.title}” in the bank rather than "
                    "retiring it, so others can still learn from it. I will ask about it again in "
                    f"{format_interval(self._settings.reminder_interval)}; if something changed, "
                    "answer Update then."
                ),
                to_moderators=(
                    f"{ref} “{practice.title}” was kept by {moderator_name(actor)} at "
                    f"{format_moment(now)}: its contributor's request to retire it was declined."
                ),
                now=now,
            )
            uow.commit()
        return say(
            f"Kept {ref}: its contributor was told, and the next follow-up is due on "
            f"{format_day(next_due.date())}."
        )


def _claim_retirement_request(
    uow: UnitOfWork, actor: Actor, reminder_id: int, attempted: str, clock: Clock
) -> tuple[Reminder, Practice, WorkspaceSettings | None, datetime] | Reply:
    """Claim a retirement request for the moderator deciding it, or say why they cannot.

    The request is the contributor's Retire answer: a reminder in RETIREMENT_REQUESTED.
    Confirming and keeping both settle it (→ ANSWERED) with a compare-and-set, so of two
    moderators deciding at once only one wins.
    """
    workspace = uow.workspaces.get(actor.workspace)
    if not is_moderator(actor, workspace):
        return refuse_non_moderator(actor, attempted)
    reminder = uow.reminders.get(actor.workspace, reminder_id)
    if reminder is None:
        return say("That retirement request no longer exists.")
    ref = reminder.practice_ref
    practice = uow.practices.get(ref)
    if practice is None:
        return say(f"{ref} is no longer in the bank.")
    if practice.archived_at is not None:
        return say(f"{ref} is already retired (since {format_moment(practice.archived_at)}).")
    not_waiting = say(f"There is no retirement of {ref} waiting to be confirmed.")
    if reminder.state is not ReminderState.RETIREMENT_REQUESTED:
        return not_waiting
    now = clock.now()
    settled = dataclasses.replace(reminder, state=ReminderState.ANSWERED)
    if uow.reminders.transition(settled, ReminderState.RETIREMENT_REQUESTED, now) is None:
        return not_waiting
    return reminder, practice, workspace, now


def _tell_retirement_outcome(
    uow: UnitOfWork,
    workspace: WorkspaceSettings | None,
    reminder: Reminder,
    *,
    to_contributor: str,
    to_moderators: str,
    now: datetime,
) -> None:
    """Tell the contributor how their retirement request ended, and replace the moderators' card."""
    key = f"retire:{reminder.id}"
    tell_person(
        uow,
        platform=reminder.platform,
        workspace_id=reminder.workspace_id,
        actor_key=reminder.contributor_key,
        reply=say(to_contributor),
        key=key,
        now=now,
    )
    outcome = Reply((text(to_moderators),), private=False)
    tell_moderators(uow, workspace, reply=outcome, key=key, now=now, replace=True)


def _closed(reminder: Reminder) -> Reply:
    """Why a follow-up can no longer be answered."""
    if reminder.state is ReminderState.RETIREMENT_REQUESTED:
        when = f" on {format_day(reminder.answered_at.date())}" if reminder.answered_at else ""
        return say(
            f"You asked to retire {reminder.practice_ref}{when}; the moderators have not "
            "decided yet, and you will hear when they have."
        )
    if reminder.state is ReminderState.ANSWERED:
        when = f" on {format_day(reminder.answered_at.date())}" if reminder.answered_at else ""
        return say(f"You already answered this follow-up of {reminder.practice_ref}{when}.")
    if reminder.state is ReminderState.PENDING:
        return say(f"The follow-up of {reminder.practice_ref} is not due yet.")
    return say(f"This follow-up of {reminder.practice_ref} is closed: nothing more to answer.")


def _retirement_request(actor: Actor, practice: Practice, reminder: Reminder) -> Reply:
    """Ask the moderators to confirm a contributor's retirement of their practice."""
    who = actor.display_name.strip() or "Its contributor"
    return Reply(
        (
            text(
                f"{who} asks to retire {practice.ref} “{practice.title}” (answer to its follow-up)."
            ),
            text(
                "Retiring archives it: hidden from search, record kept. Keeping it leaves it "
                "in the bank, and its follow-ups carry on."
            ),
            Buttons(
                (
                    Action(
                        actions.encode(ConfirmRetirement(reminder.id)),
                        f"Confirm retiring {practice.ref}",
                        ActionStyle.DANGER,
                    ),
                    Action(actions.encode(DeclineRetirement(reminder.id)), "Keep it"),
                    Action(actions.encode(ShowPractice(practice.ref)), f"Show {practice.ref}"),
                )
            ),
        ),
        private=False,
    )


def _record_retirement_decision(
    uow: UnitOfWork, actor: Actor, ref: str, decision: Decision, note: str, now: datetime
) -> None:
    """Add a retire / keep decision to the audit trail of the submission that published `ref`."""
    published = [
        s
        for s in uow.submissions.list_by_state(actor.workspace, SubmissionState.PUBLISHED)
        if s.published_ref == ref
    ]
    if not published:
        log.info("%s has no submission on record (imported): no review written", ref)
        return
    uow.reviews.add(
        Review(0, published[-1].id, actor.key, moderator_name(actor), decision, note, now)
    )
