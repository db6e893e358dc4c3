"""The field groups of `bot.kernel.domain` name exactly the `Practice` fields of their type."""

from __future__ import annotations

import dataclasses
import typing
from datetime import date, datetime

import pytest

from bot.kernel.domain import (
    DATE_FIELDS,
    OPTIONAL_TEXT_FIELDS,
    PRACTICE_FIELDS,
    TEXT_LIST_FIELDS,
    TIMESTAMP_FIELDS,
    Practice,
)

HINTS = typing.get_type_hints(Practice)


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        (OPTIONAL_TEXT_FIELDS, str | None),
        (TEXT_LIST_FIELDS, tuple[str, ...]),
        (DATE_FIELDS, date | None),
        (TIMESTAMP_FIELDS, datetime | None),
    ],
)
def test_each_group_holds_every_practice_field_of_its_type_in_order(group, kind):
    """Storage, codec and answers convert a group alike: it must miss no field of that type."""
    expected = tuple(name for name in PRACTICE_FIELDS if HINTS[name] == kind)
    assert group == expected


def test_practice_fields_lists_every_field_once():
    """PRACTICE_FIELDS is the dataclass's fields, each once."""
    assert sorted(PRACTICE_FIELDS) == sorted(f.name for f in dataclasses.fields(Practice))
