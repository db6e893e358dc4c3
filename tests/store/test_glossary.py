"""Glossary repository: moderators' run-time terms, replaced by term ignoring case."""

from __future__ import annotations

import pytest

from bot.kernel.ports import GlossaryEntry
from tests.conftest import STORE_NOW


def test_added_entries_are_listed_by_term(uow_factory):
    """Entries come back as stored, ordered by term."""
    with uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("VAWG", "violence against women and girls", "U123"))
        uow.glossary.add(GlossaryEntry("ASB", "anti-social behaviour", "U456"))
        uow.commit()

    with uow_factory() as uow:
        entries = uow.glossary.list_all()

    assert entries == [
        GlossaryEntry("ASB", "anti-social behaviour", "U456", STORE_NOW),
        GlossaryEntry("VAWG", "violence against women and girls", "U123", STORE_NOW),
    ]


def test_adding_a_term_again_replaces_it(uow_factory):
    """A term added twice (any case) keeps one entry with the latest expansion."""
    with uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("ASB", "antisocial", "U1"))
        uow.commit()
    with uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("asb", "anti-social behaviour", "U2"))
        uow.commit()

    with uow_factory() as uow:
        assert uow.glossary.list_all() == [
            GlossaryEntry("asb", "anti-social behaviour", "U2", STORE_NOW)
        ]


def test_hostile_expansion_round_trips(uow_factory):
    """RTL, emoji, SQL and markup text in a glossary entry comes back as written."""
    expansion = "'; DROP TABLE glossary_terms; -- <@U123> @everyone مرحبا 🔪" + "z" * 100_000
    with uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("Ω🙂", expansion, "U1"))
        uow.commit()

    with uow_factory() as uow:
        assert uow.glossary.list_all() == [GlossaryEntry("Ω🙂", expansion, "U1", STORE_NOW)]


@pytest.mark.parametrize("term", ["", "t" * 256])
def test_empty_or_overlong_term_is_refused(uow_factory, term):
    """A term must be 1-255 characters on every backend."""
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.glossary.add(GlossaryEntry(term, "expansion"))


def test_a_taught_term_moves_the_bank_version_every_worker_watches(any_uow_factory):
    """Adding or replacing a term changes `bank_version`, so every worker's index refreshes."""
    with any_uow_factory() as uow:
        before = uow.practices.bank_version()
        uow.glossary.add(GlossaryEntry("ocg", "organised crime group", "console:local:mo"))
        uow.commit()
    with any_uow_factory() as uow:
        after_add = uow.practices.bank_version()
        uow.glossary.add(GlossaryEntry("OCG", "organised crime groups", "console:local:mo"))
        uow.commit()
    with any_uow_factory() as uow:
        after_replace = uow.practices.bank_version()

    assert len({before, after_add, after_replace}) == 3


def test_removing_a_term_deletes_it_ignoring_case_and_returns_it(any_uow_factory):
    """`remove` takes the entry whose term matches in any case, and hands it back."""
    with any_uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("ocg", "organised crime group", "slack:T1:U1"))
        uow.glossary.add(GlossaryEntry("asb", "anti-social behaviour", "slack:T1:U1"))
        uow.commit()
    with any_uow_factory() as uow:
        removed = uow.glossary.remove("OCG", "slack:T1:U2")
        uow.commit()
    with any_uow_factory() as uow:
        assert removed == GlossaryEntry("ocg", "organised crime group", "slack:T1:U1", STORE_NOW)
        assert [e.term for e in uow.glossary.list_all()] == ["asb"]


def test_removing_an_unknown_term_changes_nothing(any_uow_factory):
    """No entry, no change: nothing is returned, recorded or versioned."""
    with any_uow_factory() as uow:
        before = uow.practices.bank_version()
        assert uow.glossary.remove("zzqx", "slack:T1:U2") is None
        assert uow.glossary.remove("'; DROP TABLE glossary_terms; --", "slack:T1:U2") is None
        uow.commit()
    with any_uow_factory() as uow:
        assert uow.practices.bank_version() == before
        assert uow.glossary.changes() == []


def test_a_removed_term_moves_the_bank_version_every_worker_watches(any_uow_factory):
    """Removing a term changes `bank_version`, so every worker's index drops it."""
    with any_uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("ocg", "organised crime group", "console:local:mo"))
        uow.commit()
    with any_uow_factory() as uow:
        before = uow.practices.bank_version()
        uow.glossary.remove("ocg", "console:local:mo")
        uow.commit()
    with any_uow_factory() as uow:
        assert uow.practices.bank_version() != before


def test_every_teach_and_removal_is_kept_in_the_audit_trail(any_uow_factory):
    """Re-teaching keeps the earlier meaning readable; the trail is newest first, per term."""
    with any_uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("ocg", "organised crime", "slack:T1:U1"))
        uow.glossary.add(GlossaryEntry("asb", "anti-social behaviour", "slack:T1:U1"))
        uow.commit()
    with any_uow_factory() as uow:
        uow.glossary.add(GlossaryEntry("OCG", "organised crime group", "slack:T1:U2"))
        uow.glossary.remove("ocg", "slack:T1:U3")
        uow.commit()
    with any_uow_factory() as uow:
        trail = [(c.term, c.kind.value, c.expansion, c.by) for c in uow.glossary.changes("OcG")]
        everything = uow.glossary.changes()
        latest = uow.glossary.changes(limit=1)
    assert trail == [
        ("OCG", "removed", "organised crime group", "slack:T1:U3"),
        ("OCG", "taught", "organised crime group", "slack:T1:U2"),
        ("ocg", "taught", "organised crime", "slack:T1:U1"),
    ]
    assert len(everything) == 4 and all(c.at == STORE_NOW for c in everything)
    assert [c.kind.value for c in latest] == ["removed"]
