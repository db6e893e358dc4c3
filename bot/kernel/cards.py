"""What a practice card shows on every platform: its fields, their order and labels, their text.

Renderers lay the rows out their own way (a facts line, inline embed fields, a footer) and may
take a few names out to show them elsewhere on the card, but they never decide the list itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.kernel.domain import Practice, Visibility
from bot.kernel.replies import CardDetail


@dataclass(frozen=True)
class CardField:
    """One field a card can show: its label, the `Practice` attribute, and if summaries show it."""

    label: str
    name: str
    in_summary: bool = False


@dataclass(frozen=True)
class CardRow:
    """A field of one practice as the card shows it: label, attribute name and its text."""

    label: str
    name: str
    text: str


# After ref, title and summary (which every card leads with), in the order the bank lists them.
CARD_FIELDS: tuple[CardField, ...] = (
    CardField("Effectiveness", "effectiveness", in_summary=True),
    CardField("Focus", "focus", in_summary=True),
    CardField("Topics", "topics"),
    CardField("Organisation", "organisation", in_summary=True),
    CardField("Region", "region"),
    CardField("Partners", "partners"),
    CardField("Target group", "target_group"),
    CardField("Stage", "stage"),
    CardField("Started", "start_date"),
    CardField("Ended", "end_date"),
    CardField("Aim", "aim"),
    CardField("Intended outcome", "intended_outcome"),
    CardField("What was done", "description"),
    CardField("Evaluation", "evaluation"),
    CardField("Learning", "learning"),
    CardField("Resources", "resources"),
    CardField("Contact", "contact_name"),
    CardField("Contact email", "contact_email"),
    CardField("Links", "links"),
    CardField("Linked to", "linked_to", in_summary=True),
    CardField("Added", "added_at"),
    CardField("Updated", "updated_at"),
    CardField("Reviewed", "reviewed_at"),
    CardField("Archived", "archived_at"),
    CardField("Version", "version"),
    CardField("Visibility", "visibility"),
)

# Values every practice has unless it is special: a card only mentions a field that departs
# from them (an updated practice says its version; a public one does not say it is public).
_THE_NORM: dict[str, object] = {"version": 1, "visibility": Visibility.PUBLIC}

VISIBILITY_TEXT: dict[Visibility, str] = {
    Visibility.PUBLIC: "public",
    Visibility.RESTRICTED: "restricted: police only",
}
"""How visibility reads on a card; `Visibility` has no label of its own."""


def field_text(value: object) -> str:
    """A practice field's value as plain text, so every platform words it the same way.

    Lists are joined with commas, closed-list values show their labels, timestamps show their
    date (the time of day says nothing to a reader). The text is not escaped: that is the
    renderer's job, for its platform.
    """
    if isinstance(value, tuple):
        return ", ".join(field_text(item) for item in value)
    if isinstance(value, Visibility):
        return VISIBILITY_TEXT[value]
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def card_rows(practice: Practice, detail: CardDetail = CardDetail.FULL) -> list[CardRow]:
    """The labelled rows a card of `practice` shows, in `CARD_FIELDS` order.

    Fields with no text (None, blank, an empty list or a list of blanks) and fields at their
    norm are left out, so no card shows "Region:" with nothing after it; a summary card keeps
    only the fields marked `in_summary`.
    """
    rows: list[CardRow] = []
    for card_field in CARD_FIELDS:
        name = card_field.name
        if detail is CardDetail.SUMMARY and not card_field.in_summary:
            continue
        value = getattr(practice, name)
        if _blank(value) or (name in _THE_NORM and value == _THE_NORM[name]):
            continue
        rows.append(CardRow(card_field.label, name, field_text(value)))
    return rows


def _blank(value: object) -> bool:
    """Whether a field's value has nothing to read: None, blank text, or a list of those."""
    if isinstance(value, tuple):
        return all(_blank(item) for item in value)
    return value is None or (isinstance(value, str) and not value.strip())
