"""Calls for practice: opening (typed or by form), announcing, answering, closing, listing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.kernel.events import Workspace
from bot.kernel.records import Audience, SubmissionState
from tests.bot.moderation.helpers import (
    EVE,
    MOIRA,
    add_submission,
    click,
    form_of,
    make_world,
    outbox,
    say,
    send_form,
)
from tests.support.bank import ALICE, button_ids

OPEN_LINE = "call open Retail crime | Practices that cut shop theft | 2025-03-31"


@pytest.fixture
def world():
    return make_world()


def calls(world):
    with world.uows() as uow:
        return uow.calls.list_for(Workspace("slack", "T-PUBLIC"))


def test_moderator_opens_a_call_and_is_told_where_it_was_announced(world):
    """`call open theme | wanted | date` opens the call and names the announcement's channel."""
    reply = say(world, MOIRA, OPEN_LINE)
    assert reply.plain == (
        "Call 1 is open: “Retail crime”, until 31 Mar 2025 (inclusive).\n"
        "I announced it in the moderation channel (C-MOD)."
    )
    [call] = calls(world)
    assert (call.theme, call.wanted, call.closes_on.isoformat(), call.opened_by) == (
        "Retail crime",
        "Practices that cut shop theft",
        "2025-03-31",
        MOIRA.key,
    )


def test_the_announcement_carries_an_answer_button(world):
    """The moderation channel gets the call with an Answer this call button."""
    say(world, MOIRA, OPEN_LINE)
    [announcement] = outbox(world)
    assert (announcement.audience, announcement.recipient, announcement.key) == (
        Audience.CHANNEL,
        "C-MOD",
        "call:1",
    )
    assert button_ids(announcement.reply) == ["call:answer:1"]
    assert announcement.reply.plain.startswith("Call for practice: Retail crime\n")


def test_call_open_alone_offers_the_form_and_the_form_opens_it(world):
    """`call open` with nothing after answers with a form; sending it opens the call."""
    form = form_of(say(world, MOIRA, "call open"))
    assert (form.id, [f.name for f in form.fields]) == (
        "call:open",
        ["theme", "wanted", "closes_on"],
    )
    reply = send_form(
        world,
        MOIRA,
        "call:open",
        {"theme": "Fraud", "wanted": "Work with banks", "closes_on": "30/04/2025"},
    )
    assert reply.plain.startswith("Call 1 is open: “Fraud”, until 30 Apr 2025")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("call open | x | 2025-03-31", "• Give the call a theme."),
        ("call open Theft |  | 2025-03-31", "• Say what is wanted."),
        (
            "call open Theft | x | tomorrow",
            "• Give the closing date as 2025-04-30, 30/04/2025 or 30 April 2025.",
        ),
        ("call open Theft | x | 2025-02-28", "• The closing date 28 Feb 2025 has already passed."),
        (
            "call open Theft | x | 2031-01-01",
            "• The closing date 1 Jan 2031 is more than two years away.",
        ),
        (
            "call open " + "t" * 121 + " | x | 2025-03-31",
            "• The theme is 121 characters; keep it to 120.",
        ),
        (
            "call open Theft | x",
            "To open a call: `call open <theme> | <what is wanted> | <closing date>`",
        ),
    ],
)
def test_bad_calls_are_refused_with_a_reason(world, line, problem):
    """Missing parts, unreadable, past or far dates and long themes are refused clearly."""
    reply = say(world, MOIRA, line)
    assert any(line.startswith(problem) for line in reply.plain.splitlines()), reply.plain
    assert calls(world) == []


def test_a_refused_date_comes_back_in_the_form_with_the_other_answers_kept(world):
    """A past closing date refuses only that field: theme and wanted return as the defaults."""
    reply = say(world, MOIRA, "call open Retail crime | Cut shop theft | 2025-02-28")
    form = form_of(reply)
    assert [(f.name, f.default, f.error) for f in form.fields] == [
        ("theme", "Retail crime", ""),
        ("wanted", "Cut shop theft", ""),
        ("closes_on", "2025-02-28", "The closing date 28 Feb 2025 has already passed."),
    ]
    assert calls(world) == []


def test_a_refused_form_keeps_every_answer_typed_in_it(world):
    """A form sent back with an unreadable date keeps its theme and wanted text."""
    values = {"theme": "Fraud", "wanted": "Work with\nbanks", "closes_on": "soon"}
    form = form_of(send_form(world, MOIRA, "call:open", values))
    assert {f.name: f.default for f in form.fields} == values
    assert [f.name for f in form.fields if f.error] == ["closes_on"]


def test_the_example_closing_date_is_in_the_future_by_the_bots_clock(world):
    """The usage, the form and the date hint give an example date after today, however late."""
    world.clock.at += timedelta(days=700)  # 30 Jan 2027
    usage = say(world, MOIRA, "call").plain
    assert "| 2027-03-31`" in usage
    form = form_of(say(world, MOIRA, "call open"))
    assert form.fields[2].label == "Closing date (e.g. 2027-03-31)"
    refused = say(world, MOIRA, "call open Theft | x | whenever").plain
    assert "• Give the closing date as 2027-03-31, 31/03/2027 or 31 March 2027." in refused
    opened = say(world, MOIRA, "call open Theft | x | 2027-03-31").plain
    assert opened.startswith("Call 1 is open")


