"""What the sharing dialogue shows: questions, review card, help, offers, the moderators' card.

Pure functions from values to reply blocks; user text goes into blocks unescaped (renderers
escape it for their platform).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.kernel import actions
from bot.kernel.actions import (
    CancelShare,
    DiscardShare,
    EditAnswer,
    FinishChoices,
    PickAnswer,
    PreviousQuestion,
    ResumeShare,
    ReviewSubmission,
    ShareForm,
    SkipQuestion,
    SubmitShare,
    UpdatePractice,
    encode_share,
)
from bot.kernel.domain import Practice, Visibility
from bot.kernel.notices import user_id_of
from bot.kernel.records import Decision, Review, Submission
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    CardDetail,
    Choice,
    Choices,
    PracticeCard,
    Reply,
    Span,
    bold,
    text,
)
from bot.kernel.when import format_moment
from bot.sharing.answers import answers_from_practice, practice_from_answers
from bot.sharing.dialogue import CONFIRM_CANCEL, REVIEW, Draft
from bot.sharing.questions import (
    ORDER,
    QUESTIONS,
    Kind,
    Question,
    choice_label,
    is_required,
    prompt_for,
)

MAX_SHOWN_ANSWER = 300
MAX_SHOWN_TITLE = 80


def _shorten(value: str, limit: int) -> str:
    """Cut a long value for display, with an ellipsis."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _button(action: Any, label: str, style: ActionStyle = ActionStyle.DEFAULT) -> Action:
    return Action(encode_share(action), label, style)


def shown_answer(question: Question, value: Any) -> str:
    """A stored answer as the person reads it (choice labels, lists joined)."""
    if isinstance(value, list):
        parts = [choice_label(question, v) if question.choices else v for v in value]
        return _shorten(", ".join(str(p) for p in parts), MAX_SHOWN_ANSWER)
    if question.choices and isinstance(value, str):
        return choice_label(question, value)
    return _shorten(str(value), MAX_SHOWN_ANSWER)


def title_of(answers: Mapping[str, Any]) -> str:
    """The draft's title for messages about it, shortened."""
    title = answers.get("title")
    return f"“{_shorten(title, MAX_SHOWN_TITLE)}”" if isinstance(title, str) and title else ""


def notice_blocks(notices: Sequence[str]) -> list[Block]:
    """What the dialogue says before asking (a refusal's reason, "Carrying on.")."""
    return [text(Span(n, italic=True)) for n in notices]


def question_blocks(draft: Draft) -> list[Block]:
    """Ask the draft's current question, with its buttons and the navigation row."""
    question = draft.question
    if question is None:
        return []
    required = is_required(question, draft.answers)
    position = ORDER.index(question.field) + 1
    blocks: list[Block] = [
        text(bold(prompt_for(question, draft.answers)), f"  ({position}/{len(ORDER)})")
    ]
    hint = question.hint
    if not required:
        hint = f"{hint} Optional: type skip to leave it out.".strip()
    if hint:
        blocks.append(text(Span(hint, italic=True)))
    current = draft.answers.get(question.field)
    if current and question.kind is Kind.MULTI_CHOICE:
        blocks.append(text("Picked so far: ", bold(shown_answer(question, current)), "."))
    elif current:
        blocks.append(text("Current answer: ", Span(shown_answer(question, current), italic=True)))
        blocks.append(text("Type ", bold("keep"), " to keep it, or type a new answer."))
    if question.kind is Kind.CHOICE:
        blocks.append(
            Buttons(tuple(_button(PickAnswer(v), label) for v, label in question.choices))
        )
    elif question.kind is Kind.MULTI_CHOICE:
        chosen = current if isinstance(current, list) else []
        picks = tuple(
            _button(PickAnswer(v), f"✓ {label}" if v in chosen else f"☐ {label}")
            for v, label in question.choices
        )
        blocks.append(Buttons((*picks, _button(FinishChoices(), "Done", ActionStyle.PRIMARY))))
    nav = [_button(PreviousQuestion(), "Back")]
    if not required:
        nav.append(_button(SkipQuestion(), "Skip"))
    nav.append(_button(CancelShare(), "Cancel"))
    blocks.append(Buttons(tuple(nav)))
    return blocks


