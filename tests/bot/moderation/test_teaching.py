"""Moderators teach search from chat: `glossary add TERM = MEANING` and the *Teach search* form."""

from __future__ import annotations

import pytest

from bot.core import PracticeBank
from bot.kernel.events import Click, FormSubmit, Text
from bot.kernel.ports import GlossaryEntry, WorkspaceSettings
from bot.kernel.replies import Form, Reply
from tests.bot.moderation.helpers import EVE, MOIRA, NOW, PLACE, make_world, say
from tests.conftest import FixedClock
from tests.support.bank import ALICE, fill_bank


def _form(reply: Reply) -> Form:
    (form,) = [b for b in reply.blocks if isinstance(b, Form)]
    return form


def _titles(reply: Reply) -> list[str]:
    return [
        card.practice.title for card in getattr(reply, "blocks", ()) if hasattr(card, "practice")
    ]


def test_a_moderator_teaches_search_a_term_by_typing_it():
    """`glossary add zzqx = burglary` answers what search now reads, and zzqx finds burglaries."""
    world = make_world()
    assert not _titles(say(world, ALICE, "zzqx"))

    reply = say(world, MOIRA, "glossary add ZZQX = burglary")

    assert reply.plain == (
        "Search now reads zzqx as also meaning “burglary”, in every workspace, "
        "from the next search."
    )
    assert _titles(say(world, ALICE, "zzqx")) == _titles(say(world, ALICE, "burglary"))


def test_a_taught_term_is_recorded_with_who_and_when():
    """The stored entry names the moderator's actor key and the time; `glossary` shows both."""
    world = make_world()
    say(world, MOIRA, "glossary add ocg = organised crime group")
    with world.uows() as uow:
        assert uow.glossary.list_all() == [
            GlossaryEntry("ocg", "organised crime group", MOIRA.key, NOW)
        ]
    listing = say(world, MOIRA, "glossary").plain.splitlines()
    assert listing[:2] == [
        "Terms taught to search (1):",
        "ocg = organised crime group (taught by U-MOIRA on 1 Mar 2025)",
    ]


def test_teaching_a_term_again_says_what_it_replaced():
    """Re-teaching a term replaces it, and the reply quotes the old meaning and who taught it."""
    world = make_world()
    say(world, MOIRA, "glossary add ocg = organised crime")
    reply = say(world, MOIRA, "glossary add OCG = organised crime group")
    assert reply.plain.splitlines()[1] == (
        "It replaces “organised crime” (taught by U-MOIRA on 1 Mar 2025)."
    )


def test_only_moderators_may_teach_search():
    """Eve's `glossary add` is refused politely and nothing is stored."""
    world = make_world()
    reply = say(world, EVE, "glossary add ocg = organised crime group")
    assert reply.plain.startswith("Only this workspace's practice bank moderators can do that.")
    with world.uows() as uow:
        assert uow.glossary.list_all() == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("glossary add ocg", "To teach search a word: `glossary add TERM = MEANING`"),
        ("glossary add = burglary", "Nothing was added. A glossary term needs 1–60 characters"),
        ("glossary add ocg =", "Nothing was added. A glossary term needs 1–60 characters"),
        ("glossary add " + "t" * 61 + " = x", "Nothing was added. A glossary term needs 1–60"),
        ("glossary add ocg = " + "m" * 201, "Nothing was added. A glossary term needs 1–60"),
        ("glossary add ?! = burglary", "Nothing was added. A glossary term needs 1–60"),
        ("glossary add ocg = ; ;", "Nothing was added. A glossary term needs 1–60"),
    ],
)
def test_a_malformed_term_is_refused_with_the_rules(line, problem):
    """Empty, enormous, symbol-only or escape-laden input gets the rules, and nothing is stored."""
    world = make_world()
    reply = say(world, MOIRA, line)
    assert reply.plain.startswith(problem)
    with world.uows() as uow:
        assert uow.glossary.list_all() == []


