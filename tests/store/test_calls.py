"""Calls for practice: round trips and the newest-first listing per workspace."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.kernel.events import Workspace
from bot.kernel.records import CallForPractice
from tests.conftest import STORE_NOW
from tests.support.hostile import HOSTILE_TEXT

T1 = Workspace("slack", "T1")


def call(theme: str = "Knife crime", **changes: object) -> CallForPractice:
    base = CallForPractice(
        id=0,
        platform="slack",
        workspace_id="T1",
        theme=theme,
        wanted="Diversion schemes for under-18s",
        closes_on=date(2025, 6, 30),
        opened_by="slack:T1:UMOD",
        opened_at=STORE_NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_call_round_trips_hostile_text(any_uow_factory, value):
    """Theme and what is wanted come back exactly, with the call's new id."""
    with any_uow_factory() as uow:
        stored = uow.calls.add(call(value, wanted=value))
        uow.commit()

    assert stored == call(value, wanted=value, id=1)
    with any_uow_factory() as uow:
        assert uow.calls.get(T1, 1) == stored


def test_unknown_call_reads_as_none(any_uow_factory):
    """Ids that do not exist, or cannot, give None."""
    with any_uow_factory() as uow:
        assert uow.calls.get(T1, 1) is None
        assert uow.calls.get(T1, 10**30) is None


def test_workspace_calls_are_listed_newest_first(any_uow_factory):
    """list_for gives one workspace's calls, the last opened first."""
    with any_uow_factory() as uow:
        uow.calls.add(call("First"))
        uow.calls.add(call("Elsewhere", workspace_id="T2"))
        uow.calls.add(call("Second", opened_at=STORE_NOW + timedelta(days=1)))
        uow.calls.add(call("Discord", platform="discord"))
        uow.commit()

    with any_uow_factory() as uow:
        themes = [c.theme for c in uow.calls.list_for(T1)]
        assert uow.calls.list_for(Workspace("slack", "T404")) == []

    assert themes == ["Second", "First"]


def test_another_workspaces_call_reads_as_unknown(any_uow_factory):
    """A call of team T2 fetched by its id from T1 is None."""
    with any_uow_factory() as uow:
        stored = uow.calls.add(call("Elsewhere", workspace_id="T2"))
        uow.commit()

    with any_uow_factory() as uow:
        assert uow.calls.get(T1, stored.id) is None
        assert uow.calls.get(Workspace("slack", "T2"), stored.id) == stored
