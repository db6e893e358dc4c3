"""Fills in a core `Form` at the terminal, one field per line, where Slack and Discord show a modal.

Choices are numbered and answered by number or label (several: separated by commas); a default
is shown in brackets and taken on an empty line; a required field is asked again until answered.
`/cancel` leaves the form without sending it. When the last field is answered the values are
ready for `events.FormSubmit`, in the shape a modal would send: text as typed, one choice as its
value, several choices as values joined by commas.

A form that comes back refused (some fields carry an `error`) asks only those fields again; the
others are sent with their defaults, which hold what was typed: a modal keeps what was typed and
shows the errors beside the fields, and the terminal must not make the person type it all again.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.console.render import INDENT, safe
from bot.kernel.replies import FieldKind, Form, FormField

CANCEL_WORDS = frozenset({"/cancel"})
# Typed in an optional several-choices field to send none, even when it has a default.
NONE_WORDS = frozenset({"-", "none"})


@dataclass(frozen=True)
class AskAgain:
    """The answer could not be taken: say why, then ask the same field again."""

    reason: str


@dataclass(frozen=True)
class NextField:
    """The answer was taken and another field follows."""


@dataclass(frozen=True)
class Completed:
    """Every field is answered: `values` are what the form sends back."""

    values: dict[str, str]


@dataclass(frozen=True)
class Cancelled:
    """The person left the form; nothing is sent."""


FormStep = AskAgain | NextField | Completed | Cancelled


def _option_label(field: FormField, value: str) -> str:
    """The label of a choice value, or the value itself when it is not one of the options."""
    for option_value, label in field.options:
        if option_value == value:
            return label
    return value


def _default_shown(field: FormField) -> str:
    """The default as the person reads it: labels for choices."""
    if not field.default:
        return ""
    if field.kind is FieldKind.MULTI_CHOICE:
        values = [v.strip() for v in field.default.split(",") if v.strip()]
        return ", ".join(_option_label(field, v) for v in values)
    if field.kind is FieldKind.CHOICE:
        return _option_label(field, field.default)
    return field.default


def refused_fields(form: Form) -> tuple[FormField, ...]:
    """The fields to ask: those refused last time if the form carries errors, else all."""
    return tuple(f for f in form.fields if f.error) or form.fields


def render_form_intro(form: Form) -> str:
    """Say which form this is and how to answer it."""
    count = len(refused_fields(form))
    questions = "1 question" if count == 1 else f"{count} questions"
    return (
        f"{safe(form.title)} ({questions}; an empty line keeps the value in [brackets], "
        "`/cancel` leaves the form)"
    )


def render_field_prompt(field: FormField, number: int, total: int) -> str:
    """Ask for one field: position, label, what it takes, its default, and numbered choices."""
    notes: list[str] = []
    if field.required:
        notes.append("required")
    if field.kind is FieldKind.MULTI_CHOICE:
        notes.append("one or more, e.g. 1,3")
    elif field.kind is FieldKind.CHOICE:
        notes.append("pick one")
    note = f" ({', '.join(notes)})" if notes else ""
    default = _default_shown(field)
    shown_default = f" [{safe(default)}]" if default else ""
    lines = [f"({number}/{total}) {safe(field.label)}{note}{shown_default}:"]
    for index, (_, label) in enumerate(field.options, start=1):
        lines.append(f"{INDENT}[{index}] {safe(label)}")
    return "\n".join(lines)


class FormFill:
    """One form being filled in at the terminal: the answers so far and the field asked now."""

    def __init__(self, form: Form) -> None:
        """Start at the first field to ask; fields not asked again keep their defaults."""
        self.form = form
        self.asked = refused_fields(form)
        self.values: dict[str, str] = {
            f.name: f.default for f in form.fields if f not in self.asked
        }
        self.index = 0

    @property
    def field(self) -> FormField:
        """The field being asked now."""
        return self.asked[self.index]

    @property
    def done(self) -> bool:
        """Whether every field to ask has been answered."""
        return self.index >= len(self.asked)

    def prompt(self) -> str:
        """The question for the current field."""
        return render_field_prompt(self.field, self.index + 1, len(self.asked))

    def answer(self, line: str) -> FormStep:
        """Take one typed line as the answer to the current field."""
        stripped = line.strip()
        if stripped.casefold() in CANCEL_WORDS:
            return Cancelled()
        field = self.field
        value = self._read(field, stripped)
        if isinstance(value, AskAgain):
            return value
        self.values[field.name] = value
        self.index += 1
        if self.done:
            return Completed({f.name: self.values[f.name] for f in self.form.fields})
        return NextField()

    def _read(self, field: FormField, typed: str) -> str | AskAgain:
        """The value for `field` from what was typed, or why it cannot be taken."""
        if not typed:
            if field.default:
                return field.default
            if field.required:
                return AskAgain(f"{safe(field.label)} is required: please type an answer.")
            return ""
        match field.kind:
            case FieldKind.CHOICE:
                return self._one_choice(field, typed)
            case FieldKind.MULTI_CHOICE:
                return self._several_choices(field, typed)
            case _:
                if len(typed) > field.max_length:
                    return AskAgain(
                        f"That is {len(typed):,} characters; {safe(field.label)} takes at most "
                        f"{field.max_length:,}. Please shorten it."
                    )
                return typed

    def _one_choice(self, field: FormField, typed: str) -> str | AskAgain:
        value = _pick(field, typed)
        if value is None:
            return AskAgain(_choices_hint(field))
        return value

    def _several_choices(self, field: FormField, typed: str) -> str | AskAgain:
        if typed.casefold() in NONE_WORDS:
            if field.required:
                return AskAgain(f"{safe(field.label)} is required: pick at least one.")
            return ""
        picked: list[str] = []
        for part in typed.split(","):
            if not part.strip():
                continue
            value = _pick(field, part)
            if value is None:
                shown = safe(part.strip())[:40]
                return AskAgain(f"“{shown}” is not a choice. {_choices_hint(field)}")
            if value not in picked:
                picked.append(value)
        if not picked:
            return AskAgain(_choices_hint(field))
        return ",".join(picked)


def _pick(field: FormField, typed: str) -> str | None:
    """The option value meant by a number, a label or a value (case and spacing ignored)."""
    wanted = " ".join(typed.split()).casefold()
    if wanted.isascii() and wanted.isdigit():
        number = int(wanted)
        if 1 <= number <= len(field.options):
            return field.options[number - 1][0]
        return None
    for value, label in field.options:
        if wanted in (" ".join(label.split()).casefold(), value.casefold()):
            return value
    return None


def _choices_hint(field: FormField) -> str:
    """Say how to answer a choice field."""
    count = len(field.options)
    if not count:
        return "There is nothing to pick here; type `/cancel` to leave the form."
    several = ""
    if field.kind is FieldKind.MULTI_CHOICE:
        several = " (several: separate them with commas)"
    return f"Type a number from 1 to {count}, or the name of a choice{several}."
