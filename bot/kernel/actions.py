"""Stable action ids: what a button carries to the platform and brings back when it is clicked.

An id is short text such as `show:PB046` or `more:42:5`. Clicks can be stale, forged or replayed,
so `decode` checks every part and answers None for anything it does not recognise, never raising.
Ids stay well under Discord's 100-character `custom_id` limit (Slack allows 255).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeGuard

from bot.kernel.domain import Effectiveness, Focus
from bot.kernel.records import Decision

MAX_ACTION_ID_LENGTH = 100
# Bounds that keep forged numbers from reaching the store as absurd values.
MAX_SEARCH_ID = 2**63 - 1
MAX_OFFSET = 10_000

# ASCII digits only and `fullmatch`: `\d` accepts other scripts' digits and `$` a trailing newline.
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
_REF = re.compile(r"PB[0-9]{3,12}")


@dataclass(frozen=True)
class ShowPractice:
    """Show one practice in full."""

    ref: str


@dataclass(frozen=True)
class MoreResults:
    """The next page of a recorded search, starting at `offset`."""

    search_id: int
    offset: int


@dataclass(frozen=True)
class TrySuggestion:
    """Run the "did you mean" spelling of a recorded search that found nothing."""

    search_id: int


@dataclass(frozen=True)
class DropFilters:
    """Run a recorded search again with its filters removed."""

    search_id: int


@dataclass(frozen=True)
class AddFilter:
    """Run a recorded search again with one more filter: an effectiveness rating or a focus."""

    search_id: int
    value: Effectiveness | Focus


@dataclass(frozen=True)
class ShowHelp:
    """Explain what the bot can do."""


# --- moderation, follow-ups and calls (bot.moderation, bot.followup, bot.calls) -------------

# The word in `mod:<word>:<id>` for each decision a moderator can take on a submission.
DECISION_WORDS: dict[str, Decision] = {
    "approve": Decision.APPROVE,
    "changes": Decision.REQUEST_CHANGES,
    "reject": Decision.REJECT,
}
_DECISION_WORD: dict[Decision, str] = {decision: word for word, decision in DECISION_WORDS.items()}


class FollowUpAnswer(StrEnum):
    """A contributor's answer to a follow-up reminder."""

    KEEP = "keep"  # no changes: record the review date
    UPDATE = "update"  # start an update of the practice
    RETIRE = "retire"  # ask the moderators to archive it


@dataclass(frozen=True)
class ReviewSubmission:
    """A moderator's decision on a submission; the button and the form it opens share this id."""

    decision: Decision
    submission_id: int


@dataclass(frozen=True)
class OpenSubmission:
    """Show a pending submission's moderation card again (from the queue)."""

    submission_id: int


@dataclass(frozen=True)
class AnswerFollowUp:
    """A contributor's answer to the follow-up reminder `reminder_id`."""

    answer: FollowUpAnswer
    reminder_id: int


@dataclass(frozen=True)
class ConfirmRetirement:
    """A moderator confirms the retirement a contributor asked for in reply to a reminder."""

    reminder_id: int


@dataclass(frozen=True)
class DeclineRetirement:
    """A moderator keeps the practice a contributor asked to retire (the "Keep it" button)."""

    reminder_id: int


@dataclass(frozen=True)
class AnswerCall:
    """Share a practice in answer to call for practice `call_id`."""

    call_id: int


@dataclass(frozen=True)
class JoinCall:
    """Make the draft just started answer call `call_id` (offered under `share`)."""

    call_id: int


@dataclass(frozen=True)
class OpenCall:
    """The form a moderator fills in to open a call for practice."""


@dataclass(frozen=True)
class TeachSearch:
    """A moderator teaches search the words of gap `search_id` (opens the glossary form)."""

    search_id: int


@dataclass(frozen=True)
class AddGlossaryTerm:
    """The glossary form's id: the term and meaning it sends back are added to the glossary."""


BotAction = (
    ShowPractice
    | MoreResults
    | TrySuggestion
    | DropFilters
    | AddFilter
    | ShowHelp
    | ReviewSubmission
    | OpenSubmission
    | AnswerFollowUp
    | ConfirmRetirement
    | DeclineRetirement
    | AnswerCall
    | JoinCall
    | OpenCall
    | TeachSearch
    | AddGlossaryTerm
)


