"""The moderators' `queue`: submissions waiting for a decision, oldest first, with their age."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.records import SubmissionState
from tests.bot.moderation.helpers import (
    ANSWERS,
    EVE,
    MOIRA,
    add_submission,
    click,
    make_world,
    say,
    send_form,
)
from tests.support.bank import button_ids, button_labels


def test_queue_lists_pending_submissions_oldest_first_with_age():
    """Each waiting submission shows its ref, title, contributor and age; oldest first."""
    world = make_world()
    add_submission(world)
    world.clock.at += timedelta(days=2, hours=5)
    add_submission(world, {**ANSWERS, "title": "Shed alarms"}, target_ref="PB002")
    add_submission(world, state=SubmissionState.DRAFT)
    world.clock.at += timedelta(days=1)
    reply = say(world, MOIRA, "queue")
    assert reply.plain.splitlines() == [
        "2 submissions waiting, oldest first.",
        "S-0001 “Bike marking at railway stations” from Alice: waiting 3 days.",
        "S-0002 “Shed alarms” from Alice, update of PB002: waiting 1 day.",
    ]
    assert button_ids(reply) == ["mod:open:1", "mod:open:2"]
    assert button_labels(reply)[1] == "Open S-0002: Shed alarms"


def test_decided_submissions_leave_the_queue():
    """Once decided, a submission is no longer listed."""
    world = make_world()
    submission = add_submission(world)
    send_form(world, MOIRA, f"mod:reject:{submission.id}", {"note": "No."})
    assert say(world, MOIRA, "queue").plain == "Nothing is waiting for a decision."


def test_open_button_shows_the_card_with_decision_buttons():
    """Open S-0001 shows its moderation card with Approve / Request changes / Reject."""
    world = make_world()
    add_submission(world)
    [reply] = click(world, MOIRA, "mod:open:1")
    assert button_ids(reply) == ["mod:approve:1", "mod:changes:1", "mod:reject:1"]
    assert reply.private is True


def test_open_button_on_a_decided_submission_shows_the_outcome():
    """A decided submission's card shows who decided, without buttons."""
    world = make_world()
    add_submission(world)
    send_form(world, MOIRA, "mod:reject:1", {"note": "No."})
    [reply] = click(world, MOIRA, "mod:open:1")
    assert button_ids(reply) == []
    assert "Rejected by Moira at 1 Mar 2025 09:30 UTC." in reply.plain.splitlines()


def test_queue_is_for_moderators_only():
    """Non-moderators get a polite refusal for `queue` and for Open buttons."""
    world = make_world()
    add_submission(world)
    assert say(world, EVE, "queue").plain.startswith("Only this workspace's practice bank")
    assert click(world, EVE, "mod:open:1")[0].plain.startswith("Only this workspace's")


def test_queue_followed_by_words_is_a_search():
    """“queue jumping” searches instead of listing the queue."""
    world = make_world()
    reply = say(world, EVE, "queue jumping")
    assert "queue jumping" in reply.plain


def test_queue_caps_the_list():
    """Over twenty waiting submissions, the rest is summarised as a count."""
    world = make_world()
    for _ in range(23):
        add_submission(world)
    reply = say(world, MOIRA, "queue")
    assert reply.plain.splitlines()[-1] == "…and 3 more."
    assert len(button_ids(reply)) == 20
