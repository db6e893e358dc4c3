"""Tokenising and the glossary: the words the search compares and the terms it expands."""

from __future__ import annotations

from bot.kernel.ports import GlossaryEntry
from bot.search.glossary import Glossary, load_shipped_entries, load_shipped_glossary
from bot.search.tokenise import fold, index_terms, query_words, stem


def test_fold_strips_accents_and_case():
    """ "Café" and "cafe" are the same word."""
    assert fold("Café ÉCOLE") == "cafe ecole"


def test_stem_merges_plurals_and_verb_endings():
    """Plural and -ing forms meet their base word."""
    assert stem("burglaries") == stem("burglary")
    assert stem("converters") == stem("converter")
    assert stem("stabbing") == "stab"
    assert stem("knives") == stem("knife")
    assert stem("victimisation") == stem("victimised") == stem("victimization")


def test_hyphenated_compound_is_indexed_joined_and_split():
    """ "anti-social" is found by "antisocial" and by "anti social"."""
    assert index_terms("anti-social behaviour") == ["antisocial", "anti", "social", "behaviour"]


def test_query_words_drop_stopwords_and_join_ampersands():
    """A&E stays one word; "of the" does not count."""
    assert [w.surface for w in query_words("theft of the A&E bikes")] == ["theft", "ae", "bikes"]


def test_shipped_glossary_knows_policing_acronyms():
    """The shipped file expands ASB, VAWG and RASSO."""
    glossary = load_shipped_glossary()
    assert glossary.expansions("asb") == ("anti-social behaviour",)
    assert glossary.expansions("VAWG") == ("violence against women and girls",)
    assert glossary.expansions("Rasso")[0] == "rape and serious sexual offences"


def test_shipped_entries_are_all_non_empty():
    """Every shipped entry has a term and an expansion."""
    entries = load_shipped_entries()
    assert len(entries) >= 40
    assert all(e.term.strip() and e.expansion.strip() for e in entries)


def test_stored_entry_replaces_the_shipped_one():
    """A moderator's entry wins over ours for the same term."""
    glossary = load_shipped_glossary().merged([GlossaryEntry("ASB", "nuisance", added_by="mod")])
    assert glossary.expansions("asb") == ("nuisance",)


def test_stored_entry_adds_a_new_term():
    """A moderator can teach the search a new word."""
    glossary = Glossary([GlossaryEntry("PWC", "personal watercraft; jetski")])
    assert glossary.expansions("pwc") == ("personal watercraft", "jetski")
    assert len(glossary) == 1


def test_unknown_term_has_no_expansion():
    """An unknown term expands to nothing."""
    assert load_shipped_glossary().expansions("zzzz") == ()
