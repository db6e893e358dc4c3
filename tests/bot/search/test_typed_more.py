"""Typing `more` (or `next`) continues the person's latest search from the page after their last."""

from __future__ import annotations

import pytest

from bot.commands.reading import MORE, SEARCH, Request, read_request
from bot.core import PracticeBank
from bot.kernel.events import Actor, Click, Command, Text
from bot.kernel.replies import PracticeCard, Reply, text
from tests.support.bank import (
    ALICE,
    ALICE_PLACE,
    PC_BOB,
    PC_BOB_PLACE,
    button_ids,
    card_refs,
    fill_bank,
    memory_bank,
)
from tests.support.memory import FixedClock

NOTHING_TO_CONTINUE = "There is no search to continue: type what you are looking for."


@pytest.fixture
def world():
    return memory_bank()


@pytest.fixture
def bank(world) -> PracticeBank:
    return world[0]


def say(bank, line, actor=ALICE, place=ALICE_PLACE) -> Reply:
    """Send a line as plain text and return the single reply."""
    [reply] = bank.handle(Text(actor, place, line))
    return reply


def click(bank, action, actor=ALICE, place=ALICE_PLACE) -> Reply:
    """Click a button and return the single reply."""
    [reply] = bank.handle(Click(actor, place, action))
    return reply


def header(reply: Reply) -> str:
    return reply.plain.splitlines()[0]


def ranks(reply: Reply) -> list[int | None]:
    return [b.rank for b in reply.blocks if isinstance(b, PracticeCard)]


# --- reading the words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "more",
        "next",
        "more results",
        "next page",
        "MORE",
        "  Next Page  ",
        "more?",
        "More!!",
        "…more…",
        "(next)",
        "more   results.",
        "/more",
        "/practice more",
        "\tmore\n",
        "\x07more\x1b",
        "¿more?",
    ],
)
def test_next_page_phrases_read_as_more(line):
    """The four phrases, in any case, with punctuation or white space around them, mean more."""
    assert read_request(line) == Request(MORE, "")


@pytest.mark.parametrize(
    ("line", "query"),
    [
        ("more burglary", "more burglary"),
        ("next steps", "next steps"),
        ("more results please", "more results please"),
        ("search more", "more"),
        ("find next", "next"),
        ("more-results", "more-results"),
        ("more, results", "more, results"),
        ("moreover", "moreover"),
        ("more 🔪", "more 🔪"),
        ("\u202emore\u202c", "\u202emore\u202c"),
        ("<!channel> more", "<!channel> more"),
        ("@everyone more", "@everyone more"),
        ("more'; DROP TABLE searches; --", "more'; DROP TABLE searches; --"),
        ("<b>more</b>", "<b>more</b>"),
    ],
)
def test_other_words_with_more_are_a_search(line, query):
    """Only the exact phrases page; more words, joined words or symbols around them search."""
    assert read_request(line) == Request(SEARCH, query)


def test_empty_line_is_not_more():
    """An empty line stays an (empty) search, which asks what to look for."""
    assert read_request("") == Request(SEARCH, "")
    assert read_request(" ?! ") == Request(SEARCH, "?!")


# --- continuing a search ------------------------------------------------------------------------


def test_more_after_a_search_shows_the_next_page(bank):
    """`more` after page one shows results 6–10 with ranks continued and the next More button."""
    say(bank, "crime")
    reply = say(bank, "more")
    assert header(reply) == "11 practices for “crime” (showing 6–10 of 11)."
    assert ranks(reply) == [6, 7, 8, 9, 10]
    assert button_ids(reply)[-1] == "more:1:10"


def test_more_gives_the_same_reply_as_the_button(world):
    """The typed page is the very reply the More results button gives."""
    bank, _, _ = world
    say(bank, "crime")
    typed = say(bank, "more")
    other, _, _ = memory_bank()
    say(other, "crime")
    assert typed == click(other, "more:1:5")


