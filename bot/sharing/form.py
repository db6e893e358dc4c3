"""The compact sharing form: the five long free-text answers in one go, for people who prefer it.

It feeds the same draft as the guided dialogue: each value is read by the dialogue's own reader
for that question (`bot.sharing.questions.read_answer`), so the form accepts and refuses exactly
what the dialogue does. A refused form comes back with the reasons and with what was typed as
its defaults (cleaned of control characters and cut to the field's limit), so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.kernel.actions import ShareForm, encode_share
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    FieldKind,
    Form,
    FormField,
    Span,
    bold,
    text,
)
from bot.kernel.text import clean_note
from bot.sharing.questions import BY_FIELD, Question, read_answer
from bot.sharing.validate import Invalid

FORM_ID = encode_share(ShareForm())
FORM_TITLE = "Share a practice"
FORM_SUBMIT = "Continue"
# The free-text questions a modal can hold (Discord allows five inputs), in the dialogue's order.
FORM_FIELDS: tuple[str, ...] = ("title", "summary", "aim", "description", "learning")
FORM_QUESTIONS: tuple[Question, ...] = tuple(BY_FIELD[name] for name in FORM_FIELDS)
# One-line answers; the others take several lines.
_ONE_LINE = frozenset({"title"})


@dataclass(frozen=True)
class Refusal:
    """Why one field of the form was refused."""

    field: str
    label: str
    reason: str


@dataclass(frozen=True)
class FormRefused:
    """The form could not be taken: the reasons, and the values to show in it again."""

    refusals: tuple[Refusal, ...]
    defaults: dict[str, str]


def _raw(values: Mapping[str, Any], name: str) -> str:
    """A submitted value; anything but text (a platform's oddity, a forgery) counts as empty."""
    value = values.get(name)
    return value if isinstance(value, str) else ""


def _shown_again(raw: str, question: Question) -> str:
    """What a refused value becomes as the form's default: printable, and short enough to send."""
    return clean_note(raw)[: question.max_length]


def read_form(values: Mapping[str, Any]) -> dict[str, str] | FormRefused:
    """Read the form's values as the dialogue would read them one by one.

    Returns the answers to store, or every refusal at once (fields the form does not hold are
    ignored).
    """
    answers: dict[str, str] = {}
    refusals: list[Refusal] = []
    defaults: dict[str, str] = {}
    for question in FORM_QUESTIONS:
        raw = _raw(values, question.field)
        value = read_answer(question, raw)
        if isinstance(value, Invalid):
            refusals.append(Refusal(question.field, question.label, value.reason))
            defaults[question.field] = _shown_again(raw, question)
        else:
            answers[question.field] = str(value)
            defaults[question.field] = str(value)
    if refusals:
        return FormRefused(tuple(refusals), defaults)
    return answers


def share_form(
    defaults: Mapping[str, Any] | None = None, errors: Mapping[str, str] | None = None
) -> Form:
    """The form, pre-filled with `defaults` (a draft's answers, or what was typed and refused).

    `errors` are the reasons per field of a refused form, carried on its fields.
    """
    given = defaults or {}
    fields = []
    for question in FORM_QUESTIONS:
        default = given.get(question.field)
        fields.append(
            FormField(
                name=question.field,
                label=question.label,
                kind=FieldKind.TEXT if question.field in _ONE_LINE else FieldKind.LONG_TEXT,
                required=True,
                default=default[: question.max_length] if isinstance(default, str) else "",
                max_length=question.max_length,
                error=(errors or {}).get(question.field, ""),
            )
        )
    return Form(FORM_ID, FORM_TITLE, tuple(fields), FORM_SUBMIT)


def form_intro_blocks() -> list[Block]:
    """Say what the form covers and what follows it.

    The button asks for the form again: where an adapter cannot open a form in answer to what
    was typed (Slack needs a click's or a command's `trigger_id`), pressing it opens the form.
    Adapters that show the form at once leave buttons out of it.
    """
    return [
        text(
            bold("The long answers in one form"),
            ": title, summary, problem and aim, what was done, and learning. "
            "I'll ask the rest (focus, effectiveness, contact…) one at a time after.",
        ),
        Buttons((Action(FORM_ID, "Open the form", ActionStyle.PRIMARY),)),
    ]


def refusal_blocks(refused: FormRefused) -> list[Block]:
    """Why the form came back; the form itself follows, with what was typed still in it."""
    blocks: list[Block] = [text(bold("Please check these answers"), ": nothing you typed is lost.")]
    blocks.extend(
        text(bold(refusal.label), ": ", Span(refusal.reason, italic=True))
        for refusal in refused.refusals
    )
    return blocks
