"""The moderators' `stats`: submissions by state, the bank by rating and focus, and search gaps."""

from __future__ import annotations

from bot.kernel.records import SubmissionState
from bot.kernel.replies import Buttons
from tests.bot.moderation.helpers import EVE, MOIRA, add_submission, make_world, say
from tests.support.bank import ALICE

GAPS_HEADING = (
    "Searches with no exact match, most frequent first (teach search what they mean, or find "
    "a practice):"
)


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
        GAPS_HEADING,
        "“zzqx widgets” (3×): nothing found",
        "“qqvv gadgets” (1×): nothing found",
    ]


def test_stats_without_gaps_says_so():
    """With no empty searches, the report says every search found something."""
    world = make_world()
    assert say(world, MOIRA, "stats").plain.splitlines()[-1] == (
        "Every search found an exact match so far."
    )


def test_stats_are_for_moderators_only():
    """Non-moderators get a polite refusal."""
    world = make_world()
    assert say(world, EVE, "stats").plain.startswith("Only this workspace's practice bank")


def test_stats_tell_unmet_searches_from_partial_only_ones():
    """A search with only closest practices reads "only closest practices", one with none not."""
    world = make_world()
    with world.uows() as uow:
        uow.searches.record(ALICE, "county lines", 0, world.clock.now(), partial_count=3)
        uow.searches.record(ALICE, "county lines", 0, world.clock.now(), partial_count=3)
        uow.searches.record(ALICE, "zzqx widgets", 0, world.clock.now())
        uow.commit()
    lines = say(world, MOIRA, "stats").plain.splitlines()
    assert lines[3:] == [
        GAPS_HEADING,
        "“county lines” (2×): only closest practices",
        "“zzqx widgets” (1×): nothing found",
    ]


def test_each_gap_in_stats_has_a_teach_search_button():
    """Beside each gap is a *Teach search: <words>* button naming that gap's latest search."""
    world = make_world()
    say(world, ALICE, "zzqx widgets")
    reply = say(world, MOIRA, "stats")
    buttons = [a for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]
    with world.uows() as uow:
        (gap,) = uow.searches.zero_result_texts(ALICE.workspace)
    assert [(a.label, a.id) for a in buttons] == [
        ("Teach search: zzqx widgets", f"glossary:teach:{gap.search_id}")
    ]
