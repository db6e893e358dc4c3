"""Reading what a person typed: verbs, loose refs, slash commands, else a search."""

from __future__ import annotations

import pytest

from bot.commands.reading import (
    HELP,
    SEARCH,
    SHOW,
    Request,
    normalise_ref,
    read_request,
    request_for_command,
)


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ("PB046", "PB046"),
        ("pb46", "PB046"),
        ("Pb-46", "PB046"),
        ("pb 0046", "PB046"),
        ("PB1234", "PB1234"),
        (" pb7 ", "PB007"),
    ],
)
def test_loose_refs_normalise(raw, ref):
    """Refs typed loosely become the canonical PBnnn form."""
    assert normalise_ref(raw) == ref


@pytest.mark.parametrize("raw", ["", "PB", "pbx", "46", "PB046 PB047", "PB٠٤٦", "PB046;DROP TABLE"])
def test_non_refs_are_not_refs(raw):
    """Anything that is not a single ref is rejected."""
    assert normalise_ref(raw) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("knife crime", Request(SEARCH, "knife crime")),
        ("search knife crime", Request(SEARCH, "knife crime")),
        ("Find  ASB", Request(SEARCH, "ASB")),
        ("show PB046", Request(SHOW, "PB046")),
        ("SHOW pb46", Request(SHOW, "pb46")),
        ("pb46", Request(SHOW, "pb46")),
        ("help", Request(HELP, "")),
        ("?", Request(HELP, "")),
        ("/practice knife crime", Request(SEARCH, "knife crime")),
        ("/practice show PB046", Request(SHOW, "PB046")),
        ("/practice", Request(SEARCH, "")),
        ("/help", Request(HELP, "")),
        ("/burglary tips", Request(SEARCH, "burglary tips")),
        ("", Request(SEARCH, "")),
        ("   \t ", Request(SEARCH, "")),
        ("knife\x1b[31m crime\x00", Request(SEARCH, "knife [31m crime")),
        ("🔪 crime", Request(SEARCH, "🔪 crime")),
        ("جرائم السكاكين", Request(SEARCH, "جرائم السكاكين")),
        ("'; DROP TABLE practices; --", Request(SEARCH, "'; DROP TABLE practices; --")),
        ("<!channel> @everyone", Request(SEARCH, "<!channel> @everyone")),
    ],
)
def test_read_request(line, expected):
    """A line becomes the verb it starts with, a show for a bare ref, or else a search."""
    assert read_request(line) == expected


def test_command_named_after_a_verb_uses_its_text():
    """A command whose name is a verb (a `/show`-style command) applies it to its text."""
    assert request_for_command("show", "pb46") == Request(SHOW, "pb46")


def test_command_named_after_the_bot_reads_its_text():
    """A `/practice` command reads its text like a typed line."""
    assert request_for_command("/practice", "help") == Request(HELP, "")
    assert request_for_command("practice", "knife crime") == Request(SEARCH, "knife crime")


def test_very_long_line_is_read_without_error():
    """A 100 kB line is read as a search (the core cuts it down later)."""
    request = read_request("burglary " * 11_000)
    assert request.verb == SEARCH
    assert request.text.startswith("burglary burglary")
