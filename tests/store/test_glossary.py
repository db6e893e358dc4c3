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
