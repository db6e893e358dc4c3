"""Calls for practice: moderators ask for practices on a theme until a closing date.

A moderator opens a call (`call open <theme> | <what is wanted> | <closing date>`, or the form),
the bot announces it where the workspace wants (its call channel, else the moderation channel)
with an *Answer this call* button, contributors answer it through the sharing dialogue until the
closing day (inclusive, UTC), and moderators list what each call gathered (`call list`,
`call show <id>`).

Everyone may list the open calls (`calls`), and `share` offers them under the first question
(at most `OFFERED` buttons, soonest closing first): pressing one makes the draft just started
answer that call. A draft already answering a call, or proposing an update of a published
practice, is left as it is: an update improves a practice already in the bank, it does not answer
a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.kernel import actions
from bot.kernel.access import is_moderator
from bot.kernel.actions import AnswerCall, JoinCall, OpenCall
from bot.kernel.events import Actor
from bot.kernel.notices import user_id_of
from bot.kernel.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.kernel.records import (
    Audience,
    CallForPractice,
    Notification,
    Submission,
    SubmissionState,
)
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Block,
    Buttons,
    FieldKind,
    Form,
    FormField,
    Reply,
    bold,
    say,
    text,
)
from bot.kernel.text import clean_note, clean_text, drop_bidi_controls, trim_invisible
from bot.kernel.when import format_day
from bot.moderation.decisions import proposed_practice, refuse_non_moderator

log = logging.getLogger(__name__)

THEME_MAX_CHARS = 120
# Calls offered under the first question of `share`; more would crowd out the question.
OFFERED = 3
# Open calls listed by `calls`; the rest are counted.
LISTED = 10
# Slack caps button labels at 75 characters.
LABEL_THEME_CHARS = 50
WANTED_MAX_CHARS = 1000
# A call further out than this is almost certainly a typo in the year.
LONGEST_CALL = timedelta(days=2 * 366)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y")
# How far ahead the example closing date lies: a plausible call length, never in the past.
EXAMPLE_AHEAD = timedelta(days=60)
FIELDS = ("theme", "wanted", "closes_on")


def example_closing(today: date) -> date:
    """A closing date to show in examples: in the future by the bot's clock, so it can be typed."""
    return today + EXAMPLE_AHEAD


def usage(today: date) -> str:
    """How to open a call, with an example closing date that would be accepted today."""
    return (
        "To open a call: `call open <theme> | <what is wanted> | <closing date>`, for example "
        f"`call open Retail crime | Practices that cut shop theft | "
        f"{example_closing(today).isoformat()}`. Also `call list` and `call show <number>`."
    )


def _date_formats(today: date) -> str:
    when = example_closing(today)
    return f"{when.isoformat()}, {when:%d/%m/%Y} or {when.day} {when:%B %Y}"


def read_closing_date(raw: str) -> date | None:
    """Read a closing date typed as 2025-06-30, 30/06/2025 or 30 June 2025."""
    cleaned = " ".join(raw.split())
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None


def is_open(call: CallForPractice, today: date) -> bool:
    """Whether a call still takes answers: until its closing day, inclusive."""
    return today <= call.closes_on


def call_for_answer(
    uow: UnitOfWork, actor: Actor, call_id: int, today: date
) -> CallForPractice | Reply:
    """The call the actor may answer now, or the polite reason they cannot (for bot.sharing too)."""
    call = uow.calls.get(actor.workspace, call_id)
    if call is None:
        return say(
            f"There is no call for practice {call_id} here. You can still share a practice: "
            "type `share`."
        )
    if not is_open(call, today):
        return say(
            f"The call “{call.theme}” closed on {format_day(call.closes_on)}, so it takes no "
            "more answers. Thank you for wanting to share: you can still add your practice to "
            "the bank with `share`."
        )
    return call


@dataclass(frozen=True)
class CallAnswer:
    """The answer to an *Answer this call* click: a reply, and the call to share into if open."""

    reply: Reply | None
    call_id: int | None = None


