"""Follow-ups: the sweep (send, nudge, escalate, exactly once) and the contributor's answers."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.followup.service import sweep_reminders
from bot.kernel.events import Click, Command
from bot.kernel.records import Audience, ReminderState
from tests.bot.moderation.helpers import (
    EVE,
    MOIRA,
    PLACE,
    add_submission,
    click,
    make_world,
    outbox,
    say,
    send_form,
    to_channel,
    to_person,
)
from tests.support.bank import ALICE, button_ids, card_refs

YEAR = timedelta(days=365)
DAY = timedelta(days=1)


@pytest.fixture
def world():
    """PB064 published by Alice, approved by Moira; nothing in the outbox yet."""
    world = make_world()
    submission = add_submission(world)
    send_form(
        world,
        MOIRA,
        f"mod:approve:{submission.id}",
        {"effectiveness": "worked", "focus": "prevention"},
    )
    world.uows.state.outbox.clear()
    return world


def sweep(world):
    return sweep_reminders(world.uows, world.clock, world.bank.settings)


def later(world, delta):
    world.clock.at = world.clock.at + delta


def reminders(world):
    with world.uows() as uow:
        return uow.reminders.for_practice("PB064")


def test_nothing_is_sent_before_the_reminder_is_due(world):
    """A day before the year is up, the sweep sends nothing."""
    later(world, YEAR - DAY)
    assert sweep(world) == 0
    assert outbox(world) == []


def test_due_reminder_asks_the_contributor_with_three_answers(world):
    """At twelve months the contributor is asked, with No changes / Update / Retire."""
    later(world, YEAR)
    assert sweep(world) == 1
    [message] = outbox(world)
    assert (message.audience, message.recipient, message.key) == (
        Audience.PERSON,
        "U-ALICE",
        "reminder:1",
    )
    assert message.reply.plain.splitlines()[0] == (
        "12 months ago you shared PB064 “Bike marking at railway stations” with the practice bank."
    )
    assert button_ids(message.reply) == [
        "followup:keep:1",
        "followup:update:1",
        "followup:retire:1",
    ]
    assert card_refs(message.reply) == ["PB064"]
    assert reminders(world)[0].state is ReminderState.SENT


def test_a_second_sweep_at_the_same_moment_sends_nothing(world):
    """Sweeping twice at the same time sends each reminder once."""
    later(world, YEAR)
    assert (sweep(world), sweep(world)) == (1, 0)
    assert len(outbox(world)) == 1


def test_a_reminder_overdue_after_downtime_goes_out_at_the_next_sweep(world):
    """A reminder due months ago (the bot was down) is sent at once, and only once."""
    later(world, YEAR + 100 * DAY)
    assert sweep(world) == 1
    assert reminders(world)[0].sent_at == world.clock.now()


def test_one_nudge_after_fourteen_days_without_answer(world):
    """No answer in 14 days: one nudge to the contributor, never a second one."""
    later(world, YEAR)
    sweep(world)
    later(world, 14 * DAY - timedelta(seconds=1))
    assert sweep(world) == 0
    later(world, timedelta(seconds=1))
    assert sweep(world) == 1
    assert sweep(world) == 0
    nudges = to_person(world, "U-ALICE")[1:]
    assert [n.reply.plain.splitlines()[0] for n in nudges] == [
        "A gentle reminder: on 1 Mar 2026 I asked about PB064 “Bike marking at railway "
        "stations”. Is it still running, and is there anything to change?"
    ]
    assert reminders(world)[0].state is ReminderState.NUDGED


def test_moderators_are_told_after_another_fourteen_days(world):
    """Still no answer 14 days after the nudge: the moderation channel is told, once."""
    later(world, YEAR)
    sweep(world)
    later(world, 14 * DAY)
    sweep(world)
    later(world, 14 * DAY)
    assert (sweep(world), sweep(world)) == (1, 0)
    [escalation] = to_channel(world)
    assert escalation.recipient == "C-MOD"
    assert escalation.reply.plain == (
        "No answer about PB064 “Bike marking at railway stations”: its contributor was asked on "
        "1 Mar 2026 and reminded on 15 Mar 2026.\n"
        "Contact on the practice: Alice, alice@example.org."
    )
    assert reminders(world)[0].state is ReminderState.ESCALATED


def answer(world, actor, word, reminder_id=1):
    return world.bank.handle(Click(actor, PLACE, f"followup:{word}:{reminder_id}"))


def test_no_changes_records_the_review_and_books_the_next_year(world):
    """No changes marks the practice reviewed today and books the next reminder a year on."""
    later(world, YEAR)
    sweep(world)
    [reply] = answer(world, ALICE, "keep")
    assert reply.plain == (
        "Thank you: PB064 is marked as reviewed on 1 Mar 2026. I will ask again in 12 months."
    )
    with world.uows() as uow:
        assert uow.practices.get("PB064").reviewed_at == world.clock.now()
    assert [(r.state, r.due_at) for r in reminders(world)] == [
        (ReminderState.ANSWERED, world.clock.now()),
        (ReminderState.PENDING, world.clock.now() + YEAR),
    ]
    later(world, YEAR)
    sweep(world)
    assert to_person(world, "U-ALICE")[-1].reply.plain.startswith(
        "12 months ago you reviewed PB064"
    )


def test_an_answer_may_come_after_the_nudge_or_escalation(world):
    """An escalated reminder can still be answered."""
    later(world, YEAR)
    sweep(world)
    later(world, 28 * DAY)
    sweep(world)
    sweep(world)
    [reply] = answer(world, ALICE, "keep")
    assert reply.plain.startswith("Thank you: PB064 is marked as reviewed")


def test_replayed_answer_is_refused(world):
    """The same answer twice: the second says it was already answered."""
    later(world, YEAR)
    sweep(world)
    answer(world, ALICE, "keep")
    [reply] = answer(world, ALICE, "retire")
    assert reply.plain == "You already answered this follow-up of PB064 on 1 Mar 2026."
    assert len(reminders(world)) == 2
    assert to_channel(world) == []


def test_only_the_contributor_may_answer(world, caplog):
    """Someone else's click is refused and logged."""
    later(world, YEAR)
    sweep(world)
    with caplog.at_level(logging.WARNING, logger="bot.followup.service"):
        [reply] = answer(world, EVE, "retire")
    assert reply.plain == "Only the person who shared PB064 can answer its follow-up."
    assert "slack:T-PUBLIC:U-EVE" in caplog.text
    assert reminders(world)[0].state is ReminderState.SENT


