"""The Filter control under results: choice lists whose options re-run the search, filtered."""

from __future__ import annotations

import pytest

from bot.kernel import actions
from bot.kernel.actions import MAX_ACTION_ID_LENGTH, MAX_SEARCH_ID, AddFilter
from bot.kernel.domain import Effectiveness, Focus
from bot.kernel.events import Actor, Click, Text
from bot.kernel.ports import SearchRecord
from bot.kernel.replies import Action, Buttons, Choice, Choices, Reply
from bot.search.chat import with_filter
from bot.search.query import parse_query
from tests.support.bank import (
    ALICE,
    ALICE_PLACE,
    PC_BOB,
    PC_BOB_PLACE,
    button_ids,
    card_refs,
    memory_bank,
)
from tests.support.hostile import HOSTILE_TEXT

STALE = "That button no longer works. Search again, for example knife crime diversion."
UNKNOWN_BUTTON = "That button no longer works. Type what you are looking for, or `help`."


@pytest.fixture
def world():
    return memory_bank()


@pytest.fixture
def bank(world):
    return world[0]


def say(bank, line, actor=ALICE, place=ALICE_PLACE) -> Reply:
    """Send a line as plain text and return the single reply."""
    [reply] = bank.handle(Text(actor, place, line))
    return reply


def click(bank, action, actor=ALICE, place=ALICE_PLACE) -> Reply:
    """Click a button or pick an option and return the single reply."""
    [reply] = bank.handle(Click(actor, place, action))
    return reply


def choices(reply: Reply) -> list[Choices]:
    return [b for b in reply.blocks if isinstance(b, Choices)]


def effectiveness_list(search_id: int, *left_out: str) -> Choices:
    options = [
        ("worked", "Worked"),
        ("promising", "Promising"),
        ("untested", "Untested – new or innovative"),
        ("didnt_work", "Didn't work"),
    ]
    return Choices(
        "Filter by effectiveness",
        tuple(
            Choice(f"filter:{search_id}:e:{v}", label) for v, label in options if v not in left_out
        ),
    )


def focus_list(search_id: int, *left_out: str) -> Choices:
    values = ["prevention", "diversion", "reoffending", "organisational", "location"]
    return Choices(
        "Filter by focus",
        tuple(
            Choice(f"filter:{search_id}:f:{v}", v.capitalize()) for v in values if v not in left_out
        ),
    )


def searches(uows) -> list[SearchRecord]:
    return list(uows.state.searches.values())


# --- the lists under a result page ---------------------------------------------------------------


def test_a_page_of_matches_ends_with_both_filter_lists(bank):
    """Under the cards come "Filter by effectiveness" then "Filter by focus", for this search."""
    reply = say(bank, "knife")
    assert reply.blocks[-2:] == (effectiveness_list(1), focus_list(1))


def test_the_lists_come_after_more_results(bank):
    """On a page with more to come, the lists follow the More results button."""
    reply = say(bank, "crime")
    assert [type(b).__name__ for b in reply.blocks[-3:]] == ["Buttons", "Choices", "Choices"]
    assert button_ids(reply)[-1] == "more:1:5"


def test_the_next_page_has_the_lists_too(bank):
    """Paging keeps the Filter control, still naming the same recorded search."""
    say(bank, "crime")
    page = click(bank, "more:1:5")
    assert page.blocks[-2:] == (effectiveness_list(1), focus_list(1))


def test_nothing_found_has_no_filter_lists(bank):
    """A search that found nothing offers next steps, not filters."""
    assert choices(say(bank, "zebra crossings on the moon")) == []


def test_filters_already_in_force_are_not_offered(bank):
    """A search filtered by focus diversion does not offer diversion again."""
    reply = say(bank, "knife focus:diversion")
    assert choices(reply) == [effectiveness_list(1), focus_list(1, "diversion")]


def test_a_kind_with_every_value_in_force_has_no_list(bank):
    """When every rating is already a filter, only the focus list is shown."""
    reply = say(bank, "knife rating:worked,promising,untested,didnt")
    assert choices(reply) == [focus_list(1)]


# --- picking an option ----------------------------------------------------------------------------


def test_picking_a_rating_re_runs_the_search_with_that_filter(bank):
    """Untested on "knife" lists the untested knife practices, with lists for the new search."""
    say(bank, "knife")
    reply = click(bank, "filter:1:e:untested")
    assert reply.plain == "2 practices for “knife rating:untested”."
    assert card_refs(reply) == ["PB017", "PB058"]
    assert reply.blocks[-2:] == (effectiveness_list(2, "untested"), focus_list(2))