@dataclass(frozen=True)
class _CallDraft:
    theme: str
    wanted: str
    closes_on: date


class Calls:
    """Opening, announcing, answering and listing calls for practice."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        """Keep the storage and clock."""
        self._uow_factory = uow_factory
        self._clock = clock

    def handle_command(self, actor: Actor, rest: str) -> Reply | None:
        """Run `call open|list|show ...`; None when the words are not a call command at all.

        "call" also starts ordinary searches ("call handling"), so anything that is not one of
        the sub-commands is handed back to the caller to be searched.
        """
        word, _, argument = clean_text(rest).partition(" ")
        match word.casefold():
            case "open":
                if not argument:
                    return self.open_form(actor)
                parts = [part.strip() for part in argument.split("|")]
                if len(parts) != 3:
                    return self._guarded(actor, "call open", lambda: say(self._usage()))
                return self.open_call(
                    actor, {"theme": parts[0], "wanted": parts[1], "closes_on": parts[2]}
                )
            case "list" if not argument:
                return self.list_calls(actor)
            case "show":
                return self.show_call(actor, argument)
            case "":
                return self._guarded(actor, "call", lambda: say(self._usage()))
            case _:
                return None

    def _usage(self) -> str:
        return usage(self._clock.now().date())

    def open_form(self, actor: Actor) -> Reply:
        """The form to open a call, for moderators."""
        form = _call_form(self._clock.now().date())
        return self._guarded(actor, "call open", lambda: Reply((form,)))

    def open_call(self, actor: Actor, values: Mapping[str, str]) -> Reply:
        """Open and announce a call from typed or form values, after checking them."""
        with self._uow_factory() as uow:
            settings = uow.workspaces.get(actor.workspace)
            if not is_moderator(actor, settings):
                return refuse_non_moderator(actor, "call open")
            today = self._clock.now().date()
            draft = _read_call(values, today)
            if isinstance(draft, _Refused):
                return _refusal(draft, today)
            now = self._clock.now()
            call = uow.calls.add(
                CallForPractice(
                    id=0,
                    platform=actor.platform,
                    workspace_id=actor.workspace_id,
                    theme=draft.theme,
                    wanted=draft.wanted,
                    closes_on=draft.closes_on,
                    opened_by=actor.key,
                    opened_at=now,
                )
            )
            channel = settings.announce_calls_in if settings is not None else None
            if channel:
                uow.outbox.add(
                    Notification(
                        platform=actor.platform,
                        workspace_id=actor.workspace_id,
                        audience=Audience.CHANNEL,
                        recipient=channel,
                        reply=_announcement(call),
                        key=f"call:{call.id}",
                        created_at=now,
                    )
                )
            uow.commit()
        if not channel:
            log.warning("no call or moderation channel configured: call %s not announced", call.id)
            where = (
                "No call or moderation channel is configured here, so it was not announced; "
                "contributors still see it with `calls` and when they `share`."
            )
        elif settings is not None and channel == settings.moderation_channel:
            where = f"I announced it in the moderation channel ({channel})."
        else:
            where = f"I announced it in the call channel ({channel})."
        return Reply(
            (
                text(
                    bold(f"Call {call.id} is open"),
                    f": “{call.theme}”, until {format_day(call.closes_on)} (inclusive).",
                ),
                text(where),
            )
        )

    def answer(self, actor: Actor, call_id: int) -> CallAnswer:
        """Check a call can be answered now; the caller then starts sharing into it."""
        with self._uow_factory() as uow:
            found = call_for_answer(uow, actor, call_id, self._clock.now().date())
        if isinstance(found, Reply):
            return CallAnswer(found)
        return CallAnswer(None, found.id)

    def open_calls(self, actor: Actor) -> Reply:
        """`calls`, for everyone: the workspace's open calls, soonest closing first, to answer."""
        today = self._clock.now().date()
        with self._uow_factory() as uow:
            calls = _open_calls(uow, actor, today)
        if not calls:
            return say(
                "No calls for practice are open here right now. You can still share a practice "
                "any time: type `share`."
            )
        blocks: list[Block] = [text(bold(f"Open calls for practice ({len(calls)})"))]
        for call in calls[:LISTED]:
            blocks.append(
                text(
                    bold(call.theme),
                    f", open until {format_day(call.closes_on)}: {call.wanted}",
                )
            )
            blocks.append(Buttons((_answer_button(AnswerCall(call.id), call),)))
        if len(calls) > LISTED:
            blocks.append(text(f"…and {len(calls) - LISTED} more."))
        return Reply(tuple(blocks))

    def offer_to_draft(self, actor: Actor) -> list[Block]:
        """Buttons for the open calls the actor's new draft could answer (none: nothing).

        Only a draft of a new practice that answers no call yet is offered them.
        """
        today = self._clock.now().date()
        with self._uow_factory() as uow:
            if _draft_for_call(uow, actor) is None:
                return []
            calls = _open_calls(uow, actor, today)[:OFFERED]
        if not calls:
            return []
        return [
            text("Does your practice answer an open call for practice? Press it to say so."),
            Buttons(tuple(_answer_button(JoinCall(call.id), call) for call in calls)),
        ]

    def join(self, actor: Actor, call_id: int) -> CallAnswer:
        """Make the actor's draft answer the call; without a draft, start one that does."""
        today = self._clock.now().date()
        with self._uow_factory() as uow:
            found = call_for_answer(uow, actor, call_id, today)
            if isinstance(found, Reply):
                return CallAnswer(found)
            draft = _draft_for_call(uow, actor)
            if draft is None:
                answering = _answering(uow, actor)
                if answering is None:
                    return CallAnswer(None, found.id)  # no draft in progress: start one for it
                return CallAnswer(answering)
            saved = uow.submissions.save(
                replace(draft, call_id=found.id), expected_revision=draft.revision
            )
            if saved is None:
                return CallAnswer(say("Your draft changed just now; press the button again."))
            uow.commit()
        return CallAnswer(
            Reply(
                (
                    text(
                        "Your draft now answers the call for practice on ",
                        bold(found.theme),
                        f" (open until {format_day(found.closes_on)}). "
                        "Carry on with the question above.",
                    ),
                )
            )
        )

    def list_calls(self, actor: Actor) -> Reply:
        """Every call of the workspace, newest first, with how many answers each gathered."""
        with self._uow_factory() as uow:
            settings = uow.workspaces.get(actor.workspace)
            if not is_moderator(actor, settings):
                return refuse_non_moderator(actor, "call list")
            calls = uow.calls.list_for(actor.workspace)
            gathered = _gathered(uow, actor)
        if not calls:
            return say("No calls for practice yet. " + self._usage())
        today = self._clock.now().date()
        lines: list[Block] = [text(bold(f"Calls for practice ({len(calls)})"))]
        for call in calls:
            answers = len(gathered.get(call.id, []))
            lines.append(
                text(
                    f"Call {call.id}: “{call.theme}”, {_status(call, today)}, "
                    f"{answers} {'answer' if answers == 1 else 'answers'}."
                )
            )
        return Reply(tuple(lines))

    def show_call(self, actor: Actor, raw_id: str) -> Reply:
        """One call and the submissions it gathered."""
        with self._uow_factory() as uow:
            settings = uow.workspaces.get(actor.workspace)
            if not is_moderator(actor, settings):
                return refuse_non_moderator(actor, "call show")
            call_id = (
                int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 10 else 0
            )
            call = uow.calls.get(actor.workspace, call_id) if call_id else None
            if call is None:
                return say("No such call here. Type `call list` to see the calls.")
            answers = _gathered(uow, actor).get(call.id, [])
        today = self._clock.now().date()
        blocks: list[Block] = [
            text(bold(f"Call {call.id}: “{call.theme}”")),
            text(call.wanted),
            text(
                f"Opened {format_day(call.opened_at.date())} by {user_id_of(call.opened_by)}; "
                f"{_status(call, today)}."
            ),
        ]
        if not answers:
            blocks.append(text("No answers yet."))
        for submission in answers:
            blocks.append(text(_answer_line(submission)))
        return Reply(tuple(blocks))

    def _guarded(self, actor: Actor, attempted: str, build: Callable[[], Reply]) -> Reply:
        """Run a moderator-only step, or refuse it."""
        with self._uow_factory() as uow:
            settings = uow.workspaces.get(actor.workspace)
        if not is_moderator(actor, settings):
            return refuse_non_moderator(actor, attempted)
        return build()