def encode(action: BotAction) -> str:
    """Make the id to put on a button; `decode` turns it back into the same action."""
    match action:
        case ShowPractice(ref=ref):
            return f"show:{ref}"
        case MoreResults(search_id=search_id, offset=offset):
            return f"more:{search_id}:{offset}"
        case TrySuggestion(search_id=search_id):
            return f"suggest:{search_id}"
        case DropFilters(search_id=search_id):
            return f"unfiltered:{search_id}"
        case AddFilter(search_id=search_id, value=value):
            kind = "e" if isinstance(value, Effectiveness) else "f"
            return f"filter:{search_id}:{kind}:{value.value}"
        case ShowHelp():
            return "help"
        case ReviewSubmission(decision=decision, submission_id=submission_id):
            return f"mod:{_DECISION_WORD[decision]}:{submission_id}"
        case OpenSubmission(submission_id=submission_id):
            return f"mod:open:{submission_id}"
        case AnswerFollowUp(answer=answer, reminder_id=reminder_id):
            return f"followup:{answer.value}:{reminder_id}"
        case ConfirmRetirement(reminder_id=reminder_id):
            return f"mod:retire:{reminder_id}"
        case DeclineRetirement(reminder_id=reminder_id):
            return f"mod:keep:{reminder_id}"
        case AnswerCall(call_id=call_id):
            return f"call:answer:{call_id}"
        case JoinCall(call_id=call_id):
            return f"call:join:{call_id}"
        case OpenCall():
            return "call:open"
        case TeachSearch(search_id=search_id):
            return f"glossary:teach:{search_id}"
        case AddGlossaryTerm():
            return "glossary:add"


def _number(raw: str, maximum: int) -> int | None:
    """Read a plain non-negative decimal (no sign, spaces, leading zeros) up to `maximum`."""
    if not _NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= maximum else None


def _search_id(raw: str) -> int | None:
    """Read a positive search id, or None."""
    value = _number(raw, MAX_SEARCH_ID)
    return value if value else None


def decode(raw: object) -> BotAction | ShareAction | None:
    """Return the action an id stands for, or None if it is malformed, unknown or out of range.

    Accepts any object (a platform may hand us None or a number) so callers need no checks.
    """
    if not isinstance(raw, str) or not raw or len(raw) > MAX_ACTION_ID_LENGTH:
        return None
    verb, _, rest = raw.partition(":")
    parts = rest.split(":") if rest else []
    if verb == "help" and not parts:
        return ShowHelp()
    if verb == "show" and len(parts) == 1 and _REF.fullmatch(parts[0]):
        return ShowPractice(parts[0])
    if verb == "more" and len(parts) == 2:
        search_id, offset = _search_id(parts[0]), _number(parts[1], MAX_OFFSET)
        if search_id is not None and offset is not None:
            return MoreResults(search_id, offset)
        return None
    if verb in ("suggest", "unfiltered") and len(parts) == 1:
        search_id = _search_id(parts[0])
        if search_id is None:
            return None
        return TrySuggestion(search_id) if verb == "suggest" else DropFilters(search_id)
    if verb == "filter":
        return _decode_filter(parts)
    if verb in ("mod", "followup", "call", "glossary"):
        return _decode_workflow(verb, parts)
    if verb == "share":
        return _decode_share(raw, parts)
    return None


# `filter:<search id>:<kind>:<value>`: `e` an effectiveness rating, `f` a focus, by enum value.
_FILTER_VALUES: dict[str, dict[str, Effectiveness | Focus]] = {
    "e": {rating.value: rating for rating in Effectiveness},
    "f": {focus.value: focus for focus in Focus},
}


def _decode_filter(parts: list[str]) -> AddFilter | None:
    """Decode `filter:42:e:promising` or `filter:42:f:diversion`; anything else is None."""
    if len(parts) != 3:
        return None
    raw_id, kind, raw_value = parts
    search_id = _search_id(raw_id)
    value = _FILTER_VALUES.get(kind, {}).get(raw_value)
    if search_id is None or value is None:
        return None
    return AddFilter(search_id, value)


def _decode_workflow(verb: str, parts: list[str]) -> BotAction | None:
    """Decode the moderation, follow-up and call ids (`mod:approve:42`, `followup:keep:7`, ...)."""
    if verb == "call" and parts == ["open"]:
        return OpenCall()
    if verb == "glossary" and parts == ["add"]:
        return AddGlossaryTerm()
    if len(parts) != 2:
        return None
    word, number = parts
    record_id = _search_id(number)  # the same rule: a positive id within the database's range
    if record_id is None:
        return None
    if verb == "mod" and word in DECISION_WORDS:
        return ReviewSubmission(DECISION_WORDS[word], record_id)
    if verb == "mod" and word == "open":
        return OpenSubmission(record_id)
    if verb == "mod" and word == "retire":
        return ConfirmRetirement(record_id)
    if verb == "mod" and word == "keep":
        return DeclineRetirement(record_id)
    if verb == "followup" and word in {answer.value for answer in FollowUpAnswer}:
        return AnswerFollowUp(FollowUpAnswer(word), record_id)
    if verb == "call" and word == "answer":
        return AnswerCall(record_id)
    if verb == "call" and word == "join":
        return JoinCall(record_id)
    if verb == "glossary" and word == "teach":
        return TeachSearch(record_id)
    return None


