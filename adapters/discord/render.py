"""Renders core replies for Discord: text as message content, practice cards as embeds.

Buttons and choice lists become component specs; forms are handed back to open as modals.

The result is plain data (`Outgoing` messages holding `discord.Embed`s and component specs), so it
can be checked without an event loop; `adapters.discord.components` turns specs into a view when
sending. Every piece of user or practice text is escaped here, once: Discord markdown is
neutralised and `@everyone`, `@here`, user and role mentions are broken, on top of the
`AllowedMentions.none()` every send uses.

Discord's size limits are met by design, whatever a practice holds: a summary card is cut with an
ellipsis (its *Details* button shows it in full); a full card never loses text: what does not fit
its first embed continues in further embeds, and further messages, each within the limits; text
longer than one message's 2,000 characters continues in the next message. Buttons ride on the
message holding the first card (else the last), the *anchor*, which an edit later replaces.
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
    """A reply as Discord messages (at least one) plus the forms it asks to open as modals.

    `anchor` is the index of the message holding the components (the one an edit replaces).
    """

    messages: list[Outgoing]
    forms: list[Form] = field(default_factory=list)
    has_cards: bool = False
    anchor: int = 0

    @property
    def anchored(self) -> Outgoing:
        """The message holding the components."""
        return self.messages[min(self.anchor, len(self.messages) - 1)]


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


def chunks(value: str, limit: int) -> list[str]:
    """`value` in pieces of at most `limit` characters, cut at a line or word break if any.

    Nothing is lost: the pieces joined (with the breaks they were cut at) are the whole text.
    A backslash that escapes markdown is never left alone at the end of a piece.
    """
    pieces: list[str] = []
    rest = value
    while len(rest) > limit:
        cut = rest.rfind("\n", limit // 2, limit)
        if cut <= 0:
            cut = rest.rfind(" ", limit // 2, limit)
        if cut <= 0:
            cut = limit
            while cut > 1 and rest[cut - 1] == "\\":
                cut -= 1
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ") if rest[cut : cut + 1] in ("\n", " ") else rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def render_full_card(card: PracticeCard) -> list[discord.Embed]:
    """A practice in full: as one embed when it fits, else continued in further embeds.

    The first embed holds the title, the summary and the short fields; each field too long for
    an embed field (1,024) becomes embeds of its own, its text in their descriptions, cut into
    pieces of 4,096 (never cut short). The title, when longer than an embed title, is given in
    full at the top of the description.
    """
    practice = card.practice
    single = render_card(card)
    if not _was_cut(card, single):
        return [single]
    colour = COLOURS[practice.effectiveness]
    head = f"{card.rank}. " if card.rank is not None else ""
    full_title = f"{head}{practice.ref} · {escape(practice.title)}"
    title = shorten(full_title, EMBED_TITLE_MAX)
    summary = escape(practice.summary)
    if title != full_title:
        summary = f"**{escape(practice.title)}**\n{summary}"
    pieces = chunks(summary, EMBED_DESCRIPTION_MAX)
    first = discord.Embed(title=title, description=pieces[0] or None, colour=colour)
    embeds = [first]
    embeds += [discord.Embed(description=piece, colour=colour) for piece in pieces[1:]]
    current, size = first, len(first)
    for label, value, inline in _fields(practice, card.detail):
        label = shorten(label, EMBED_FIELD_NAME_MAX)
        if len(value) <= EMBED_FIELD_VALUE_MAX:
            if len(current.fields) >= EMBED_FIELDS_MAX or size + len(label) + len(value) > 5500:
                current = discord.Embed(colour=colour)
                embeds.append(current)
                size = 0
            current.add_field(name=label, value=value, inline=inline)
            size += len(label) + len(value)
            continue
        parts = chunks(value, EMBED_DESCRIPTION_MAX - 100)
        for number, part in enumerate(parts, start=1):
            named = label if len(parts) == 1 else f"{label} ({number}/{len(parts)})"
            embeds.append(
                discord.Embed(
                    title=shorten(named, EMBED_TITLE_MAX), description=part, colour=colour
                )
            )
        current = discord.Embed(colour=colour)
        embeds.append(current)
        size = 0
    footer = field_text(practice.visibility).capitalize() if practice.is_restricted else ""
    if footer:
        embeds[0].set_footer(text=footer)
    return [e for e in embeds if len(e) or e.fields]


def _was_cut(card: PracticeCard, embed: discord.Embed) -> bool:
    """Whether the one-embed rendering of a card lost text (a cut field, or a field dropped)."""
    practice = card.practice
    fields = _fields(practice, card.detail)
    if len(embed.fields) < len(fields) or len(fields) >= EMBED_FIELDS_MAX:
        return True
    if (embed.description or "") != escape(practice.summary):
        return bool(practice.summary)
    if embed.title is not None and embed.title.endswith("…") and not practice.title.endswith("…"):
        return True
    return any(
        shown.value != value for shown, (_, value, _) in zip(embed.fields, fields, strict=False)
    )


def _pack(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into messages of at most ten and 6,000 characters each."""
    groups: list[list[discord.Embed]] = [[]]
    used = 0
    for embed in embeds:
        if len(groups[-1]) >= EMBEDS_PER_MESSAGE or used + len(embed) > EMBEDS_TOTAL_MAX:
            groups.append([])
            used = 0
        groups[-1].append(embed)
        used += len(embed)
    return [group for group in groups if group]


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

    Summary cards share out one message's 6,000 characters; a full card is given whole, over as
    many embeds and messages as it needs. Text over 2,000 characters continues in the next
    message. Components ride on the anchor (the first message with a card, else the last);
    components beyond Discord's five rows are left out (the core never sends that many).
    """
    lines: list[str] = []
    embeds: list[discord.Embed] = []
    forms: list[Form] = []
    components: list[Component] = []
    summaries = [
        b for b in reply.blocks if isinstance(b, PracticeCard) and b.detail is CardDetail.SUMMARY
    ]
    budget = EMBEDS_TOTAL_MAX // max(1, min(len(summaries), EMBEDS_PER_MESSAGE))
    for block in reply.blocks:
        match block:
            case Paragraph():
                lines.append(render_paragraph(block))
            case PracticeCard(detail=CardDetail.FULL):
                embeds.extend(render_full_card(block))
            case PracticeCard():
                embeds.append(render_card(block, budget))
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
    content = "\n".join(line for line in lines if line)
    messages = [Outgoing(content=piece) for piece in chunks(content, CONTENT_MAX)]
    anchor = len(messages) - 1
    for number, group in enumerate(_pack(embeds)):
        if number:
            messages.append(Outgoing())
        messages[-1].embeds = group
    messages[anchor].components = components
    kept = [m for m in messages if not m.is_empty] or [Outgoing()]
    anchor = kept.index(messages[anchor]) if messages[anchor] in kept else 0
    return Rendered(kept, forms, bool(embeds), anchor)