def test_answer_before_the_reminder_is_sent_is_refused(world):
    """A forged click on a reminder not yet due does nothing."""
    [reply] = answer(world, ALICE, "keep")
    assert reply.plain == "The follow-up of PB064 is not due yet."


def test_unknown_reminder_is_stale(world):
    """A reminder id that does not exist is answered politely."""
    [reply] = answer(world, ALICE, "keep", reminder_id=999)
    assert reply.plain == "That follow-up no longer exists."


def test_update_answer_hands_over_to_the_update_dialogue(world):
    """Update records the answer and continues with the sharing dialogue's update of PB064."""
    later(world, YEAR)
    sweep(world)
    replies = answer(world, ALICE, "update")
    assert replies[0].plain == "Let's update PB064 “Bike marking at railway stations”."
    assert "PB064" in replies[1].plain  # the update dialogue (bot.sharing) takes over
    assert [r.state for r in reminders(world)] == [ReminderState.ANSWERED, ReminderState.PENDING]


def test_retire_asks_the_moderators_to_confirm(world):
    """Retire posts a confirmation request to the moderation channel; nothing is archived yet."""
    later(world, YEAR)
    sweep(world)
    [reply] = answer(world, ALICE, "retire")
    assert reply.plain.startswith("I asked the moderators to confirm retiring PB064.")
    [request] = to_channel(world)
    assert (request.recipient, request.key) == ("C-MOD", "retire:1")
    assert button_ids(request.reply) == ["mod:retire:1", "mod:keep:1", "show:PB064"]
    with world.uows() as uow:
        assert uow.practices.get("PB064").archived_at is None


def retire(world):
    later(world, YEAR)
    sweep(world)
    answer(world, ALICE, "retire")