def test_the_filtered_search_is_recorded_as_a_new_search_of_its_owner(world):
    """The filtered search is a new record: its owner, the text with the filter, its count."""
    bank, uows, clock = world
    say(bank, "knife")
    click(bank, "filter:1:e:untested")
    assert searches(uows)[1] == SearchRecord(
        2, ALICE.key, ALICE.workspace, "knife rating:untested", 2, clock.at, shown_until=2
    )


def test_a_second_filter_adds_to_the_first(bank):
    """Focus diversion on the untested search keeps the rating filter: one practice is both."""
    say(bank, "knife")
    click(bank, "filter:1:e:untested")
    reply = click(bank, "filter:2:f:diversion")
    assert reply.plain == "1 practice for “knife rating:untested focus:diversion”."
    assert card_refs(reply) == ["PB017"]
    assert choices(reply) == [effectiveness_list(3, "untested"), focus_list(3, "diversion")]


def test_a_filter_adds_to_the_typed_inline_filters(bank):
    """A filter picked under `knife focus:diversion` is ANDed with the typed focus."""
    say(bank, "knife focus:diversion")
    reply = click(bank, "filter:1:e:untested")
    assert reply.plain == "1 practice for “knife focus:diversion rating:untested”."
    assert card_refs(reply) == ["PB017"]


def test_paging_a_filtered_search_stays_filtered(bank):
    """More results on a filtered search shows the rest of the filtered matches only."""
    say(bank, "crime")
    first = click(bank, "filter:1:f:prevention")
    assert first.plain == "7 practices for “crime focus:prevention” (showing 1–5 of 7)."
    assert button_ids(first)[-1] == "more:2:5"
    second = click(bank, "more:2:5")
    assert second.plain == "7 practices for “crime focus:prevention” (showing 6–7 of 7)."
    assert card_refs(second) == ["PB034", "PB031"]


def test_a_filter_matching_nothing_offers_the_search_without_filters(bank):
    """Reoffending on "knife" finds nothing: the reply offers the two practices without filters."""
    say(bank, "knife")
    reply = click(bank, "filter:1:f:reoffending")
    assert reply.plain.splitlines()[0] == "No practices found for “knife focus:reoffending”."
    assert Buttons((Action("unfiltered:2", "Search without filters (2 practices)"),)) in (
        reply.blocks
    )
    assert choices(reply) == []
    back = click(bank, "unfiltered:2")
    assert back.plain == "2 practices for “knife”."
    assert card_refs(back) == ["PB017", "PB058"]


# --- access rights --------------------------------------------------------------------------------


def test_a_police_searcher_filtering_their_own_search_sees_restricted_matches(bank):
    """Bob, in a police-only workspace, filtering his own search sees the restricted practice."""
    say(bank, "knife", PC_BOB, PC_BOB_PLACE)
    reply = click(bank, "filter:1:e:promising", PC_BOB, PC_BOB_PLACE)
    assert reply.plain == "1 practice for “knife rating:promising”."
    assert card_refs(reply) == ["PB900"]


def test_a_filter_on_another_workspaces_search_is_stale_and_keeps_its_words(world):
    """Alice forging a filter on police Bob's search gets the stale answer, not his query."""
    bank, uows, _ = world
    say(bank, "operation nightjar knife", PC_BOB, PC_BOB_PLACE)
    reply = click(bank, "filter:1:e:promising")
    assert reply.plain == STALE
    assert "nightjar" not in repr(reply)
    assert "PB900" not in repr(reply)
    assert len(searches(uows)) == 1


def test_a_filter_on_someone_elses_search_in_the_same_workspace_is_stale(world):
    """Carol, in Alice's workspace, pressing Alice's filter gets the stale answer."""
    bank, uows, _ = world
    carol = Actor(ALICE.platform, ALICE.workspace_id, "U-CAROL", "Carol")
    say(bank, "nightjar knife")
    reply = click(bank, "filter:1:e:promising", carol)
    assert reply.plain == STALE
    assert "nightjar" not in repr(reply)
    assert len(searches(uows)) == 1


# --- stale, forged and hostile ----------------------------------------------------------------


def test_a_filter_on_an_unknown_search_says_it_is_gone(world):
    """A filter naming a search that does not exist says so and records nothing."""
    bank, uows, _ = world
    assert click(bank, "filter:999:e:worked").plain == STALE
    assert searches(uows) == []


