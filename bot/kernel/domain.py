"""The practice bank's vocabulary: a published `Practice` and the closed lists its fields draw on.

These dataclasses are what the core reasons about and what `store/` hands back; they carry no
persistence or platform concerns, so every rule can be tested on plain values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Effectiveness(StrEnum):
    """How far the practice achieved what it set out to do ("does it work?")."""

    WORKED = "worked"
    PROMISING = "promising"
    UNTESTED = "untested"
    DIDNT_WORK = "didnt_work"

    @property
    def label(self) -> str:
        """The wording the practice bank uses for this rating."""
        return EFFECTIVENESS_LABELS[self]


EFFECTIVENESS_LABELS: dict[Effectiveness, str] = {
    Effectiveness.WORKED: "Worked",
    Effectiveness.PROMISING: "Promising",
    Effectiveness.UNTESTED: "Untested – new or innovative",
    Effectiveness.DIDNT_WORK: "Didn't work",
}


class Focus(StrEnum):
    """Where in the life of a problem the practice intervenes."""

    PREVENTION = "prevention"
    DIVERSION = "diversion"
    REOFFENDING = "reoffending"
    ORGANISATIONAL = "organisational"
    LOCATION = "location"

    @property
    def label(self) -> str:
        """Capitalised name for display."""
        return self.value.capitalize()


class LinkedTo(StrEnum):
    """Recognition schemes a practice can be linked to."""

    HMICFRS = "hmicfrs"
    SMARTER_PRACTICE = "smarter_practice"
    TILLEY_AWARD = "tilley_award"
    POLICE_STAR_FUND = "police_star_fund"

    @property
    def label(self) -> str:
        """The scheme's own name."""
        return LINKED_TO_LABELS[self]


LINKED_TO_LABELS: dict[LinkedTo, str] = {
    LinkedTo.HMICFRS: "HMICFRS",
    LinkedTo.SMARTER_PRACTICE: "Smarter practice",
    LinkedTo.TILLEY_AWARD: "Tilley award",
    LinkedTo.POLICE_STAR_FUND: "Police STAR fund",
}


class Visibility(StrEnum):
    """Who may see a practice: restricted ones only reach police-only workspaces."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


REF_PATTERN = re.compile(r"^PB\d{3,}$")


def format_ref(number: int) -> str:
    """Public reference for the n-th practice: PB001 … PB999, then PB1000 and on."""
    return f"PB{number:03d}"


@dataclass(frozen=True)
class Practice:
    """A published practice: what was tried, for what problem, and whether it worked.

    Multi-valued fields are tuples so a practice is hashable and cannot be changed behind the
    store's back; dates are calendar dates, timestamps are UTC.
    """

    ref: str
    title: str
    summary: str
    effectiveness: Effectiveness
    focus: tuple[Focus, ...] = ()
    topics: tuple[str, ...] = ()
    organisation: str | None = None
    region: str | None = None
    partners: tuple[str, ...] = ()
    target_group: str | None = None
    stage: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    aim: str | None = None
    intended_outcome: str | None = None
    description: str | None = None
    evaluation: str | None = None
    learning: str | None = None
    resources: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    links: tuple[str, ...] = ()
    linked_to: tuple[LinkedTo, ...] = ()
    visibility: Visibility = Visibility.PUBLIC
    added_at: datetime | None = None
    updated_at: datetime | None = None
    reviewed_at: datetime | None = None
    archived_at: datetime | None = None
    version: int = 1

    @property
    def is_restricted(self) -> bool:
        """True when only police-only workspaces may see this practice."""
        return self.visibility is Visibility.RESTRICTED


# Field names in the order the bank shows and exports them (import, export and the detail card).
PRACTICE_FIELDS: tuple[str, ...] = (
    "ref",
    "title",
    "summary",
    "effectiveness",
    "focus",
    "topics",
    "organisation",
    "region",
    "partners",
    "target_group",
    "stage",
    "start_date",
    "end_date",
    "aim",
    "intended_outcome",
    "description",
    "evaluation",
    "learning",
    "resources",
    "contact_name",
    "contact_email",
    "links",
    "linked_to",
    "visibility",
    "added_at",
    "updated_at",
    "reviewed_at",
    "archived_at",
    "version",
)

# Groups of `Practice` fields by type, in PRACTICE_FIELDS order, so storage, the reply codec and
# the sharing answers convert the same fields the same way.
OPTIONAL_TEXT_FIELDS: tuple[str, ...] = (
    "organisation",
    "region",
    "target_group",
    "stage",
    "aim",
    "intended_outcome",
    "description",
    "evaluation",
    "learning",
    "resources",
    "contact_name",
    "contact_email",
)
TEXT_LIST_FIELDS: tuple[str, ...] = ("topics", "partners", "links")
DATE_FIELDS: tuple[str, ...] = ("start_date", "end_date")
TIMESTAMP_FIELDS: tuple[str, ...] = ("added_at", "updated_at", "reviewed_at", "archived_at")

MULTI_VALUED_FIELDS: frozenset[str] = frozenset(
    {"focus", "topics", "partners", "links", "linked_to"}
)