def test_more_twice_reaches_the_last_page(bank):
    """A second `more` continues from where the first stopped."""
    say(bank, "crime")
    first = say(bank, "next")
    second = say(bank, "more results")
    assert header(second) == "11 practices for “crime” (showing 11–11 of 11)."
    assert ranks(second) == [11]
    assert not set(card_refs(first)) & set(card_refs(second))
    assert "more:1:" not in " ".join(button_ids(second))


def test_more_after_the_end_says_that_was_everything(bank):
    """Once every result was shown, `more` says so rather than showing an empty page."""
    say(bank, "crime")
    say(bank, "more")
    say(bank, "more")
    everything = Reply((text("That was everything for “crime”."),))
    assert say(bank, "more") == everything
    assert say(bank, "next page") == everything


def test_more_after_a_single_page_search_says_that_was_everything(bank):
    """A search that fitted on one page has nothing more to show."""
    say(bank, "knife")
    assert say(bank, "more").plain == "That was everything for “knife”."


def test_more_after_a_search_that_found_nothing_says_that_was_everything(bank):
    """A search with no results has nothing to continue either."""
    say(bank, "zzqxv")
    assert say(bank, "more").plain == "That was everything for “zzqxv”."


def test_more_with_no_search_asks_what_to_look_for(bank):
    """With nothing recorded for the person, `more` says there is nothing to continue."""
    assert say(bank, "more").plain == NOTHING_TO_CONTINUE


def test_more_records_no_new_search(world):
    """Typing `more` turns a page; it is not a search of the word "more"."""
    bank, uows, _ = world
    say(bank, "crime")
    say(bank, "more")
    say(bank, "more")
    say(bank, "more")
    assert [(s.id, s.text) for s in uows.state.searches.values()] == [(1, "crime")]


def test_more_continues_the_latest_search(bank):
    """After a second search, `more` pages that one, not the first."""
    say(bank, "crime")
    say(bank, "more")
    say(bank, "officers")
    assert header(say(bank, "more")) == "10 practices for “officers” (showing 6–10 of 10)."


def test_more_continues_after_a_button_click(bank):
    """Pages turned with the button count: `more` continues after the last one shown."""
    say(bank, "crime")
    click(bank, "more:1:5")
    assert header(say(bank, "more")) == "11 practices for “crime” (showing 11–11 of 11)."


def test_more_after_a_filter_pick_continues_the_filtered_search(bank):
    """Picking a filter shows page one of a new search, which `more` then continues."""
    say(bank, "crime")
    say(bank, "more")
    picked = click(bank, "filter:1:e:untested")
    assert header(picked) == "9 practices for “crime rating:untested” (showing 1–5 of 9)."
    reply = say(bank, "more")
    assert header(reply) == "9 practices for “crime rating:untested” (showing 6–9 of 9)."
    assert ranks(reply) == [6, 7, 8, 9]


def test_more_after_a_did_you_mean_continues_the_corrected_search(bank):
    """The "did you mean" click is a new search; `more` continues it."""
    say(bank, "dometic violence")
    click(bank, "suggest:1")
    assert header(say(bank, "more")) == "7 practices for “domestic violence” (showing 6–7 of 7)."


def test_more_by_slash_command(bank):
    """`/practice more` as a platform command continues the search too."""
    say(bank, "crime")
    [reply] = bank.handle(Command(ALICE, ALICE_PLACE, "practice", "more"))
    assert header(reply) == "11 practices for “crime” (showing 6–10 of 11)."


# --- whose search -------------------------------------------------------------------------------


def test_another_persons_search_is_never_continued(bank):
    """Bob's `more` does not page Alice's search, even in the same place."""
    say(bank, "crime")
    assert say(bank, "more", actor=PC_BOB, place=ALICE_PLACE).plain == NOTHING_TO_CONTINUE


def test_a_later_search_by_someone_else_leaves_yours(bank):
    """Alice's `more` continues her own search, not Bob's newer one."""
    say(bank, "crime")
    say(bank, "knife crime", actor=PC_BOB, place=PC_BOB_PLACE)
    assert header(say(bank, "more")) == "11 practices for “crime” (showing 6–10 of 11)."


