"""Finding practices in chat: search, the next page, "did you mean", filters, show one.

Every search is recorded in the searcher's workspace (for paging buttons and the moderators' gaps
report). A recorded search belongs to the person who ran it: its paging, filter, "did you mean"
and "without filters" buttons work for them only, because what it finds depends on their rights
over restricted practices. Anyone else's click on such a button (a shared page in a channel, a
forged id naming another person's or workspace's search) gets the stale-button answer and never
sees the search's text. Each record also keeps how far its owner has read (`shown_until`), so a
typed `more` continues the owner's latest search from the page after the one they saw last.

Under a page of matches come two choice lists, *Filter by effectiveness* and *Filter by focus*.
They offer only what would narrow this search, each value with how many of its matches have it
(`Promising (3)`): counted over the full matches the asker may see (a restricted practice is never
counted for someone who cannot see it), never over the closest practices (partial matches), which
the filtered search still lists under their heading when they pass the filter. A value no match
has is left out (it would find nothing), and so is one every match has (it would change nothing);
a list with nothing left is not shown. A kind already in force offers no further value: values of
one kind are OR-ed, so another one would widen the list, not narrow it (a person who wants that
types it). A filter that is not offered, forged into a click or left on a page the bank has since
changed under, is answered with why it is not offered, and nothing is searched or recorded.

Picking one re-runs the recorded search for the clicker with that filter added and records the
result as a new search whose text carries the filter inline (`knife crime rating:promising`), so
paging, "without filters" and further filters work on it as on a typed search, and the gaps
report reads it as typed. Filters of different kinds add up (AND-ed), so the recorded text stays
short. Size: a full page is header, five cards with their *Details* buttons, *More results* and
the two lists; in Slack about 22 of the 50 blocks, in Discord four of the five action rows (the
renderer packs the five *Details* buttons into one row; *More results* and *Share in channel*
share the second; each menu takes a row), so both lists stay.
"""

from __future__ import annotations

from bot.commands.help import EXAMPLE_SEARCH, help_reply
from bot.commands.reading import normalise_ref
from bot.kernel import actions
from bot.kernel.access import may_see_practice, may_see_restricted, sees_by_workspace
from bot.kernel.actions import AddFilter, DropFilters, MoreResults, ShowPractice, TrySuggestion
from bot.kernel.domain import Effectiveness, Focus
from bot.kernel.events import Actor
from bot.kernel.ports import Clock, SearchRecord, UnitOfWork, UnitOfWorkFactory, WorkspaceSettings
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    CardDetail,
    Choice,
    Choices,
    PracticeCard,
    Reply,
    Span,
    bold,
    say,
    text,
)
from bot.search.index_cache import SearchService
from bot.search.model import PARTIAL_HEADING, FilterCounts, SearchFilters, SearchResult
from bot.search.query import parse_query
from bot.sharing import share_button

PAGE_SIZE = 5
# Longer queries are cut: nobody types more, and it bounds the work a pasted novel can cause.
MAX_QUERY_CHARS = 200
# How much of a query is quoted back in a header (the search itself uses up to MAX_QUERY_CHARS).
MAX_QUOTED_CHARS = 60
# Slack caps button labels at 75 characters.
MAX_LABEL_CHARS = 60

NOTHING_TO_CONTINUE = "There is no search to continue: type what you are looking for."
# The same words as for any button the core no longer knows (`bot.core`): a search that is gone
# and someone else's search read alike, so a forged id learns nothing.
STALE_SEARCH = "That button no longer works. Search again, for example "

EFFECTIVENESS_PROMPT = "Filter by effectiveness"
FOCUS_PROMPT = "Filter by focus"
# How a picked filter is written into the recorded search's text, in the words a person would type.
_INLINE_EFFECTIVENESS: dict[Effectiveness, str] = {
    Effectiveness.WORKED: "rating:worked",
    Effectiveness.PROMISING: "rating:promising",
    Effectiveness.UNTESTED: "rating:untested",
    Effectiveness.DIDNT_WORK: 'rating:"didn\'t work"',
}


