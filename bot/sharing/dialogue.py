"""The sharing dialogue as pure functions: a `Draft` and a `Move` give the next `Draft`.

A move is one of the sharing actions of `bot.kernel.actions` (a button, or a typed command read into
the same action), an `Answer` typed to the question, or `KeepAnswer`: `keep`, `next` or an empty
line keep the current answer and move on (after `back`, typing `next` must not become the answer).

A dialogue word typed alone never silently becomes an answer, at any question: `submit`, `send`
and `edit <field>` act as at the review (submitting says what is still missing; an edit goes to
that field, then to what is missing, then to the review), and `done` at a question without
choices asks what was meant (`CommandWord`). To answer with the word itself (a one-word title
"Submit"), type it in quotes: `"submit"` (straight or curly quotes) is the answer `submit`.

Multi-choice questions: a typed answer moves on whether it names one value or several
(`prevention` and `prevention; diversion` alike); the buttons tick and untick (their labels
show a box), and *Done* moves on.

No storage, clock or platform here: `bot.sharing.service` loads the draft from the person's
`Conversation` and submission, applies one move, and saves the result. What the person is shown
is built from the outcome by `bot.sharing.render`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from bot.kernel.actions import (
    CancelShare,
    EditAnswer,
    FinishChoices,
    PickAnswer,
    PreviousQuestion,
    ShareHelp,
    SkipQuestion,
    SubmitShare,
)
from bot.sharing.questions import (
    BY_FIELD,
    ORDER,
    Kind,
    Question,
    check_dates,
    check_worked,
    find_field,
    is_required,
    missing,
    read_answer,
    refusal,
)
from bot.sharing.validate import Invalid

REVIEW = "review"
CONFIRM_CANCEL = "confirm_cancel"
MAX_QUOTED_FIELD = 40


@dataclass(frozen=True)
class Draft:
    """Where a dialogue stands: the step asked, the answers so far and how to go back.

    `step` is a question's field, `REVIEW` or `CONFIRM_CANCEL`; `history` holds the questions
    answered on the way (for `back`); `editing` means an answer was reopened from the review, so
    the dialogue returns there afterwards; `before_cancel` is where a declined cancel returns;
    `filled` are the fields answered in the sharing form, which the first pass does not ask again.
    """

    step: str
    answers: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    editing: bool = False
    before_cancel: str = ""
    filled: tuple[str, ...] = ()

    @property
    def question(self) -> Question | None:
        """The question being asked, or None at the review or the cancel confirmation."""
        return BY_FIELD.get(self.step)


# --- moves: what the person did ------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """Typed text answering the current question (free text has no button, so no action id)."""

    text: str


@dataclass(frozen=True)
class KeepAnswer:
    """`keep`, `next` or an empty line: keep the current answer and go on."""


@dataclass(frozen=True)
class CommandWord:
    """A dialogue word typed alone at a question: `move` is what it does here, if anything.

    Carried apart from the move so the person is told the word was read as a command, and how
    to give it as an answer instead; with no `move` the word means nothing here, so only that.
    """

    word: str
    move: Move | None = None


# The sharing actions the dialogue consumes, whether a button carried them or `read_move` read
# them from typed text; `EditAnswer.field` may be a loose name when typed (`edit email`).
Move = (
    Answer
    | KeepAnswer
    | PickAnswer
    | FinishChoices
    | SkipQuestion
    | PreviousQuestion
    | CancelShare
    | ShareHelp
    | EditAnswer
    | SubmitShare
    | CommandWord
)


class Effect(StrEnum):
    """What the service must do beyond saving the draft."""

    NONE = "none"
    DISCARD = "discard"  # the person confirmed cancelling: withdraw the draft
    SUBMIT = "submit"  # the draft is complete and the person asked to submit it
    HELP = "help"  # show the dialogue's help before the question


@dataclass(frozen=True)
class Outcome:
    """The next draft, what to say before asking its step, and any effect to carry out."""

    draft: Draft
    notices: tuple[str, ...] = ()
    effect: Effect = Effect.NONE


_COMMANDS: dict[str, Move] = {
    "back": PreviousQuestion(),
    "skip": SkipQuestion(),
    "cancel": CancelShare(),
    "help": ShareHelp(),
    "?": ShareHelp(),
}
_KEEP = frozenset({"keep", "next", "keep it", ""})
_YES = frozenset({"yes", "y", "discard", "yes, discard"})
_NO = frozenset({"no", "n", "keep", "keep going", "no, keep going"})
_SUBMIT = frozenset({"submit", "send"})
# Words that are commands at some step only; typed alone elsewhere they are asked about.
_ELSEWHERE = frozenset({"done", "edit"})
# Quotes around a whole message that make a dialogue word an answer: "submit", “submit”.
_QUOTED = re.compile(r"""\s*(?:"(.*)"|“(.*)”|'(.*)'|‘(.*)’)\s*""", re.DOTALL)


def read_move(draft: Draft, raw: str) -> Move:
    """Read typed text as a dialogue command (`back`, `skip`, `edit title`, ...) or an answer.

    Only a whole message that is exactly a command word counts, so an answer that merely starts
    with one ("back in 2019 we…") is still an answer; `submit` and `edit` are read at the review.
    """
    words = " ".join(raw.split()).casefold() if len(raw) <= 200 else ""
    quoted = _quoted_word(raw) if len(raw) <= 200 else None
    if quoted is not None:
        return Answer(quoted)
    if draft.step == CONFIRM_CANCEL:
        if words in _YES:
            return CancelShare(confirmed=True)
        if words in _NO:
            return CancelShare(confirmed=False)
    if words in _COMMANDS:
        return _COMMANDS[words]
    if words in _KEEP and len(raw) <= 200:
        return KeepAnswer()
    question = draft.question
    if question is not None and question.kind is Kind.MULTI_CHOICE and words == "done":
        return FinishChoices()
    if draft.step == REVIEW:
        if words in _SUBMIT:
            return SubmitShare()
        if words == "edit" or words.startswith("edit "):
            return EditAnswer(words.removeprefix("edit").strip())
    elif question is not None:
        return _word_at_question(words) or Answer(raw)
    return Answer(raw)


def _word_at_question(words: str) -> CommandWord | None:
    """A command word typed alone at a question, read as the command (or asked about)."""
    if words in _SUBMIT:
        return CommandWord(words, SubmitShare())
    name = words.removeprefix("edit ").strip() if words.startswith("edit ") else ""
    if name and find_field(name) is not None:
        return CommandWord(words, EditAnswer(name))
    if words in _ELSEWHERE:
        return CommandWord(words)
    return None


def _is_dialogue_word(words: str) -> bool:
    """Whether these words, typed alone, are read as a dialogue command at some step."""
    return (
        words in _COMMANDS
        or (words in _KEEP and bool(words))
        or words in _SUBMIT
        or words in _ELSEWHERE
        or words in _YES
        or words in _NO
        or (words.startswith("edit ") and find_field(words.removeprefix("edit ")) is not None)
    )


def _quoted_word(raw: str) -> str | None:
    """The dialogue word inside quotes typed around a whole message, to be taken as an answer.

    Other quoted answers ("Operation Sceptre" with its quotes) are kept as typed.
    """
    match = _QUOTED.fullmatch(raw)
    if match is None:
        return None
    inner = next(group for group in match.groups() if group is not None)
    words = " ".join(inner.split()).casefold()
    return inner.strip() if _is_dialogue_word(words) else None


def _quote_hint(word: str) -> str:
    return f'To give “{word}” as your answer, type it in quotes: "{word}".'


def advance(draft: Draft, move: Move) -> Outcome:
    """Apply one move to the draft: the heart of the dialogue, free of side effects."""
    if draft.step == CONFIRM_CANCEL:
        return _confirming(draft, move)
    match move:
        case ShareHelp():
            return Outcome(draft, effect=Effect.HELP)
        case CancelShare(confirmed=None):
            return Outcome(replace(draft, step=CONFIRM_CANCEL, before_cancel=draft.step))
        case CancelShare():
            return Outcome(draft, ("There is nothing to confirm right now.",))
        case PreviousQuestion():
            return _back(draft)
        case SkipQuestion():
            return _skip(draft)
        case EditAnswer(field=name):
            return _edit(draft, name)
        case SubmitShare():
            return _submit(draft)
        case PickAnswer(value=value):
            return _pick(draft, value)
        case FinishChoices():
            return _done(draft)
        case KeepAnswer():
            return _keep(draft)
        case Answer(text=raw):
            return _answer(draft, raw)
        case CommandWord():
            return _command_word(draft, move)


def _command_word(draft: Draft, typed: CommandWord) -> Outcome:
    """Act on a dialogue word typed at a question, saying so and how to answer it instead."""
    if typed.move is None:
        said = f"“{typed.word}” is a dialogue word, so I didn't take it as your answer."
        return Outcome(draft, (f"{said} {_quote_hint(typed.word)}",))
    outcome = advance(draft, typed.move)
    said = f"I read “{typed.word}” as the command. {_quote_hint(typed.word)}"
    return replace(outcome, notices=(said, *outcome.notices))


def _confirming(draft: Draft, move: Move) -> Outcome:
    """At "discard this draft?": yes discards, no returns to where the person was."""
    if isinstance(move, CancelShare) and move.confirmed is True:
        return Outcome(draft, effect=Effect.DISCARD)
    if (isinstance(move, CancelShare) and move.confirmed is False) or isinstance(
        move, PreviousQuestion
    ):
        step = draft.before_cancel or REVIEW
        return Outcome(replace(draft, step=step, before_cancel=""), ("Carrying on.",))
    if isinstance(move, ShareHelp):
        return Outcome(draft, effect=Effect.HELP)
    return Outcome(draft, ("Please answer yes to discard the draft, or no to keep going.",))


def _back(draft: Draft) -> Outcome:
    if draft.editing:
        return Outcome(replace(draft, step=REVIEW, editing=False))
    if not draft.history:
        if draft.step == REVIEW:
            return Outcome(draft, ("Type edit and a field to change an answer.",))
        return Outcome(draft, ("This is the first question.",))
    return Outcome(replace(draft, step=draft.history[-1], history=draft.history[:-1]))


def _skip(draft: Draft) -> Outcome:
    question = draft.question
    if question is None:
        return Outcome(draft, ("There is no question to skip here.",))
    if is_required(question, draft.answers):
        if question.field == "evaluation":
            return Outcome(draft, ("You said it worked, so the evaluation can't be skipped.",))
        return Outcome(draft, (f"{question.label} is required, so it can't be skipped.",))
    answers = {k: v for k, v in draft.answers.items() if k != question.field}
    return _after_answer(draft, answers)


def _edit(draft: Draft, name: str) -> Outcome:
    question = find_field(name) if name else None
    if question is None:
        fields = ", ".join(BY_FIELD[f].label.casefold() for f in ORDER)
        shown = f"“{name[:MAX_QUOTED_FIELD]}”" if name else "which answer"
        return Outcome(
            draft,
            (f"I don't know {shown} to edit. Type edit and one of: {fields}.",),
        )
    return Outcome(replace(draft, step=question.field, editing=True))


def _keep(draft: Draft) -> Outcome:
    """Keep the current answer and move on; with none, skip an optional question or say why not."""
    question = draft.question
    if question is None:
        return _answer(draft, "")
    if question.kind is Kind.MULTI_CHOICE and draft.answers.get(question.field):
        return _done(draft)
    if draft.answers.get(question.field):
        return _after_answer(draft, dict(draft.answers))
    if not is_required(question, draft.answers):
        return _skip(draft)
    return Outcome(
        draft,
        (f"There is no answer to keep yet. {question.label} takes {question.accepts}.",),
    )


def _submit(draft: Draft) -> Outcome:
    vague = check_worked(draft.answers)
    if vague is not None:
        return Outcome(replace(draft, step="evaluation", editing=True), (vague.reason,))
    needed = missing(draft.answers)
    if needed:
        labels = ", ".join(BY_FIELD[f].label.casefold() for f in needed)
        return Outcome(
            replace(draft, step=needed[0], editing=True),
            (f"Before submitting, I still need: {labels}.",),
        )
    return Outcome(replace(draft, step=REVIEW, editing=False), effect=Effect.SUBMIT)


def _pick(draft: Draft, value: str) -> Outcome:
    question = draft.question
    if question is None or question.kind is Kind.TEXT:
        return Outcome(draft, ("That button belongs to an earlier question.",))
    if value not in dict(question.choices):
        return Outcome(draft, ("That option belongs to another question.",))
    if question.kind is Kind.CHOICE:
        return _after_answer(draft, {**draft.answers, question.field: value})
    current = draft.answers.get(question.field)
    chosen = set(current) if isinstance(current, list) else set()
    chosen ^= {value}
    ordered = [v for v, _ in question.choices if v in chosen]
    return Outcome(replace(draft, answers={**draft.answers, question.field: ordered}))


def _done(draft: Draft) -> Outcome:
    question = draft.question
    if question is None or question.kind is not Kind.MULTI_CHOICE:
        return Outcome(draft, ("That button belongs to an earlier question.",))
    if not draft.answers.get(question.field):
        return Outcome(draft, ("Pick at least one first.",))
    return _after_answer(draft, dict(draft.answers))


def _answer(draft: Draft, raw: str) -> Outcome:
    question = draft.question
    if question is None:
        return Outcome(
            draft, ("Type submit to send it, edit and a field to change an answer, or cancel.",)
        )
    value = read_answer(question, raw)
    if isinstance(value, Invalid):
        return Outcome(draft, (refusal(question, value),))
    answers = {**draft.answers, question.field: value}
    clash = check_dates(answers) or (
        check_worked(answers) if question.field == "evaluation" else None
    )
    if clash is not None:
        return Outcome(draft, (clash.reason,))
    return _after_answer(draft, answers)


def _after_answer(draft: Draft, answers: dict[str, Any]) -> Outcome:
    """Move on: the next question on the first pass, else back to the review (or what's missing)."""
    needed = missing(answers)
    if draft.editing:
        if needed:
            return Outcome(replace(draft, step=needed[0], answers=answers))
        return Outcome(replace(draft, step=REVIEW, answers=answers, editing=False))
    index = ORDER.index(draft.step)
    history = (*draft.history, draft.step)
    later = [f for f in ORDER[index + 1 :] if not _given_in_form(draft, answers, f)]
    if later:
        return Outcome(replace(draft, step=later[0], answers=answers, history=history))
    if needed:
        return Outcome(replace(draft, step=needed[0], answers=answers, editing=True))
    return Outcome(replace(draft, step=REVIEW, answers=answers, history=history))


def first_step(answers: Mapping[str, Any]) -> Draft:
    """Where a new dialogue starts: the first question, or the review for a pre-filled update."""
    if not answers:
        return Draft(step=ORDER[0])
    needed = missing(answers)
    if needed:
        return Draft(step=needed[0], answers=answers, editing=True)
    return Draft(step=REVIEW, answers=answers)


def _given_in_form(draft: Draft, answers: Mapping[str, Any], name: str) -> bool:
    """Whether a question was answered in the sharing form (so the first pass passes it by)."""
    return name in draft.filled and bool(answers.get(name))


def fill(draft: Draft, values: Mapping[str, Any]) -> Draft:
    """Take answers given at once in the sharing form and move to the first question still to ask.

    On the first pass the dialogue carries on from where it stood, passing by what the form
    answered (those questions go into `history`, so `back` can reopen them); a draft already
    reviewed, being edited or waiting for a cancel confirmation returns to what is missing, or to
    the review. The values must already be read (`bot.sharing.form.read_form`).
    """
    answers = {**draft.answers, **values}
    filled = tuple(f for f in ORDER if f in values or f in draft.filled)
    filling = replace(draft, answers=answers, filled=filled, before_cancel="")
    step = draft.before_cancel if draft.step == CONFIRM_CANCEL else draft.step
    if not draft.editing and step in ORDER:
        passed: list[str] = []
        for name in ORDER[ORDER.index(step) :]:
            if not _given_in_form(filling, answers, name):
                return replace(filling, step=name, history=(*draft.history, *passed))
            passed.append(name)
        filling = replace(filling, history=(*draft.history, *passed))
    needed = missing(answers)
    if needed:
        return replace(filling, step=needed[0], editing=True)
    return replace(filling, step=REVIEW, editing=False)