def test_a_theme_or_wanted_text_of_zero_width_spaces_is_refused(world):
    """Invisible characters alone are no theme and no description of what is wanted."""
    reply = say(world, MOIRA, "call open \u200b\u2060 | \ufeff | 2025-03-31").plain
    assert "• Give the call a theme.\n• Say what is wanted." in reply
    assert calls(world) == []


def test_bidi_controls_are_dropped_from_a_call(world):
    """An override in the theme or wanted text is not stored; the words are."""
    say(world, MOIRA, "call open Retail\u202e crime | \u2066Shop\u2069 theft | 2025-03-31")
    [call] = calls(world)
    assert (call.theme, call.wanted) == ("Retail crime", "Shop theft")


def test_hostile_call_text_is_kept_verbatim(world):
    """Mentions and markup in a call are stored as typed (renderers escape them)."""
    say(world, MOIRA, "call open @everyone <!channel> | <b>x</b> 🚲 مرحبا | 2025-03-31")
    [call] = calls(world)
    assert (call.theme, call.wanted) == ("@everyone <!channel>", "<b>x</b> 🚲 مرحبا")


def test_non_moderators_cannot_open_list_or_show_calls(world):
    """Opening and listing calls is for moderators only."""
    for line in (OPEN_LINE, "call open", "call list", "call show 1", "call"):
        assert say(world, EVE, line).plain.startswith(
            "Only this workspace's practice bank moderators"
        )
    assert calls(world) == []


def test_other_words_after_call_are_a_search(world):
    """“call handling” is a search, not a call command."""
    reply = say(world, EVE, "call handling")
    assert "call handling" in reply.plain


def test_answering_an_open_call_starts_sharing_for_it(world):
    """Answer this call starts the sharing dialogue tied to the call."""
    say(world, MOIRA, OPEN_LINE)
    replies = click(world, ALICE, "call:answer:1")
    assert "Retail crime" in "\n".join(r.plain for r in replies)
    assert not any("closed" in r.plain for r in replies)


def test_answers_after_the_closing_day_are_refused_politely(world):
    """The day after closing, answering is refused with a pointer to `share`."""
    say(world, MOIRA, OPEN_LINE)
    world.clock.at = world.clock.at + timedelta(days=30)  # 31 March: still open
    assert "closed" not in click(world, ALICE, "call:answer:1")[0].plain
    with world.uows() as uow:
        uow.conversations.delete(ALICE.key)
        uow.commit()
    world.clock.at = world.clock.at + timedelta(days=1)
    [reply] = click(world, ALICE, "call:answer:1")
    assert reply.plain == (
        "The call “Retail crime” closed on 31 Mar 2025, so it takes no more answers. Thank you "
        "for wanting to share: you can still add your practice to the bank with `share`."
    )


def test_unknown_call_is_answered_politely(world):
    """A click for a call that does not exist says so."""
    [reply] = click(world, ALICE, "call:answer:7")
    assert reply.plain.startswith("There is no call for practice 7 here.")


def test_call_list_counts_what_each_call_gathered(world):
    """`call list` shows each call, its status and how many answers it gathered."""
    say(world, MOIRA, OPEN_LINE)
    say(world, MOIRA, "call open Fraud | Bank work | 2025-03-01")
    add_submission(world, call_id=1)
    add_submission(world, call_id=1, state=SubmissionState.REJECTED)
    add_submission(world, call_id=1, state=SubmissionState.DRAFT)
    world.clock.at = world.clock.at + timedelta(days=1)
    reply = say(world, MOIRA, "call list")
    assert reply.plain == (
        "Calls for practice (2)\n"
        "Call 2: “Fraud”, closed on 1 Mar 2025, 0 answers.\n"
        "Call 1: “Retail crime”, open until 31 Mar 2025, 2 answers."
    )


def test_call_show_lists_the_submissions_it_gathered(world):
    """`call show 1` shows the call and each answer's state."""
    say(world, MOIRA, OPEN_LINE)
    submission = add_submission(world, call_id=1)
    send_form(
        world,
        MOIRA,
        f"mod:approve:{submission.id}",
        {"effectiveness": "worked", "focus": "prevention"},
    )
    reply = say(world, MOIRA, "call show 1")
    assert reply.plain.splitlines() == [
        "Call 1: “Retail crime”",
        "Practices that cut shop theft",
        "Opened 1 Mar 2025 by U-MOIRA; open until 31 Mar 2025.",
        "S-0001 “Bike marking at railway stations” from Alice: published as PB064.",
    ]


@pytest.mark.parametrize("raw", ["", "x", "-1", "99", "1" * 40, "١"])
def test_call_show_of_an_unknown_call(world, raw):
    """Unknown or malformed call numbers are answered, never crash."""
    say(world, MOIRA, OPEN_LINE) if raw != "99" else None
    reply = say(world, MOIRA, f"call show {raw}")
    assert reply.plain == "No such call here. Type `call list` to see the calls."
