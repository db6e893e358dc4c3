"""The sharing dialogue's edges: load a person's draft, apply one move, save, answer.

Each use case runs in one unit of work: the `Conversation` (where the dialogue stands) and the
draft `Submission` (the answers) are written together after every answer, and a submit writes
the state change and the moderators' notification together. The rules live in
`bot.sharing.dialogue`, loading and saving in `bot.sharing.drafts`, the submit step in
`bot.sharing.submit`; this module starts drafts, applies one move and words the outcome.

Text from a person with a sharing conversation in progress is an answer, except `share` itself
and a line starting with `/` (a command, so `/practice knife crime` still searches mid-draft).
Any worker may take any answer: nothing here is per process, and `bot.sharing.drafts.save` is a
compare-and-set, so an answer is applied once; a move that loses the race writes nothing and is
answered with `conflict()`.

Only real idleness (`resume_after`, an hour by default, `CoreSettings.draft_resume_after`), or the
person opening a new session themselves (`Arrival`: the console starting), makes the next line an
occasion to re-orient: `continue` or `discard` answer the offer, a dialogue
word (`back`, `skip`, `keep`, ...) carries on where the person was, and any other line is read as
usual (a search is answered) with the offer shown once after it; it stays open for later.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.commands.reading import normalise_ref
from bot.kernel.access import may_see_practice, may_see_restricted
from bot.kernel.actions import (
    AnswerCall,
    DiscardShare,
    ResumeShare,
    ReviseSubmission,
    ShareAction,
    ShareForm,
    StartShare,
    UpdatePractice,
    encode,
    encode_share,
)
from bot.kernel.domain import Practice
from bot.kernel.events import Actor
from bot.kernel.ports import Clock, DraftExists, UnitOfWork, UnitOfWorkFactory
from bot.kernel.records import (
    Conversation,
    Submission,
    SubmissionState,
)
from bot.kernel.replies import Action, Block, Buttons, Reply, Span, bold, text
from bot.kernel.settings import DEFAULT_DRAFT_RESUME_AFTER
from bot.sharing.answers import answers_from_practice
from bot.sharing.dialogue import (
    REVIEW,
    Answer,
    Draft,
    Effect,
    Move,
    advance,
    fill,
    first_step,
    read_move,
)
from bot.sharing.drafts import (
    KINDS,
    SHARE_KIND,
    UPDATE_KIND,
    DraftMoved,
    OpenDraft,
    adopt,
    conflict,
    find,
    new_conversation,
    new_draft,
    save,
    withdraw,
)
from bot.sharing.form import (
    FormRefused,
    form_intro_blocks,
    read_form,
    refusal_blocks,
    share_form,
)
from bot.sharing.render import (
    help_blocks,
    intro_blocks,
    last_change_request,
    notice_blocks,
    resume_offer,
    share_button,
    similar_blocks,
    step_blocks,
    title_of,
)
from bot.sharing.similar import similar_practices
from bot.sharing.submit import submit

_RESUME_WORDS = frozenset({"continue", "resume"})


@dataclass(frozen=True)
class TextReading:
    """What sharing made of a typed line.

    `answered` are the replies when the line belonged to the dialogue; None lets the core read
    it as usual, after which `then` (the resume offer, shown once after idleness) is added.
    """

    answered: list[Reply] | None = None
    then: Reply | None = None


def _paragraph(*parts: str | Span) -> Reply:
    """A private reply of one paragraph, which may hold bold spans."""
    return Reply((text(*parts),))


def _no_draft() -> Reply:
    return Reply(
        (
            text("You have no draft in progress. Type ", bold("share"), " to share a practice."),
            Buttons((share_button(),)),
        )
    )


def _busy() -> Reply:
    return _paragraph("You are in the middle of something else with me; finish that first.")


def _already_drafting() -> Reply:
    return _paragraph("You already have a draft in progress. Type share to see where it stands.")


def _visible_practice(uow: UnitOfWork, actor: Actor, ref: str) -> Practice | None:
    """The practice if it exists, is not archived and the actor may see it."""
    practice = uow.practices.get(ref)
    if practice is None or practice.archived_at is not None:
        return None
    if not may_see_practice(uow, actor, practice):
        return None
    return practice


def _offer(
    uow: UnitOfWork,
    open_draft: OpenDraft,
    *,
    then: Action | None = None,
    remember: bool = True,
) -> list[Reply]:
    """Offer to continue or discard, remembering the offer so the next text is read against it.

    `then` is what the person was trying to start (an update, a call's answer): it is offered
    again for after the draft is finished or discarded. The offer is remembered by a
    compare-and-set; if the dialogue moved meanwhile (another worker), it is shown all the same.
    """
    if remember:
        conversation = open_draft.conversation
        uow.conversations.save(
            replace(conversation, data={**conversation.data, "offered": True}),
            expected_revision=conversation.revision,
        )
    revising = open_draft.submission.state is SubmissionState.CHANGES_REQUESTED
    blocks: list[Block] = resume_offer(open_draft.submission, revising=revising)
    if then is not None:
        blocks.append(
            text("One draft at a time: finish or discard this one, then press ", bold(then.label))
        )
        blocks.append(Buttons((then,)))
    return [Reply(tuple(blocks))]


def _start(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    *,
    call_id: int | None = None,
    update_of: str | None = None,
) -> list[Reply]:
    """Start a draft, or offer the one in progress (one open draft per person).

    The database holds the rule: a `share` that loses the race to another worker's (the unique
    index refuses its draft) is answered like any `share` with a draft in progress.
    """
    then = None
    if update_of is not None and (ref := normalise_ref(update_of)):
        then = Action(encode_share(UpdatePractice(ref)), f"Update {ref}")
    elif call_id is not None:
        then = Action(encode(AnswerCall(call_id)), "Answer the call")
    found = find(uow, actor.key)
    if found is None:
        found = adopt(uow, actor.key, now)
    if isinstance(found, OpenDraft):
        return _offer(uow, found, then=then)
    if found is not None:
        return [_busy()]
    answers: dict[str, Any] = {}
    target_ref = None
    if update_of is not None:
        ref = normalise_ref(update_of)
        practice = _visible_practice(uow, actor, ref) if ref else None
        if practice is None:
            return [
                _paragraph(f"No practice {ref or 'with that reference'} in the bank to update.")
            ]
        answers, target_ref = answers_from_practice(practice), practice.ref
    call_theme = None
    if call_id is not None:
        call = uow.calls.get(actor.workspace, call_id)
        call_theme = call.theme if call is not None else None
    try:
        opened = new_draft(uow, actor, now, answers, target_ref=target_ref, call_id=call_id)
    except DraftExists:
        existing = find(uow, actor.key) or adopt(uow, actor.key, now)
        if isinstance(existing, OpenDraft):
            return _offer(uow, existing, then=then, remember=False)
        return [_already_drafting()]
    draft, submission = opened.draft, opened.submission
    blocks = [
        *intro_blocks(target_ref, call_theme),
        *step_blocks(draft, target_ref or submission.ref),
    ]
    return [Reply(tuple(blocks))]


def start_share(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    *,
    call_id: int | None = None,
    update_of: str | None = None,
) -> list[Reply]:
    """Start sharing a practice (for a call, or as an update of `update_of`) inside `uow`.

    For other use cases that lead into sharing (answering a call, a follow-up's *Update*): the
    caller checks its own rules, calls this and commits. A person with a draft in progress is
    offered to continue or discard it instead, since each person has one open draft.
    """
    return _start(uow, actor, clock.now(), call_id=call_id, update_of=update_of)


class Sharing:
    """The sharing use cases for `bot.core`: the `share` verb, answers typed, sharing buttons.

    No state of its own: any number of workers may serve one person's dialogue. A pause longer
    than `resume_after` makes the next line an occasion to offer continue or discard.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        resume_after: timedelta = DEFAULT_DRAFT_RESUME_AFTER,
    ) -> None:
        """Hold the storage and clock; nothing is opened until an event arrives."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._resume_after = resume_after

    def _run(self, work: Callable[[UnitOfWork], list[Reply]]) -> list[Reply]:
        """Do one use case in its own unit of work and commit it, unless the draft moved.

        A `DraftMoved` leaves the unit of work uncommitted, so the losing move writes nothing.
        """
        try:
            with self._uow_factory() as uow:
                replies = work(uow)
                uow.commit()
        except DraftMoved:
            return [conflict()]
        except DraftExists:
            return [_already_drafting()]
        return replies

    # --- entry points for bot.core --------------------------------------------------------

    def handle_share(self, actor: Actor, words: str = "") -> list[Reply]:
        """`share`: start a draft, or offer the one in progress; `share form` offers the form.

        Other words after `share` are ignored.
        """
        if _is_form_word(words):
            return self.offer_form(actor)
        return self.start(actor)

    def handle_arrival(self, actor: Actor) -> list[Reply]:
        """A new session of the person's own (a terminal restarted): offer their open draft.

        The offer is remembered as after idleness, so the next unrelated line is read as usual
        and `continue`, `discard` or a dialogue word answer it; with no open draft, nothing.
        """

        def arrive(uow: UnitOfWork) -> list[Reply]:
            found = find(uow, actor.key)
            if not isinstance(found, OpenDraft):
                return []
            return _offer(uow, found)

        return self._run(arrive)

    def offer_form(self, actor: Actor) -> list[Reply]:
        """`share form` or *Fill in a form instead*: the long answers in one form.

        It is pre-filled from the draft in progress, which its submission fills (one open draft
        per person); with no draft, nothing is created until the form is sent.
        """
        with self._uow_factory() as uow:
            found = find(uow, actor.key)
            uow.commit()  # a sharing conversation whose submission closed was forgotten
        if found is not None and not isinstance(found, OpenDraft):
            return [_busy()]
        answers = found.submission.answers if isinstance(found, OpenDraft) else {}
        return [Reply((*form_intro_blocks(), share_form(answers)))]

    def handle_form(self, actor: Actor, values: Mapping[str, Any]) -> list[Reply]:
        """The form sent back: fill the person's own draft, then carry on with the dialogue.

        Refused values bring the form back with the reasons and what was typed. The actor is
        the key: the values only ever reach the sender's draft, opened now if they have none.
        """
        given = read_form(values)
        if isinstance(given, FormRefused):
            errors = {refusal.field: refusal.reason for refusal in given.refusals}
            return [Reply((*refusal_blocks(given), share_form(given.defaults, errors)))]
        now = self._clock.now()

        def fill_draft(uow: UnitOfWork) -> list[Reply]:
            found = find(uow, actor.key) or adopt(uow, actor.key, now)
            if found is not None and not isinstance(found, OpenDraft):
                return [_busy()]
            if found is None:
                found = new_draft(uow, actor, now, {})
            draft = fill(found.draft, given)
            saved = save(uow, found, draft, now, offered=False)
            return [
                Reply(
                    (
                        text("Thanks, those answers are saved in your draft."),
                        *step_blocks(draft, saved.ref),
                    )
                )
            ]

        return self._run(fill_draft)

    def start(
        self, actor: Actor, *, call_id: int | None = None, update_of: str | None = None
    ) -> list[Reply]:
        """Start a draft (answering a call, or updating a practice) in its own unit of work."""
        now = self._clock.now()
        return self._run(lambda uow: _start(uow, actor, now, call_id=call_id, update_of=update_of))

    def handle_text(self, actor: Actor, raw: str) -> TextReading:
        """Read text as an answer if the person is sharing; else leave it to the core."""
        if raw.lstrip().startswith("/") or _is_share_command(raw):
            return TextReading()  # a command: `share` offers the draft, `share form` the form
        now = self._clock.now()
        leave: list[TextReading] = []

        def answer(uow: UnitOfWork) -> list[Reply]:
            conversation = uow.conversations.get(actor.key)
            if conversation is None or conversation.kind not in KINDS:
                leave.append(TextReading())
                return []
            found = find(uow, actor.key)
            if not isinstance(found, OpenDraft):
                leave.append(TextReading())  # the conversation of a closed submission is gone
                return []
            if not self._needs_offer(found.conversation, now):
                return self._apply(uow, actor, found, read_move(found.draft, raw), now)
            words = " ".join(raw.split()).casefold() if len(raw) < 100 else ""
            if words in _RESUME_WORDS:
                return self._resume(uow, found, now)
            if words == "discard":
                return self._discard(uow, found, now)
            move = read_move(found.draft, raw)
            if not isinstance(move, Answer):
                return self._apply(uow, actor, found, move, now)
            # An unrelated line: it is read as usual, and the offer follows it once.
            offered = found.conversation.data.get("offered") is True
            then = None if offered else Reply(tuple(_offer(uow, found)[0].blocks))
            leave.append(TextReading(then=then))
            return []

        replies = self._run(answer)
        return leave[0] if leave else TextReading(answered=replies)

    def handle_click(self, actor: Actor, action: ShareAction) -> list[Reply]:
        """A sharing button: it always acts on the clicker's own draft, whoever posted it."""
        match action:
            case StartShare():
                return self.handle_share(actor)
            case ShareForm():
                return self.offer_form(actor)
            case UpdatePractice(ref=ref):
                return self.handle_update(actor, ref)
            case ReviseSubmission(submission_id=submission_id):
                return self.handle_revise(actor, submission_id)
            case _:
                pass
        now = self._clock.now()

        def press(uow: UnitOfWork) -> list[Reply]:
            found = find(uow, actor.key)
            if not isinstance(found, OpenDraft):
                return [_no_draft() if found is None else _busy()]
            match action:
                case ResumeShare():
                    return self._resume(uow, found, now)
                case DiscardShare():
                    return self._discard(uow, found, now)
                case _:
                    return self._apply(uow, actor, found, action, now)

        return self._run(press)

    def handle_update(self, actor: Actor, ref: str) -> list[Reply]:
        """`share:update:<ref>`: an update of a practice, or turn the draft under review into one.

        After "is yours one of these?", the person's answers are kept and the practice fills the
        gaps; anywhere else a draft in progress is offered first, as for `share`.
        """
        now = self._clock.now()

        def update(uow: UnitOfWork) -> list[Reply]:
            found = find(uow, actor.key)
            if (
                isinstance(found, OpenDraft)
                and found.conversation.step == REVIEW
                and ref in found.conversation.data.get("similar_refs", [])
            ):
                return self._convert_to_update(uow, actor, found, ref, now)
            return _start(uow, actor, now, update_of=ref)

        return self._run(update)

    def handle_revise(self, actor: Actor, submission_id: int) -> list[Reply]:
        """`share:revise:<id>`: reopen a submission the moderators sent back, at its review."""
        now = self._clock.now()
        return self._run(lambda uow: self._revise(uow, actor, submission_id, now))

    # --- steps ----------------------------------------------------------------------------

    def _needs_offer(self, conversation: Conversation, now: datetime) -> bool:
        """Whether the person should be re-oriented before their text is read as an answer."""
        idle = (
            conversation.updated_at is not None
            and now - conversation.updated_at > self._resume_after
        )
        return conversation.data.get("offered") is True or idle

    def _resume(self, uow: UnitOfWork, found: OpenDraft, now: datetime) -> list[Reply]:
        draft = found.draft
        save(uow, found, draft, now, offered=False)
        return [
            Reply((text("Welcome back. Here is where you were:"), *step_blocks(draft, found.ref)))
        ]

    def _discard(self, uow: UnitOfWork, found: OpenDraft, now: datetime) -> list[Reply]:
        if not withdraw(uow, found, now):
            raise DraftMoved(found.conversation.actor_key)
        return [
            Reply(
                (
                    text(
                        f"Draft {title_of(found.submission.answers)} discarded.".replace("  ", " ")
                    ),
                    text("Type ", bold("share"), " whenever you want to start again."),
                )
            )
        ]

    def _apply(
        self, uow: UnitOfWork, actor: Actor, found: OpenDraft, move: Move, now: datetime
    ) -> list[Reply]:
        """Apply one move and answer with what comes next."""
        outcome = advance(found.draft, move)
        if outcome.effect is Effect.DISCARD:
            return self._discard(uow, found, now)
        if outcome.effect is Effect.SUBMIT:
            similar = self._similar(uow, actor, found, outcome.draft)
            if similar:
                save(
                    uow,
                    found,
                    outcome.draft,
                    now,
                    offered=False,
                    similar_for=outcome.draft.answers.get("title"),
                    similar_refs=[p.ref for p in similar],
                )
                return [Reply(tuple(similar_blocks(similar)))]
            return submit(uow, found, outcome.draft, now)
        saved = save(uow, found, outcome.draft, now, offered=False)
        blocks: list[Block] = notice_blocks(outcome.notices)
        if outcome.effect is Effect.HELP:
            blocks.extend(help_blocks())
        blocks.extend(step_blocks(outcome.draft, saved.ref))
        return [Reply(tuple(blocks))]

    def _similar(
        self, uow: UnitOfWork, actor: Actor, found: OpenDraft, draft: Draft
    ) -> list[Practice]:
        """Similar published practices to show once per title before a new practice is sent."""
        title = draft.answers.get("title")
        if found.submission.target_ref or not isinstance(title, str):
            return []
        if found.conversation.data.get("similar_for") == title:
            return []
        settings = uow.workspaces.get(actor.workspace)
        visible = [
            p
            for p in uow.practices.list_all()
            if p.archived_at is None
            and (not p.is_restricted or may_see_restricted(actor, settings))
        ]
        return similar_practices(title, visible)

    def _convert_to_update(
        self, uow: UnitOfWork, actor: Actor, found: OpenDraft, ref: str, now: datetime
    ) -> list[Reply]:
        practice = _visible_practice(uow, actor, ref)
        if practice is None:
            return [_paragraph(f"No practice {ref} in the bank to update.")]
        answers = {**answers_from_practice(practice), **found.submission.answers}
        submission = uow.submissions.save(
            replace(found.submission, target_ref=practice.ref, answers=answers, updated_at=now),
            expected_revision=found.submission.revision,
        )
        if submission is None:
            return [conflict()]
        draft = replace(found.draft, answers=answers, step=REVIEW, editing=False)
        conversation = replace(found.conversation, kind=UPDATE_KIND)
        save(uow, OpenDraft(conversation, submission), draft, now, offered=False, similar_refs=[])
        return [
            Reply(
                (
                    text(
                        f"Your draft is now an update of {practice.ref}: your answers are kept "
                        "and the practice fills the gaps. Check it, then submit."
                    ),
                    *step_blocks(draft, practice.ref),
                )
            )
        ]

    def _revise(
        self, uow: UnitOfWork, actor: Actor, submission_id: int, now: datetime
    ) -> list[Reply]:
        submission = uow.submissions.get_own(actor.key, submission_id)
        if submission is None:
            return [_paragraph("There is no submission of yours with that number to revise.")]
        if submission.state is not SubmissionState.CHANGES_REQUESTED:
            return [_paragraph(_closed_reason(submission))]
        found = find(uow, actor.key)
        if isinstance(found, OpenDraft):
            if found.submission.id == submission.id:
                return self._resume(uow, found, now)
            return _offer(
                uow, found, then=Action(encode_share(ReviseSubmission(submission.id)), "Revise")
            )
        if found is not None:
            return [_busy()]
        draft = first_step(submission.answers)
        kind = UPDATE_KIND if submission.target_ref else SHARE_KIND
        conversation = new_conversation(
            actor.key,
            kind,
            draft,
            submission.id,
            now,
            similar_for=submission.answers.get("title"),
        )
        uow.conversations.save(conversation)
        requested = last_change_request(uow.reviews.for_submission(submission.id))
        blocks: list[Block] = [text(bold(f"Revising {submission.ref}"), ".")]
        if requested is not None and requested.note:
            blocks.append(text("The moderators asked: ", Span(requested.note, italic=True)))
        blocks.extend(step_blocks(draft, submission.target_ref or submission.ref))
        return [Reply(tuple(blocks))]


def _is_form_word(words: str) -> bool:
    """Whether the words after `share` ask for the form."""
    return len(words) < 100 and " ".join(words.split()).casefold() == "form"


def _is_share_command(raw: str) -> bool:
    """Whether typed text is `share` or `share form` rather than an answer to a question."""
    if len(raw) >= 100:
        return False
    words = " ".join(raw.split()).casefold()
    return words == "share" or (words.startswith("share ") and _is_form_word(words[6:]))


def _closed_reason(submission: Submission) -> str:
    """Why a submission cannot be revised now."""
    if submission.state is SubmissionState.SUBMITTED:
        return (
            f"{submission.ref} is with the moderators; you can revise it if they ask for changes."
        )
    if submission.state is SubmissionState.PUBLISHED:
        published = f" as {submission.published_ref}" if submission.published_ref else ""
        return f"{submission.ref} was already published{published}."
    if submission.state is SubmissionState.DRAFT:
        return f"{submission.ref} is still a draft: type share to continue it."
    return f"{submission.ref} is closed ({submission.state.value.replace('_', ' ')})."
