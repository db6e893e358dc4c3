"""The core's use cases through its one entry point: search, paging, show, help, and errors."""

from __future__ import annotations

import logging

import pytest

from bot.bankfile.demo import load_demo_practices
from bot.core import PracticeBank
from bot.kernel.domain import Effectiveness, Practice
from bot.kernel.events import Actor, Click, Command, FormSubmit, Text
from bot.kernel.ports import GlossaryEntry, SearchRecord
from bot.kernel.replies import (
    Action,
    ActionStyle,
    Buttons,
    CardDetail,
    Choice,
    Choices,
    PracticeCard,
    Reply,
    Span,
    bold,
    text,
)
from tests.support.bank import (
    ALICE,
    ALICE_PLACE,
    PC_BOB,
    PC_BOB_PLACE,
    RESTRICTED,
    button_ids,
    button_labels,
    card_refs,
    memory_bank,
)
from tests.support.memory import FixedClock, MemoryUnitOfWorkFactory

DEMO = {p.ref: p for p in load_demo_practices()}
TIPS = text(
    "Try fewer or other words, an acronym such as ",
    bold("ASB"),
    ", or type ",
    bold("help"),
    " for examples.",
)
SHARING = text("Know a practice that belongs here? Type ", bold("share"), " to add it.")
SHARE_BUTTON = Buttons((Action("share", "Share a practice", ActionStyle.PRIMARY),))


def knife_filters(search_id: int) -> tuple[Choices]:
    """The *Filter by* list under "knife" (both matches untested and prevention; one diversion)."""
    return (
        Choices("Filter by focus", (Choice(f"filter:{search_id}:f:diversion", "Diversion (1)"),)),
    )


def crime_filters(search_id: int) -> tuple[Choices, Choices]:
    """The two *Filter by* lists under "crime": the values its 11 matches have, counted."""
    ratings = [("promising", "Promising (2)"), ("untested", "Untested – new or innovative (9)")]
    focuses = [
        ("prevention", "Prevention (7)"),
        ("diversion", "Diversion (3)"),
        ("reoffending", "Reoffending (1)"),
        ("organisational", "Organisational (3)"),
    ]
    return (
        Choices(
            "Filter by effectiveness",
            tuple(Choice(f"filter:{search_id}:e:{v}", label) for v, label in ratings),
        ),
        Choices(
            "Filter by focus",
            tuple(Choice(f"filter:{search_id}:f:{v}", label) for v, label in focuses),
        ),
    )


@pytest.fixture
def world():
    return memory_bank()


@pytest.fixture
def bank(world) -> PracticeBank:
    return world[0]


def say(bank, line, actor=ALICE, place=ALICE_PLACE) -> Reply:
    """Send a line as plain text and return the single reply."""
    replies = bank.handle(Text(actor, place, line))
    assert len(replies) == 1
    return replies[0]


def click(bank, action, actor=ALICE, place=ALICE_PLACE) -> Reply:
    """Click a button and return the single reply."""
    replies = bank.handle(Click(actor, place, action))
    assert len(replies) == 1
    return replies[0]


def searches(uows: MemoryUnitOfWorkFactory) -> list[SearchRecord]:
    return list(uows.state.searches.values())


# --- construction -------------------------------------------------------------------------------


def test_building_the_bank_opens_no_unit_of_work():
    """Nothing touches storage until the first event."""
    uows = MemoryUnitOfWorkFactory()
    PracticeBank(uows, FixedClock())
    assert uows.opened == 0


# --- search -------------------------------------------------------------------------------------


def test_search_shows_cards_with_details_buttons(bank):
    """A search answers with a header, summary cards in rank order and a Details button each."""
    reply = say(bank, "knife")
    assert reply == Reply(
        (
            text(bold("2 practices"), " for “knife”", "."),
            PracticeCard(DEMO["PB017"], CardDetail.SUMMARY, rank=1),
            Buttons((Action("show:PB017", "Details PB017"),)),
            PracticeCard(DEMO["PB058"], CardDetail.SUMMARY, rank=2),
            Buttons((Action("show:PB058", "Details PB058"),)),
            *knife_filters(1),
        ),
        share_action="more:1:0",
    )


