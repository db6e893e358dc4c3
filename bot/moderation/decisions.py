"""Moderation: a moderator's approve / request changes / reject on a submission, atomically.

A decision button answers with a form (whose id is the button's id); submitting the form decides.
The decision claims the submission with a compare-and-set on its revision, so when two moderators
decide at once exactly one wins and the other is told who decided and when. Each decision appends a
`Review` (the audit trail), tells the contributor through the outbox and replaces the moderation
card with the outcome, all in one unit of work.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from bot.kernel import actions
from bot.kernel.access import is_moderator
from bot.kernel.actions import OpenSubmission, ReviewSubmission, ReviseSubmission
from bot.kernel.domain import (
    EFFECTIVENESS_LABELS,
    LINKED_TO_LABELS,
    Effectiveness,
    Focus,
    LinkedTo,
    Practice,
)
from bot.kernel.events import Actor
from bot.kernel.notices import tell_moderators, tell_person
from bot.kernel.ports import Clock, UnitOfWork, UnitOfWorkFactory, WorkspaceSettings
from bot.kernel.records import Decision, Review, Submission, SubmissionState
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    CardDetail,
    FieldKind,
    Form,
    FormField,
    PracticeCard,
    Reply,
    bold,
    say,
    text,
)
from bot.kernel.settings import CoreSettings
from bot.kernel.text import clean_note
from bot.kernel.when import format_moment
from bot.moderation.publication import Approval, effectiveness_of, focus_of, publish
from bot.sharing.answers import practice_from_answers
from bot.sharing.render import last_change_request
from bot.sharing.render import moderation_card as submission_card
from bot.sharing.validate import MAX_LIST_ITEM_CHARS

log = logging.getLogger(__name__)

NOTE_MAX_CHARS = 2000
# The same limit as a topic typed in the sharing dialogue, so an approved topic always fits it.
TOPIC_MAX_CHARS = MAX_LIST_ITEM_CHARS
MAX_TOPICS = 20
TOPICS_FIELD_MAX_CHARS = 1000
# How much of a rejected value is quoted back in an error.
QUOTED_CHARS = 40

DECISION_LABELS: dict[Decision, str] = {
    Decision.APPROVE: "approved",
    Decision.REQUEST_CHANGES: "changes requested",
    Decision.REJECT: "rejected",
    Decision.RETIRE: "retired",
    Decision.KEEP: "kept",
}
_FORM_TITLES: dict[Decision, str] = {
    Decision.APPROVE: "Approve",
    Decision.REQUEST_CHANGES: "Request changes",
    Decision.REJECT: "Reject",
}
_NOTE_LABELS: dict[Decision, str] = {
    Decision.APPROVE: "Note to the contributor (optional)",
    Decision.REQUEST_CHANGES: "What should the contributor change?",
    Decision.REJECT: "Why is it not accepted?",
}
_SUBMIT_LABELS: dict[Decision, str] = {
    Decision.APPROVE: "Approve and publish",
    Decision.REQUEST_CHANGES: "Send request",
    Decision.REJECT: "Reject",
}
DECIDABLE = (Decision.APPROVE, Decision.REQUEST_CHANGES, Decision.REJECT)

T = TypeVar("T", Effectiveness, Focus, LinkedTo)


def _quoted(value: str) -> str:
    """Quote a rejected value back, cleaned of control characters and short."""
    cleaned = " ".join(clean_note(value).split())
    return f"“{cleaned[:QUOTED_CHARS]}{'…' if len(cleaned) > QUOTED_CHARS else ''}”"


def moderator_name(actor: Actor) -> str:
    """The name a decision is recorded under: the display name, else the user id."""
    return actor.display_name.strip() or actor.user_id


def refuse_non_moderator(actor: Actor, attempted: str) -> Reply:
    """Politely refuse a moderator-only action, and log the attempt with who made it."""
    log.warning("non-moderator %s attempted %s", actor.key, attempted[:100])
    return say(
        "Only this workspace's practice bank moderators can do that. If you think you should "
        "be one, ask whoever runs the practice bank bot here."
    )


def submission_for(uow: UnitOfWork, actor: Actor, submission_id: int) -> Submission | None:
    """The submission, if it belongs to the actor's workspace (others' read as unknown)."""
    return uow.submissions.get(actor.workspace, submission_id)


def _unknown_submission(submission_id: int) -> Reply:
    ref = Submission(submission_id, "", "", "", "", SubmissionState.DRAFT).ref
    return say(f"There is no submission {ref} in this workspace. Type `queue` to see pending ones.")


def latest_decision(uow: UnitOfWork, submission_id: int) -> Review | None:
    """The last moderator decision on a submission, if any."""
    reviews = [r for r in uow.reviews.for_submission(submission_id) if r.decision in DECIDABLE]
    return reviews[-1] if reviews else None


def already_decided(submission: Submission, review: Review | None) -> Reply:
    """Tell a moderator the submission is no longer theirs to decide, and who decided it."""
    if review is not None:
        return say(
            f"Already decided by {review.moderator_name} at {format_moment(review.at)} "
            f"({DECISION_LABELS[review.decision]}): {submission.ref} is not waiting for a "
            "decision any more."
        )
    state = submission.state.value.replace("_", " ")
    return say(f"{submission.ref} is not waiting for a decision: it is {state}.")


def proposed_practice(submission: Submission) -> Practice:
    """The practice as the contributor proposes it, for cards shown before publication."""
    return practice_from_answers(submission.answers, submission.target_ref or submission.ref)


def moderation_card(
    submission: Submission,
    review: Review | None = None,
    published: Practice | None = None,
    changes_requested: Review | None = None,
    current: Practice | None = None,
) -> Reply:
    """The moderation channel's card for a submission: decision buttons, or the outcome.

    `bot.sharing` posts the card (key `submission:<id>`) when a submission arrives; a decision
    replaces it with the same card, showing who decided what and when, without buttons. A
    resubmission's card keeps saying which earlier request (`changes_requested`) it answers.
    """
    card = submission_card(submission, changes_requested, current=current)
    if review is None:
        return card
    blocks: list[Block] = [b for b in card.blocks if not isinstance(b, Buttons)]
    outcome = f"{DECISION_LABELS[review.decision].capitalize()} by {review.moderator_name}"
    outcome += f" at {format_moment(review.at)}"
    if published is not None:
        outcome += f": published as {published.ref}"
        if published.version > 1:
            outcome += f" version {published.version}"
    blocks.append(text(bold(outcome + ".")))
    if review.note:
        blocks.append(text("Note: ", review.note))
    return Reply(tuple(blocks), private=False)


def decision_form(
    submission: Submission, decision: Decision, typed: Mapping[str, str] | None = None
) -> Form:
    """The form for a decision, pre-filled with the contributor's values (or what was typed)."""
    answers = submission.answers
    form_id = actions.encode(ReviewSubmission(decision, submission.id))
    note = FormField(
        "note",
        _NOTE_LABELS[decision],
        FieldKind.LONG_TEXT,
        required=decision is not Decision.APPROVE,
        max_length=NOTE_MAX_CHARS,
    )
    fields: list[FormField] = []
    if decision is Decision.APPROVE:
        rating = effectiveness_of(answers)
        practice = proposed_practice(submission)
        fields = [
            FormField(
                "effectiveness",
                "Effectiveness",
                FieldKind.CHOICE,
                required=True,
                options=tuple((e.value, label) for e, label in EFFECTIVENESS_LABELS.items()),
                default=rating.value if rating else "",
            ),
            FormField(
                "focus",
                "Focus",
                FieldKind.MULTI_CHOICE,
                required=True,
                options=tuple((f.value, f.label) for f in Focus),
                default=",".join(f.value for f in focus_of(answers)),
            ),
            FormField(
                "topics",
                "Topics (separate with , or ;)",
                FieldKind.TEXT,
                default="; ".join(practice.topics),
                max_length=TOPICS_FIELD_MAX_CHARS,
            ),
            FormField(
                "linked_to",
                "Linked to",
                FieldKind.MULTI_CHOICE,
                options=tuple((link.value, label) for link, label in LINKED_TO_LABELS.items()),
                default=",".join(link.value for link in practice.linked_to),
            ),
        ]
    fields.append(note)
    if typed:
        # Offer back what the moderator typed, cut to what the field takes.
        fields = [
            dataclasses.replace(f, default=typed[f.name][: f.max_length]) if f.name in typed else f
            for f in fields
        ]
    return Form(
        form_id,
        f"{_FORM_TITLES[decision]} {submission.ref}",
        tuple(fields),
        submit_label=_SUBMIT_LABELS[decision],
    )