def _shorten(value: str, limit: int) -> str:
    """Cut `value` to `limit` characters, on a word boundary when one is near, with an ellipsis."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _quoted(query: str) -> str:
    """Quote the query back to the person, short enough to read."""
    return f"“{_shorten(query, MAX_QUOTED_CHARS)}”"


def _plural(count: int, noun: str) -> str:
    """Count a noun: `1 practice`, `2 practices`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _as_filters(value: Effectiveness | Focus) -> SearchFilters:
    """One effectiveness rating or focus as search filters."""
    if isinstance(value, Effectiveness):
        return SearchFilters(effectiveness=frozenset({value}))
    return SearchFilters(focus=frozenset({value}))


def _inline_filter(value: Effectiveness | Focus) -> str:
    """The inline filter a person would type for this rating or focus."""
    if isinstance(value, Effectiveness):
        return _INLINE_EFFECTIVENESS[value]
    return f"focus:{value.value}"


def with_filter(query: str, value: Effectiveness | Focus) -> str:
    """The search text `query` with one more inline filter, its words and other filters kept.

    The filter goes at the end, where it reads naturally; if that would change how the text
    parses (it ends inside an open quote, `org:"Thames`, or on a filter name awaiting a value),
    it goes at the start instead. A filter already in force leaves the text as it is.
    """
    before = parse_query(query)
    wanted = before.filters.merged(_as_filters(value))
    if wanted == before.filters:
        return query
    token = _inline_filter(value)
    appended = f"{query} {token}" if query else token
    after = parse_query(appended)
    if after.text == before.text and after.filters == wanted:
        return appended
    return f"{token} {query}"


FilterValue = Effectiveness | Focus


def offered_filters(
    filters: SearchFilters, counts: FilterCounts, total: int
) -> tuple[tuple[str, tuple[tuple[FilterValue, int], ...]], ...]:
    """The *Filter by* lists for a search: (prompt, (value, count)…) for each list not empty.

    Only values that narrow the `total` full matches: some have it, not all; none of a kind
    already in force (see the module docstring).
    """
    kinds: tuple[tuple[str, tuple[tuple[FilterValue, int], ...]], ...] = (
        (EFFECTIVENESS_PROMPT, () if filters.effectiveness else counts.effectiveness),
        (FOCUS_PROMPT, () if filters.focus else counts.focus),
    )
    lists = (
        (prompt, tuple((v, n) for v, n in counted if 0 < n < total)) for prompt, counted in kinds
    )
    return tuple((prompt, values) for prompt, values in lists if values)


def _not_offered(
    value: FilterValue, filters: SearchFilters, counts: FilterCounts, total: int
) -> str:
    """Why `value` is not a filter the search's menus offer, in a person's words."""
    kind = "rating" if isinstance(value, Effectiveness) else "focus"
    in_force = filters.effectiveness if isinstance(value, Effectiveness) else filters.focus
    found = dict((*counts.effectiveness, *counts.focus)).get(value, 0)
    if in_force:
        return f"the search already filters by {kind}"
    if not total:
        return "it finds no practice to narrow"
    if not found:
        return f"none of its {_plural(total, 'practice')} has it"
    return f"all of its {_plural(total, 'practice')} have it, so it would not narrow them"


def _shown_until(result: SearchResult) -> int:
    """The offset after the page of `result`: where the next page starts."""
    return result.offset + len(result.hits)