def test_search_is_recorded_for_paging_and_gaps(world):
    """Each search is stored with who ran it, the text, the count and the clock's time."""
    bank, uows, clock = world
    say(bank, "knife")
    assert searches(uows) == [
        SearchRecord(1, ALICE.key, ALICE.workspace, "knife", 2, clock.at, shown_until=2)
    ]


@pytest.mark.parametrize(
    "event",
    [
        Text(ALICE, ALICE_PLACE, "knife"),
        Text(ALICE, ALICE_PLACE, "search knife"),
        Text(ALICE, ALICE_PLACE, "/practice knife"),
        Command(ALICE, ALICE_PLACE, "practice", "knife"),
        Command(ALICE, ALICE_PLACE, "/practice", "search knife"),
        Command(ALICE, ALICE_PLACE, "search", "knife"),
    ],
)
def test_every_way_of_asking_searches_the_same(bank, event):
    """Plain text, the search verb and slash commands all run the same search."""
    [reply] = bank.handle(event)
    assert reply.plain == "2 practices for “knife”."
    assert card_refs(reply) == ["PB017", "PB058"]


def test_misspelt_search_finds_knife_crime_without_a_pointless_suggestion(bank):
    """A typo still finds the knife-crime practices first; "knife crime" would list the same
    two, so no "did you mean" button comes with them."""
    reply = say(bank, "knfe crime")
    assert reply.plain == "2 practices for “knfe crime”."
    assert card_refs(reply)[:2] == ["PB058", "PB017"]
    assert isinstance(reply.blocks[1], PracticeCard)
    assert not [
        a
        for b in reply.blocks
        if isinstance(b, Buttons)
        for a in b.actions
        if a.id.startswith("suggest:")
    ]


def test_misspelt_search_offers_the_spelling_that_finds_more(bank):
    """ "dometic violence" finds one practice fully; the button offers the seven of "domestic
    violence"."""
    reply = say(bank, "dometic violence")
    assert reply.plain.startswith("1 practice for “dometic violence”.")
    assert reply.blocks[1] == Buttons(
        (Action("suggest:1", "Did you mean “domestic violence”?", ActionStyle.PRIMARY),)
    )


def test_first_page_offers_more_results(bank):
    """When more matches exist than fit, the page ends with a More results button."""
    reply = say(bank, "crime")
    assert reply.plain == "11 practices for “crime” (showing 1–5 of 11)."
    assert [c.rank for c in reply.blocks if isinstance(c, PracticeCard)] == [1, 2, 3, 4, 5]
    assert reply.blocks[-3] == Buttons((Action("more:1:5", "More results", ActionStyle.PRIMARY),))
    assert reply.blocks[-2:] == crime_filters(1)


def test_more_results_shows_the_next_page(bank):
    """More results re-runs the recorded search from the offset and continues the ranks."""
    first = say(bank, "crime")
    second = click(bank, "more:1:5")
    assert second.plain == "11 practices for “crime” (showing 6–10 of 11)."
    assert [c.rank for c in second.blocks if isinstance(c, PracticeCard)] == [6, 7, 8, 9, 10]
    assert not set(card_refs(first)) & set(card_refs(second))
    assert button_ids(second)[-1] == "more:1:10"


def test_last_page_has_no_more_button(bank):
    """The final page ends without a More results button."""
    say(bank, "crime")
    last = click(bank, "more:1:10")
    assert last.plain == "11 practices for “crime” (showing 11–11 of 11)."
    assert button_labels(last) == [f"Details {ref}" for ref in card_refs(last)]


def test_paging_does_not_record_a_new_search(world):
    """Turning pages is not a new search."""
    bank, uows, _ = world
    say(bank, "crime")
    click(bank, "more:1:5")
    assert [s.id for s in searches(uows)] == [1]


def test_paging_past_the_end_says_so(bank):
    """A forged offset past the last result gets a plain answer, not an empty list."""
    say(bank, "crime")
    assert click(bank, "more:1:500").plain == "No more results for “crime”: all 11 were shown."