def _read_choices(raw: str, known: Mapping[str, T], what: str, problems: list[str]) -> list[T]:
    """Read comma-separated choice values (value or label, any case); unknown ones are problems."""
    picked: list[T] = []
    for part in raw.split(","):
        word = " ".join(part.split()).casefold()
        if not word:
            continue
        member = known.get(word)
        if member is None:
            problems.append(f"{_quoted(part)} is not a {what}.")
        elif member not in picked:
            picked.append(member)
    return picked


def _lookup(labels: Mapping[T, str]) -> dict[str, T]:
    """Every way a choice may come back: its value or its label, case-folded."""
    known: dict[str, T] = {}
    for member, label in labels.items():
        known[member.value.casefold()] = member
        known[" ".join(label.split()).casefold()] = member
    return known


def _read_topics(raw: str, problems: list[str]) -> tuple[str, ...]:
    """Read topics separated by `,` or `;`: cleaned, de-duplicated (case-insensitively), bounded.

    The same separators as the contributors' lists in the sharing dialogue.
    """
    topics: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[,;]", raw):
        topic = " ".join(clean_note(part).split())
        if not topic or topic.casefold() in seen:
            continue
        if len(topic) > TOPIC_MAX_CHARS:
            problems.append(
                f"The topic {_quoted(topic)} is {len(topic):,} characters; "
                f"keep each topic to {TOPIC_MAX_CHARS}."
            )
            continue
        seen.add(topic.casefold())
        topics.append(topic)
    if len(topics) > MAX_TOPICS:
        problems.append(f"That is {len(topics)} topics; give at most {MAX_TOPICS}.")
    return tuple(topics)