@pytest.mark.parametrize(
    "action",
    [
        "filter",
        "filter:",
        "filter:1",
        "filter:1:e",
        "filter:1:e:",
        "filter:1:e:nope",
        "filter:1:x:worked",
        "filter:1:f:worked",
        "filter:1:e:diversion",
        "filter:1:E:worked",
        "filter:1:e:Worked",
        "filter:0:e:worked",
        "filter:-1:e:worked",
        "filter:01:e:worked",
        "filter:١:e:worked",
        "filter:1:e:worked:extra",
        "filter:1:e:worked\n",
        f"filter:{MAX_SEARCH_ID + 1}:e:worked",
        "filter:1:e:didnt_work'; DROP TABLE searches;--",
        "filter:1:e:<!channel>",
        "filter:1:f:🔪",
        "filter:1:f:\u202ediversion",
        "filter:1:e:" + "w" * 200,
    ],
)
def test_malformed_filter_ids_decode_to_nothing(action):
    """Every part of a filter id is checked; anything odd decodes to None instead of raising."""
    assert actions.decode(action) is None


@pytest.mark.parametrize("action", ["filter:1:e:nope", "filter:0:f:diversion", "filter:1:e:" * 50])
def test_a_forged_filter_click_is_answered_as_an_unknown_button(world, action):
    """A forged filter id answers "no longer works" and runs no search."""
    bank, uows, _ = world
    say(bank, "knife")
    assert click(bank, action).plain == UNKNOWN_BUTTON
    assert len(searches(uows)) == 1


@pytest.mark.parametrize("value", [*Effectiveness, *Focus])
def test_every_filter_id_round_trips_under_the_length_limit(value):
    """Each rating and focus encodes to a short id that decodes to the same filter."""
    action = AddFilter(MAX_SEARCH_ID, value)
    encoded = actions.encode(action)
    assert len(encoded) < MAX_ACTION_ID_LENGTH
    assert actions.decode(encoded) == action


@pytest.mark.parametrize("value", [*Effectiveness, *Focus])
def test_the_inline_filter_written_for_each_value_parses_back(value):
    """The filter written into a search's text reads back as exactly that filter."""
    parsed = parse_query(with_filter("knife crime", value))
    assert parsed.text == "knife crime"
    assert parsed.filters.effectiveness | parsed.filters.focus == {value}
    assert parsed.notices == ()


def test_a_filter_after_an_open_quote_goes_first(bank):
    """Text ending inside an open quote would swallow an appended filter: it is put first."""
    assert with_filter('knife org:"Thames', Focus.LOCATION) == 'focus:location knife org:"Thames'


def test_a_filter_after_a_bare_filter_name_goes_first():
    """Text ending on `focus:` would take an appended filter as its value: it is put first."""
    assert with_filter("knife focus:", Effectiveness.WORKED) == "rating:worked knife focus:"


def test_a_filter_on_an_empty_search_is_the_filter_alone():
    """An empty search text becomes just the filter, with no stray space."""
    assert with_filter("", Effectiveness.DIDNT_WORK) == 'rating:"didn\'t work"'


def test_a_filter_already_in_force_leaves_the_text_alone():
    """Adding a rating the text already filters by changes nothing."""
    assert with_filter("knife rating:worked", Effectiveness.WORKED) == "knife rating:worked"


@pytest.mark.parametrize(
    "query",
    [*HOSTILE_TEXT, 'knife org:"', "knife rating:"],
    ids=["empty", "100kB", "control", "emoji", "rtl", "sql", "mentions", "open-quote", "bare-key"],
)
def test_hostile_searches_can_be_filtered(world, query):
    """Whatever was searched, a filter keeps its words, adds exactly that filter and is recorded."""
    bank, uows, clock = world
    with uows() as uow:  # recorded directly: the chat never records an empty search
        uow.searches.record(ALICE, query[:200], 0, clock.at)
        uow.commit()
    first = searches(uows)[0]
    before = parse_query(first.text)
    reply = click(bank, "filter:1:f:prevention")
    second = searches(uows)[1]
    after = parse_query(second.text)
    assert after.text == before.text
    assert after.filters == before.filters.merged(parse_query("focus:prevention").filters)
    # No full match reads "No practices found" or, with closest practices, "No practice matches".
    counted = f"{second.result_count} practice" if second.result_count else "No practice"
    assert reply.plain.startswith(counted)
