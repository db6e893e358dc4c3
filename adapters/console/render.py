"""Renders core replies as terminal text: paragraphs, practice cards, numbered buttons and choices.

Forms are not drawn here: `render_reply` hands them back so the session can ask them field by field
(`adapters.console.forms`). Notifications are replies under a header saying whom they are for.

Every piece of user or practice text passes through `safe` first: a practice's summary must not be
able to move the cursor, retitle the window, ring the bell or flip the line's direction, so ANSI
escape sequences, control characters and bidirectional overrides are removed.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from bot.kernel.cards import card_rows, field_text
from bot.kernel.domain import Practice
from bot.kernel.records import Audience, Notification
from bot.kernel.replies import (
    Buttons,
    CardDetail,
    Choices,
    Form,
    Paragraph,
    PracticeCard,
    Reply,
    Span,
)

WIDTH = 88
INDENT = "   "

# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), the 8-bit CSI, and any other two-byte ESC sequence.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -~]?"
)
# C0 and C1 controls, DEL, and the bidi embedding/override/isolate marks that reorder a line.
_UNSAFE_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ShownButton:
    """A button as the terminal shows it: the number to type, its label and the action it sends."""

    number: int
    label: str
    action: str


@dataclass(frozen=True)
class Rendered:
    """A reply as terminal text plus the buttons it numbered, so a typed number can press one.

    `forms` are the reply's forms, which the session asks field by field after the text.
    """

    text: str
    buttons: tuple[ShownButton, ...]
    forms: tuple[Form, ...] = ()


def safe(value: str) -> str:
    """Make `value` one line free of escape sequences and control characters."""
    without_sequences = _ESCAPE_SEQUENCE.sub("", value)
    spaced = re.sub(r"[\t\n\r\v\f]+", " ", without_sequences)
    return _UNSAFE_CHARACTER.sub("", spaced)


def render_span(span: Span) -> str:
    """Render a span as plain text; a link shows its address after the text when they differ."""
    shown = safe(span.text)
    if span.link and safe(span.link) != shown:
        return f"{shown} <{safe(span.link)}>"
    return shown


def render_paragraph(paragraph: Paragraph) -> str:
    """Render a paragraph wrapped to the terminal width."""
    return textwrap.fill("".join(render_span(s) for s in paragraph.spans), WIDTH) or ""


def _wrapped(label: str, value: str, indent: str = INDENT) -> str:
    return textwrap.fill(
        f"{label}: {value}" if label else value,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  " if label else indent,
    )


def render_card_summary(practice: Practice, rank: int | None) -> str:
    """Render a result: rank, ref and title; rating, focus and organisation; summary."""
    head = f"{rank}. " if rank is not None else ""
    facts = [practice.effectiveness.label, field_text(practice.focus), practice.organisation or ""]
    lines = [
        f"{head}{practice.ref} · {safe(practice.title)}",
        _wrapped("", " · ".join(safe(f) for f in facts if f)),
        _wrapped("", safe(practice.summary)),
    ]
    if practice.is_restricted:
        lines.append(f"{INDENT}({field_text(practice.visibility)})")
    return "\n".join(lines)


def render_card_full(practice: Practice) -> str:
    """Render a practice in full: every row the core's card lists, labelled, one per paragraph."""
    lines = [f"{practice.ref} · {safe(practice.title)}", _wrapped("", safe(practice.summary))]
    lines += [_wrapped(row.label, safe(row.text)) for row in card_rows(practice)]
    return "\n".join(lines)


def render_reply(reply: Reply, first_number: int = 1) -> Rendered:
    """Render a whole reply as text; buttons and choices are numbered from `first_number` on."""
    parts: list[str] = []
    buttons: list[ShownButton] = []
    forms: list[Form] = []
    # The terminal asks a form's questions at once, so a button that would open a form shown in
    # the same reply (`share form`'s *Open the form*) only repeats it: it is left out.
    shown_forms = {block.id for block in reply.blocks if isinstance(block, Form)}
    number = first_number
    for block in reply.blocks:
        match block:
            case Paragraph():
                parts.append(render_paragraph(block))
            case PracticeCard(practice=practice, detail=CardDetail.FULL):
                parts.append(render_card_full(practice))
            case PracticeCard(practice=practice, rank=rank):
                parts.append(render_card_summary(practice, rank))
            case Buttons(actions=row):
                labels = []
                for action in row:
                    if action.id in shown_forms:
                        continue
                    buttons.append(ShownButton(number, safe(action.label), action.id))
                    labels.append(f"[{number}] {safe(action.label)}")
                    number += 1
                if labels:
                    parts.append(INDENT + "  ".join(labels))
            case Choices(prompt=prompt, options=options):
                lines = [safe(prompt)]
                for option in options:
                    buttons.append(ShownButton(number, safe(option.label), option.action))
                    lines.append(f"{INDENT}[{number}] {safe(option.label)}")
                    number += 1
                parts.append("\n".join(lines))
            case Form():
                forms.append(block)
    return Rendered("\n".join(parts), tuple(buttons), tuple(forms))


def render_notification_header(notification: Notification, moderation_channel: str | None) -> str:
    """The line above a notification: whom it is for, and whether it updates an earlier one."""
    if notification.audience is Audience.PERSON:
        place = "message for you"
    elif moderation_channel and notification.recipient == moderation_channel:
        place = "moderation channel"
    else:
        place = f"channel {safe(notification.recipient)}"
    updated = " (updated)" if notification.replace else ""
    return f"── {place}{updated} ──"


def render_notification(
    notification: Notification, moderation_channel: str | None, first_number: int = 1
) -> Rendered:
    """Render a delivered notification like a reply, under its header."""
    body = render_reply(notification.reply, first_number)
    header = render_notification_header(notification, moderation_channel)
    text = f"{header}\n{body.text}" if body.text else header
    return Rendered(text, body.buttons, body.forms)