def test_unknown_search_id_is_explained(bank):
    """A More click for a search that does not exist (stale or forged) gets a clear message."""
    assert click(bank, "more:77:5") == Reply(
        (
            text(
                "That button no longer works. Search again, for example ",
                bold("knife crime diversion"),
                ".",
            ),
        )
    )


def test_search_notices_are_shown(bank):
    """What the search ignored is said in italics under the header."""
    reply = say(bank, "asb colour:red")
    assert reply.blocks[1] == text(
        Span(
            'I don\'t know the filter "colour:", so I ignored "colour:red". '
            "Filters I know: rating:, focus:, topic:, linked:, org:.",
            italic=True,
        )
    )


def test_empty_search_asks_what_to_look_for(world):
    """An empty request asks for words and records nothing."""
    bank, uows, _ = world
    reply = say(bank, "   ")
    assert reply.plain == (
        "What are you looking for? Type a few words, for example knife crime diversion, "
        "or help for more."
    )
    assert searches(uows) == []


def test_long_search_is_cut_and_says_so(world):
    """A 100 kB search runs on its first 200 characters, records those, and says so."""
    bank, uows, _ = world
    reply = say(bank, "burglary " * 11_000)
    [record] = searches(uows)
    assert len(record.text) <= 200
    assert record.text.startswith("burglary burglary")
    assert reply.blocks[1] == text(
        Span("Your search was long, so only its first 200 characters were used.", italic=True)
    )
    assert "…" in reply.plain.splitlines()[0]
    assert len(reply.plain.splitlines()[0]) < 120


# --- nothing found ------------------------------------------------------------------------------


def test_nothing_found_offers_next_steps(bank):
    """Finding nothing is said, with tips and a pointer to sharing, and no dead button."""
    assert say(bank, "zzqxv") == Reply(
        (text("No practices found for ", "“zzqxv”", "."), TIPS, SHARING, SHARE_BUTTON)
    )


def test_nothing_found_with_filters_offers_to_drop_them(bank):
    """When filters hid every match, a button offers the search without them."""
    reply = say(bank, "jetskis rating:worked")
    assert reply == Reply(
        (
            text("No practices found for ", "“jetskis rating:worked”", "."),
            Buttons((Action("unfiltered:1", "Search without filters (1 practice)"),)),
            TIPS,
            SHARING,
            SHARE_BUTTON,
        )
    )


def test_search_without_filters_runs_the_words_alone(world):
    """The button runs the recorded search's words without its filters, as a new search."""
    bank, uows, _ = world
    say(bank, "jetskis rating:worked")
    reply = click(bank, "unfiltered:1")
    assert reply.plain == "1 practice for “jetskis”."
    assert card_refs(reply) == ["PB055"]
    assert [s.text for s in searches(uows)] == ["jetskis rating:worked", "jetskis"]


def test_nothing_found_with_a_misspelling_offers_dropping_the_filters(bank):
    """A misspelt filtered search finding nothing offers dropping the filters, which finds some.

    "Did you mean" is not offered: the corrected words under the same filter find nothing either.
    """
    reply = say(bank, "burglery rating:didnt_work")
    assert reply.blocks[1] == Buttons(
        (Action("unfiltered:1", "Search without filters (3 practices)"),)
    )


def test_did_you_mean_runs_the_corrected_search(world):
    """The did-you-mean button runs the suggested spelling as a new search by the searcher."""
    bank, uows, _ = world
    say(bank, "dometic violence")
    reply = click(bank, "suggest:1")
    # Alice's rights: public ones only
    assert reply.plain.startswith("7 practices for “domestic violence” (showing 1–5 of 7).")
    assert [(s.actor_key, s.text) for s in searches(uows)] == [
        (ALICE.key, "dometic violence"),
        (ALICE.key, "domestic violence"),
    ]


def test_did_you_mean_for_a_stale_search_is_explained(bank):
    """A did-you-mean or without-filters click for an unknown search gets the stale message."""
    assert click(bank, "suggest:999").plain.startswith("That button no longer works.")
    assert click(bank, "unfiltered:999").plain.startswith("That button no longer works.")