def read_note(values: Mapping[str, str], decision: Decision, problems: list[str]) -> str:
    """The note, cleaned; a missing note is a problem unless approving, and so is a long one."""
    note = clean_note(values.get("note", ""))
    if not note and decision is not Decision.APPROVE:
        problems.append(
            "A note is required: tell the contributor what to change."
            if decision is Decision.REQUEST_CHANGES
            else "A note is required: tell the contributor why it is not accepted."
        )
    if len(note) > NOTE_MAX_CHARS:
        problems.append(f"The note is {len(note):,} characters; keep it to {NOTE_MAX_CHARS:,}.")
    return note


def read_approval(
    submission: Submission, values: Mapping[str, str], problems: list[str]
) -> Approval:
    """The moderator's final values; a field left out keeps the contributor's own value."""
    answers = submission.answers
    rating = effectiveness_of(answers)
    raw_rating = values.get("effectiveness", rating.value if rating else "")
    ratings = _read_choices(raw_rating, _lookup(EFFECTIVENESS_LABELS), "rating", problems)
    if not ratings and not problems:
        problems.append("Pick an effectiveness rating.")
    elif len(ratings) > 1:
        problems.append("Pick one effectiveness rating only.")
    default_focus = ",".join(f.value for f in focus_of(answers))
    focus = _read_choices(
        values.get("focus", default_focus), _lookup({f: f.label for f in Focus}), "focus", problems
    )
    if not focus:
        problems.append("Pick at least one focus.")
    proposed = proposed_practice(submission)
    topics = _read_topics(values.get("topics", "; ".join(proposed.topics)), problems)
    default_links = ",".join(link.value for link in proposed.linked_to)
    linked_to = _read_choices(
        values.get("linked_to", default_links),
        _lookup(LINKED_TO_LABELS),
        "recognition scheme (HMICFRS, Smarter practice, Tilley award, Police STAR fund)",
        problems,
    )
    return Approval(
        effectiveness=ratings[0] if ratings else Effectiveness.UNTESTED,
        focus=tuple(focus),
        topics=topics,
        linked_to=tuple(linked_to),
        note=read_note(values, Decision.APPROVE, problems),
    )


