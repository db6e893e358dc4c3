"""Renders core replies for Discord: text as message content, practice cards as embeds.

Buttons and choice lists become component specs; forms are handed back to open as modals.

The result is plain data (`Outgoing` messages holding `discord.Embed`s and component specs), so it
can be checked without an event loop; `adapters.discord.components` turns specs into a view when
sending. Every piece of user or practice text is escaped here: Discord markdown is neutralised and
`@everyone`, `@here`, user and role mentions are broken, on top of the `AllowedMentions.none()`
every send uses. Discord's size limits are respected by cutting text with an ellipsis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot.kernel.cards import card_rows, field_text
from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.replies import (
    ActionStyle,
    Buttons,
    CardDetail,
    Choices,
    Form,
    Paragraph,
    PracticeCard,
    Reply,
    Span,
)

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_FIELDS_MAX = 25
EMBEDS_TOTAL_MAX = 6000  # all embeds of one message together
EMBEDS_PER_MESSAGE = 10
FIELD_SHOWN_MIN = 40  # fewer characters of a field than this say nothing: drop the field
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_LABEL_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
ROWS_MAX = 5
BUTTONS_PER_ROW = 5

# Prefix of the custom ids the adapter itself answers (core action ids never start with it).
ADAPTER_PREFIX = "dc:"
POST_IN_CHANNEL = "dc:post"
CHOICE_PREFIX = "dc:choice:"

COLOURS: dict[Effectiveness, int] = {
    Effectiveness.WORKED: 0x2E7D32,  # green
    Effectiveness.PROMISING: 0xF9A825,  # amber
    Effectiveness.UNTESTED: 0x1565C0,  # blue
    Effectiveness.DIDNT_WORK: 0xC62828,  # red
}

# Fields shown side by side (inline) at the top of every card, and the one shown as its footer;
# the full card's other rows follow, one per line, in the core's order.
INLINE_FIELDS = frozenset({"effectiveness", "focus", "organisation", "linked_to"})
IN_FOOTER = frozenset({"visibility"})


@dataclass(frozen=True)
class ButtonSpec:
    """A button to draw: `custom_id` is the action id it sends back when clicked."""

    custom_id: str
    label: str
    style: discord.ButtonStyle = discord.ButtonStyle.secondary


@dataclass(frozen=True)
class SelectSpec:
    """A select menu: each option's value is the action id picking it sends back."""

    custom_id: str
    placeholder: str
    options: tuple[tuple[str, str], ...]  # (label, action id)


Component = ButtonSpec | SelectSpec


@dataclass
class Outgoing:
    """One Discord message to send: text, embeds and components, within Discord's limits."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to send."""
        return not (self.content or self.embeds or self.components)


@dataclass
class Rendered:
    """A reply as Discord messages (at least one) plus the forms it asks to open as modals."""

    messages: list[Outgoing]
    forms: list[Form] = field(default_factory=list)
    has_cards: bool = False


def shorten(value: str, limit: int) -> str:
    """Cut `value` to at most `limit` characters, ending with an ellipsis when cut."""
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + "…"


def escape(value: str) -> str:
    """Make user text inert in Discord: markdown shown literally, mentions broken."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(value))


def _safe_link(link: str | None) -> str | None:
    """Only web links become hyperlinks; anything else would be a way to smuggle markup."""
    if link and link.startswith(("https://", "http://")) and not any(c in link for c in " ()<>"):
        return link
    return None


def render_span(span: Span) -> str:
    """A span as Discord markdown, its text escaped."""
    shown = escape(span.text)
    if not shown.strip():
        return shown
    if span.bold:
        shown = f"**{shown}**"
    if span.italic:
        shown = f"*{shown}*"
    link = _safe_link(span.link)
    if link:
        shown = f"[{shown}]({link})"
    return shown


def render_paragraph(paragraph: Paragraph) -> str:
    """A paragraph as one block of Discord markdown."""
    return "".join(render_span(span) for span in paragraph.spans)


def _fields(practice: Practice, detail: CardDetail) -> list[tuple[str, str, bool]]:
    """The card's embed fields: the inline ones first, then the rest (label, text, inline)."""
    rows = [row for row in card_rows(practice, detail) if row.name not in IN_FOOTER]
    ordered = [row for row in rows if row.name in INLINE_FIELDS]
    ordered += [row for row in rows if row.name not in INLINE_FIELDS]
    fields = [(row.label, escape(row.text), row.name in INLINE_FIELDS) for row in ordered]
    return fields[:EMBED_FIELDS_MAX]


def fair_share(lengths: list[int], budget: int) -> int:
    """The largest cap `c` such that texts of these lengths, each cut to `c`, fit in `budget`.

    Short texts keep all their characters and long ones share what is left equally, so a long
    practice shows every field, each cut, rather than its first fields whole and the rest not.
    """
    low, high = 0, max(lengths, default=0)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(min(length, cap) for length in lengths) <= budget:
            low = cap
        else:
            high = cap - 1
    return low


