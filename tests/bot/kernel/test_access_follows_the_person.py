"""Issue 11, "access that follows the person": a restricted practice reaches the one who shared
it (privately, wherever they are) and the moderators who approved it, and nobody else."""

from __future__ import annotations

import pytest

from bot.kernel.domain import Visibility
from bot.kernel.replies import Reply
from tests.bot.moderation.helpers import (
    ANSWERS,
    EVE,
    MOIRA,
    OUTSIDER,
    World,
    add_submission,
    make_world,
    say,
    send_form,
)
from tests.support.bank import ALICE, card_refs

APPROVE = {"effectiveness": "promising", "focus": "prevention", "topics": "cycle theft"}
UNKNOWN = (
    "No practice PB064 in the bank. Check the reference, or search by words, for example "
    "knife crime diversion."
)


@pytest.fixture
def world() -> World:
    """Alice's police-only practice, shared from a public workspace and approved as PB064."""
    world = make_world()
    submission = add_submission(world, {**ANSWERS, "visibility": Visibility.RESTRICTED.value})
    approved = send_form(world, MOIRA, f"mod:approve:{submission.id}", APPROVE)
    assert approved.plain.startswith("Approved S-0001: published as PB064")
    return world


def _show(world: World, actor) -> Reply:  # type: ignore[no-untyped-def]
    return say(world, actor, "show PB064")


def test_a_contributor_sees_their_own_restricted_practice_privately(world):
    """Alice, in a public workspace, sees her PB064 in full, with no *Share in channel* (a
    public practice offers one: her channel may not see PB064)."""
    shown = _show(world, ALICE)
    assert card_refs(shown) == ["PB064"]
    assert shown.share_action == ""
    assert say(world, ALICE, "show PB046").share_action == "show:PB046"


def test_the_approving_moderator_sees_the_restricted_practice_privately(world):
    """Moira, who approved it in this public workspace, can `show PB064` right after."""
    shown = _show(world, MOIRA)
    assert card_refs(shown) == ["PB064"]
    assert shown.share_action == ""


@pytest.mark.parametrize("actor", [EVE, OUTSIDER], ids=["same-workspace", "other-workspace"])
def test_nobody_elses_view_of_a_restricted_practice_changes(world, actor):
    """Eve beside Alice, and Moira's namesake elsewhere, are told PB064 does not exist."""
    assert _show(world, actor).plain == UNKNOWN