class Searching:
    """Search and show, over the bank's cached index, for whoever asks or clicks."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, search_service: SearchService
    ) -> None:
        """Keep the storage, the clock (searches are recorded with their time) and the index."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._search_service = search_service

    def handle_search(self, actor: Actor, query: str) -> list[Reply]:
        """Search the bank, record the search (for paging and the gaps report) and show page one."""
        if not query:
            return [
                say(
                    text(
                        "What are you looking for? Type a few words, for example ",
                        bold(EXAMPLE_SEARCH),
                        ", or ",
                        bold("help"),
                        " for more.",
                    )
                )
            ]
        notices: list[str] = []
        if len(query) > MAX_QUERY_CHARS:
            query = _shorten(query, MAX_QUERY_CHARS).removesuffix("…")
            notices.append(
                f"Your search was long, so only its first {MAX_QUERY_CHARS} characters were used."
            )
        return [self._search_and_record(actor, query, notices)]

    def handle_filter(
        self, actor: Actor, search_id: int, value: Effectiveness | Focus
    ) -> list[Reply]:
        """Re-run a recorded search for the clicker with one more filter, as a new search.

        Only a filter its menus offer now (for the clicker, over the bank as it is): any other
        value, forged or left on an old page, is answered with why, and nothing is recorded.
        """
        reader = getattr(self._uow_factory, "reader", self._uow_factory)
        with reader() as uow:
            record = uow.searches.get(actor, search_id)
            if record is None:
                return [self._stale_search()]
            now = self._search(uow, actor, record.text, SearchFilters(), offset=0)
        offered = offered_filters(now.filters, now.counts, now.total)
        if not any(value == v for _, values in offered for v, _ in values):
            why = _not_offered(value, now.filters, now.counts, now.total)
            return [
                say(
                    text(
                        f"{value.label} is not a filter for {_quoted(record.text)}: {why}. "
                        "Pick one of the filters listed under its results, or type a new search."
                    )
                )
            ]
        return [self._search_and_record(actor, with_filter(record.text, value), [])]

    def handle_more(self, actor: Actor, search_id: int, offset: int) -> list[Reply]:
        """Show the next page of the clicker's own recorded search, and remember the place.

        The place is what a typed `more` continues from; another person's search reads as stale.
        """
        with self._uow_factory() as uow:
            record = uow.searches.get(actor, search_id)
            if record is None:
                return [self._stale_search()]
            result = self._search(uow, actor, record.text, SearchFilters(), offset=offset)
            if result.hits:
                uow.searches.mark_shown(actor, record.id, _shown_until(result))
                uow.commit()
        if not result.hits:
            found = result.total + result.partial_total
            shown = f"all {found} were shown" if found else "it finds nothing now"
            return [say(f"No more results for {_quoted(record.text)}: {shown}.")]
        return [self._results_reply(record, result, [])]

    def handle_continue(self, actor: Actor, rest: str) -> list[Reply]:
        """Show the next page of the actor's latest search, from where they last stopped.

        People type `more` after a list rather than find the button; the page is the one the
        button would give (re-run with the actor's rights), and no new search is recorded.
        """
        with self._uow_factory() as uow:
            record = uow.searches.latest_for(actor)
            if record is None:
                return [say(NOTHING_TO_CONTINUE)]
            offset = record.shown_until
            result = self._search(uow, actor, record.text, SearchFilters(), offset=offset)
            if not result.hits:
                return [say(f"That was everything for {_quoted(record.text)}.")]
            uow.searches.mark_shown(actor, record.id, _shown_until(result))
            uow.commit()
        return [self._results_reply(record, result, [])]

    def handle_suggestion(self, actor: Actor, search_id: int) -> list[Reply]:
        """Run the "did you mean" spelling of a recorded search, as a new search by the clicker."""
        with self._uow_factory() as uow:
            record = uow.searches.get(actor, search_id)
            if record is None:
                return [self._stale_search()]
            first = self._search(uow, actor, record.text, SearchFilters(), offset=0)
        suggestion = first.did_you_mean
        if not suggestion:
            return self.handle_search(actor, record.text)
        return self.handle_search(actor, suggestion)

    def handle_without_filters(self, actor: Actor, search_id: int) -> list[Reply]:
        """Run a recorded search's words without its filters, as a new search by the clicker."""
        with self._uow_factory() as uow:
            record = uow.searches.get(actor, search_id)
        if record is None:
            return [self._stale_search()]
        words = parse_query(record.text).text
        if not words:
            return [help_reply()]
        return self.handle_search(actor, words)

    def handle_show(self, actor: Actor, raw_ref: str) -> list[Reply]:
        """Show one practice in full; a restricted one the actor may not see reads as unknown."""
        ref = normalise_ref(raw_ref)
        if ref is None:
            shown = _quoted(raw_ref) if raw_ref else "That"
            return [
                say(
                    text(
                        f"{shown} is not a practice reference. References look like ",
                        bold("PB046"),
                        "; to search by words, just type them.",
                    )
                )
            ]
        with self._uow_factory() as uow:
            practice = uow.practices.get(ref)
            allowed = practice is not None and may_see_practice(uow, actor, practice)
            here = practice is not None and sees_by_workspace(uow, actor, practice)
        if practice is None or not allowed:
            # The same answer for unknown and restricted refs, so a restricted practice's
            # existence does not leak to people outside police-only workspaces.
            return [
                say(
                    text(
                        f"No practice {ref} in the bank. Check the reference, or search by words, "
                        "for example ",
                        bold(EXAMPLE_SEARCH),
                        ".",
                    )
                )
            ]
        # The same answer may be posted in the channel: the core's `show` re-runs for the poster.
        # A restricted practice shown only because it is the actor's own (or one they moderate)
        # stays private: the channel around them may not see it.
        share = actions.encode(ShowPractice(practice.ref)) if here else ""
        return [Reply((PracticeCard(practice, CardDetail.FULL),), share_action=share)]

    def _search_and_record(self, actor: Actor, query: str, notices: list[str]) -> Reply:
        """Run page one of a search for the actor, record it, and show it.

        The answer is worked out in a unit of work that only reads (the workspace's settings
        and the index's freshness check: two round trips, and on SQLite no write lock). The
        record is written after it, in its own short transaction: the reply's paging buttons
        carry the record's id, so it is written before the reply goes out.
        """
        # `reader` is optional on a factory (the kernel's protocol is a plain callable, which
        # test fakes and wrappers implement): without it, the search reads in a normal one.
        reader = getattr(self._uow_factory, "reader", self._uow_factory)
        with reader() as uow:
            result = self._search(uow, actor, query, SearchFilters(), offset=0)
            # Only when nothing was found: one count says whether the bank holds anything at all.
            # Counted with archived and restricted practices, so it never tells a public asker
            # that restricted ones exist: it is 0 only for a bank with nothing in it.
            empty_bank = not result.total and not result.partial_total and not uow.practices.count()
        with self._uow_factory() as uow:
            record = uow.searches.record(
                actor, query, result.total, self._clock.now(), partial_count=result.partial_total
            )
            uow.searches.mark_shown(actor, record.id, _shown_until(result))
            uow.commit()
        if empty_bank:
            return self._empty_bank_reply(record)
        return self._results_reply(record, result, notices)

    def _empty_bank_reply(self, record: SearchRecord) -> Reply:
        """Nothing found because the bank holds no practice yet: say so, and offer to share one.

        Other words would find nothing either, so the usual "try other words" is left out.
        """
        return Reply(
            (
                text("No practices found for ", _quoted(record.text), "."),
                text(
                    "The practice bank is empty: nobody has shared a practice yet. Type ",
                    bold("share"),
                    " to add the first one.",
                ),
                Buttons((share_button(),)),
            )
        )

    def _settings(self, uow: UnitOfWork, actor: Actor) -> WorkspaceSettings | None:
        return uow.workspaces.get(actor.workspace)

    def _search(
        self, uow: UnitOfWork, actor: Actor, query: str, filters: SearchFilters, *, offset: int
    ) -> SearchResult:
        """Run a search with the actor's own rights over restricted practices."""
        settings = self._settings(uow, actor)
        return self._search_service.search(
            uow,
            query,
            filters,
            include_restricted=may_see_restricted(actor, settings),
            limit=PAGE_SIZE,
            offset=offset,
        )

    def _stale_search(self) -> Reply:
        return say(text(STALE_SEARCH, bold(EXAMPLE_SEARCH), "."))

    def _results_reply(
        self, record: SearchRecord, result: SearchResult, notices: list[str]
    ) -> Reply:
        """Show the page of results, or the next steps when nothing was found.

        Full matches are the answers and come first under the count; practices matching only
        part of the query follow under "Not an exact match — closest practices", never mixed
        in as answers. When nothing matches fully the reply says so plainly, then shows the
        closest practices and what to do next (other words, dropping a filter, sharing one).
        """
        quoted = _quoted(record.text)
        if not result.total and not result.partial_total:
            return Reply(
                (
                    text("No practices found for ", quoted, "."),
                    *self._notices(notices, result),
                    *self._next_steps(record, result),
                )
            )
        if result.total and len(result.full_hits):
            shown_full = len(result.full_hits)
            header: list[str | Span] = [bold(_plural(result.total, "practice")), f" for {quoted}"]
            if result.offset or result.offset + shown_full < result.total:
                first, last = result.offset + 1, result.offset + shown_full
                header.append(f" (showing {first}–{last} of {result.total})")
            opening = text(*header, ".")
        elif result.total:
            opening = text(
                f"That was every exact match for {quoted} ({result.total}); "
                "below are practices that match part of it."
            )
        else:
            opening = text(f"No practice matches {quoted} exactly.")
        blocks: list[Block] = [opening, *self._notices(notices, result)]
        if result.did_you_mean and not result.offset:
            blocks.append(Buttons((self._suggestion_button(record, result.did_you_mean),)))
        rank = result.offset + 1
        for partial, group in enumerate((result.full_hits, result.partial_hits)):
            if group and partial:
                blocks.append(text(bold(PARTIAL_HEADING)))
            for hit in group:
                ref = hit.practice.ref
                blocks.append(PracticeCard(hit.practice, CardDetail.SUMMARY, rank=rank))
                blocks.append(
                    Buttons((Action(actions.encode(ShowPractice(ref)), f"Details {ref}"),))
                )
                rank += 1
        if result.has_more:
            more = MoreResults(record.id, result.offset + len(result.hits))
            blocks.append(
                Buttons((Action(actions.encode(more), "More results", ActionStyle.PRIMARY),))
            )
        if not result.total and not result.offset:
            blocks.extend(self._next_steps(record, result))
            return Reply(tuple(blocks))
        blocks.extend(self._filter_choices(record, result))
        # This page may be posted in the channel: the page at this offset, re-run for the poster.
        share = actions.encode(MoreResults(record.id, result.offset))
        return Reply(tuple(blocks), share_action=share)

    def _filter_choices(self, record: SearchRecord, result: SearchResult) -> list[Block]:
        """The *Filter by* lists under a page of matches: what would narrow it, with counts."""
        return [
            Choices(
                prompt,
                tuple(
                    Choice(actions.encode(AddFilter(record.id, v)), f"{v.label} ({n})")
                    for v, n in values
                ),
            )
            for prompt, values in offered_filters(result.filters, result.counts, result.total)
        ]

    def _notices(self, notices: list[str], result: SearchResult) -> list[Block]:
        """Say in italics what the search ignored or cut."""
        return [text(Span(n, italic=True)) for n in (*notices, *result.notices)]

    def _suggestion_button(self, record: SearchRecord, suggestion: str) -> Action:
        label = _shorten(f"Did you mean “{suggestion}”?", MAX_LABEL_CHARS)
        return Action(actions.encode(TrySuggestion(record.id)), label, ActionStyle.PRIMARY)

    def _next_steps(self, record: SearchRecord, result: SearchResult) -> list[Block]:
        """Suggest what to try when a search found nothing."""
        buttons: list[Action] = []
        if result.did_you_mean:
            buttons.append(self._suggestion_button(record, result.did_you_mean))
        if result.without_filters:
            label = f"Search without filters ({_plural(result.without_filters, 'practice')})"
            buttons.append(Action(actions.encode(DropFilters(record.id)), label))
        blocks: list[Block] = [Buttons(tuple(buttons))] if buttons else []
        blocks.append(
            text(
                "Try fewer or other words, an acronym such as ",
                bold("ASB"),
                ", or type ",
                bold("help"),
                " for examples.",
            )
        )
        blocks.append(
            text("Know a practice that belongs here? Type ", bold("share"), " to add it.")
        )
        blocks.append(Buttons((share_button(),)))
        return blocks
