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


# --- shipped terms, removal and the audit trail ---------------------------------------------------


def test_teaching_a_shipped_term_warns_and_quotes_the_shipped_meaning():
    """`glossary add ASB = …` says it replaces what search ships for ASB, and how to undo it."""
    world = make_world()
    reply = say(world, MOIRA, "glossary add ASB = zzqx widgets")
    assert reply.plain.splitlines() == [
        "Search now reads asb as also meaning “zzqx widgets”, in every workspace, "
        "from the next search.",
        "Note: asb is a term search ships with, meaning “anti-social behaviour”; this replaces "
        "that meaning. To go back to it, type glossary remove asb.",
    ]


def test_teaching_a_new_term_gives_no_shipped_warning():
    """A term search does not ship with is taught without a note."""
    world = make_world()
    assert "Note" not in say(world, MOIRA, "glossary add zzqx = burglary").plain


def test_a_moderator_removes_a_taught_term_and_search_stops_using_it():
    """`glossary remove zzqx` says what was removed and who had taught it; zzqx finds nothing."""
    world = make_world()
    say(world, MOIRA, "glossary add zzqx = burglary")
    assert _titles(say(world, ALICE, "zzqx"))

    reply = say(world, MOIRA, "glossary remove  ZZQX ")

    assert reply.plain == (
        "Search no longer reads zzqx as “burglary” (taught by U-MOIRA on 1 Mar 2025), "
        "in every workspace, from the next search."
    )
    assert not _titles(say(world, ALICE, "zzqx"))
    with world.uows() as uow:
        assert uow.glossary.list_all() == []


def test_removing_a_taught_shipped_term_brings_the_shipped_meaning_back():
    """After `glossary remove asb`, ASB finds the anti-social behaviour practices again."""
    world = make_world()
    shipped = _titles(say(world, ALICE, "asb"))
    say(world, MOIRA, "glossary add asb = zzqx widgets")
    assert _titles(say(world, ALICE, "asb")) != shipped

    reply = say(world, MOIRA, "glossary remove asb")

    assert reply.plain.splitlines()[1] == (
        "It has its shipped meaning again: “anti-social behaviour”."
    )
    assert shipped and _titles(say(world, ALICE, "asb")) == shipped


def test_a_shipped_term_never_taught_cannot_be_removed():
    """Removing ASB when nobody taught it explains it is shipped, and changes nothing."""
    world = make_world()
    reply = say(world, MOIRA, "glossary remove ASB")
    assert reply.plain == (
        "asb is a term search ships with (“anti-social behaviour”), not one taught here, so it "
        "cannot be removed; teach it another meaning with glossary add asb = … instead."
    )
    with world.uows() as uow:
        assert uow.glossary.changes() == []


def test_removing_an_unknown_term_says_nothing_was_removed():
    """A term nobody taught gets a plain answer."""
    world = make_world()
    assert say(world, MOIRA, "glossary remove zzqx").plain.startswith(
        "No taught term zzqx: nothing was removed."
    )


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "z" * 61,
        "zz\x1b[2Jqx",
        "zzqx\u202e",
        "***",
        "<!everyone>",
        "@everyone",
        "zz\u200bqx",
        "'; DROP TABLE glossary_terms; --",
    ],
)
def test_hostile_terms_to_remove_remove_nothing(typed):
    """Empty, enormous, control, bidi, markup, mention and zero-width terms remove nothing."""
    world = make_world()
    say(world, MOIRA, "glossary add zzqx = burglary")
    reply = say(world, MOIRA, f"glossary remove {typed}")
    assert reply.plain.startswith(("Nothing was removed.", "No taught term "))
    with world.uows() as uow:
        assert [e.term for e in uow.glossary.list_all()] == ["zzqx"]


def test_only_moderators_may_remove_a_term_or_read_the_history():
    """Eve is refused, and the term stays."""
    world = make_world()
    say(world, MOIRA, "glossary add zzqx = burglary")
    for line in ("glossary remove zzqx", "glossary history", "glossary history zzqx"):
        assert say(world, EVE, line).plain.startswith("Only this workspace's practice bank")
    with world.uows() as uow:
        assert [e.term for e in uow.glossary.list_all()] == ["zzqx"]
        assert len(uow.glossary.changes()) == 1


def test_re_teaching_keeps_the_earlier_meaning_in_the_history():
    """`glossary history ocg` lists every meaning taught and the removal, newest first."""
    world = make_world()
    say(world, MOIRA, "glossary add ocg = organised crime")
    say(world, MOIRA, "glossary add OCG = organised crime group")
    say(world, MOIRA, "glossary add zzqx = burglary")
    say(world, MOIRA, "glossary remove ocg")
    assert say(world, MOIRA, "glossary history OCG").plain.splitlines() == [
        "Glossary changes of ocg, newest first:",
        "ocg removed “organised crime group” by U-MOIRA on 1 Mar 2025",
        "ocg taught “organised crime group” by U-MOIRA on 1 Mar 2025",
        "ocg taught “organised crime” by U-MOIRA on 1 Mar 2025",
    ]
    assert len(say(world, MOIRA, "glossary history").plain.splitlines()) == 5


def test_history_with_no_changes_says_so():
    """Before anything is taught the history is empty, and says how to teach."""
    world = make_world()
    assert say(world, MOIRA, "glossary history").plain.startswith(
        "No changes to the taught glossary yet."
    )


def test_a_term_removed_in_one_worker_is_not_searched_with_in_another(any_uow_factory):
    """Two cores over one store: Moira removes in one, Alice's next search in the other drops it."""
    clock = FixedClock(NOW)
    fill_bank(any_uow_factory, restricted=False)
    with any_uow_factory() as uow:
        uow.workspaces.save(WorkspaceSettings("slack", "T-PUBLIC", moderator_ids=("U-MOIRA",)))
        uow.commit()
    first, second = PracticeBank(any_uow_factory, clock), PracticeBank(any_uow_factory, clock)
    first.handle(Text(MOIRA, PLACE, "glossary add zzqx = burglary"))
    [before] = second.handle(Text(ALICE, PLACE, "zzqx"))
    first.handle(Text(MOIRA, PLACE, "glossary remove zzqx"))
    [after] = second.handle(Text(ALICE, PLACE, "zzqx"))
    assert _titles(before)
    assert after.plain.startswith("No practices found for “zzqx”.")