# --- show ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["show PB046", "show pb46", "PB046", "pb46", "details PB-046"])
def test_show_gives_the_full_card(bank, line):
    """`show PB046`, a bare ref however typed, or `details` show the practice in full."""
    assert say(bank, line) == Reply(
        (PracticeCard(DEMO["PB046"], CardDetail.FULL),), share_action="show:PB046"
    )


def test_details_button_gives_the_full_card(bank):
    """The Details button under a result shows that practice in full."""
    assert click(bank, "show:PB017") == Reply(
        (PracticeCard(DEMO["PB017"], CardDetail.FULL),), share_action="show:PB017"
    )


def test_unknown_ref_says_no_such_practice(bank):
    """An unknown ref is named in the answer, with a hint to search by words."""
    assert say(bank, "show PB999") == Reply(
        (
            text(
                "No practice PB999 in the bank. Check the reference, or search by words, "
                "for example ",
                bold("knife crime diversion"),
                ".",
            ),
        )
    )


def test_show_with_something_that_is_not_a_ref(bank):
    """`show` followed by words explains what a ref looks like."""
    assert say(bank, "show knife crime").plain == (
        "“knife crime” is not a practice reference. References look like PB046; "
        "to search by words, just type them."
    )


# --- restricted practices -----------------------------------------------------------------------


def test_restricted_practice_is_found_in_a_police_only_workspace(bank):
    """A police-only workspace sees the restricted practice in results."""
    reply = say(bank, "knife", actor=PC_BOB, place=PC_BOB_PLACE)
    assert "PB900" in card_refs(reply)
    assert reply.plain == "3 practices for “knife”."


def test_restricted_practice_never_reaches_search_elsewhere(bank):
    """Outside police-only workspaces, search neither shows nor counts the restricted practice."""
    reply = say(bank, "covert knife test purchase")
    assert "PB900" not in card_refs(reply)
    assert "PB900" not in button_ids(reply)


def test_restricted_practice_never_reaches_paging_elsewhere(bank):
    """Paging a police officer's search from a public workspace gets the stale-button answer."""
    police = say(bank, "knife", actor=PC_BOB, place=PC_BOB_PLACE)
    assert "PB900" in card_refs(police)
    reply = click(bank, "more:1:0")
    assert card_refs(reply) == []
    assert reply.plain == STALE_SEARCH


@pytest.mark.parametrize("line", ["show PB900", "pb900"])
def test_restricted_practice_reads_as_unknown_when_shown_elsewhere(bank, line):
    """Asking for a restricted ref outside police-only workspaces gets the unknown-ref answer."""
    assert say(bank, line) == Reply(
        (
            text(
                "No practice PB900 in the bank. Check the reference, or search by words, "
                "for example ",
                bold("knife crime diversion"),
                ".",
            ),
        )
    )


def test_restricted_practice_reads_as_unknown_through_a_forged_details_click(bank):
    """A Details click forged for a restricted ref leaks nothing either."""
    assert click(bank, "show:PB900").plain == click(bank, "show:PB999").plain.replace(
        "PB999", "PB900"
    )


def test_restricted_practice_is_shown_in_a_police_only_workspace(bank):
    """A police-only workspace may open the restricted practice."""
    assert click(bank, "show:PB900", actor=PC_BOB, place=PC_BOB_PLACE) == Reply(
        (PracticeCard(RESTRICTED, CardDetail.FULL),), share_action="show:PB900"
    )


# --- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["help", "HELP", "?", "/practice help"])
def test_help_explains_search_filters_show_and_more(bank, line):
    """Help lists what the bot does, with examples of filters and acronyms."""
    assert say(bank, line).plain == (
        "Practice bank: what police forces and partners tried against crime and harm, "
        "and whether it worked.\n"
        "Search: type what you are looking for, e.g. knife crime diversion. Typos and acronyms "
        "are fine: knfe crime, ASB, DV.\n"
        "Filters inside a search: focus:diversion, rating:worked (worked, promising, untested, "
        "didnt_work), topic:violence, linked:tilley, org:sussex. For example burglary "
        "rating:worked focus:prevention.\n"
        "Show a practice: show PB046, or just PB046, or press Details under a result.\n"
        "More: press More results under a list, or type more, for the next page.\n"
        "Share: type share to add your own practice; I ask one question at a time, or type "
        "share form to fill it in as one form; calls lists the open calls for practice."
    )