# --- sharing: the guided submission dialogue (bot.sharing) ------------------------------------
# The dialogue consumes these actions directly; typed commands (`back`, `skip`, ...) read into them.

# Choice values and field names a sharing button may carry: short lower-case words.
_SHARE_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class StartShare:
    """Start sharing a practice (or offer to resume the draft in progress)."""


@dataclass(frozen=True)
class ResumeShare:
    """Continue the draft in progress where it was left."""


@dataclass(frozen=True)
class DiscardShare:
    """Throw the draft in progress away (from the resume offer)."""


@dataclass(frozen=True)
class SubmitShare:
    """Send the reviewed draft to the moderators (or send it anyway, after similar practices)."""


@dataclass(frozen=True)
class CancelShare:
    """Cancel the draft: `confirmed` None asks to confirm, True discards, False carries on."""

    confirmed: bool | None = None


@dataclass(frozen=True)
class PickAnswer:
    """Answer the current choice question with `value` (a multi-choice toggles it)."""

    value: str


@dataclass(frozen=True)
class SkipQuestion:
    """Leave the current optional question blank."""


@dataclass(frozen=True)
class PreviousQuestion:
    """Go back to the previous question."""


@dataclass(frozen=True)
class FinishChoices:
    """Done picking the options of a multi-choice question."""


@dataclass(frozen=True)
class ShareHelp:
    """Explain the commands of the sharing dialogue."""


@dataclass(frozen=True)
class ShareForm:
    """Fill in the long answers in one form (and, as a form id, the values sent back)."""


@dataclass(frozen=True)
class EditAnswer:
    """Change the answer for `field`: a button's field, or the loose name typed (`edit email`)."""

    field: str


@dataclass(frozen=True)
class UpdatePractice:
    """Start an update of published practice `ref`, pre-filled from it."""

    ref: str


@dataclass(frozen=True)
class ReviseSubmission:
    """Revise submission `submission_id` after the moderators asked for changes."""

    submission_id: int


ShareAction = (
    StartShare
    | ResumeShare
    | DiscardShare
    | SubmitShare
    | CancelShare
    | PickAnswer
    | SkipQuestion
    | PreviousQuestion
    | FinishChoices
    | ShareHelp
    | ShareForm
    | EditAnswer
    | UpdatePractice
    | ReviseSubmission
)

# Ids without a variable part, both ways.
_SHARE_FIXED: dict[str, ShareAction] = {
    "share": StartShare(),
    "share:resume": ResumeShare(),
    "share:discard": DiscardShare(),
    "share:submit": SubmitShare(),
    "share:cancel": CancelShare(),
    "share:cancel:yes": CancelShare(confirmed=True),
    "share:cancel:no": CancelShare(confirmed=False),
    "share:skip": SkipQuestion(),
    "share:back": PreviousQuestion(),
    "share:done": FinishChoices(),
    "share:help": ShareHelp(),
    "share:form": ShareForm(),
}
_SHARE_FIXED_IDS: dict[ShareAction, str] = {action: id_ for id_, action in _SHARE_FIXED.items()}


def is_share_action(action: object) -> TypeGuard[ShareAction]:
    """Whether a decoded action belongs to the sharing dialogue (for the core's dispatch)."""
    return isinstance(action, _SHARE_TYPES)


_SHARE_TYPES = (
    StartShare,
    ResumeShare,
    DiscardShare,
    SubmitShare,
    CancelShare,
    PickAnswer,
    SkipQuestion,
    PreviousQuestion,
    FinishChoices,
    ShareHelp,
    ShareForm,
    EditAnswer,
    UpdatePractice,
    ReviseSubmission,
)


def encode_share(action: ShareAction) -> str:
    """Make the id of a sharing button; `decode` reads it back."""
    match action:
        case PickAnswer(value=value):
            return f"share:pick:{value}"
        case EditAnswer(field=field):
            return f"share:edit:{field}"
        case UpdatePractice(ref=ref):
            return f"share:update:{ref}"
        case ReviseSubmission(submission_id=submission_id):
            return f"share:revise:{submission_id}"
        case _:
            return _SHARE_FIXED_IDS[action]


def _decode_share(raw: str, parts: list[str]) -> ShareAction | None:
    """Decode a `share…` id; variable parts must be short words, refs or positive ids."""
    fixed = _SHARE_FIXED.get(raw)
    if fixed is not None:
        return fixed
    if len(parts) != 2:
        return None
    word, value = parts
    if word == "pick" and _SHARE_WORD.fullmatch(value):
        return PickAnswer(value)
    if word == "edit" and _SHARE_WORD.fullmatch(value):
        return EditAnswer(value)
    if word == "update" and _REF.fullmatch(value):
        return UpdatePractice(value)
    if word == "revise":
        submission_id = _search_id(value)
        return ReviseSubmission(submission_id) if submission_id is not None else None
    return None