def review_blocks(draft: Draft, ref: str) -> list[Block]:
    """The review card: the practice as it would be listed, edit choices, submit and cancel."""
    practice = practice_from_answers(draft.answers, ref)
    blocks: list[Block] = [
        text(bold("Please check your practice"), " before it goes to the moderators:"),
        PracticeCard(practice, CardDetail.FULL),
    ]
    if practice.visibility is Visibility.RESTRICTED:
        blocks.append(text(Span("Marked police only: restricted to police workspaces.", bold=True)))
    blocks.append(
        Choices(
            "Change an answer:",
            tuple(Choice(encode_share(EditAnswer(q.field)), q.label) for q in QUESTIONS),
        )
    )
    blocks.append(
        Buttons(
            (
                _button(SubmitShare(), "Submit", ActionStyle.PRIMARY),
                _button(CancelShare(), "Cancel", ActionStyle.DANGER),
            )
        )
    )
    blocks.append(
        text(
            "Type ",
            bold("submit"),
            " to send it, ",
            bold("edit"),
            " and a field to change an answer (for example ",
            bold("edit summary"),
            "), or ",
            bold("cancel"),
            ".",
        )
    )
    return blocks


def confirm_cancel_blocks() -> list[Block]:
    """Ask before throwing a draft away."""
    return [
        text("Discard this draft? Your answers will be deleted."),
        Buttons(
            (
                _button(CancelShare(confirmed=True), "Yes, discard", ActionStyle.DANGER),
                _button(CancelShare(confirmed=False), "No, keep going"),
            )
        ),
    ]


def step_blocks(draft: Draft, ref: str) -> list[Block]:
    """Whatever the draft's step asks of the person."""
    if draft.step == REVIEW:
        return review_blocks(draft, ref)
    if draft.step == CONFIRM_CANCEL:
        return confirm_cancel_blocks()
    return question_blocks(draft)


def help_blocks() -> list[Block]:
    """Explain the commands the dialogue understands."""
    return [
        text(
            bold("Sharing a practice"),
            ": I ask one question at a time and save every answer, so you can stop and come "
            "back later.",
        ),
        text(
            "Type ",
            bold("back"),
            " for the previous question, ",
            bold("skip"),
            " to leave an optional one out, ",
            bold("cancel"),
            " to discard the draft (I ask first), ",
            bold("help"),
            " for this.",
        ),
        text(
            "At the end you see your practice as it would be listed: ",
            bold("edit"),
            " and a field (",
            bold("edit summary"),
            ") changes an answer, ",
            bold("submit"),
            " sends it to the moderators.",
        ),
        text(
            "To search meanwhile, start with a slash: ",
            bold("/practice knife crime"),
            ". Everything else you type answers the question; to answer with one of these "
            "words itself, type it in quotes (",
            bold('"submit"'),
            ").",
        ),
    ]


def intro_blocks(target_ref: str | None, call_theme: str | None) -> list[Block]:
    """Say what is starting and how the dialogue works, once."""
    if target_ref:
        opening = text(
            bold(f"Updating {target_ref}"),
            ": I've filled in what the bank holds. Change what is out of date, then submit.",
        )
    else:
        opening = text(
            bold("Let's share your practice."),
            " I'll ask one question at a time; your answers are saved as you go.",
        )
    blocks: list[Block] = [opening]
    if call_theme:
        blocks.append(text("This answers the call for practice on ", bold(call_theme), "."))
    blocks.append(
        text(
            Span(
                "At any point type back, skip, cancel or help. Lines starting with / are "
                "commands, not answers.",
                italic=True,
            )
        )
    )
    if not target_ref:
        blocks.append(Buttons((_button(ShareForm(), "Fill in a form instead"),)))
    return blocks


def resume_offer(submission: Submission, *, revising: bool = False) -> list[Block]:
    """Offer to continue a draft where it was left, or to discard it."""
    title = title_of(submission.answers)
    what = f"your draft {title}".strip() if title else "a draft you started"
    if revising:
        what = f"revising {submission.ref} {title}".strip()
    return [
        text(f"You were in the middle of {what}. Continue where you left off, or discard it?"),
        Buttons(
            (
                Action(encode_share(ResumeShare()), "Continue", ActionStyle.PRIMARY),
                Action(encode_share(DiscardShare()), "Discard", ActionStyle.DANGER),
            )
        ),
    ]