def test_a_form_term_with_a_terminal_escape_is_refused():
    """An escape sequence sent in the form (not cleaned like typed text) is refused."""
    world = make_world()
    [reply] = world.bank.handle(
        FormSubmit(MOIRA, PLACE, "glossary:add", {"term": "o\x1b[2Jcg", "meaning": "x"})
    )
    assert reply.plain.startswith("Nothing was added. A glossary term and its meaning must be")
    with world.uows() as uow:
        assert uow.glossary.list_all() == []


def test_unicode_and_markup_terms_are_taught_as_typed():
    """A term in another script with markup in its meaning is stored as typed (lower-cased)."""
    world = make_world()
    say(world, MOIRA, "glossary add Ωμέγα = <@U123> @everyone burglary")
    with world.uows() as uow:
        (entry,) = uow.glossary.list_all()
    assert (entry.term, entry.expansion) == ("ωμέγα", "<@U123> @everyone burglary")


def test_glossary_followed_by_other_words_is_a_search():
    """`glossary of terms` is searched, not read as a command."""
    world = make_world()
    reply = say(world, ALICE, "glossary of terms")
    assert "glossary of terms" in reply.plain


def test_the_teach_search_button_opens_a_form_with_the_gap_prefilled():
    """*Teach search* on a gap opens a form whose term is the gap's words, filters left out."""
    world = make_world()
    say(world, ALICE, "Zzqx Widgets rating:worked")
    with world.uows() as uow:
        (gap,) = uow.searches.zero_result_texts(ALICE.workspace)
    [reply] = world.bank.handle(Click(MOIRA, PLACE, f"glossary:teach:{gap.search_id}"))
    form = _form(reply)
    assert form.id == "glossary:add"
    assert [(f.name, f.default, f.max_length) for f in form.fields] == [
        ("term", "zzqx widgets", 60),
        ("meaning", "", 200),
    ]


def test_sending_the_teach_form_teaches_search_and_clears_the_gap_from_stats():
    """The form's term and meaning are stored, and the gap leaves `stats` until searched again."""
    world = make_world()
    say(world, ALICE, "zzqx")
    [reply] = world.bank.handle(
        FormSubmit(MOIRA, PLACE, "glossary:add", {"term": "zzqx", "meaning": "burglary"})
    )
    assert reply.plain.startswith("Search now reads zzqx as also meaning “burglary”")
    assert say(world, MOIRA, "stats").plain.splitlines()[-1] == (
        "Every search found an exact match so far."
    )


def test_a_non_moderator_pressing_teach_search_is_refused():
    """Eve clicking a forwarded *Teach search* button sees no form."""
    world = make_world()
    say(world, ALICE, "zzqx")
    with world.uows() as uow:
        (gap,) = uow.searches.zero_result_texts(ALICE.workspace)
    [reply] = world.bank.handle(Click(EVE, PLACE, f"glossary:teach:{gap.search_id}"))
    assert reply.plain.startswith("Only this workspace's practice bank moderators can do that.")
    assert not [b for b in reply.blocks if isinstance(b, Form)]


def test_a_teach_search_button_for_an_unknown_search_says_so():
    """A stale or forged gap id gets a plain answer and the typed way to teach."""
    world = make_world()
    [reply] = world.bank.handle(Click(MOIRA, PLACE, "glossary:teach:999"))
    assert reply.plain.startswith("That search is no longer recorded here. To teach search a word")


def test_a_term_taught_in_one_worker_is_searched_with_in_another_at_once(any_uow_factory):
    """Two cores over one store: Moira teaches in one, Alice's next search in the other uses it."""
    clock = FixedClock(NOW)
    fill_bank(any_uow_factory, restricted=False)
    with any_uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("slack", "T-PUBLIC", moderator_ids=("U-MOIRA",)))
        uow.commit()
    first, second = PracticeBank(any_uow_factory, clock), PracticeBank(any_uow_factory, clock)
    [before] = second.handle(Text(ALICE, PLACE, "zzqx"))
    first.handle(Text(MOIRA, PLACE, "glossary add zzqx = burglary"))
    [after] = second.handle(Text(ALICE, PLACE, "zzqx"))
    assert before.plain.startswith("No practices found for “zzqx”.")
    assert _titles(after) and _titles(after) == _titles(
        second.handle(Text(ALICE, PLACE, "burglary"))[0]
    )
