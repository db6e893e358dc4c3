"""`practicebank glossary add/list`: terms taught at run time, used by the next search."""

from __future__ import annotations

import json

import pytest

from bot.search.glossary import load_shipped_glossary
from tests.practicebank.conftest import DEMO_BANK, Cli, database_line

# The same words as chat's `glossary add`: both read an entry with the core's one check.
USAGE = (
    "practicebank: A glossary term needs 1–60 characters and a meaning of 1–200, as plain text "
    "with at least one letter or digit; separate alternative meanings with `;`.\n"
)
PLAIN = (
    "practicebank: A glossary term and its meaning must be plain text, "
    "without control characters.\n"
)


def _refs(cli: Cli, *words: str) -> list[str]:
    run = cli("search", *words, "--json", "--limit", "50")
    assert run.code in (0, 1), run.err
    return [row["ref"] for row in json.loads(run.out)]


def test_glossary_add_then_list_shows_the_term(cli: Cli, bank_url: str) -> None:
    """An added term is listed with its expansion and who added it."""
    run = cli("glossary", "add", "blue light", "emergency response")
    assert run.code == 0
    assert run.err == (
        database_line(bank_url)
        + "Search now reads “blue light” as also meaning “emergency response”.\n"
    )
    listed = cli("glossary", "list")
    assert listed.code == 0
    assert listed.out.splitlines()[0] == "blue light\temergency response\t(cli)"


def test_glossary_list_includes_the_shipped_terms_marked_shipped(cli: Cli) -> None:
    """On a new bank every shipped term is listed, each marked `(shipped)`."""
    run = cli("glossary", "list")
    lines = run.out.splitlines()
    assert run.code == 0
    assert len(lines) == len(load_shipped_glossary())
    assert all(line.endswith("\t(shipped)") for line in lines)
    assert "asb\tanti-social behaviour" in run.out.lower()


def test_a_taught_term_replacing_a_shipped_one_is_listed_once_as_taught(cli: Cli) -> None:
    """Teaching `asb` lists it first with `(cli)` and no longer among the shipped terms."""
    assert cli("glossary", "add", "ASB", "nuisance").code == 0
    lines = cli("glossary", "list").out.splitlines()
    assert lines[0] == "asb\tnuisance\t(cli)"
    assert [line for line in lines if line.lower().startswith("asb\t")] == [lines[0]]


def test_glossary_term_is_normalised_and_replaced(cli: Cli) -> None:
    """Terms are lower-cased with spaces collapsed; adding one again replaces its expansion."""
    assert cli("glossary", "add", "  Blue   LIGHT ", "emergency  response").code == 0
    assert cli("glossary", "add", "blue light", "999 call").code == 0
    assert cli("glossary", "list").out.splitlines()[0] == "blue light\t999 call\t(cli)"


def test_search_uses_a_new_glossary_term(cli: Cli) -> None:
    """After `blue light` = `emergency response`, searching it finds the rapid video response."""
    assert cli("import", str(DEMO_BANK)).code == 0
    assert "PB045" not in _refs(cli, "blue", "light")
    assert cli("glossary", "add", "blue light", "emergency response").code == 0
    assert _refs(cli, "blue", "light")[0] == "PB045"


def test_search_for_an_unknown_word_finds_its_new_expansion(cli: Cli) -> None:
    """A made-up word finds nothing until the glossary says it means catalytic converters."""
    assert cli("import", str(DEMO_BANK)).code == 0
    assert cli("search", "zorbleflux").code == 1
    assert cli("glossary", "add", "zorbleflux", "catalytic converters").code == 0
    assert _refs(cli, "zorbleflux")[0] == "PB046"


@pytest.mark.parametrize(
    ("term", "expansion"),
    [
        ("", "emergency response"),
        ("   ", "emergency response"),
        ("blue light", ""),
        ("blue light", " \t "),
        ("x" * 61, "emergency response"),
        ("blue light", "y" * 201),
        ("x" * 100_000, "emergency response"),
        ("🚔", "police car"),
    ],
)
def test_glossary_add_refuses_empty_or_too_long(cli: Cli, term: str, expansion: str) -> None:
    """Empty, over-long or wordless terms and meanings exit 2 with the chat's rule and store
    nothing."""
    run = cli("glossary", "add", term, expansion)
    assert run.code == 2
    assert run.err == USAGE
    assert "(cli)" not in cli("glossary", "list").out


@pytest.mark.parametrize(
    ("term", "expansion"),
    [("evil\x1b[31m", "red"), ("bell", "ring\x07"), ("nul\x00", "x"), ("csi", "a\x9bb")],
)
def test_glossary_add_refuses_control_characters(cli: Cli, term: str, expansion: str) -> None:
    """Control characters exit 2: `glossary list` must never print escape sequences."""
    run = cli("glossary", "add", term, expansion)
    assert run.code == 2
    assert run.err == PLAIN
    assert "(cli)" not in cli("glossary", "list").out


def test_glossary_keeps_emoji_rtl_sql_and_mentions_as_text(cli: Cli) -> None:
    """Emoji, right-to-left, SQL and mention text are stored and listed verbatim."""
    entries = [
        ("🚔 car", "police car"),
        ("شرطة", "police"),
        ("'; drop table glossary; --", "<!channel> @everyone <@U123>"),
    ]
    for term, expansion in entries:
        assert cli("glossary", "add", term, expansion).code == 0
    listed = [line for line in cli("glossary", "list").out.splitlines() if "(shipped)" not in line]
    assert sorted(listed) == sorted(f"{term}\t{expansion}\t(cli)" for term, expansion in entries)
