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


def test_stats_leave_chat_words_out_of_the_gaps():
    """Greetings, thanks and pleas for help are not searches for a practice, so not gaps."""
    world = make_world()
    with world.uows() as uow:
        for line in ["hi", "Thanks!", "help me", "hello?", "ok thanks", ":wave: hiya <@U1>"]:
            uow.searches.record(ALICE, line, 0, world.clock.now())
        uow.searches.record(ALICE, "zzqx widgets", 0, world.clock.now())
        uow.commit()
    lines = say(world, MOIRA, "stats").plain.splitlines()
    assert lines[3:] == [GAPS_HEADING, "“zzqx widgets” (1×): nothing found"]


def test_stats_leave_filter_only_searches_out_of_the_gaps():
    """A search of filters alone lists practices rather than asking about a subject."""
    world = make_world()
    for line in ["focus:prevention", "rating:worked focus:location", "linked:hmicfrs hi"]:
        say(world, ALICE, line)
    assert say(world, MOIRA, "stats").plain.splitlines()[-1] == (
        "Every search found an exact match so far."
    )


def test_stats_count_one_gap_however_it_was_typed():
    """Case, spacing, plurals, chat words, mentions and markup do not split a gap."""
    world = make_world()
    for line in [
        "zzqx widgets",
        "Zzqx   Widgets",
        "<@U123> zzqx widgets please",
        "*zzqx widget*",
        "<!everyone> zzqx\u200b widgets",
        "hi all, anything on zzqx widgets?",
        "qqvv gadgets",
        "qqvv gadgets",
    ]:
        say(world, ALICE, line)
    lines = say(world, MOIRA, "stats").plain.splitlines()
    assert lines[3:] == [
        GAPS_HEADING,
        "“zzqx widgets” (6×): nothing found",
        "“qqvv gadgets” (2×): nothing found",
    ]


def test_a_filtered_gap_is_not_merged_with_its_words_alone():
    """`zzqx rating:worked` finding nothing is a gap of its own, shown with its filter."""
    world = make_world()
    for line in ["zzqx", "zzqx rating:worked", "ZZQX  rating:worked"]:
        say(world, ALICE, line)
    lines = say(world, MOIRA, "stats").plain.splitlines()
    assert lines[3:] == [
        GAPS_HEADING,
        "“zzqx rating:worked” (2×): nothing found",
        "“zzqx” (1×): nothing found",
    ]


def test_a_merged_gap_shows_its_commonest_spelling_and_latest_run():
    """The spelling typed most is shown; the latest run decides partial and the button's search."""
    world = make_world()
    with world.uows() as uow:
        uow.searches.record(ALICE, "<@U1> county lines", 0, world.clock.now())
        uow.searches.record(ALICE, "County lines", 0, world.clock.now())
        uow.searches.record(ALICE, "county lines", 0, world.clock.now())
        last = uow.searches.record(ALICE, "county  lines?", 0, world.clock.now(), partial_count=2)
        uow.commit()
    reply = say(world, MOIRA, "stats")
    assert reply.plain.splitlines()[3:] == [
        GAPS_HEADING,
        "“County lines” (4×): only closest practices",
    ]
    buttons = [a for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]
    assert [a.id for a in buttons] == [f"glossary:teach:{last.id}"]


def test_a_gap_shown_in_stats_carries_no_mention():
    """A mention typed with a gap is not repeated to moderators, in the text or the button."""
    world = make_world()
    say(world, ALICE, "<!channel> @everyone zzqx <@U999>")
    reply = say(world, MOIRA, "stats")
    assert reply.plain.splitlines()[3:] == [GAPS_HEADING, "“zzqx” (1×): nothing found"]
    buttons = [a for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]
    assert [a.label for a in buttons] == ["Teach search: zzqx"]
