"""Renders core replies as Slack Block Kit: messages (sections, cards, buttons, selects) and modals.

Every user or practice text is escaped (`adapters.slack.text.escape`) and fits its Block Kit
limit: a long answer is split over several sections rather than cut. A message also fits Slack's
~12,000 characters across its blocks (`msg_blocks_too_long`) and 50 blocks whatever a practice
holds: when a full card would not, the message shows it with each long answer shortened (and says
so), and the full text travels in `SlackMessage.more`, follow-up messages the adapter posts in the
message's thread (or after it, when ephemeral). A private answer the core marked shareable
(`Reply.share_action`) carries one *Share in channel* button (`slack:post:<share action>`) below
its cards and paging buttons, when the adapter asks for it (not in a DM with the bot). A `Form` is
not part of a message: it becomes a modal (`render_modal`) opened with the click's `trigger_id`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.slack.text import (
    ACTION_ID,
    BUTTON_TEXT,
    CONTEXT_TEXT,
    INPUT_LABEL,
    INPUT_VALUE,
    MAX_BLOCKS,
    MAX_CHECKBOX_OPTIONS,
    MAX_SELECT_OPTIONS,
    MESSAGE_BLOCKS_TEXT,
    MESSAGE_TEXT,
    MODAL_BUTTON,
    MODAL_MAX_BLOCKS,
    MODAL_TITLE,
    OPTION_TEXT,
    OPTION_VALUE,
    PRIVATE_METADATA,
    SECTION_TEXT,
    cut,
    escape,
    mrkdwn,
    one_line,
    plain,
    units,
)
from bot.kernel.cards import card_rows, field_text
from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    CardDetail,
    Choices,
    FieldKind,
    Form,
    FormField,
    Paragraph,
    PracticeCard,
    Reply,
    Span,
)

JsonDict = dict[str, Any]

SHARE_IN_CHANNEL = "slack:post:"
"""Prefix of the *Share in channel* button's action id; the core's `share_action` follows."""
INPUT_ACTION = "value"
"""The action id of every modal input; the block id is the form field's name."""

BADGES: dict[Effectiveness, str] = {
    Effectiveness.WORKED: ":large_green_circle:",
    Effectiveness.PROMISING: ":large_yellow_circle:",
    Effectiveness.UNTESTED: ":white_circle:",
    Effectiveness.DIDNT_WORK: ":red_circle:",
}
_SAFE_LINK = re.compile(r"(https?://|mailto:)[^\s<>|]+", re.IGNORECASE)
_STYLES = {ActionStyle.PRIMARY: "primary", ActionStyle.DANGER: "danger"}

# Fields the facts line under the title shows, so the detail sections below leave them out.
IN_FACTS_LINE = frozenset({"effectiveness", "focus", "organisation", "visibility"})

# What one message may hold, with room to spare under Slack's "about 12,000" characters.
TEXT_BUDGET = MESSAGE_BLOCKS_TEXT - 1000
# How long each answer of a full card may be in a message that must shorten it, longest first.
EXCERPTS = (1000, 500, 250, 120)
MORE_THAN_FITS = "… (more than fits here)"
SHORTENED_NOTE = "Long answers are shortened here to fit Slack; the full text follows in {where}."
CONTINUES_NOTE = "This is long: it continues in {where}."


@dataclass(frozen=True)
class SlackMessage:
    """A reply as Slack sends it: fallback `text`, Block Kit `blocks`, and the forms it carried."""

    text: str
    blocks: list[JsonDict]
    forms: tuple[Form, ...] = ()
    private: bool = True
    replace: bool = False
    extra: JsonDict = field(default_factory=dict)
    more: tuple[list[JsonDict], ...] = ()
    """Follow-up messages' blocks: the full text of what `blocks` had to shorten."""