@dataclass(frozen=True)
class _Refused:
    """A call that could not be opened: the problem per field, and what was typed, cleaned."""

    problems: dict[str, str]
    typed: dict[str, str]


def _call_form(today: date, refused: _Refused | None = None) -> Form:
    """The form to open a call; after a refusal, what was typed is kept and the problems shown.

    Carrying the typed values as defaults and each problem on its field lets every adapter ask
    again only what was refused (the terminal asks just those fields, Slack shows the errors
    beside them) instead of losing the answers given.
    """
    typed = refused.typed if refused else {}
    problems = refused.problems if refused else {}
    example = example_closing(today).isoformat()
    return Form(
        actions.encode(OpenCall()),
        "Open a call for practice",
        (
            FormField(
                "theme",
                "Theme",
                required=True,
                max_length=THEME_MAX_CHARS,
                default=typed.get("theme", "")[:THEME_MAX_CHARS],
                error=problems.get("theme", ""),
            ),
            FormField(
                "wanted",
                "What is wanted",
                FieldKind.LONG_TEXT,
                required=True,
                max_length=WANTED_MAX_CHARS,
                default=typed.get("wanted", "")[:WANTED_MAX_CHARS],
                error=problems.get("wanted", ""),
            ),
            FormField(
                "closes_on",
                f"Closing date (e.g. {example})",
                required=True,
                max_length=40,
                default=typed.get("closes_on", "")[:40],
                error=problems.get("closes_on", ""),
            ),
        ),
        submit_label="Open and announce",
    )