def similar_blocks(similar: Sequence[Practice]) -> list[Block]:
    """Practices with a similar title: an update may serve better than a new entry."""
    blocks: list[Block] = [
        text(
            bold("Is yours one of these?"),
            " The bank already holds practices with a similar title. You could offer an update "
            "to one of them instead.",
        )
    ]
    for practice in similar:
        blocks.append(PracticeCard(practice, CardDetail.SUMMARY))
        blocks.append(
            Buttons((_button(UpdatePractice(practice.ref), f"Update {practice.ref} instead"),))
        )
    blocks.append(Buttons((_button(SubmitShare(), "Submit anyway", ActionStyle.PRIMARY),)))
    return blocks


def last_change_request(reviews: Sequence[Review]) -> Review | None:
    """The latest "request changes" among a submission's reviews: what a resubmission answers."""
    requests = [r for r in reviews if r.decision is Decision.REQUEST_CHANGES]
    return requests[-1] if requests else None


def _update_changes(submission: Submission, current: Practice) -> list[Block]:
    """Each field the update changes, as old → new, in the order the dialogue asks them."""
    before = answers_from_practice(current)
    lines: list[Block] = []
    for question in QUESTIONS:
        old, new = before.get(question.field), submission.answers.get(question.field)
        if (_blank(old) and _blank(new)) or old == new:
            continue
        was = "(empty)" if _blank(old) else shown_answer(question, old)
        now = "(empty)" if _blank(new) else shown_answer(question, new)
        lines.append(text(f"• {question.label}: ", was, " → ", bold(now)))
    if not lines:
        return [text(Span("No field differs from the published version.", italic=True))]
    return [text(bold(f"Changes to {current.ref} (old → new):")), *lines]


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def moderation_card(
    submission: Submission,
    changes_requested: Review | None = None,
    *,
    current: Practice | None = None,
    by_contributor: bool | None = None,
) -> Reply:
    """The card posted to the moderation channel for a submitted (or resubmitted) submission.

    `changes_requested` is the moderators' earlier request when this is a resubmission: the card
    says so and quotes the note, so the moderator can check the request was met. Its buttons
    carry the moderation action ids (`mod:approve:<id>`, ...), which `bot.moderation` answers.
    For an update, `current` is the published version: the card lists each changed field as
    old → new, and `by_contributor` says whether its original contributor proposes it, so
    nobody approves an overwrite of another force's practice without seeing what changes.
    """
    ref = submission.target_ref or submission.ref
    practice = practice_from_answers(submission.answers, ref)
    who = submission.contributor_name or user_id_of(submission.contributor_key)
    headline: list[str | Span] = [bold(f"Submission {submission.ref}"), f" from {who}"]
    if submission.target_ref:
        headline.append(f": an update of {submission.target_ref}")
        if by_contributor is True:
            headline.append(", proposed by its original contributor")
        elif by_contributor is False:
            headline.append(", proposed by someone other than its original contributor")
    if submission.call_id is not None:
        headline.append(f", answering call for practice #{submission.call_id}")
    if changes_requested is not None:
        headline.append(", resubmitted after changes were requested")
    headline.append(".")
    blocks: list[Block] = [text(*headline)]
    if changes_requested is not None:
        blocks.append(
            text(
                f"Changes requested by {changes_requested.moderator_name} at "
                f"{format_moment(changes_requested.at)}: ",
                Span(changes_requested.note, italic=True),
            )
        )
    if practice.visibility is Visibility.RESTRICTED:
        blocks.append(text(bold("Marked police only by the contributor (restricted).")))
    if submission.target_ref and current is not None:
        blocks.extend(_update_changes(submission, current))
    blocks.append(PracticeCard(practice, CardDetail.FULL))
    blocks.append(
        Buttons(
            (
                _decision_button(submission, Decision.APPROVE, "Approve", ActionStyle.PRIMARY),
                _decision_button(submission, Decision.REQUEST_CHANGES, "Request changes"),
                _decision_button(submission, Decision.REJECT, "Reject", ActionStyle.DANGER),
            )
        )
    )
    return Reply(tuple(blocks), private=False)


def _decision_button(
    submission: Submission, decision: Decision, label: str, style: ActionStyle = ActionStyle.DEFAULT
) -> Action:
    return Action(actions.encode(ReviewSubmission(decision, submission.id)), label, style)


def share_button(label: str = "Share a practice") -> Action:
    """The button that starts sharing, for help and for searches that found nothing."""
    return Action("share", label, ActionStyle.PRIMARY)
