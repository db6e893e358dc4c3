"""The core's single entry point: `PracticeBank.handle(event)` turns any inbound event into replies.

Adapters call nothing else. Handlers are picked from dispatch tables (by event type, by verb, by
decoded action) so a new feature is a new entry. Each use case opens its own unit of work; nothing
connects when the bank is built. Errors never reach the adapter: they are logged and answered
with a polite apology.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from bot.calls.service import Calls
from bot.commands.help import help_reply
from bot.commands.reading import (
    CALL,
    CALLS,
    DIALOGUE_WORD,
    GLOSSARY,
    HELP,
    HISTORY,
    MORE,
    QUEUE,
    SEARCH,
    SHARE,
    SHOW,
    STATS,
    Request,
    dialogue_word_hint,
    read_request,
)
from bot.commands.reading import request_for_command as read_command
from bot.followup.service import FollowUp
from bot.kernel import actions
from bot.kernel.access import is_moderator
from bot.kernel.actions import (
    AddFilter,
    AddGlossaryTerm,
    AnswerCall,
    AnswerFollowUp,
    ConfirmRetirement,
    DeclineRetirement,
    DropFilters,
    FollowUpAnswer,
    JoinCall,
    MoreResults,
    OpenCall,
    OpenSubmission,
    ReviewSubmission,
    ShareForm,
    ShowHelp,
    ShowPractice,
    TeachSearch,
    TrySuggestion,
)
from bot.kernel.events import Actor, Arrival, Click, Command, Event, FormSubmit, Text
from bot.kernel.ports import Clock, UnitOfWorkFactory
from bot.kernel.replies import Reply, say
from bot.kernel.settings import CoreSettings
from bot.moderation.decisions import Moderation
from bot.moderation.history import PracticeHistory
from bot.moderation.reports import ModeratorReports
from bot.moderation.teaching import Teaching
from bot.search.chat import Searching
from bot.search.engine import PracticeSearch
from bot.search.glossary import Glossary
from bot.search.index_cache import SearchService
from bot.sharing import Sharing

log = logging.getLogger(__name__)


def in_private(replies: list[Reply]) -> list[Reply]:
    """Mark the answers of the sharing dialogue: the person continues them by typing, in private.

    Every way into sharing (the `share` verb, a *Share* button under help or "no results",
    *Answer this call*, a follow-up's *Update*) and every answer inside it goes through here, so
    an adapter that got the event in a shared channel moves the dialogue where the person can
    answer, whatever the platform.
    """
    return [replace(reply, continues_in_private=True) for reply in replies]


SOMETHING_WRONG = say(
    "Something went wrong on my side and I could not finish that. Please try again in a moment."
)


class PracticeBank:
    """The practice bank bot's core: give it events, it gives back replies.

    It builds one object per use case (search, sharing, moderation, follow-ups, calls, reports)
    over the same unit-of-work factory and clock, and holds the search index cache; it opens no
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
        self._settings_core = settings or CoreSettings()
        self._moderation = Moderation(uow_factory, clock, self._settings_core)
        self._followup = FollowUp(uow_factory, clock, self._settings_core)
        self._calls = Calls(uow_factory, clock)
        self._reports = ModeratorReports(uow_factory, clock)
        self._history = PracticeHistory(uow_factory)
        self._teaching = Teaching(uow_factory)
        self._sharing = Sharing(uow_factory, clock, self._settings_core.draft_resume_after)
        self._search_service = SearchService(glossary)
        self._searching = Searching(uow_factory, clock, self._search_service)
        self._event_handlers: dict[type, Callable[[Event], list[Reply]]] = {
            Command: self.handle_command,
            Text: self.handle_text,
            Click: self.handle_click,
            FormSubmit: self.handle_form_submit,
            Arrival: self.handle_arrival,
        }
        self._verb_handlers: dict[str, Callable[[Actor, str], list[Reply]]] = {
            SEARCH: self._searching.handle_search,
            SHOW: self._searching.handle_show,
            HELP: self.handle_help,
            QUEUE: self.handle_queue,
            STATS: self.handle_stats,
            CALL: self.handle_call,
            SHARE: self.handle_share,
            MORE: self._searching.handle_continue,
            HISTORY: self.handle_history,
            GLOSSARY: self.handle_glossary,
            CALLS: self.handle_calls,
            DIALOGUE_WORD: lambda _actor, word: [dialogue_word_hint(word)],
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

    def handle_command(self, event: Event) -> list[Reply]:
        """A slash command: `/practice <verb> <words>`."""
        assert isinstance(event, Command)  # noqa: S101 - the dispatch table guarantees it
        return self._dispatch(event.actor, read_command(event.name, event.text))

    def handle_text(self, event: Event) -> list[Reply]:
        """Typed text: an answer inside a sharing dialogue, else a verb or a search."""
        # Text inside a sharing conversation answers it (a line starting with `/` stays a command).
        assert isinstance(event, Text)  # noqa: S101 - the dispatch table guarantees it
        # After a long pause the line is read as usual and the resume offer follows it once.
        reading = self._sharing.handle_text(event.actor, event.text)
        if reading.answered is not None:
            return in_private(reading.answered)
        replies = self._dispatch(event.actor, read_request(event.text))
        return replies if reading.then is None else [*replies, *in_private([reading.then])]

    def handle_arrival(self, event: Event) -> list[Reply]:
        """A person starting a new session: their draft in progress is offered, else nothing.

        The offer is remembered, so the line they type next is read as usual (a search is
        answered) rather than taken as an answer to a question they no longer see.
        """
        assert isinstance(event, Arrival)  # noqa: S101 - the dispatch table guarantees it
        return in_private(self._sharing.handle_arrival(event.actor))

    def handle_click(self, event: Event) -> list[Reply]:
        """A button or choice: its action id, decoded defensively (stale or forged ids answered)."""
        assert isinstance(event, Click)  # noqa: S101 - the dispatch table guarantees it
        action = actions.decode(event.action)
        if actions.is_share_action(action):
            return in_private(self._sharing.handle_click(event.actor, action))
        match action:
            case ShowPractice(ref=ref):
                return self._searching.handle_show(event.actor, ref)
            case MoreResults(search_id=search_id, offset=offset):
                return self._searching.handle_more(event.actor, search_id, offset)
            case TrySuggestion(search_id=search_id):
                return self._searching.handle_suggestion(event.actor, search_id)
            case DropFilters(search_id=search_id):
                return self._searching.handle_without_filters(event.actor, search_id)
            case AddFilter(search_id=search_id, value=value):
                return self._searching.handle_filter(event.actor, search_id, value)
            case ShowHelp():
                return self.handle_help(event.actor, "")
            case ReviewSubmission(decision=decision, submission_id=submission_id):
                return [self._moderation.open_form(event.actor, decision, submission_id)]
            case OpenSubmission(submission_id=submission_id):
                return [self._moderation.show(event.actor, submission_id)]
            case AnswerFollowUp(answer=answer, reminder_id=reminder_id):
                return self._answer_follow_up(event.actor, answer, reminder_id)
            case ConfirmRetirement(reminder_id=reminder_id):
                return [self._followup.confirm_retirement(event.actor, reminder_id)]
            case DeclineRetirement(reminder_id=reminder_id):
                return [self._followup.decline_retirement(event.actor, reminder_id)]
            case AnswerCall(call_id=call_id):
                return self._answer_call(event.actor, call_id)
            case JoinCall(call_id=call_id):
                return self._join_call(event.actor, call_id)
            case OpenCall():
                return [self._calls.open_form(event.actor)]
            case TeachSearch(search_id=search_id):
                return [self._teaching.open_form(event.actor, search_id)]
            case _:  # unknown or stale (sharing actions were dispatched above)
                return [
                    say("That button no longer works. Type what you are looking for, or `help`.")
                ]

    def handle_form_submit(self, event: Event) -> list[Reply]:
        """A submitted form (modal): a decision, a call, or the share form."""
        assert isinstance(event, FormSubmit)  # noqa: S101 - the dispatch table guarantees it
        match actions.decode(event.form):
            case ReviewSubmission(decision=decision, submission_id=submission_id):
                return [self._moderation.decide(event.actor, decision, submission_id, event.values)]
            case OpenCall():
                return [self._calls.open_call(event.actor, event.values)]
            case ShareForm():
                return in_private(self._sharing.handle_form(event.actor, event.values))
            case AddGlossaryTerm():
                return [self._teaching.teach(event.actor, event.values)]
            case _:
                return [say("That form is no longer in use. Type `help` to see what I can do.")]

    def _answer_follow_up(
        self, actor: Actor, answer: FollowUpAnswer, reminder_id: int
    ) -> list[Reply]:
        """Take a follow-up answer; after *Update* the sharing dialogue takes over, pre-filled."""
        result = self._followup.answer(actor, answer, reminder_id)
        if result.update_ref is None:
            return [result.reply]
        started = in_private(self._sharing.handle_update(actor, result.update_ref))
        if not self._followup.record_update(actor, reminder_id):
            return started  # the update did not start: the reminder stays open for later
        return [result.reply, *started]

    def _answer_call(self, actor: Actor, call_id: int) -> list[Reply]:
        """Start sharing a practice in answer to a call, if the call still takes answers."""
        call_answer = self._calls.answer(actor, call_id)
        if call_answer.reply is not None:
            return [call_answer.reply]
        return in_private(self._sharing.start(actor, call_id=call_id))

    def _join_call(self, actor: Actor, call_id: int) -> list[Reply]:
        """Make the draft just started answer a call (offered by `share`), or start one for it."""
        call_answer = self._calls.join(actor, call_id)
        if call_answer.reply is not None:
            return in_private([call_answer.reply])
        return in_private(self._sharing.start(actor, call_id=call_id))

    def handle_share(self, actor: Actor, words: str) -> list[Reply]:
        """`share`: the sharing dialogue, with the open calls offered under its first question."""
        replies = self._sharing.handle_share(actor, words)
        offer = self._calls.offer_to_draft(actor) if replies and not words else []
        if offer:
            last = replies[-1]
            replies = [*replies[:-1], replace(last, blocks=(*last.blocks, *offer))]
        return in_private(replies)

    def _dispatch(self, actor: Actor, request: Request) -> list[Reply]:
        return self._verb_handlers[request.verb](actor, request.text)

    # --- verbs answered here (a moderators' verb followed by other words is a search) ---------

    def handle_queue(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: submissions waiting for a decision (`queue` and more words: a search)."""
        if rest:
            return self._searching.handle_search(actor, f"queue {rest}")
        return [self._reports.queue(actor)]

    def handle_stats(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: the bank's counts and gaps (`stats` followed by words is a search)."""
        if rest:
            return self._searching.handle_search(actor, f"stats {rest}")
        return [self._reports.stats(actor)]

    def handle_call(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: `call open|list|show`; other words after `call` are a search."""
        reply = self._calls.handle_command(actor, rest)
        if reply is None:
            return self._searching.handle_search(actor, f"call {rest}")
        return [reply]

    def handle_history(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: `history PB046`; other words after `history` are a search."""
        reply = self._history.handle_history(actor, rest)
        if reply is None:
            return self._searching.handle_search(actor, f"history {rest}")
        return [reply]

    def handle_glossary(self, actor: Actor, rest: str) -> list[Reply]:
        """Moderators: `glossary`, `glossary add TERM = MEANING`; other words are a search."""
        reply = self._teaching.handle_command(actor, rest)
        if reply is None:
            return self._searching.handle_search(actor, f"glossary {rest}")
        return [reply]

    def handle_calls(self, actor: Actor, rest: str) -> list[Reply]:
        """Everyone: the open calls for practice (`calls` and more words: a search)."""
        if rest:
            return self._searching.handle_search(actor, f"calls {rest}")
        return [self._calls.open_calls(actor)]

    def handle_help(self, actor: Actor, topic: str) -> list[Reply]:
        """Explain what the bot can do, with examples worth copying (moderators: theirs too)."""
        with self._uow_factory() as uow:
            moderator = is_moderator(actor, uow.workspaces.get(actor.platform, actor.workspace_id))
        # Only the terminal has a `quit` (a chat platform's conversation just stops).
        return [help_reply(moderator=moderator, in_terminal=actor.platform == "console")]