def blocks_text(blocks: list[JsonDict]) -> int:
    """Characters of text across blocks, counted as Slack totals them for `msg_blocks_too_long`."""
    total = 0
    stack: list[object] = [blocks]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "text" and isinstance(value, str):
                    total += units(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return total


def fits(blocks: list[JsonDict]) -> bool:
    """Whether one message can carry these blocks."""
    return len(blocks) <= MAX_BLOCKS and blocks_text(blocks) <= TEXT_BUDGET


def split_text(value: str, limit: int = SECTION_TEXT) -> list[str]:
    """Escaped mrkdwn cut into pieces of at most `limit` units, at paragraph, line or word breaks.

    Nothing is lost; a piece never ends inside an `&amp;` entity or a surrogate pair.
    """
    pieces: list[str] = []
    rest = value
    while units(rest) > limit:
        head = rest
        while units(head) > limit:  # shrink by the excess, a chunk at a time (cheap on 100 kB)
            head = head[: len(head) - max(1, (units(head) - limit) // 2)]
        for mark in ("\n\n", "\n", " "):
            at = head.rfind(mark)
            if at > len(head) // 2:
                head = head[: at + len(mark)]
                break
        else:
            entity = head.rfind("&")
            if entity > len(head) - 5 and ";" not in head[entity:]:
                head = head[:entity] or head
        pieces.append(head.rstrip() or head)
        rest = rest[len(head) :].lstrip(" ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def sections(value: str) -> list[JsonDict]:
    """Escaped mrkdwn as one section, or several when longer than a section holds."""
    return [{"type": "section", "text": mrkdwn(piece)} for piece in split_text(value)]


# --- text --------------------------------------------------------------------------------------


def render_span(span: Span) -> str:
    """One span as mrkdwn: escaped, emphasised, linked only to http(s) or mailto addresses."""
    shown = escape(span.text)
    core = shown.strip()
    if core:
        if span.bold:
            core = f"*{core}*"
        if span.italic:
            core = f"_{core}_"
        lead = shown[: len(shown) - len(shown.lstrip())]
        trail = shown[len(shown.rstrip()) :]
        shown = f"{lead}{core}{trail}"
    if span.link and _SAFE_LINK.fullmatch(span.link):
        return f"<{escape(span.link)}|{shown or escape(span.link)}>"
    return shown


def render_paragraph(paragraph: Paragraph) -> str:
    """A paragraph as mrkdwn text."""
    return "".join(render_span(span) for span in paragraph.spans)


# --- practice cards ----------------------------------------------------------------------------


def card_facts(practice: Practice) -> str:
    """The line under a card's title: effectiveness badge, focus and organisation."""
    facts = [f"{BADGES[practice.effectiveness]} *{escape(practice.effectiveness.label)}*"]
    if practice.focus:
        facts.append("Focus: " + escape(field_text(practice.focus)))
    if practice.organisation:
        facts.append(escape(one_line(practice.organisation)))
    if practice.is_restricted:
        facts.append(":lock: police only")
    return " · ".join(facts)


def card_title(practice: Practice, rank: int | None) -> str:
    """The card's first line: rank, title in bold, and the ref."""
    head = f"{rank}. " if rank is not None else ""
    title = escape(one_line(practice.title)) or "(untitled)"
    return f"{head}*{title}* · `{escape(practice.ref)}`"


def render_card_summary(practice: Practice, rank: int | None) -> list[JsonDict]:
    """A result card: title and summary, then the facts line."""
    section: JsonDict = {
        "type": "section",
        "text": mrkdwn(f"{card_title(practice, rank)}\n{escape(practice.summary)}"),
    }
    return [section, {"type": "context", "elements": [mrkdwn(card_facts(practice), CONTEXT_TEXT)]}]


def render_card_full(practice: Practice, excerpt: int | None = None) -> list[JsonDict]:
    """A practice in full: title, facts, summary, then every filled field in labelled sections.

    A long field takes several sections. With `excerpt`, each field is shortened to that many
    characters (with "…"), for a message that cannot hold the whole practice.
    """

    def shown(value: str) -> str:
        return escape(cut(value, excerpt) if excerpt else value)

    blocks: list[JsonDict] = [
        {"type": "section", "text": mrkdwn(card_title(practice, None))},
        {"type": "context", "elements": [mrkdwn(card_facts(practice), CONTEXT_TEXT)]},
    ]
    if practice.summary.strip():
        blocks.extend(sections(shown(practice.summary)))
    for row in card_rows(practice):
        if row.name not in IN_FACTS_LINE:
            blocks.extend(sections(f"*{row.label}*\n{shown(row.text)}"))
    return blocks


# --- buttons and choices -----------------------------------------------------------------------


def render_buttons(row: Buttons) -> list[JsonDict]:
    """A row of buttons as an actions block (Slack allows 25 elements per block)."""
    elements: list[JsonDict] = []
    seen: set[str] = set()
    for action in row.actions[:25]:
        if action.id in seen or len(action.id) > ACTION_ID:
            continue  # Slack rejects a block whose action ids repeat; ids are ours, never long
        seen.add(action.id)
        button: JsonDict = {
            "type": "button",
            "action_id": action.id,
            "text": plain(action.label, BUTTON_TEXT),
        }
        if action.style in _STYLES:
            button["style"] = _STYLES[action.style]
        elements.append(button)
    return [{"type": "actions", "elements": elements}] if elements else []


def _option(value: str, label: str) -> JsonDict:
    return {"text": plain(label, OPTION_TEXT), "value": value}


def render_choices(choices: Choices, index: int) -> list[JsonDict]:
    """A choice list as a prompt and a select menu whose option values are the action ids."""
    options = [
        _option(c.action, c.label) for c in choices.options if len(c.action) <= OPTION_VALUE
    ][:MAX_SELECT_OPTIONS]
    blocks: list[JsonDict] = []
    if choices.prompt:
        blocks.append({"type": "section", "text": mrkdwn(escape(choices.prompt))})
    if options:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": f"slack:choose:{index}",
                        "placeholder": plain("Choose…", OPTION_TEXT),
                        "options": options,
                    }
                ],
            }
        )
    return blocks


