"""The moderators' `stats`: submissions by state, the bank by rating and focus, and search gaps."""

from __future__ import annotations

from bot.kernel.records import SubmissionState
from tests.bot.moderation.helpers import EVE, MOIRA, add_submission, make_world, say
from tests.support.bank import ALICE


def test_stats_count_states_ratings_and_focus():
    """Every state, rating and focus is counted, zeros included."""
    world = make_world()
    add_submission(world)
    add_submission(world, state=SubmissionState.DRAFT)
    add_submission(world, state=SubmissionState.REJECTED)
    lines = say(world, MOIRA, "stats").plain.splitlines()
    assert lines[0] == (
        "Submissions: draft 1, submitted 1, changes requested 0, published 0, rejected 1, "
        "withdrawn 0."
    )
    assert lines[1].startswith("Practices in the bank (63, 0 archived): Worked ")
    assert lines[2].startswith("By focus: Prevention ")


def test_stats_list_searches_that_found_nothing_most_frequent_first():
    """Zero-result searches are grouped and listed most frequent first."""
    world = make_world()
    for line in ["zzqx widgets", "Zzqx Widgets", "zzqx widgets", "qqvv gadgets", "burglary"]:
        say(world, ALICE, line)
    lines = say(world, MOIRA, "stats").plain.splitlines()
    assert lines[3:] == [
        "Searches that found nothing, most frequent first:",
        "“zzqx widgets” (3×)",
        "“qqvv gadgets” (1×)",
    ]


def test_stats_without_gaps_says_so():
    """With no empty searches, the report says every search found something."""
    world = make_world()
    assert say(world, MOIRA, "stats").plain.splitlines()[-1] == (
        "Every search found something so far."
    )


def test_stats_are_for_moderators_only():
    """Non-moderators get a polite refusal."""
    world = make_world()
    assert say(world, EVE, "stats").plain.startswith("Only this workspace's practice bank")