def test_someone_else_pressing_your_more_button_leaves_your_place(bank):
    """Bob reading on under Alice's list does not move where Alice stopped."""
    say(bank, "crime")
    click(bank, "more:1:5", actor=PC_BOB, place=PC_BOB_PLACE)
    click(bank, "more:1:10", actor=PC_BOB, place=PC_BOB_PLACE)
    assert header(say(bank, "more")) == "11 practices for “crime” (showing 6–10 of 11)."
    assert say(bank, "more", actor=PC_BOB, place=PC_BOB_PLACE).plain == NOTHING_TO_CONTINUE


def test_same_user_in_another_workspace_has_no_search_to_continue(bank):
    """The place to continue belongs to the person in one workspace (their actor key)."""
    say(bank, "crime")
    elsewhere = Actor("slack", "T-OTHER", ALICE.user_id, ALICE.display_name)
    assert say(bank, "more", actor=elsewhere).plain == NOTHING_TO_CONTINUE


# --- rights -------------------------------------------------------------------------------------


def pages(bank, actor, place) -> tuple[list[str], list[str]]:
    """Search `officers` and type `more` until the end; the headers and every ref shown."""
    replies = [say(bank, "officers", actor, place)]
    while card_refs(replies[-1]):
        replies.append(say(bank, "more", actor, place))
    return [header(r) for r in replies], [ref for r in replies for ref in card_refs(r)]


def test_restricted_practice_stays_hidden_through_typed_more(bank):
    """Outside police-only workspaces no page reached by `more` shows or counts PB900."""
    headers, refs = pages(bank, ALICE, ALICE_PLACE)
    assert headers == [
        "10 practices for “officers” (showing 1–5 of 10).",
        "10 practices for “officers” (showing 6–10 of 10).",
        "That was everything for “officers”.",
    ]
    assert "PB900" not in refs
    assert len(set(refs)) == 10


def test_police_only_workspace_pages_through_the_restricted_practice(bank):
    """A police-only workspace's pages include PB900, each practice once."""
    headers, refs = pages(bank, PC_BOB, PC_BOB_PLACE)
    assert headers[1:] == [
        "11 practices for “officers” (showing 6–10 of 11).",
        "11 practices for “officers” (showing 11–11 of 11).",
        "That was everything for “officers”.",
    ]
    assert "PB900" in refs
    assert len(set(refs)) == len(refs) == 11


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "more 🔪",
        "\u202emore\u202c",
        "<!channel> more",
        "@everyone @here more <@U123>",
        "more'; DROP TABLE searches; --",
        "more " + "x" * 100_000,
        "👮🏽‍♀️ next page",
    ],
)
def test_hostile_words_around_more_are_searched_not_paged(world, line):
    """Symbols, mentions, injection or 100 kB around `more` make a new search, never a page."""
    bank, uows, _ = world
    say(bank, "crime")
    reply = say(bank, line)
    assert "(showing 6–10 of 11)" not in reply.plain
    assert "Something went wrong" not in reply.plain
    assert len(uows.state.searches) == 2


@pytest.mark.parametrize("line", ["", "   ", "\x00\x07", "?!"])
def test_empty_or_punctuation_only_line_does_not_page(world, line):
    """Nothing but blanks, controls or punctuation is not `more`."""
    bank, _, _ = world
    say(bank, "crime")
    assert "showing 6–10" not in say(bank, line).plain


# --- on the real store --------------------------------------------------------------------------


def test_typed_more_over_the_sql_store(uow_factory):
    """The place is kept in the database: a new core over the same store continues from it."""
    fill_bank(uow_factory)
    say(PracticeBank(uow_factory, FixedClock()), "crime")
    say(PracticeBank(uow_factory, FixedClock()), "more")
    reply = say(PracticeBank(uow_factory, FixedClock()), "more")
    assert header(reply) == "11 practices for “crime” (showing 11–11 of 11)."
    assert say(PracticeBank(uow_factory, FixedClock()), "more").plain == (
        "That was everything for “crime”."
    )
