"""Conversion between `bot.kernel.domain.Practice` and what the database stores, kept in one place.

A practice becomes a dict of column values (`practices` row) or a JSON snapshot (version
history), and comes back as the same frozen dataclass. Text is made storable here so SQLite and
PostgreSQL keep exactly the same thing: PostgreSQL refuses NUL characters and unpaired
surrogates, so both backends store U+FFFD / "?" in their place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from bot.kernel.domain import (
    DATE_FIELDS,
    OPTIONAL_TEXT_FIELDS,
    TEXT_LIST_FIELDS,
    TIMESTAMP_FIELDS,
    Effectiveness,
    Focus,
    LinkedTo,
    Practice,
    Visibility,
)

REF_MAX_LENGTH = 32
KEY_MAX_LENGTH = 255

_TEXT_FIELDS: tuple[str, ...] = ("title", "summary", *OPTIONAL_TEXT_FIELDS)


def storable_text(text: str) -> str:
    """Make `text` storable alike on both backends: NUL becomes U+FFFD, a lone surrogate "?"."""
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def bounded_key(value: str, what: str, limit: int = KEY_MAX_LENGTH) -> str:
    """Check a short identifier (platform id, term, ref) against its column's length.

    SQLite would keep an over-long value and PostgreSQL would refuse it; refusing on both keeps
    the two backends alike.
    """
    value = storable_text(value)
    if not value:
        raise ValueError(f"{what} must not be empty")
    if len(value) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    return value


def ref_key(ref: str) -> str | None:
    """Return the case-insensitive lookup key for a ref, or None when no stored ref can match."""
    ref = ref.strip()
    if not ref or len(ref) > REF_MAX_LENGTH or not ref.isascii() or not ref.isprintable():
        return None
    return ref.upper()


def valid_ref(ref: str) -> str:
    """Check a ref is storable: printable ASCII without spaces, at most 32 characters."""
    if not ref or len(ref) > REF_MAX_LENGTH or not ref.isascii() or not ref.isprintable():
        raise ValueError(f"practice ref {ref[:40]!r} is not a short printable ASCII reference")
    if any(character.isspace() for character in ref):
        raise ValueError(f"practice ref {ref!r} contains spaces")
    return ref


def utc(moment: datetime | None) -> datetime | None:
    """Return `moment` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def practice_to_values(practice: Practice) -> dict[str, Any]:
    """Return the `practices` column values for a practice (all but the surrogate id)."""
    values: dict[str, Any] = {
        "ref": valid_ref(practice.ref),
        "effectiveness": Effectiveness(practice.effectiveness).value,
        "focus": [Focus(item).value for item in practice.focus],
        "start_date": practice.start_date,
        "end_date": practice.end_date,
        "linked_to": [LinkedTo(item).value for item in practice.linked_to],
        "visibility": Visibility(practice.visibility).value,
        "version": int(practice.version),
    }
    for name in _TEXT_FIELDS:
        text = getattr(practice, name)
        values[name] = None if text is None else storable_text(text)
    for name in TEXT_LIST_FIELDS:
        values[name] = _texts(getattr(practice, name))
    for name in TIMESTAMP_FIELDS:
        values[name] = utc(getattr(practice, name))
    return values


def practice_from_values(values: Mapping[Any, Any]) -> Practice:
    """Rebuild the practice a `practices` row (or `practice_to_values` output) describes."""
    columns: dict[str, Any] = {name: values[name] for name in OPTIONAL_TEXT_FIELDS}
    columns |= {name: tuple(values[name] or ()) for name in TEXT_LIST_FIELDS}
    columns |= {name: utc(values[name]) for name in TIMESTAMP_FIELDS}
    return Practice(
        ref=values["ref"],
        title=values["title"],
        summary=values["summary"],
        effectiveness=Effectiveness(values["effectiveness"]),
        focus=tuple(Focus(item) for item in values["focus"] or ()),
        linked_to=tuple(LinkedTo(item) for item in values["linked_to"] or ()),
        visibility=Visibility(values["visibility"]),
        version=int(values["version"]),
        start_date=values["start_date"],
        end_date=values["end_date"],
        **columns,
    )


def practice_snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    """Make a JSON-safe copy of `practice_to_values` output for the version history."""
    snapshot = dict(values)
    for name in DATE_FIELDS + TIMESTAMP_FIELDS:
        moment = snapshot[name]
        snapshot[name] = None if moment is None else moment.isoformat()
    return snapshot


def practice_from_snapshot(snapshot: Mapping[str, Any]) -> Practice:
    """Rebuild the practice a version-history snapshot describes."""
    values = dict(snapshot)
    for name in DATE_FIELDS:
        values[name] = None if values[name] is None else date.fromisoformat(values[name])
    for name in TIMESTAMP_FIELDS:
        values[name] = None if values[name] is None else datetime.fromisoformat(values[name])
    return practice_from_values(values)


def _texts(items: Iterable[str]) -> list[str]:
    """Turn a tuple field into a list of storable strings."""
    return [storable_text(item) for item in items]


ID_MAX = 2**31 - 1  # what an SQL integer primary key holds


def is_row_id(value: int) -> bool:
    """Tell whether `value` can be a stored id (ids from action ids may be absurdly large)."""
    return 0 < value <= ID_MAX


def storable_json(value: Any) -> Any:
    """Copy a JSON value with every string (keys too) made storable, as `storable_text` does.

    PostgreSQL's jsonb refuses NUL characters even escaped, so both backends store U+FFFD.
    """
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, Mapping):
        return {storable_text(str(key)): storable_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(item) for item in value]
    return value


def optional_ref(ref: str | None) -> str | None:
    """Check a ref that may be absent (a submission's target or published practice)."""
    return None if ref is None else valid_ref(ref)