class Moderation:
    """Moderators' decisions on submissions, from the button click to the published practice."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, settings: CoreSettings
    ) -> None:
        """Keep the storage, clock and timing rules the decisions need."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._settings = settings

    def open_form(self, actor: Actor, decision: Decision, submission_id: int) -> Reply:
        """Answer a decision button with its form, if the actor moderates and it is still open."""
        attempted = actions.encode(ReviewSubmission(decision, submission_id))
        with self._uow_factory() as uow:
            if not is_moderator(actor, _settings_of(uow, actor)):
                return refuse_non_moderator(actor, attempted)
            submission = submission_for(uow, actor, submission_id)
            if submission is None:
                return _unknown_submission(submission_id)
            if submission.state is not SubmissionState.SUBMITTED:
                return already_decided(submission, latest_decision(uow, submission.id))
        title = proposed_practice(submission).title or "(untitled)"
        return Reply((text(f"{submission.ref}: “{title}”"), decision_form(submission, decision)))

    def show(self, actor: Actor, submission_id: int) -> Reply:
        """Show a submission's moderation card to a moderator (from the queue)."""
        attempted = actions.encode(OpenSubmission(submission_id))
        with self._uow_factory() as uow:
            if not is_moderator(actor, _settings_of(uow, actor)):
                return refuse_non_moderator(actor, attempted)
            submission = submission_for(uow, actor, submission_id)
            if submission is None:
                return _unknown_submission(submission_id)
            review = None
            if submission.state is not SubmissionState.SUBMITTED:
                review = latest_decision(uow, submission.id)
            published = None
            if submission.published_ref:
                published = uow.practices.get(submission.published_ref)
            requested = _request_answered(uow, submission, review)
            # A waiting update is shown with what it changes (old → new), as on its first card.
            current = None
            if review is None and submission.target_ref:
                current = uow.practices.get(submission.target_ref)
        card = moderation_card(submission, review, published, requested, current)
        return dataclasses.replace(card, private=True)

    def decide(
        self,
        actor: Actor,
        decision: Decision,
        submission_id: int,
        values: Mapping[str, str],
    ) -> Reply:
        """Perform a decision sent with its form: validate, claim, record, notify, in one go."""
        attempted = actions.encode(ReviewSubmission(decision, submission_id))
        with self._uow_factory() as uow:
            settings = _settings_of(uow, actor)
            if not is_moderator(actor, settings):
                return refuse_non_moderator(actor, attempted)
            submission = submission_for(uow, actor, submission_id)
            if submission is None:
                return _unknown_submission(submission_id)
            if submission.state is not SubmissionState.SUBMITTED:
                return already_decided(submission, latest_decision(uow, submission.id))
            problems: list[str] = []
            if decision is Decision.APPROVE:
                approval: Approval | None = read_approval(submission, values, problems)
                note = approval.note if approval else ""
            else:
                approval = None
                note = read_note(values, decision, problems)
            if problems:
                return Reply(
                    (
                        text("That decision was not saved:"),
                        *(text(f"• {problem}") for problem in problems),
                        decision_form(submission, decision, values),
                    )
                )
            now = self._clock.now()
            requested = last_change_request(uow.reviews.for_submission(submission.id))
            published = self._apply(uow, actor, submission, decision, approval, now)
            if published is False:
                lost = True
            else:
                lost = False
                review = uow.reviews.add(
                    Review(0, submission.id, actor.key, moderator_name(actor), decision, note, now)
                )
                practice = published if isinstance(published, Practice) else None
                self._tell_contributor(uow, submission, review, practice, now)
                tell_moderators(
                    uow,
                    settings,
                    reply=moderation_card(submission, review, practice, requested),
                    key=f"submission:{submission.id}",
                    now=now,
                    replace=True,
                )
                uow.commit()
        if lost:
            return self._lost(actor, submission_id)
        return _confirmation(submission, decision, practice)

    def _apply(
        self,
        uow: UnitOfWork,
        actor: Actor,
        submission: Submission,
        decision: Decision,
        approval: Approval | None,
        now: datetime,
    ) -> Practice | bool:
        """Claim the submission with its decision; False when another moderator was first."""
        if approval is not None:
            practice = publish(
                uow,
                submission,
                approval,
                now,
                self._settings,
                moderator_key=actor.key,
                moderator_name=moderator_name(actor),
            )
            return practice if practice is not None else False
        state = (
            SubmissionState.CHANGES_REQUESTED
            if decision is Decision.REQUEST_CHANGES
            else SubmissionState.REJECTED
        )
        saved = uow.submissions.save(
            dataclasses.replace(submission, state=state, updated_at=now),
            expected_revision=submission.revision,
        )
        return saved is not None

    def _lost(self, actor: Actor, submission_id: int) -> Reply:
        """Read who won the race for a submission, to tell the moderator who lost it."""
        with self._uow_factory() as uow:
            submission = submission_for(uow, actor, submission_id)
            if submission is None:
                return _unknown_submission(submission_id)
            return already_decided(submission, latest_decision(uow, submission_id))

    def _tell_contributor(
        self,
        uow: UnitOfWork,
        submission: Submission,
        review: Review,
        practice: Practice | None,
        now: datetime,
    ) -> None:
        """Queue the decision, with the note, to the contributor."""
        title = proposed_practice(submission).title or "(untitled)"
        blocks: list[Block]
        if practice is not None:
            what = (
                f"Your update of {practice.ref} “{title}” was approved: it is now version "
                f"{practice.version}."
                if practice.version > 1
                else f"Your practice “{title}” was approved and is now in the bank as "
                f"{practice.ref}."
            )
            blocks = [text(what)]
            if review.note:
                blocks.append(text("Note from the moderators: ", review.note))
            blocks.append(PracticeCard(practice, CardDetail.FULL))
        elif review.decision is Decision.REQUEST_CHANGES:
            blocks = [
                text(
                    f"The moderators asked for changes to your submission {submission.ref} "
                    f"“{title}”:"
                ),
                text(review.note),
                text("Revise it and submit it again; it keeps its place."),
                Buttons(
                    (
                        Action(
                            actions.encode_share(ReviseSubmission(submission.id)),
                            "Revise",
                            ActionStyle.PRIMARY,
                        ),
                    )
                ),
            ]
        else:
            blocks = [
                text(f"Your submission {submission.ref} “{title}” was not accepted for the bank."),
                text("Note from the moderators: ", review.note),
            ]
        tell_person(
            uow,
            platform=submission.platform,
            workspace_id=submission.workspace_id,
            actor_key=submission.contributor_key,
            reply=Reply(tuple(blocks)),
            key=f"submission:{submission.id}",
            now=now,
        )


def _request_answered(
    uow: UnitOfWork, submission: Submission, outcome: Review | None
) -> Review | None:
    """The change request a submission was resubmitted after (not the outcome on show)."""
    earlier = [r for r in uow.reviews.for_submission(submission.id) if r != outcome]
    return last_change_request(earlier)


def _settings_of(uow: UnitOfWork, actor: Actor) -> WorkspaceSettings | None:
    return uow.workspaces.get(actor.workspace)


def _confirmation(submission: Submission, decision: Decision, practice: Practice | None) -> Reply:
    """What the deciding moderator reads once the decision is saved."""
    if practice is not None:
        version = f" version {practice.version}" if practice.version > 1 else ""
        return say(
            f"Approved {submission.ref}: published as {practice.ref}{version} "
            f"({practice.effectiveness.label}). The contributor was told."
        )
    if decision is Decision.REQUEST_CHANGES:
        return say(f"Changes requested on {submission.ref}. The contributor was sent your note.")
    return say(f"Rejected {submission.ref}. The contributor was sent your note.")