def test_help_button(bank):
    """The help action id shows the same help."""
    assert click(bank, "help") == say(bank, "help")


# --- index freshness ----------------------------------------------------------------------------


def test_repeated_searches_reuse_the_index(bank):
    """Searching again without changes to the bank does not rebuild the index."""
    say(bank, "knife")
    say(bank, "burglary")
    click(bank, "more:1:0")
    assert bank.search_service.builds == 1


def test_newly_imported_practice_is_searchable_at_once(world):
    """A practice added after a search is found by the very next search."""
    bank, uows, _ = world
    say(bank, "knife")
    with uows() as uow:
        uow.practices.upsert_many(
            [
                Practice(
                    "PB070",
                    "Knife amnesty bins",
                    "Bins for surrendering knives.",
                    Effectiveness.WORKED,
                )
            ]
        )
        uow.commit()
    assert card_refs(say(bank, "knife amnesty"))[0] == "PB070"
    assert (bank.search_service.builds, bank.search_service.applied) == (1, 1)


def test_glossary_entry_added_at_run_time_is_used_at_once(world):
    """A term a moderator adds to the glossary works on the next search, without a rebuild."""
    bank, uows, _ = world
    assert card_refs(say(bank, "plugh")) == []
    with uows() as uow:
        uow.glossary.add(GlossaryEntry("plugh", "catalytic converter", added_by="U-MOD"))
        uow.commit()
    assert card_refs(say(bank, "plugh")) == ["PB046"]
    assert bank.search_service.builds == 1


def test_searcher_property_serves_the_cli(bank):
    """`bank.searcher` gives the CLI the same current index."""
    result = bank.searcher.search("knife", include_restricted=False)
    assert [h.practice.ref for h in result.hits] == ["PB017", "PB058"]


# --- garbage and failures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "",
        "nonsense",
        "more:abc:5",
        "more:1:-1",
        "show:PB046' OR 1=1",
        "mod:approve:S-0042",
        "x" * 100_000,
    ],
)
def test_forged_or_unknown_clicks_are_answered_politely(bank, action):
    """A click id the core did not make gets a clear message, never an error."""
    assert click(bank, action).plain == (
        "That button no longer works. Type what you are looking for, or `help`."
    )


def test_form_submissions_are_not_in_use_yet(bank):
    """A form the core never sent is answered, not crashed on."""
    [reply] = bank.handle(FormSubmit(ALICE, ALICE_PLACE, "share", {"title": "x"}))
    assert reply.plain == "That form is no longer in use. Type `help` to see what I can do."


class _BrokenUnitOfWorkFactory:
    """Storage that is down: every unit of work fails to open."""

    def __call__(self):
        raise ConnectionError("database is down")


def test_unexpected_errors_become_a_polite_reply_and_are_logged(caplog):
    """A failure inside a use case is logged and answered with an apology, never raised."""
    bank = PracticeBank(_BrokenUnitOfWorkFactory(), FixedClock())
    with caplog.at_level(logging.ERROR, logger="bot.core"):
        [reply] = bank.handle(Text(ALICE, ALICE_PLACE, "knife"))
    assert reply.plain == (
        "Something went wrong on my side and I could not finish that. Please try again in a moment."
    )
    assert caplog.records[-1].getMessage() == f"handling Text for {ALICE.key} failed"
    assert caplog.records[-1].exc_info is not None


