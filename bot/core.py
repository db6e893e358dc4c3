"""The core's single entry point: `PracticeBank.handle(event)` turns any inbound event into replies.

Adapters call nothing else. Handlers are picked from dispatch tables (by event type, by verb, by
decoded action) so a new feature is a new entry. Each use case opens its own unit of work; nothing
connects when the bank is built. Errors never reach the adapter: they are logged and answered
with a polite apology.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import actions
from bot.access import may_see_restricted
from bot.actions import (
    AnswerCall,
    AnswerFollowUp,
    ConfirmRetirement,
    DropFilters,
    MoreResults,
    OpenCall,
    OpenSubmission,
    ReviewSubmission,
    ShowHelp,
    ShowPractice,
    TrySuggestion,
    UpdatePractice,
)
from bot.calls import Calls
from bot.events import Actor, Click, Command, Event, FormSubmit, Text
from bot.followup import FollowUp
from bot.moderation import Moderation
from bot.moderator_reports import ModeratorReports
from bot.ports import Clock, SearchRecord, UnitOfWork, UnitOfWorkFactory, WorkspaceSettings
from bot.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    CardDetail,
    Paragraph,
    PracticeCard,
    Reply,
    Span,
    bold,
    text,
)
from bot.requests import (
    CALL,
    HELP,
    QUEUE,
    SEARCH,
    SHARE,
    SHOW,
    STATS,
    Request,
    normalise_ref,
    read_request,
)
from bot.requests import request_for_command as read_command
from bot.search.engine import PracticeSearch
from bot.search.glossary import Glossary
from bot.search.model import SearchFilters, SearchResult
from bot.search.query import parse_query
from bot.search_service import SearchService
from bot.settings import CoreSettings
from bot.sharing import Sharing, share_button

log = logging.getLogger(__name__)

PAGE_SIZE = 5
# Longer queries are cut: nobody types more, and it bounds the work a pasted novel can cause.
MAX_QUERY_CHARS = 200
# How much of a query is quoted back in a header (the search itself uses up to MAX_QUERY_CHARS).
MAX_QUOTED_CHARS = 60
# Slack caps button labels at 75 characters.
MAX_LABEL_CHARS = 60

EXAMPLE_SEARCH = "knife crime diversion"


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


def _say(*paragraphs: Paragraph | str) -> Reply:
    """Make a private reply of plain paragraphs."""
    return Reply(tuple(text(p) if isinstance(p, str) else p for p in paragraphs))


SOMETHING_WRONG = _say(
    "Something went wrong on my side and I could not finish that. Please try again in a moment."
)


class PracticeBank:
    """The practice bank bot's core: give it events, it gives back replies.

    It holds a unit-of-work factory and a clock, and the search index cache; it opens no
    connection until the first event arrives.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        glossary: Glossary | None = None,
        settings: CoreSettings | None = None,
    ) -> None:
        """Wire the core; `glossary` replaces the shipped one, else that loads on first search.

        `settings` holds the follow-up intervals (defaults: 365 days, nudge and escalate after 14).
        """
        self._uow_factory = uow_factory
        self._clock = clock
        self._settings_core = settings or CoreSettings()
        self._moderation = Moderation(uow_factory, clock, self._settings_core)
        self._followup = FollowUp(uow_factory, clock, self._settings_core)
        self._calls = Calls(uow_factory, clock)
        self._reports = ModeratorReports(uow_factory, clock)
        self._sharing = Sharing(uow_factory, clock)
        self._search_service = SearchService(glossary)
        self._event_handlers: dict[type, Callable[[Event], list[Reply]]] = {
            Command: self._on_command,
            Text: self._on_text,
            Click: self._on_click,
            FormSubmit: self._on_form_submit,
        }
        self._verb_handlers: dict[str, Callable[[Actor, str], list[Reply]]] = {
            SEARCH: self.handle_search,
            SHOW: self.handle_show,
            HELP: self.handle_help,
            QUEUE: self.handle_queue,
            STATS: self.handle_stats,
            CALL: self.handle_call,
            SHARE: self._sharing.handle_share,
        }

    # --- entry point -------------------------------------------------------------------------

    def handle(self, event: Event) -> list[Reply]:
        """Answer one event with replies; never raises, whatever the event carries."""
        try:
            handler = self._event_handlers.get(type(event))
            if handler is None:
                log.warning("no handler for event type %s", type(event).__name__)
                return [SOMETHING_WRONG]
            return handler(event)
        except Exception:
            log.exception(
                "handling %s for %s failed",
                type(event).__name__,
                getattr(getattr(event, "actor", None), "key", "?"),
            )
            return [SOMETHING_WRONG]

    @property
    def searcher(self) -> PracticeSearch:
        """Return the current search index, for callers outside chat (the CLI's `search`)."""
        with self._uow_factory() as uow:
            return self._search_service.searcher(uow)

    @property
    def settings(self) -> CoreSettings:
        """Return the timing rules the core runs with (the reminder sweep uses the same)."""
        return self._settings_core

    @property
    def search_service(self) -> SearchService:
        """Return the index cache, so tests and operators can see how often it rebuilt."""
        return self._search_service

    # --- inbound events ----------------------------------------------------------------------

    def _on_command(self, event: Event) -> list[Reply]:
        assert isinstance(event, Command)  # noqa: S101 - the dispatch table guarantees it
        return self._dispatch(event.actor, read_command(event.name, event.text))

    def _on_text(self, event: Event) -> list[Reply]:
        # Text inside a sharing conversation answers it (a line starting with `/` stays a command).
        assert isinstance(event, Text)  # noqa: S101 - the dispatch table guarantees it
        answered = self._sharing.handle_text(event.actor, event.text)
        if answered is not None:
            return answered
        return self._dispatch(event.actor, read_request(event.text))

    def _on_click(self, event: Event) -> list[Reply]:
        assert isinstance(event, Click)  # noqa: S101 - the dispatch table guarantees it
        action = actions.decode(event.action)
        if actions.is_share_action(action):
            return self._sharing.handle_click(event.actor, action)
        match action:
            case ShowPractice(ref=ref):
                return self.handle_show(event.actor, ref)
            case MoreResults(search_id=search_id, offset=offset):
                return self.handle_more(event.actor, search_id, offset)
            case TrySuggestion(search_id=search_id):
                return self.handle_suggestion(event.actor, search_id)
            case DropFilters(search_id=search_id):
                return self.handle_without_filters(event.actor, search_id)
            case ShowHelp():
                return self.handle_help(event.actor, "")
            case ReviewSubmission(decision=decision, submission_id=submission_id):
                return [self._moderation.open_form(event.actor, decision, submission_id)]
            case OpenSubmission(submission_id=submission_id):
                return [self._moderation.show(event.actor, submission_id)]
            case AnswerFollowUp(answer=answer, reminder_id=reminder_id):
                result = self._followup.answer(event.actor, answer, reminder_id)
                if result.update_ref is None:
                    return [result.reply]
                # Update: the sharing dialogue takes over, pre-filled from the practice.
                update = actions.encode_share(UpdatePractice(result.update_ref))
                return [result.reply, *self.handle(Click(event.actor, event.place, update))]
            case ConfirmRetirement(reminder_id=reminder_id):
                return [self._followup.confirm_retirement(event.actor, reminder_id)]
            case AnswerCall(call_id=call_id):
                call_answer = self._calls.answer(event.actor, call_id)
                if call_answer.reply is not None:
                    return [call_answer.reply]
                return self._share_for_call(event, call_id)
            case OpenCall():
                return [self._calls.open_form(event.actor)]
            case _:  # unknown or stale (sharing actions were dispatched above)
                return [
                    _say("That button no longer works. Type what you are looking for, or `help`.")
                ]

    def _on_form_submit(self, event: Event) -> list[Reply]:
        assert isinstance(event, FormSubmit)  # noqa: S101 - the dispatch table guarantees it
        match actions.decode(event.form):
            case ReviewSubmission(decision=decision, submission_id=submission_id):
                return [self._moderation.decide(event.actor, decision, submission_id, event.values)]
            case OpenCall():
                return [self._calls.open_call(event.actor, event.values)]
            case _:
                return [_say("That form is no longer in use. Type `help` to see what I can do.")]

    def _share_for_call(self, event: Click, call_id: int) -> list[Reply]:
        """Start sharing a practice in answer to an open call."""
        return self._sharing.start(event.actor, call_id=call_id)

    def _dispatch(self, actor: Actor, request: Request) -> list[Reply]:
        return self._verb_handlers[request.verb](actor, request.text)

    # --- use cases ---------------------------------------------------------------------------

    def handle_search(self, actor: Actor, query: str) -> list[Reply]:
        """Search the bank, record the search (for paging and the gaps report) and show page one."""
        if not query:
            return [
                _say(
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
        with self._uow_factory() as uow:
            result = self._search(uow, actor, query, SearchFilters(), offset=0)
            record = uow.searches.record(actor.key, query, result.total, self._clock.now())
            uow.commit()
        return [self._results_reply(record, result, notices)]

    def handle_more(self, actor: Actor, search_id: int, offset: int) -> list[Reply]:
        """Show the next page of a recorded search, re-run for the clicker with their rights."""
        with self._uow_factory() as uow:
            record = uow.searches.get(search_id)
            if record is None:
                return [self._stale_search()]
            result = self._search(uow, actor, record.text, SearchFilters(), offset=offset)
        if not result.hits:
            shown = f"all {result.total} were shown" if result.total else "it finds nothing now"
            return [_say(f"No more results for {_quoted(record.text)}: {shown}.")]
        return [self._results_reply(record, result, [])]

    def handle_suggestion(self, actor: Actor, search_id: int) -> list[Reply]:
        """Run the "did you mean" spelling of a recorded search, as a new search by the clicker."""
        with self._uow_factory() as uow:
            record = uow.searches.get(search_id)
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
            record = uow.searches.get(search_id)
        if record is None:
            return [self._stale_search()]
        words = parse_query(record.text).text
        if not words:
            return self.handle_help(actor, "")
        return self.handle_search(actor, words)

    def handle_show(self, actor: Actor, raw_ref: str) -> list[Reply]:
        """Show one practice in full; a restricted one the actor may not see reads as unknown."""
        ref = normalise_ref(raw_ref)
        if ref is None:
            shown = _quoted(raw_ref) if raw_ref else "That"
            return [
                _say(
                    text(
                        f"{shown} is not a practice reference. References look like ",
                        bold("PB046"),
                        "; to search by words, just type them.",
                    )
                )
            ]
        with self._uow_factory() as uow:
            practice = uow.practices.get(ref)
            allowed = practice is not None and (
                not practice.is_restricted or may_see_restricted(actor, self._settings(uow, actor))
            )
        if practice is None or not allowed:
            # The same answer for unknown and restricted refs, so a restricted practice's
            # existence does not leak to people outside police-only workspaces.
            return [
                _say(
                    text(
                        f"No practice {ref} in the bank. Check the reference, or search by words, "
                        "for example ",
                        bold(EXAMPLE_SEARCH),
                        ".",
                    )
                )
            ]
        return [Reply((PracticeCard(practice, CardDetail.FULL),))]

    def handle_queue(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: submissions waiting for a decision (`queue` and more words: a search)."""
        if rest:
            return self.handle_search(actor, f"queue {rest}")
        return [self._reports.queue(actor)]

    def handle_stats(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: the bank's counts and gaps (`stats` followed by words is a search)."""
        if rest:
            return self.handle_search(actor, f"stats {rest}")
        return [self._reports.stats(actor)]

    def handle_call(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: `call open|list|show`; other words after `call` are a search."""
        reply = self._calls.handle_command(actor, rest)
        if reply is None:
            return self.handle_search(actor, f"call {rest}")
        return [reply]

    def handle_help(self, actor: Actor, topic: str) -> list[Reply]:
        """Explain what the bot can do, with examples worth copying."""
        return [
            Reply(
                (
                    text(
                        bold("Practice bank"),
                        ": what police forces and partners tried against "
                        "crime and harm, and whether it worked.",
                    ),
                    text(
                        bold("Search"),
                        ": type what you are looking for, e.g. ",
                        bold(EXAMPLE_SEARCH),
                        ". Typos and acronyms are fine: ",
                        bold("knfe crime"),
                        ", ",
                        bold("ASB"),
                        ", ",
                        bold("DV"),
                        ".",
                    ),
                    text(
                        bold("Filters"),
                        " inside a search: ",
                        bold("focus:diversion"),
                        ", ",
                        bold("rating:worked"),
                        " (worked, promising, untested, didnt_work), ",
                        bold("topic:violence"),
                        ", ",
                        bold("linked:tilley"),
                        ", ",
                        bold("org:sussex"),
                        ". For example ",
                        bold("burglary rating:worked focus:prevention"),
                        ".",
                    ),
                    text(
                        bold("Show a practice"),
                        ": ",
                        bold("show PB046"),
                        ", or just ",
                        bold("PB046"),
                        ", or press ",
                        bold("Details"),
                        " under a result.",
                    ),
                    text(
                        bold("More"),
                        ": press ",
                        bold("More results"),
                        " under a list for the next page.",
                    ),
                    text(
                        bold("Share"),
                        ": type ",
                        bold("share"),
                        " to add your own practice; I ask one question at a time.",
                    ),
                    Buttons((share_button(),)),
                )
            )
        ]

    # --- helpers -----------------------------------------------------------------------------

    def _settings(self, uow: UnitOfWork, actor: Actor) -> WorkspaceSettings | None:
        return uow.workspaces.get(actor.platform, actor.workspace_id)

    def _search(
        self, uow: UnitOfWork, actor: Actor, query: str, filters: SearchFilters, *, offset: int
    ) -> SearchResult:
        """Run a search with the actor's own rights over restricted practices."""
        settings = self._settings(uow, actor)
        return self._search_service.searcher(uow).search(
            query,
            filters,
            include_restricted=may_see_restricted(actor, settings),
            limit=PAGE_SIZE,
            offset=offset,
        )

    def _stale_search(self) -> Reply:
        return _say(
            text(
                "That search is no longer available. Search again, for example ",
                bold(EXAMPLE_SEARCH),
                ".",
            )
        )

    def _results_reply(
        self, record: SearchRecord, result: SearchResult, notices: list[str]
    ) -> Reply:
        """Show the page of results, or the next steps when nothing was found."""
        quoted = _quoted(record.text)
        if not result.total:
            return Reply(
                (
                    text("No practices found for ", quoted, "."),
                    *self._notices(notices, result),
                    *self._next_steps(record, result),
                )
            )
        header: list[str | Span] = [bold(_plural(result.total, "practice")), f" for {quoted}"]
        if result.offset or result.has_more:
            first, last = result.offset + 1, result.offset + len(result.hits)
            header.append(f" (showing {first}–{last} of {result.total})")
        blocks: list[Block] = [text(*header, "."), *self._notices(notices, result)]
        if result.did_you_mean and not result.offset:
            blocks.append(Buttons((self._suggestion_button(record, result.did_you_mean),)))
        for rank, hit in enumerate(result.hits, start=result.offset + 1):
            ref = hit.practice.ref
            blocks.append(PracticeCard(hit.practice, CardDetail.SUMMARY, rank=rank))
            blocks.append(Buttons((Action(actions.encode(ShowPractice(ref)), f"Details {ref}"),)))
        if result.has_more:
            more = MoreResults(record.id, result.offset + len(result.hits))
            blocks.append(
                Buttons((Action(actions.encode(more), "More results", ActionStyle.PRIMARY),))
            )
        return Reply(tuple(blocks))

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