def render_card(card: PracticeCard, budget: int = EMBEDS_TOTAL_MAX) -> discord.Embed:
    """A practice as an embed coloured by effectiveness, no bigger than `budget` characters.

    The summary card shows effectiveness, focus, organisation and linked-to; the full card every
    field with a value. Long text is cut with an ellipsis: the summary to 4,096 characters, each
    field to 1,024, and all of them to a fair share of the 6,000 an embed may hold (fields that
    would get fewer than `FIELD_SHOWN_MIN` characters are dropped from the end instead).
    """
    practice = card.practice
    head = f"{card.rank}. " if card.rank is not None else ""
    title = shorten(f"{head}{practice.ref} · {escape(practice.title)}", EMBED_TITLE_MAX)
    footer = field_text(practice.visibility).capitalize() if practice.is_restricted else ""
    summary = escape(practice.summary)
    fields = _fields(practice, card.detail)
    while True:
        spare = budget - len(title) - len(footer) - sum(len(label) for label, _, _ in fields)
        lengths = [min(len(summary), EMBED_DESCRIPTION_MAX)]
        lengths += [min(len(value), EMBED_FIELD_VALUE_MAX) for _, value, _ in fields]
        cap = fair_share(lengths, max(spare, 0))
        if not fields or cap >= min(FIELD_SHOWN_MIN, max(lengths)):
            break
        fields.pop()
    description = shorten(summary, min(EMBED_DESCRIPTION_MAX, cap))
    embed = discord.Embed(
        title=title, description=description or None, colour=COLOURS[practice.effectiveness]
    )
    for label, value, inline in fields:
        embed.add_field(
            name=label, value=shorten(value, min(EMBED_FIELD_VALUE_MAX, cap)), inline=inline
        )
    if footer:
        embed.set_footer(text=footer)
    return embed


def _button(action_id: str, label: str, style: ActionStyle) -> ButtonSpec:
    styles = {
        ActionStyle.PRIMARY: discord.ButtonStyle.primary,
        ActionStyle.DANGER: discord.ButtonStyle.danger,
    }
    shown = styles.get(style, discord.ButtonStyle.secondary)
    return ButtonSpec(action_id, shorten(label, BUTTON_LABEL_MAX), shown)


def _select(choices: Choices, number: int) -> SelectSpec:
    options = tuple(
        (shorten(option.label, SELECT_LABEL_MAX), option.action)
        for option in choices.options[:SELECT_OPTIONS_MAX]
        if len(option.action) <= CUSTOM_ID_MAX
    )
    placeholder = shorten(choices.prompt or "Pick one", SELECT_PLACEHOLDER_MAX)
    return SelectSpec(f"{CHOICE_PREFIX}{number}", placeholder, options)


def _rows_used(components: list[Component]) -> int:
    rows, in_row = 0, BUTTONS_PER_ROW
    for component in components:
        if isinstance(component, SelectSpec):
            rows, in_row = rows + 1, BUTTONS_PER_ROW
        elif in_row == BUTTONS_PER_ROW:
            rows, in_row = rows + 1, 1
        else:
            in_row += 1
    return rows


def _fits(components: list[Component], extra: Component) -> bool:
    return _rows_used([*components, extra]) <= ROWS_MAX


def render_reply(reply: Reply) -> Rendered:
    """Render a reply: text into `content`, cards into embeds, buttons and choices as components.

    Embeds beyond ten or 6,000 characters start a new message; components ride on the last
    message; components that do not fit Discord's five rows are dropped rather than failing.
    """
    lines: list[str] = []
    messages: list[Outgoing] = [Outgoing()]
    used = 0
    forms: list[Form] = []
    components: list[Component] = []
    has_cards = False
    for block in reply.blocks:
        match block:
            case Paragraph():
                lines.append(render_paragraph(block))
            case PracticeCard():
                has_cards = True
                current = messages[-1]
                if len(current.embeds) >= EMBEDS_PER_MESSAGE or used > EMBEDS_TOTAL_MAX - 600:
                    messages.append(Outgoing())
                    current, used = messages[-1], 0
                embed = render_card(block, EMBEDS_TOTAL_MAX - used)
                used += len(embed)
                current.embeds.append(embed)
            case Buttons(actions=actions):
                for action in actions:
                    spec = _button(action.id, action.label, action.style)
                    if len(action.id) <= CUSTOM_ID_MAX and _fits(components, spec):
                        components.append(spec)
            case Choices():
                lines.append(escape(block.prompt))
                select = _select(block, sum(isinstance(c, SelectSpec) for c in components))
                if select.options and _fits(components, select):
                    components.append(select)
            case Form():
                forms.append(block)
    messages[0].content = shorten("\n".join(line for line in lines if line), CONTENT_MAX)
    messages[-1].components = components
    return Rendered([m for m in messages if not m.is_empty] or [Outgoing()], forms, has_cards)
