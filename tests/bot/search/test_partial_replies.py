"""How chat presents full and partial matches, and says plainly when nothing matches exactly."""

from __future__ import annotations

import pytest

from bot.kernel.events import Text
from bot.kernel.replies import Buttons, Paragraph, PracticeCard, Reply
from bot.search.model import PARTIAL_HEADING
from tests.support.bank import ALICE, ALICE_PLACE, card_refs, memory_bank


@pytest.fixture
def bank():
    return memory_bank()[0]


def say(bank, line) -> Reply:
    [reply] = bank.handle(Text(ALICE, ALICE_PLACE, line))
    return reply


def lines(reply: Reply) -> list[str]:
    """Each paragraph's text and each card's ref, in order, as a person reads the reply."""
    out: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            out.append("".join(span.text for span in block.spans))
        elif isinstance(block, PracticeCard):
            out.append(f"[{block.practice.ref}]")
    return out


def labels(reply: Reply) -> list[str]:
    return [a.label for b in reply.blocks if isinstance(b, Buttons) for a in b.actions]


def test_partial_matches_follow_full_ones_under_their_heading(bank):
    """ "burglary leaflets": the full match first, then the heading, then the closest practices."""
    shown = lines(say(bank, "burglary leaflets"))
    assert shown[0] == "1 practice for “burglary leaflets”."
    assert shown[1] == "[PB032]"
    assert shown[2] == PARTIAL_HEADING
    assert shown[3:] and all(line.startswith("[PB") for line in shown[3:])


def test_a_search_of_full_matches_only_has_no_partial_heading(bank):
    """ "burglary" shows its three practices and no "not an exact match" heading."""
    reply = say(bank, "burglary")
    assert lines(reply)[0] == "3 practices for “burglary”."
    assert PARTIAL_HEADING not in lines(reply)
    assert sorted(card_refs(reply)) == ["PB011", "PB032", "PB041"]


def test_no_full_match_says_so_then_offers_the_closest_and_next_steps(bank):
    """ "knife arches": says no exact match, shows the closest practices, then what to do."""
    reply = say(bank, "knife arches")
    shown = lines(reply)
    assert shown[0] == "No practice matches “knife arches” exactly."
    assert shown[1] == PARTIAL_HEADING
    assert sorted(shown[2:4]) == ["[PB017]", "[PB058]"]
    assert shown[4].startswith("Try fewer or other words")
    assert shown[5] == "Know a practice that belongs here? Type share to add it."
    assert "Share a practice" in labels(reply)


def test_nothing_matching_at_all_says_no_practices_found(bank):
    """ "hate crime": nothing matches, not even partly; the reply says so and offers next steps."""
    reply = say(bank, "hate crime")
    assert lines(reply)[0] == "No practices found for “hate crime”."
    assert card_refs(reply) == []
    assert "Share a practice" in labels(reply)


def test_no_full_match_with_a_filter_offers_to_drop_it(bank):
    """With no exact match under a filter, the reply offers the search without the filter."""
    reply = say(bank, "burglary leaflets rating:untested")
    assert lines(reply)[0] == "No practice matches “burglary leaflets rating:untested” exactly."
    assert "Search without filters (1 practice)" in labels(reply)


def test_everyone_mention_gets_the_same_reply_as_the_plain_search(bank):
    """ "@everyone burglary" shows the same practices as "burglary"."""
    assert card_refs(say(bank, "@everyone burglary")) == card_refs(say(bank, "burglary"))


def test_the_page_after_every_exact_match_says_so(bank):
    """ "domestic abuse video" has one exact match; `more` says the rest match only in part."""
    first = say(bank, "domestic abuse video")
    assert lines(first)[:3] == [
        "1 practice for “domestic abuse video”.",
        "[PB045]",
        PARTIAL_HEADING,
    ]
    assert "More results" in labels(first)
    second = say(bank, "more")
    assert lines(second)[0] == (
        "That was every exact match for “domestic abuse video” (1); "
        "below are practices that match part of it."
    )
    assert lines(second)[1] == PARTIAL_HEADING
    assert set(card_refs(first)).isdisjoint(card_refs(second))