@pytest.mark.parametrize(
    "line",
    [
        "",
        "\x00\x07\x1b[2J\x1b]0;owned\x07",
        "knife\x1b[31m crime",
        "🔪🔪🔪",
        "👩‍⚕️ knife",
        "جرائم السكاكين",
        "\u202eevil knife",
        "'; DROP TABLE practices; --",
        "knife' OR '1'='1",
        "<!channel> knife",
        "@everyone @here knife",
        "<script>alert(1)</script>",
        "x" * 100_000,
        "show " + "9" * 5000,
        "more:1:5",
    ],
)
def test_hostile_text_never_raises(world, line):
    """Hostile input gets an ordinary reply, and no stored search keeps control characters."""
    bank, uows, _ = world
    [reply] = bank.handle(Text(ALICE, ALICE_PLACE, line))
    assert "Something went wrong" not in reply.plain
    for record in searches(uows):
        assert not any(ord(ch) < 32 for ch in record.text)
        assert len(record.text) <= 200


def test_hostile_text_is_quoted_back_as_plain_text(bank):
    """Mentions and markup are echoed as text for the renderer to escape, not interpreted."""
    reply = say(bank, "<!channel> @everyone knife")
    assert reply.blocks[0].spans[1] == Span(" for “<!channel> @everyone knife”")


# --- a search's buttons are its owner's ----------------------------------------------------------

STALE_SEARCH = "That button no longer works. Search again, for example knife crime diversion."
CAROL = Actor("slack", ALICE.workspace_id, "U-CAROL", "Carol")


@pytest.mark.parametrize("action", ["more:1:0", "more:1:5", "suggest:1", "unfiltered:1"])
def test_a_forged_button_naming_another_workspaces_search_is_stale(world, action):
    """Alice pressing a button with police Bob's search id gets the stale answer, not his words."""
    bank, uows, _ = world
    say(bank, "operation nightjar knfe rating:worked", actor=PC_BOB, place=PC_BOB_PLACE)
    reply = click(bank, action)
    assert reply.plain == STALE_SEARCH
    assert "nightjar" not in repr(reply)
    assert [s.actor_key for s in searches(uows)] == [PC_BOB.key]


@pytest.mark.parametrize(
    "action", ["more:1:0", "more:1:5", "suggest:1", "unfiltered:1", "filter:1:e:worked"]
)
def test_another_persons_search_button_in_the_same_workspace_is_stale(world, action):
    """Carol pressing a button under Alice's search (shared in a channel) gets the stale answer."""
    bank, uows, _ = world
    say(bank, "nightjar knfe crime rating:worked")
    reply = click(bank, action, actor=CAROL)
    assert reply.plain == STALE_SEARCH
    assert "nightjar" not in repr(reply)
    assert len(searches(uows)) == 1


def test_someone_elses_click_does_not_move_where_the_searcher_stopped(world):
    """After Carol's refused More click, Alice's typed `more` still continues from page two."""
    bank, _, _ = world
    say(bank, "crime")
    click(bank, "more:1:5", actor=CAROL)
    assert say(bank, "more").plain.startswith("11 practices for “crime” (showing 6–10 of 11)")


def test_a_search_of_an_empty_bank_says_the_bank_is_empty():
    """With no practice in the bank, a search says so and offers to share the first one."""
    bank = PracticeBank(MemoryUnitOfWorkFactory(), FixedClock())
    [reply] = bank.handle(Text(ALICE, ALICE_PLACE, "burglary"))
    assert reply.plain == (
        "No practices found for “burglary”.\n"
        "The practice bank is empty: nobody has shared a practice yet. Type share to add the "
        "first one."
    )
    assert button_ids(reply) == ["share"]


def test_a_bank_of_restricted_practices_only_is_not_called_empty_to_the_public():
    """A public asker over a bank holding only a restricted practice gets the usual answer:
    "empty" would tell them something exists that they may not see, or mislead them."""
    uows = MemoryUnitOfWorkFactory()
    with uows() as uow:
        uow.practices.upsert_many([RESTRICTED])
        uow.commit()
    [reply] = PracticeBank(uows, FixedClock()).handle(Text(ALICE, ALICE_PLACE, "burglary"))
    assert reply.plain.startswith("No practices found for “burglary”.\nTry fewer or other words")
    assert "empty" not in reply.plain