def test_confirmed_retirement_archives_and_hides_from_search(world):
    """A moderator's confirmation archives the practice (kept, not deleted) and search drops it."""
    retire(world)
    assert card_refs(say(world, ALICE, "bike marking railway"))[0] == "PB064"
    [reply] = click(world, MOIRA, "mod:retire:1")
    assert (
        reply.plain == "Retired PB064: archived, hidden from search, and its contributor was told."
    )
    with world.uows() as uow:
        kept = uow.practices.get("PB064")
        reviews = uow.reviews.for_submission(1)
    assert kept.archived_at == world.clock.now()
    assert "PB064" not in card_refs(say(world, ALICE, "bike marking railway"))
    assert [r.decision.value for r in reviews] == ["approve", "retire"]
    assert to_person(world, "U-ALICE")[-1].reply.plain.startswith("PB064 “Bike marking")
    assert to_channel(world)[-1].replace is True


def test_retirement_confirmed_twice_archives_once(world):
    """A replayed confirmation says it is already retired."""
    retire(world)
    click(world, MOIRA, "mod:retire:1")
    [reply] = click(world, MOIRA, "mod:retire:1")
    assert reply.plain == "PB064 is already retired (since 1 Mar 2026 09:30 UTC)."


def test_non_moderator_cannot_confirm_a_retirement(world):
    """The contributor (or anyone else) cannot confirm it themselves."""
    retire(world)
    [reply] = click(world, ALICE, "mod:retire:1")
    assert reply.plain.startswith("Only this workspace's practice bank moderators")
    with world.uows() as uow:
        assert uow.practices.get("PB064").archived_at is None


def test_retire_confirmation_after_a_keep_answer_is_refused(world):
    """A forged confirmation for a reminder answered "No changes" archives nothing."""
    later(world, YEAR)
    sweep(world)
    answer(world, ALICE, "keep")
    [reply] = click(world, MOIRA, "mod:retire:1")
    assert reply.plain == "There is no retirement of PB064 waiting to be confirmed."


def test_reminders_of_a_retired_practice_are_cancelled_not_sent(world):
    """A pending reminder of an archived practice is cancelled by the sweep, silently."""
    with world.uows() as uow:
        uow.practices.upsert_many(
            [replace(uow.practices.get("PB064"), archived_at=world.clock.now())]
        )
        uow.commit()
    later(world, YEAR)
    assert sweep(world) == 0
    assert reminders(world)[0].state is ReminderState.CANCELLED


def test_keeping_a_practice_tells_the_contributor(world):
    """A moderator's Keep it leaves the practice in the bank and tells its contributor why."""
    retire(world)
    [reply] = click(world, MOIRA, "mod:keep:1")
    assert reply.plain == (
        "Kept PB064: its contributor was told, and the next follow-up is due on 1 Mar 2027."
    )
    with world.uows() as uow:
        assert uow.practices.get("PB064").archived_at is None
        reviews = uow.reviews.for_submission(1)
    assert card_refs(say(world, ALICE, "bike marking railway"))[0] == "PB064"
    assert [r.decision.value for r in reviews] == ["approve", "keep"]
    told = to_person(world, "U-ALICE")[-1]
    assert (told.key, told.reply.plain) == (
        "retire:1",
        "The moderators kept PB064 “Bike marking at railway stations” in the bank rather than "
        "retiring it, so others can still learn from it. I will ask about it again in 12 months; "
        "if something changed, answer Update then.",
    )
    outcome = to_channel(world)[-1]
    assert (outcome.key, outcome.replace) == ("retire:1", True)
    assert outcome.reply.plain == (
        "PB064 “Bike marking at railway stations” was kept by Moira at 1 Mar 2026 09:30 UTC: "
        "its contributor's request to retire it was declined."
    )


def test_keeping_a_practice_books_the_next_follow_up(world):
    """After Keep it the request is closed and the practice is asked about again a year on."""
    retire(world)
    click(world, MOIRA, "mod:keep:1")
    assert [(r.state, r.due_at) for r in reminders(world)] == [
        (ReminderState.ANSWERED, world.clock.now()),
        (ReminderState.PENDING, world.clock.now() + YEAR),
    ]
    later(world, YEAR)
    assert sweep(world) == 1
    assert to_person(world, "U-ALICE")[-1].reply.plain.startswith("12 months ago you shared PB064")


