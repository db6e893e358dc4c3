"""Outbound replies made of platform-neutral blocks, which each adapter renders in its own way.

User-supplied text travels in these blocks unescaped; escaping for a platform (Slack `&<>`,
Discord markdown, mention suppression) is the renderer's job, because only it knows the syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.kernel.domain import Practice


@dataclass(frozen=True)
class Span:
    """A run of text with simple emphasis; `link` makes it a hyperlink."""

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of text made of spans."""

    spans: tuple[Span, ...]

    @property
    def plain(self) -> str:
        """The paragraph's text without emphasis, for terminals and tests."""
        return "".join(span.text for span in self.spans)


class CardDetail(StrEnum):
    """How much of a practice a card shows."""

    SUMMARY = "summary"
    FULL = "full"


@dataclass(frozen=True)
class PracticeCard:
    """A practice shown as a card; `rank` is its position in a result list, if any."""

    practice: Practice
    detail: CardDetail = CardDetail.SUMMARY
    rank: int | None = None


class ActionStyle(StrEnum):
    """Visual weight of a button."""

    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Action:
    """A button: `id` is a stable, encoded action id such as `show:PB046` (`bot.kernel.actions`)."""

    id: str
    label: str
    style: ActionStyle = ActionStyle.DEFAULT


@dataclass(frozen=True)
class Buttons:
    """A row of buttons."""

    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Choice:
    """One option of a choice list: `action` is what picking it sends back."""

    action: str
    label: str


@dataclass(frozen=True)
class Choices:
    """A list to pick one option from (a select menu, or numbered lines in a terminal)."""

    prompt: str
    options: tuple[Choice, ...]


class FieldKind(StrEnum):
    """What a form field takes."""

    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines
    CHOICE = "choice"  # exactly one of `options`
    MULTI_CHOICE = "multi_choice"  # any number of `options`


@dataclass(frozen=True)
class FormField:
    """One input of a form; `options` are (value, label) pairs for the choice kinds.

    `default` pre-fills the field (for several choices: values separated by commas); `error`
    says why the value last sent in it was refused, for platforms that show it beside the field.
    """

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    default: str = ""
    max_length: int = 3000
    error: str = ""


@dataclass(frozen=True)
class Form:
    """A form to fill in one go (a Slack or Discord modal; successive prompts in a terminal).

    Sending it back produces `FormSubmit(form=id, values={name: value})`; `id` is encoded like an
    action id (e.g. `mod:approve:42`) so the core knows what the values are for.
    """

    id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"


Block = Paragraph | PracticeCard | Buttons | Choices | Form


@dataclass(frozen=True)
class Reply:
    """What the core answers to one event.

    `private` asks the adapter to show it only to the actor (ephemeral in Slack and Discord) and
    `replace` to update the message the click came from instead of posting a new one.

    Two decisions about where an answer goes are the core's, so every platform behaves alike:
    `continues_in_private` says the answer belongs to a conversation the person continues by
    typing (the sharing dialogue), so an adapter that received it in a shared channel carries it
    on where the person can answer (a direct message); `share_action` is the action id whose
    answer the person may post in the channel for everyone ("Share in channel"), empty when
    nothing here may be shared. The adapter re-runs that action and posts its answer publicly.
    """

    blocks: tuple[Block, ...] = field(default_factory=tuple)
    private: bool = True
    replace: bool = False
    continues_in_private: bool = False
    share_action: str = ""

    @property
    def plain(self) -> str:
        """All text of the reply's paragraphs, newline-separated: handy in tests and logs."""
        return "\n".join(b.plain for b in self.blocks if isinstance(b, Paragraph))


def text(*parts: str | Span) -> Paragraph:
    """Build a paragraph from strings (plain) and spans (emphasised)."""
    return Paragraph(tuple(Span(p) if isinstance(p, str) else p for p in parts))


def say(*paragraphs: Paragraph | str) -> Reply:
    """A private reply of plain paragraphs; each string is one paragraph of plain text."""
    return Reply(tuple(text(p) if isinstance(p, str) else p for p in paragraphs))


def bold(value: str) -> Span:
    """A bold span."""
    return Span(value, bold=True)
