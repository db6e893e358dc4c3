"""Between a submission's stored answers (plain JSON values) and a `Practice`.

A draft is shown as a practice card for review and for moderators, and an existing practice is
turned into answers to pre-fill an update. Answers come from storage, so reading them tolerates
missing or malformed values rather than trusting them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.kernel.domain import (
    OPTIONAL_TEXT_FIELDS,
    TEXT_LIST_FIELDS,
    Effectiveness,
    Focus,
    LinkedTo,
    Practice,
    Visibility,
)


def _text(answers: Mapping[str, Any], name: str) -> str | None:
    value = answers.get(name)
    return value if isinstance(value, str) and value else None


def _strings(answers: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = answers.get(name)
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v for v in value if isinstance(v, str) and v)


def _date(answers: Mapping[str, Any], name: str) -> date | None:
    value = answers.get(name)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _effectiveness(answers: Mapping[str, Any]) -> Effectiveness:
    value = answers.get("effectiveness")
    try:
        return Effectiveness(value) if isinstance(value, str) else Effectiveness.UNTESTED
    except ValueError:
        return Effectiveness.UNTESTED


def practice_from_answers(answers: Mapping[str, Any], ref: str) -> Practice:
    """The practice these answers describe, under `ref` (a draft shows its submission id).

    Unknown enum values are dropped and a missing effectiveness reads as untested, so a card can
    always be drawn, even from a half-finished or damaged draft.
    """
    focus = tuple(Focus(v) for v in _strings(answers, "focus") if v in Focus.__members__.values())
    linked = tuple(
        LinkedTo(v) for v in _strings(answers, "linked_to") if v in LinkedTo.__members__.values()
    )
    restricted = answers.get("visibility") == Visibility.RESTRICTED.value
    texts: dict[str, Any] = {name: _text(answers, name) for name in OPTIONAL_TEXT_FIELDS}
    return Practice(
        ref=ref,
        title=_text(answers, "title") or "(untitled)",
        summary=_text(answers, "summary") or "",
        effectiveness=_effectiveness(answers),
        focus=focus,
        linked_to=linked,
        start_date=_date(answers, "start_date"),
        end_date=_date(answers, "end_date"),
        visibility=Visibility.RESTRICTED if restricted else Visibility.PUBLIC,
        topics=_strings(answers, "topics"),
        partners=_strings(answers, "partners"),
        links=_strings(answers, "links"),
        **texts,
    )


def answers_from_practice(practice: Practice) -> dict[str, Any]:
    """A practice's fields as answers, to pre-fill an update of it (only fields with a value)."""
    answers: dict[str, Any] = {
        "title": practice.title,
        "summary": practice.summary,
        "effectiveness": practice.effectiveness.value,
        "focus": [f.value for f in practice.focus],
        "linked_to": [link.value for link in practice.linked_to],
        "visibility": practice.visibility.value,
    }
    for name in OPTIONAL_TEXT_FIELDS:
        answers[name] = getattr(practice, name)
    for name in TEXT_LIST_FIELDS:
        answers[name] = list(getattr(practice, name))
    for name in ("start_date", "end_date"):
        value = getattr(practice, name)
        answers[name] = value.isoformat() if value else None
    return {name: value for name, value in answers.items() if value not in (None, "", [])}
