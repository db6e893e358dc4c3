"""The Filter control under results: choice lists whose options re-run the search, filtered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.kernel import actions
from bot.kernel.actions import MAX_ACTION_ID_LENGTH, MAX_SEARCH_ID, AddFilter
from bot.kernel.domain import Effectiveness, Focus
from bot.kernel.events import Actor, Click, Text
from bot.kernel.ports import SearchRecord
from bot.kernel.replies import Choice, Choices, Reply
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


RATING_LABELS = {
    "worked": "Worked",
    "promising": "Promising",
    "untested": "Untested – new or innovative",
    "didnt_work": "Didn't work",
}


def effectiveness_list(search_id: int, **counts: int) -> Choices:
    """The *Filter by effectiveness* list a person sees: each rating offered with its count."""
    return Choices(
        "Filter by effectiveness",
        tuple(
            Choice(f"filter:{search_id}:e:{v}", f"{RATING_LABELS[v]} ({n})")
            for v, n in counts.items()
        ),
    )


def focus_list(search_id: int, **counts: int) -> Choices:
    """The *Filter by focus* list a person sees: each focus offered with its count."""
    return Choices(
        "Filter by focus",
        tuple(
            Choice(f"filter:{search_id}:f:{v}", f"{v.capitalize()} ({n})")
            for v, n in counts.items()
        ),
    )


# What "crime" offers: 11 matches, none rated Worked or Didn't work, none with focus location.
CRIME_RATINGS = {"promising": 2, "untested": 9}
CRIME_FOCUSES = {"prevention": 7, "diversion": 3, "reoffending": 1, "organisational": 3}
NOT_A_FILTER = "Pick one of the filters listed under its results, or type a new search."


def searches(uows) -> list[SearchRecord]:
    return list(uows.state.searches.values())


# --- the lists under a result page ---------------------------------------------------------------


def test_a_page_of_matches_ends_with_both_filter_lists(bank):
    """Under the cards come "Filter by effectiveness" then "Filter by focus", for this search."""
    reply = say(bank, "crime")
    assert reply.blocks[-2:] == (
        effectiveness_list(1, **CRIME_RATINGS),
        focus_list(1, **CRIME_FOCUSES),
    )


def test_filter_menu_offers_only_values_present_with_counts(bank):
    """ "burglary" finds 3: the menus offer only the ratings and focuses they have, counted."""
    reply = say(bank, "burglary")
    assert reply.plain.splitlines()[0] == "3 practices for “burglary”."
    assert choices(reply) == [
        effectiveness_list(1, promising=1, untested=2),
        focus_list(1, prevention=2, reoffending=1),
    ]


def test_filter_menu_leaves_out_a_value_every_match_has(bank):
    """Both "knife" matches are untested and both prevention: only Diversion (1) would narrow."""
    reply = say(bank, "knife")
    assert card_refs(reply) == ["PB017", "PB058"]
    assert choices(reply) == [focus_list(1, diversion=1)]


def test_filter_menu_counts_ignore_restricted_practices(bank):
    """Alice (public workspace) is offered no rating for "knife"; police Bob's counts include
    the restricted promising PB900, which only he sees."""
    alice = say(bank, "knife")
    bob = say(bank, "knife", PC_BOB, PC_BOB_PLACE)
    assert "PB900" not in repr(alice)
    assert choices(alice) == [focus_list(1, diversion=1)]
    assert card_refs(bob) == ["PB017", "PB900", "PB058"]
    assert choices(bob) == [
        effectiveness_list(2, promising=1, untested=2),
        focus_list(2, diversion=1),
    ]


def test_filter_menu_counts_full_matches_only(bank):
    """The counts are the 11 full matches of "crime" (promising 2 + untested 9), whatever the
    closest practices below them are rated."""
    reply = say(bank, "crime")
    assert reply.plain.splitlines()[0] == "11 practices for “crime” (showing 1–5 of 11)."
    assert sum(CRIME_RATINGS.values()) == 11
    assert choices(reply)[0] == effectiveness_list(1, **CRIME_RATINGS)


def test_the_lists_come_after_more_results(bank):
    """On a page with more to come, the lists follow the More results button."""
    reply = say(bank, "crime")
    assert [type(b).__name__ for b in reply.blocks[-3:]] == ["Buttons", "Choices", "Choices"]
    assert button_ids(reply)[-1] == "more:1:5"


def test_the_next_page_has_the_lists_too(bank):
    """Paging keeps the Filter control with the same counts, still naming the same search."""
    say(bank, "crime")
    page = click(bank, "more:1:5")
    assert page.blocks[-2:] == (
        effectiveness_list(1, **CRIME_RATINGS),
        focus_list(1, **CRIME_FOCUSES),
    )


def test_nothing_found_has_no_filter_lists(bank):
    """A search that found nothing offers next steps, not filters."""
    assert choices(say(bank, "zebra crossings on the moon")) == []


def test_a_kind_already_in_force_offers_no_further_value(bank):
    """`crime focus:prevention` offers ratings only: another focus would widen (values of one
    kind are OR-ed), not narrow."""
    reply = say(bank, "crime focus:prevention")
    assert (
        reply.plain.splitlines()[0]
        == "7 practices for “crime focus:prevention” (showing 1–5 of 7)."
    )
    assert choices(reply) == [effectiveness_list(1, promising=2, untested=5)]


def test_a_single_match_offers_no_filter(bank):
    """One practice cannot be narrowed: no list is shown."""
    reply = say(bank, "knife focus:diversion")
    assert card_refs(reply) == ["PB017"]
    assert choices(reply) == []


# --- picking an option ----------------------------------------------------------------------------


def test_picking_a_rating_re_runs_the_search_with_that_filter(bank):
    """Untested (9) on "crime" lists the nine untested matches, with the focus list for them."""
    say(bank, "crime")
    reply = click(bank, "filter:1:e:untested")
    assert reply.plain.splitlines()[0] == (
        "9 practices for “crime rating:untested” (showing 1–5 of 9)."
    )
    assert choices(reply) == [
        focus_list(2, prevention=5, diversion=2, reoffending=1, organisational=3)
    ]


def test_the_filtered_search_is_recorded_as_a_new_search_of_its_owner(world):
    """The filtered search is a new record: its owner, the text with the filter, its count."""
    bank, uows, clock = world
    say(bank, "crime")
    click(bank, "filter:1:e:untested")
    assert searches(uows)[1] == SearchRecord(
        2, ALICE.key, ALICE.workspace, "crime rating:untested", 9, clock.at, shown_until=5
    )


def test_a_second_filter_adds_to_the_first(bank):
    """Focus diversion (2) on the untested search keeps the rating filter; two practices are
    both, and with both kinds in force nothing is left to offer."""
    say(bank, "crime")
    click(bank, "filter:1:e:untested")
    reply = click(bank, "filter:2:f:diversion")
    assert reply.plain.splitlines()[0] == "2 practices for “crime rating:untested focus:diversion”."
    assert len(card_refs(reply)) == 2
    assert choices(reply) == []


def test_a_filter_adds_to_the_typed_inline_filters(bank):
    """A rating picked under `crime focus:prevention` is ANDed with the typed focus."""
    say(bank, "crime focus:prevention")
    reply = click(bank, "filter:1:e:untested")
    assert reply.plain.splitlines()[0] == (
        "5 practices for “crime focus:prevention rating:untested”."
    )


def test_paging_a_filtered_search_stays_filtered(bank):
    """More results on a filtered search shows the rest of the filtered matches only."""
    say(bank, "crime")
    first = click(bank, "filter:1:f:prevention")
    assert first.plain.splitlines()[0] == (
        "7 practices for “crime focus:prevention” (showing 1–5 of 7)."
    )
    assert button_ids(first)[-1] == "more:2:5"
    second = click(bank, "more:2:5")
    assert second.plain.splitlines()[0] == (
        "7 practices for “crime focus:prevention” (showing 6–7 of 7)."
    )
    assert card_refs(second) == ["PB034", "PB031"]


# --- a filter that is not offered -----------------------------------------------------------------


def test_a_forged_filter_no_match_has_says_why_and_records_nothing(world):
    """Reoffending forged onto "knife" (neither match has it) is answered with why, unsearched."""
    bank, uows, _ = world
    say(bank, "knife")
    reply = click(bank, "filter:1:f:reoffending")
    assert reply.plain == (
        f"Reoffending is not a filter for “knife”: none of its 2 practices has it. {NOT_A_FILTER}"
    )
    assert len(searches(uows)) == 1


def test_a_forged_filter_every_match_has_says_it_would_not_narrow(world):
    """Untested forged onto "knife" (both matches are untested) would change nothing: said so."""
    bank, uows, _ = world
    say(bank, "knife")
    reply = click(bank, "filter:1:e:untested")
    assert reply.plain == (
        "Untested – new or innovative is not a filter for “knife”: all of its 2 practices have "
        f"it, so it would not narrow them. {NOT_A_FILTER}"
    )
    assert len(searches(uows)) == 1


def test_a_forged_filter_of_a_kind_in_force_says_so(world):
    """Prevention forged onto `crime focus:diversion` would widen it: refused with the reason."""
    bank, uows, _ = world
    say(bank, "crime focus:diversion")
    reply = click(bank, "filter:1:f:prevention")
    assert reply.plain == (
        "Prevention is not a filter for “crime focus:diversion”: the search already filters by "
        f"focus. {NOT_A_FILTER}"
    )
    assert len(searches(uows)) == 1


def test_a_forged_filter_counting_restricted_practices_is_refused_to_the_public(world):
    """Promising is offered to police Bob for "knife" (PB900) but forged by Alice onto her own
    "knife" it is refused as present in none of the two she may see."""
    bank, uows, _ = world
    say(bank, "knife")
    reply = click(bank, "filter:1:e:promising")
    assert reply.plain == (
        f"Promising is not a filter for “knife”: none of its 2 practices has it. {NOT_A_FILTER}"
    )
    assert "PB900" not in repr(reply)
    assert len(searches(uows)) == 1


def test_a_filter_the_bank_has_since_made_useless_is_refused(world):
    """Between the menu and the pick, the one reoffending "burglary" practice left the bank:
    Reoffending (1) is answered as no longer narrowing, not with an empty list."""
    bank, uows, _ = world
    first = say(bank, "burglary")
    assert focus_list(1, prevention=2, reoffending=1) in choices(first)
    with uows() as uow:
        practice = uow.practices.get("PB041")  # the reoffending one
        assert practice is not None and practice.focus == (Focus.REOFFENDING,)
        uow.practices.upsert_many([replace(practice, focus=(Focus.PREVENTION,))])
        uow.commit()
    reply = click(bank, "filter:1:f:reoffending")
    assert reply.plain == (
        "Reoffending is not a filter for “burglary”: none of its 3 practices has it. "
        + NOT_A_FILTER
    )


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
def test_hostile_searches_are_answered_when_filtered(world, query):
    """Whatever was searched, a filter click is answered in words and never raises; a search
    with nothing to narrow records nothing more."""
    bank, uows, clock = world
    with uows() as uow:  # recorded directly: the chat never records an empty search
        uow.searches.record(ALICE, query[:200], 0, clock.at)
        uow.commit()
    reply = click(bank, "filter:1:f:prevention")
    assert reply.plain.startswith("Prevention is not a filter for “")
    assert reply.plain.endswith(NOT_A_FILTER)
    assert len(searches(uows)) == 1


@pytest.mark.parametrize(
    "query",
    [*HOSTILE_TEXT, 'knife org:"', "knife rating:"],
    ids=["empty", "100kB", "control", "emoji", "rtl", "sql", "mentions", "open-quote", "bare-key"],
)
def test_a_filter_keeps_a_hostile_searchs_words(query):
    """Whatever was searched, adding a filter keeps its words and adds exactly that filter."""
    before = parse_query(query[:200])
    after = parse_query(with_filter(query[:200], Focus.PREVENTION))
    assert after.text == before.text
    assert after.filters == before.filters.merged(parse_query("focus:prevention").filters)