def _refusal(refused: _Refused, today: date) -> Reply:
    """Why the call was not opened, and the form again with what was typed still in it."""
    return Reply(
        (
            text("The call was not opened:"),
            *(text(f"• {refused.problems[name]}") for name in FIELDS if name in refused.problems),
            text("Nothing you typed is lost; correct what was refused."),
            _call_form(today, refused),
        )
    )


def _visible(cleaned: str) -> str:
    """Text without bidi controls or invisible ends: a theme of zero-width spaces is no theme."""
    return trim_invisible(drop_bidi_controls(cleaned))


def _read_call(values: Mapping[str, str], today: date) -> _CallDraft | _Refused:
    """Check a call's theme, wanted text and closing date; the problems, if any."""
    problems: dict[str, str] = {}
    theme = _visible(clean_text(values.get("theme", "")))
    wanted = _visible(clean_note(values.get("wanted", "")))
    raw_date = clean_text(values.get("closes_on", ""))
    if not theme:
        problems["theme"] = "Give the call a theme."
    elif len(theme) > THEME_MAX_CHARS:
        problems["theme"] = f"The theme is {len(theme):,} characters; keep it to {THEME_MAX_CHARS}."
    if not wanted:
        problems["wanted"] = "Say what is wanted."
    elif len(wanted) > WANTED_MAX_CHARS:
        problems["wanted"] = (
            f"What is wanted is {len(wanted):,} characters; keep it to {WANTED_MAX_CHARS:,}."
        )
    closes_on = read_closing_date(raw_date) if len(raw_date) <= 40 else None
    if closes_on is None:
        problems["closes_on"] = (
            f"Give the closing date as {_date_formats(today)}."
            if raw_date
            else "Give a closing date."
        )
    elif closes_on < today:
        problems["closes_on"] = f"The closing date {format_day(closes_on)} has already passed."
    elif closes_on > today + LONGEST_CALL:
        problems["closes_on"] = (
            f"The closing date {format_day(closes_on)} is more than two years away."
        )
    if problems or closes_on is None:
        return _Refused(problems, {"theme": theme, "wanted": wanted, "closes_on": raw_date})
    return _CallDraft(theme, wanted, closes_on)