def test_confirming_after_keep_is_refused(world):
    """Once kept, a second moderator's (or replayed) Confirm or Keep changes nothing."""
    retire(world)
    click(world, MOIRA, "mod:keep:1")
    sent = len(outbox(world))
    assert click(world, MOIRA, "mod:retire:1")[0].plain == (
        "There is no retirement of PB064 waiting to be confirmed."
    )
    assert click(world, MOIRA, "mod:keep:1")[0].plain == (
        "There is no retirement of PB064 waiting to be confirmed."
    )
    with world.uows() as uow:
        assert uow.practices.get("PB064").archived_at is None
    assert len(reminders(world)) == 2
    assert len(outbox(world)) == sent


def test_keep_after_a_confirmed_retirement_is_refused(world):
    """A Keep it pressed after another moderator confirmed says it is already retired."""
    retire(world)
    click(world, MOIRA, "mod:retire:1")
    [reply] = click(world, MOIRA, "mod:keep:1")
    assert reply.plain == "PB064 is already retired (since 1 Mar 2026 09:30 UTC)."
    assert [r.state for r in reminders(world)] == [ReminderState.ANSWERED]


def test_non_moderator_cannot_keep_a_practice(world, caplog):
    """Only moderators decide a retirement request; the attempt is logged and nothing changes."""
    retire(world)
    with caplog.at_level(logging.WARNING, logger="bot.moderation.decisions"):
        [reply] = click(world, EVE, "mod:keep:1")
    assert reply.plain.startswith("Only this workspace's practice bank moderators")
    assert "mod:keep:1" in caplog.text
    assert [r.state for r in reminders(world)] == [ReminderState.RETIREMENT_REQUESTED]


STALE_BUTTON = "That button no longer works. Type what you are looking for, or `help`."


@pytest.mark.parametrize(
    ("forged", "expected"),
    [
        ("mod:keep:999", "That retirement request no longer exists."),
        ("mod:keep:0", STALE_BUTTON),
        ("mod:keep:1<!channel>", STALE_BUTTON),
        ("mod:keep:1\n@everyone", STALE_BUTTON),
    ],
)
def test_forged_keep_ids_change_nothing(world, forged, expected):
    """Unknown or malformed Keep it ids are answered politely and book nothing."""
    retire(world)
    [reply] = click(world, MOIRA, forged)
    assert reply.plain == expected
    assert [r.state for r in reminders(world)] == [ReminderState.RETIREMENT_REQUESTED]


def test_keep_without_a_retirement_request_is_refused(world):
    """A forged Keep it for a follow-up answered "No changes" books no extra reminder."""
    later(world, YEAR)
    sweep(world)
    answer(world, ALICE, "keep")
    [reply] = click(world, MOIRA, "mod:keep:1")
    assert reply.plain == "There is no retirement of PB064 waiting to be confirmed."
    assert len(reminders(world)) == 2


def test_retire_leaves_an_explicit_retirement_request(world):
    """Pressing Retire puts the follow-up in `retirement_requested` until a moderator decides."""
    retire(world)
    assert [r.state for r in reminders(world)] == [ReminderState.RETIREMENT_REQUESTED]


def test_pressing_retire_again_says_the_moderators_have_yet_to_decide(world):
    """A second Retire (or any answer) while the request waits says it is with the moderators."""
    retire(world)
    [reply] = answer(world, ALICE, "retire")
    assert reply.plain == (
        f"You asked to retire PB064 on {world.clock.now().day} "
        f"{world.clock.now():%b %Y}; the moderators have not decided yet, "
        "and you will hear when they have."
    )


def test_history_shows_publication_review_and_retirement_newest_first(world):
    """After publish, No changes and a confirmed retirement, `history PB064` lists all three."""
    later(world, YEAR)
    sweep(world)
    answer(world, ALICE, "keep")
    later(world, YEAR)
    sweep(world)
    answer(world, ALICE, "retire", reminder_id=2)
    click(world, MOIRA, "mod:retire:2")
    [reply] = world.bank.handle(Command(MOIRA, PLACE, "practice", "history pb64"))
    lines = reply.plain.splitlines()
    assert [line.split(" · ")[1:4] for line in lines[1:]] == [
        ["Moira", "retired", "version 1"],
        ["Alice", "kept: no changes at follow-up", "version 1"],
        ["Moira", "published", "version 1"],
    ]
