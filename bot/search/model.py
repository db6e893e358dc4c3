"""The search contract shared by the core, the CLI and the adapters: filters in, ranked hits out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice


@dataclass(frozen=True)
class SearchFilters:
    """Structured filters; an empty set means "any".

    Values within one filter are OR-ed, different filters are AND-ed.
    `topics` and `organisation` match case-insensitively on words.
    """

    effectiveness: frozenset[Effectiveness] = frozenset()
    focus: frozenset[Focus] = frozenset()
    topics: frozenset[str] = frozenset()
    linked_to: frozenset[LinkedTo] = frozenset()
    organisation: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when no filter is set."""
        return not (
            self.effectiveness or self.focus or self.topics or self.linked_to or self.organisation
        )

    def merged(self, other: SearchFilters) -> SearchFilters:
        """These filters with `other`'s added (used to combine CLI flags with inline filters)."""
        return replace(
            self,
            effectiveness=self.effectiveness | other.effectiveness,
            focus=self.focus | other.focus,
            topics=self.topics | other.topics,
            linked_to=self.linked_to | other.linked_to,
            organisation=other.organisation or self.organisation,
        )


@dataclass(frozen=True)
class FilterCounts:
    """How many of a search's full matches have each rating and each focus.

    Values no match has are left out, the rest come in the enums' order. Counted over the full
    matches the asker may see, after the search's filters: what the chat's *Filter by* menus
    offer. Partial matches (closest practices) are not counted; a filter picked from a menu still
    applies to them too, so the filtered page lists the ones that pass it. A practice counts once
    under each of its focuses, so focus counts may add up to more than the total.
    """

    effectiveness: tuple[tuple[Effectiveness, int], ...] = ()
    focus: tuple[tuple[Focus, int], ...] = ()


Match = Literal["full", "partial"]
PARTIAL_HEADING = "Not an exact match — closest practices"
"""How chat and the command line introduce practices that match only part of a query."""


@dataclass(frozen=True)
class Hit:
    """One practice in a result list with its relevance score (higher is better).

    `match` is "full" when the practice matches what the query is about (its specific words),
    "partial" when it matches only part of it: a closest practice, not an answer.
    """

    practice: Practice
    score: float
    match: Match = "full"


@dataclass(frozen=True)
class SearchResult:
    """A ranked page of hits plus what helps a person when the page is empty or surprising.

    `total` counts every full match (an answer), not just this page, and `partial_total` the
    practices that match only part of the query; the hits page through the full matches first,
    then the partial ones, so every partial hit comes after every full one. `did_you_mean` is a
    corrected query when the words look misspelt and the correction finds something;
    `without_filters` is how many practices fully match the words if the filters are dropped;
    `notices` explain anything ignored (an unknown filter, say) in plain words; `counts` are
    the ratings and focuses among the full matches (`FilterCounts`).
    """

    text: str
    filters: SearchFilters
    hits: tuple[Hit, ...]
    total: int
    offset: int = 0
    did_you_mean: str | None = None
    without_filters: int | None = None
    notices: tuple[str, ...] = field(default_factory=tuple)
    partial_total: int = 0
    counts: FilterCounts = field(default_factory=FilterCounts)

    @property
    def has_more(self) -> bool:
        """True when a further page exists (of full matches or, after them, partial ones)."""
        return self.offset + len(self.hits) < self.total + self.partial_total

    @property
    def full_hits(self) -> tuple[Hit, ...]:
        """The hits of this page that fully match the query."""
        return tuple(h for h in self.hits if h.match == "full")

    @property
    def partial_hits(self) -> tuple[Hit, ...]:
        """The hits of this page that match only part of the query (closest practices)."""
        return tuple(h for h in self.hits if h.match == "partial")


@dataclass(frozen=True)
class ParsedQuery:
    """What a person typed, split into free text and inline filters (`focus:diversion`).

    `notices` explain in plain words anything that was ignored or cut (an unknown filter, a value
    we do not know, an over-long query).
    """

    text: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    notices: tuple[str, ...] = field(default_factory=tuple)