def _open_calls(uow: UnitOfWork, actor: Actor, today: date) -> list[CallForPractice]:
    """The workspace's calls still taking answers, soonest closing first."""
    calls = [call for call in uow.calls.list_for(actor.workspace) if is_open(call, today)]
    return sorted(calls, key=lambda call: (call.closes_on, call.id))


def _open_drafts(uow: UnitOfWork, actor: Actor) -> list[Submission]:
    return [
        s
        for s in uow.submissions.open_for(actor.key)
        if s.state is SubmissionState.DRAFT and s.workspace == actor.workspace
    ]


def _draft_for_call(uow: UnitOfWork, actor: Actor) -> Submission | None:
    """The actor's draft of a new practice that answers no call yet, if they have one."""
    drafts = _open_drafts(uow, actor)
    return next((s for s in drafts if s.target_ref is None and s.call_id is None), None)


def _answering(uow: UnitOfWork, actor: Actor) -> Reply | None:
    """Why the actor's draft in progress cannot take a call, or None when they have no draft."""
    drafts = _open_drafts(uow, actor)
    if not drafts:
        return None
    draft = drafts[0]
    if draft.target_ref is not None:
        return say(
            f"Your draft in progress updates {draft.target_ref}, so it cannot answer a call. "
            "Finish or cancel it, then press the button again."
        )
    return say(
        "Your draft in progress already answers a call for practice. Finish or cancel it, then "
        "press the button again to share another practice for this one."
    )


def _answer_button(action: AnswerCall | JoinCall, call: CallForPractice) -> Action:
    theme = call.theme
    if len(theme) > LABEL_THEME_CHARS:
        theme = theme[: LABEL_THEME_CHARS - 1].rstrip() + "…"
    return Action(actions.encode(action), f"Answer: {theme}", ActionStyle.PRIMARY)


def _announcement(call: CallForPractice) -> Reply:
    """The post that announces a call, with the button to answer it."""
    return Reply(
        (
            text(bold("Call for practice: "), bold(call.theme)),
            text(call.wanted),
            text(
                f"Open until {format_day(call.closes_on)}. Share yours with the button below, "
                "or type `share`."
            ),
            Buttons(
                (
                    Action(
                        actions.encode(AnswerCall(call.id)),
                        "Answer this call",
                        ActionStyle.PRIMARY,
                    ),
                )
            ),
        ),
        private=False,
    )


def _status(call: CallForPractice, today: date) -> str:
    if is_open(call, today):
        return f"open until {format_day(call.closes_on)}"
    return f"closed on {format_day(call.closes_on)}"


def _gathered(uow: UnitOfWork, actor: Actor) -> dict[int, list[Submission]]:
    """The workspace's submissions that answer a call, by call id (drafts excluded)."""
    found: dict[int, list[Submission]] = {}
    states = [s for s in SubmissionState if s is not SubmissionState.DRAFT]
    for submission in uow.submissions.list_by_state(actor.workspace, *states):
        if submission.call_id is None:
            continue
        found.setdefault(submission.call_id, []).append(submission)
    return found


def _answer_line(submission: Submission) -> str:
    title = proposed_practice(submission).title or "(untitled)"
    state = submission.state.value.replace("_", " ")
    published = f" as {submission.published_ref}" if submission.published_ref else ""
    who = submission.contributor_name or user_id_of(submission.contributor_key)
    return f"{submission.ref} “{title}” from {who}: {state}{published}."