# --- whole replies -----------------------------------------------------------------------------


def _fallback_text(reply: Reply) -> str:
    """The notification text: the paragraphs, else the first card's title (plain, escaped)."""
    if reply.plain:
        return cut(escape(reply.plain), MESSAGE_TEXT)
    for block in reply.blocks:
        if isinstance(block, PracticeCard):
            title = f"{block.practice.ref} {one_line(block.practice.title)}"
            return cut(escape(title), MESSAGE_TEXT)
    return "Practice bank"


def render_blocks(reply: Reply, *, excerpt: int | None = None) -> list[JsonDict]:
    """The reply's blocks (forms left out), full cards' answers shortened to `excerpt` if given."""
    blocks: list[JsonDict] = []
    for index, block in enumerate(reply.blocks):
        blocks.extend(_render_block(block, index, excerpt))
    return blocks


def _render_block(block: Block, index: int, excerpt: int | None = None) -> list[JsonDict]:
    match block:
        case Paragraph():
            shown = render_paragraph(block)
            return sections(shown) if shown.strip() else []
        case PracticeCard(practice=practice, detail=CardDetail.FULL):
            return render_card_full(practice, excerpt)
        case PracticeCard(practice=practice, rank=rank):
            return render_card_summary(practice, rank)
        case Buttons():
            return render_buttons(block)
        case Choices():
            return render_choices(block, index)
        case Form():
            return []
    return []


def _with_share_button(reply: Reply) -> Reply:
    """The reply with its *Share in channel* button, when the core marked it shareable.

    The button goes after the last card and its buttons (Details, More results) and before any
    filter menus, so it sits under what it shares.
    """
    if not reply.share_action:
        return reply
    share = Buttons((Action(SHARE_IN_CHANNEL + reply.share_action, "Share in channel"),))
    blocks = list(reply.blocks)
    cards = [i for i, block in enumerate(blocks) if isinstance(block, PracticeCard)]
    after = cards[-1] + 1 if cards else 0
    menus = [i for i in range(after, len(blocks)) if isinstance(blocks[i], Choices)]
    blocks.insert(menus[0] if menus else len(blocks), share)
    return replace(reply, blocks=tuple(blocks))


def pack(blocks: list[JsonDict]) -> list[list[JsonDict]]:
    """Blocks in order, grouped into as few messages as Slack's limits allow."""
    messages: list[list[JsonDict]] = [[]]
    for block in blocks:
        if messages[-1] and not fits([*messages[-1], block]):
            messages.append([])
        messages[-1].append(block)
    return [m for m in messages if m]


