"""Calls reach contributors: `calls` for everyone, offered under `share`, announced where wanted."""

from __future__ import annotations

from dataclasses import replace

from bot.kernel.events import Text, Workspace
from bot.kernel.records import Audience
from bot.kernel.replies import Buttons, Reply
from tests.bot.moderation.helpers import (
    EVE,
    MOIRA,
    PLACE,
    WORKSPACE,
    click,
    make_world,
    outbox,
    say,
)
from tests.support.bank import ALICE

OPEN_LINE = "call open Retail crime | Practices that cut shop theft | 2025-03-31"


def _buttons(reply: Reply) -> list[tuple[str, str]]:
    return [(a.label, a.id) for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]


def _drafts(world):
    with world.uows() as uow:
        return uow.submissions.open_for(ALICE.key)


def test_everyone_lists_the_open_calls_with_an_answer_button():
    """Eve's `calls` shows each open call's theme, closing day and wanted text, with *Answer*."""
    world = make_world()
    say(world, MOIRA, OPEN_LINE)
    reply = say(world, EVE, "calls")
    assert reply.plain.splitlines() == [
        "Open calls for practice (1)",
        "Retail crime, open until 31 Mar 2025: Practices that cut shop theft",
    ]
    assert _buttons(reply) == [("Answer: Retail crime", "call:answer:1")]


def test_calls_with_none_open_says_so_and_points_to_share():
    """With no open call, `calls` says so and that sharing is always possible."""
    world = make_world()
    say(world, MOIRA, OPEN_LINE)
    world.clock.at = world.clock.now().replace(month=4, day=2)
    assert say(world, EVE, "calls").plain == (
        "No calls for practice are open here right now. You can still share a practice any "
        "time: type `share`."
    )


def test_share_offers_the_open_calls_under_the_first_question():
    """`share` ends with the open calls as buttons (soonest closing first, at most three)."""
    world = make_world()
    for month_day in ("2025-03-31", "2025-03-20", "2025-04-30", "2025-05-31"):
        say(world, MOIRA, f"call open Theme {month_day} | Wanted | {month_day}")
    [reply] = world.bank.handle(_text("share"))
    assert reply.plain.splitlines()[-1] == (
        "Does your practice answer an open call for practice? Press it to say so."
    )
    assert _buttons(reply)[-3:] == [
        ("Answer: Theme 2025-03-20", "call:join:2"),
        ("Answer: Theme 2025-03-31", "call:join:1"),
        ("Answer: Theme 2025-04-30", "call:join:3"),
    ]


def test_pressing_an_offered_call_makes_the_new_draft_answer_it():
    """*Answer: Retail crime* under the first question ties the draft to the call, no restart."""
    world = make_world()
    say(world, MOIRA, OPEN_LINE)
    world.bank.handle(_text("share"))
    [reply] = click(world, ALICE, "call:join:1")
    assert reply.plain == (
        "Your draft now answers the call for practice on Retail crime (open until 31 Mar 2025). "
        "Carry on with the question above."
    )
    [draft] = _drafts(world)
    assert draft.call_id == 1


def test_share_without_open_calls_offers_none():
    """With no open call, `share` shows the first question and no call buttons."""
    world = make_world()
    [reply] = world.bank.handle(_text("share"))
    assert not [label for label, _ in _buttons(reply) if label.startswith("Answer:")]


def test_a_call_is_announced_in_the_workspace_call_channel_when_set():
    """With a call channel configured, the announcement goes there and the moderator is told."""
    world = make_world(workspace=replace(WORKSPACE, call_channel="C-ALL"))
    reply = say(world, MOIRA, OPEN_LINE)
    assert reply.plain.splitlines()[-1] == "I announced it in the call channel (C-ALL)."
    [announcement] = outbox(world)
    assert (announcement.audience, announcement.recipient) == (Audience.CHANNEL, "C-ALL")


def test_a_call_without_any_channel_is_still_listed_for_contributors():
    """No channel configured: the moderator is told it was not announced, but `calls` lists it."""
    world = make_world(workspace=replace(WORKSPACE, moderation_channel=None))
    reply = say(world, MOIRA, OPEN_LINE)
    assert reply.plain.splitlines()[-1].startswith("No call or moderation channel is configured")
    assert outbox(world) == []
    assert say(world, EVE, "calls").plain.startswith("Open calls for practice (1)")


def test_a_forged_join_for_another_workspaces_call_is_refused():
    """`call:join:<id>` of a call this workspace does not have answers that there is none."""
    world = make_world()
    [reply] = click(world, ALICE, "call:join:42")
    assert reply.plain.startswith("There is no call for practice 42 here.")
    with world.uows() as uow:
        assert uow.calls.list_for(Workspace("slack", "T-PUBLIC")) == []


def _text(line: str) -> Text:
    return Text(ALICE, PLACE, line)