def _fitted(reply: Reply, where: str) -> tuple[list[JsonDict], list[JsonDict]]:
    """The message's blocks and the full text to send after it (empty when all fits)."""
    whole = render_blocks(reply)
    if fits(whole):
        return whole, []
    full = [
        block
        for card in reply.blocks
        if isinstance(card, PracticeCard) and card.detail is CardDetail.FULL
        for block in render_card_full(card.practice)
    ]
    note = {"type": "context", "elements": [mrkdwn(SHORTENED_NOTE.format(where=where))]}
    if full:
        for excerpt in EXCERPTS:
            shortened = [*render_blocks(reply, excerpt=excerpt), note]
            if fits(shortened):
                return shortened, full
    # Nothing to shorten, or too much even shortened: the reply spread over several messages,
    # its buttons in the first so that they stay where the person looks.
    note = {"type": "context", "elements": [mrkdwn(CONTINUES_NOTE.format(where=where))]}
    buttons = [b for b in whole if b["type"] == "actions"][: MAX_BLOCKS // 2]
    text_blocks = [b for b in whole if b["type"] != "actions"]
    first = list(buttons)
    while text_blocks and fits([*first, text_blocks[0], note]):
        first.insert(len(first) - len(buttons), text_blocks.pop(0))
    return ([*first, note] if text_blocks else first), text_blocks


def render_message(
    reply: Reply, *, share_button: bool = False, where: str = "the thread"
) -> SlackMessage:
    """A whole reply as a Slack message that fits; its forms are kept aside for `render_modal`.

    `share_button` adds *Share in channel* when the core marked the reply shareable; `where`
    names where the follow-up messages go, for the note on a shortened message.
    """
    forms = tuple(b for b in reply.blocks if isinstance(b, Form))
    shown = _with_share_button(reply) if share_button else reply
    blocks, rest = _fitted(shown, where)
    return SlackMessage(
        text=_fallback_text(reply),
        blocks=blocks,
        forms=forms,
        private=reply.private,
        replace=reply.replace,
        more=tuple(pack(rest)),
    )


# --- modals ------------------------------------------------------------------------------------


def _input(form_field: FormField) -> JsonDict:
    """One form field as an input block: block id is the field's name, action id `value`."""
    element: JsonDict
    options = [_option(v, label) for v, label in form_field.options if len(v) <= OPTION_VALUE]
    defaults = [v.strip() for v in form_field.default.split(",") if v.strip()]
    match form_field.kind:
        case FieldKind.CHOICE:
            element = {"type": "static_select", "options": options[:MAX_SELECT_OPTIONS]}
            initial = [o for o in element["options"] if o["value"] == form_field.default.strip()]
            if initial:
                element["initial_option"] = initial[0]
        case FieldKind.MULTI_CHOICE:
            kind = "checkboxes" if len(options) <= MAX_CHECKBOX_OPTIONS else "multi_static_select"
            element = {"type": kind, "options": options[:MAX_SELECT_OPTIONS]}
            initial = [o for o in element["options"] if o["value"] in defaults]
            if initial:
                element["initial_options"] = initial
        case _:
            limit = max(1, min(form_field.max_length, INPUT_VALUE))
            element = {
                "type": "plain_text_input",
                "multiline": form_field.kind is FieldKind.LONG_TEXT,
                "max_length": limit,
            }
            if form_field.default:
                element["initial_value"] = cut(form_field.default, limit)
    element["action_id"] = INPUT_ACTION
    return {
        "type": "input",
        "block_id": form_field.name,
        "optional": not form_field.required,
        "label": plain(form_field.label, INPUT_LABEL),
        "element": element,
    }


def render_modal(form: Form, metadata: JsonDict, notes: Reply | None = None) -> JsonDict:
    """A form as a modal view; `notes` (e.g. why a value was refused) go above the inputs.

    `callback_id` is the form's id, so the submission comes back as `FormSubmit(form=id)`;
    `metadata` (where the form was opened) travels in `private_metadata`.
    """
    inputs = [_input(f) for f in form.fields][:MODAL_MAX_BLOCKS]
    blocks: list[JsonDict] = []
    if notes is not None:
        shown = [b for b in render_blocks(notes) if b["type"] != "actions"]
        blocks.extend(_at_most(shown, MODAL_MAX_BLOCKS - len(inputs)))
    blocks.extend(inputs)
    return {
        "type": "modal",
        "callback_id": form.id,
        "title": plain(form.title, MODAL_TITLE),
        "submit": plain(form.submit_label, MODAL_BUTTON),
        "close": plain("Cancel", MODAL_BUTTON),
        "private_metadata": cut(json.dumps(metadata, separators=(",", ":")), PRIVATE_METADATA),
        "blocks": blocks[:MODAL_MAX_BLOCKS],
    }


def render_loading_modal(metadata: JsonDict) -> JsonDict:
    """The modal opened at once with a click's `trigger_id`, updated when the core has answered."""
    return {
        "type": "modal",
        "callback_id": "slack:loading",
        "title": plain("Practice bank", MODAL_TITLE),
        "close": plain("Close", MODAL_BUTTON),
        "private_metadata": cut(json.dumps(metadata, separators=(",", ":")), PRIVATE_METADATA),
        "blocks": [{"type": "section", "text": mrkdwn("Loading…")}],
    }


def render_notice_modal(reply: Reply, metadata: JsonDict) -> JsonDict:
    """A modal that only shows a reply (when a loading modal turned out not to need a form)."""
    view = render_loading_modal(metadata)
    shown = [b for b in render_blocks(reply) if b["type"] != "actions"]
    view["blocks"] = _at_most(shown, MODAL_MAX_BLOCKS) or view["blocks"]
    return view


def _at_most(blocks: list[JsonDict], most: int) -> list[JsonDict]:
    """At most `most` blocks; the last says more did not fit (a view holds 100 blocks)."""
    if len(blocks) <= most:
        return blocks
    if most <= 0:
        return []
    return [*blocks[: most - 1], {"type": "context", "elements": [mrkdwn(MORE_THAN_FITS)]}]


HOME_MAX_BLOCKS = 100


def render_home(reply: Reply) -> JsonDict:
    """A reply as the App Home tab's view (`views.publish`); no *Share in channel* there."""
    blocks: list[JsonDict] = []
    for index, block in enumerate(reply.blocks):
        blocks.extend(_render_block(block, index))
    return {"type": "home", "blocks": _at_most(blocks, HOME_MAX_BLOCKS)}
