"""`practicebank search`: ranked text and JSON output, filters, exit codes and hostile queries."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from tests.practicebank.conftest import (
    DEMO_BANK,
    DEMO_COUNT,
    RESTRICTED_RECORD,
    Cli,
    count_practices,
    write_bank,
)

TEXT_ROW = re.compile(r"^ *\d+\. (PB\d+)  ", re.MULTILINE)
COUNT_LINE = re.compile(
    r"^\d+ practices? match(es)?(\.|; showing the first \d+ — use --limit to see more\.)$"
)
FOCUS_VALUES = "prevention, diversion, reoffending, organisational, location"


@pytest.fixture(autouse=True)
def demo_bank(cli: Cli) -> None:
    """Every search here runs on the demo bank."""
    assert cli("import", str(DEMO_BANK)).code == 0


def _json_rows(cli: Cli, *argv: str) -> list[dict[str, Any]]:
    run = cli("search", *argv, "--json")
    assert run.code == 0, run.err
    rows = json.loads(run.out)
    assert isinstance(rows, list)
    return rows


def test_search_json_ranks_catalytic_converters_first_despite_typos(cli: Cli) -> None:
    """`catalitic convertor --json`: PB046 first, rows with the documented keys, best first."""
    rows = _json_rows(cli, "catalitic", "convertor")
    assert rows[0]["ref"] == "PB046"
    assert rows[0]["title"] == "Reducing theft of catalytic converters"
    assert rows[0]["effectiveness"] == "promising"
    assert rows[0]["focus"] == ["prevention"]
    for row in rows:
        assert set(row) == {
            "ref",
            "title",
            "effectiveness",
            "focus",
            "organisation",
            "summary",
            "match",
            "score",
        }
        assert isinstance(row["score"], float)
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)


def test_search_text_lists_numbered_rows(cli: Cli) -> None:
    """Plain output: a count line, then `N. REF  title  [rating; focus]` rows."""
    run = cli("search", "catalitic", "convertor")
    assert run.code == 0
    assert run.out.splitlines()[1] == (
        "  1. PB046  Reducing theft of catalytic converters  [Promising; Prevention]"
    )
    assert re.match(COUNT_LINE, run.out.splitlines()[0])


def test_search_naming_a_ref_puts_it_first_and_counts_in_the_singular(cli: Cli) -> None:
    """`what about PB046` pins that practice; one match reads `1 practice matches.`."""
    run = cli("search", "what", "about", "PB046")
    assert run.code == 0
    assert run.out.splitlines() == [
        "1 practice matches.",
        "  1. PB046  Reducing theft of catalytic converters  [Promising; Prevention]",
    ]


def test_search_focus_flag_filters(cli: Cli) -> None:
    """`--focus diversion` keeps only diversion practices."""
    rows = _json_rows(cli, "knife", "crime", "--focus", "diversion")
    assert rows
    assert rows[0]["ref"] == "PB017"
    assert all("diversion" in row["focus"] for row in rows)


def test_search_effectiveness_flag_filters(cli: Cli) -> None:
    """`--effectiveness promising` keeps only promising practices, even with no words."""
    rows = _json_rows(cli, "--effectiveness", "promising", "--limit", "50")
    assert len(rows) > 1
    assert {row["effectiveness"] for row in rows} == {"promising"}


def test_search_rating_alias_takes_friendly_values(cli: Cli) -> None:
    """`--rating "new or innovative"` means the untested rating."""
    rows = _json_rows(cli, "--rating", "New or innovative", "--limit", "50")
    assert len(rows) > 1
    assert {row["effectiveness"] for row in rows} == {"untested"}


def test_search_inline_filter_matches_the_flag(cli: Cli) -> None:
    """`knife crime focus:diversion` gives the same rows as `--focus diversion`."""
    inline = _json_rows(cli, "knife", "crime", "focus:diversion")
    flagged = _json_rows(cli, "knife", "crime", "--focus", "diversion")
    assert inline == flagged


def test_search_limit_caps_the_rows(cli: Cli) -> None:
    """`--limit 1` prints one row, while the count still says how many match."""
    run = cli("search", "knife", "crime", "--limit", "1")
    assert run.code == 0
    assert len(TEXT_ROW.findall(run.out)) == 1
    total = int(run.out.split(" ", 1)[0])
    assert total > 1
    assert len(_json_rows(cli, "knife", "crime", "--limit", "1")) == 1


@pytest.mark.parametrize("limit", ["0", "51", "-3"])
def test_search_limit_out_of_range_is_a_usage_error(cli: Cli, limit: str) -> None:
    """A limit outside 1–50 exits 2."""
    run = cli("search", "knife", "--limit", limit)
    assert run.code == 2
    assert run.err == "practicebank: --limit must be between 1 and 50\n"


def test_search_with_no_match_exits_1(cli: Cli) -> None:
    """Nothing found: exit 1 (like grep) and a plain sentence."""
    run = cli("search", "zqxjvwk")
    assert run.code == 1
    assert run.out.splitlines()[0] == "No practice matches."


def test_search_with_no_match_as_json_is_an_empty_list(cli: Cli) -> None:
    """`--json` with nothing found prints [] and exits 1."""
    run = cli("search", "zqxjvwk", "--json")
    assert run.code == 1
    assert json.loads(run.out) == []


@pytest.mark.parametrize("query", [[], [""], ["   "], ["\u200b"], ["\u2060", "\ufeff"]])
def test_search_without_words_or_filters_is_a_usage_error(cli: Cli, query: list[str]) -> None:
    """An empty query exits 2 with an example."""
    run = cli("search", *query)
    assert run.code == 2
    assert run.out == ""
    assert run.err == "practicebank: say what to search for, e.g. practicebank search knife crime\n"


def test_search_100_kb_query_is_a_usage_error(cli: Cli) -> None:
    """A 100 kB query exits 2 and gives its length, not its text."""
    run = cli("search", "knife " * 20_000)
    assert run.code == 2
    assert run.err == ("practicebank: the query is 120,000 characters long; keep it under 1,000\n")


@pytest.mark.parametrize("query", ["knife\x1b[31m crime", "knife\x00", "bell\x07", "a\tb", "x\x9b"])
def test_search_control_characters_are_a_usage_error(cli: Cli, query: str) -> None:
    """Control characters exit 2 rather than reaching the terminal or the index."""
    run = cli("search", query)
    assert run.code == 2
    assert run.err == "practicebank: the query holds control characters; type it as plain text\n"


@pytest.mark.parametrize(
    "query",
    [
        "🔪 crime",
        "👮‍♀️🚔",
        "جريمة السكين",
        "\u202eemirc efink",
        "knife \u200f crime",
        "'; DROP TABLE practices; --",
        "<!channel> @everyone <@U123>",
        "focus:",
        'org:"',
    ],
)
def test_search_hostile_queries_do_not_crash(cli: Cli, isolated_home: Path, query: str) -> None:
    """Emoji, right-to-left text, SQL and mentions: exit 0 or 1, a normal answer, bank intact."""
    run = cli("search", query)
    assert run.code in (0, 1)
    first = run.out.splitlines()[0]
    assert first == "No practice matches." or re.match(COUNT_LINE, first)
    assert "unexpected error" not in run.err
    assert count_practices(f"sqlite:///{isolated_home}") == DEMO_COUNT


def test_search_unknown_focus_lists_the_known_values(cli: Cli) -> None:
    """`--focus bogus` exits 2 naming the focus values it knows."""
    run = cli("search", "knife", "--focus", "bogus")
    assert run.code == 2
    assert run.out == ""
    assert run.err == (
        f'practicebank: "bogus" is not a focus I know. Try one of: {FOCUS_VALUES}.\n'
    )


def test_search_unknown_effectiveness_lists_the_known_values(cli: Cli) -> None:
    """`--effectiveness maybe` exits 2 naming the ratings it knows."""
    run = cli("search", "knife", "--effectiveness", "maybe")
    assert run.code == 2
    assert run.err == (
        'practicebank: "maybe" is not a rating I know. Try one of: worked, promising, '
        "untested (new or innovative), didn't work.\n"
    )


def test_search_hides_restricted_practices_by_default(cli: Cli, tmp_path: Path) -> None:
    """A restricted practice is not found without `--include-restricted`."""
    assert cli("import", str(write_bank(tmp_path / "r.json", [RESTRICTED_RECORD]))).code == 0
    refs = [row["ref"] for row in _json_rows(cli, "covert", "knife", "--limit", "50")]
    assert "PB900" not in refs


def test_search_include_restricted_finds_it(cli: Cli, tmp_path: Path) -> None:
    """With `--include-restricted` the restricted practice ranks first for its own words."""
    assert cli("import", str(write_bank(tmp_path / "r.json", [RESTRICTED_RECORD]))).code == 0
    rows = _json_rows(cli, "covert", "knife", "test", "purchase", "--include-restricted")
    assert rows[0]["ref"] == "PB900"


def test_search_json_rows_say_whether_each_is_a_full_or_partial_match(cli: Cli) -> None:
    """`burglary leaflets --json`: the full match first, then partial ones, each row saying so."""
    rows = _json_rows(cli, "burglary", "leaflets", "--limit", "10")
    assert rows[0]["ref"] == "PB032"
    assert [row["match"] for row in rows] == ["full"] + ["partial"] * (len(rows) - 1)
    assert len(rows) >= 3
    for row in rows:
        assert {"ref", "title", "effectiveness", "focus", "score", "match"} <= set(row)


def test_search_json_with_no_full_match_prints_only_partial_rows(cli: Cli) -> None:
    """`knife arches --json` has no exact match: only partial rows are printed."""
    rows = _json_rows(cli, "knife", "arches")
    assert sorted(row["ref"] for row in rows) == ["PB017", "PB058"]
    assert {row["match"] for row in rows} == {"partial"}


def test_search_json_with_nothing_at_all_prints_an_empty_list(cli: Cli) -> None:
    """`hate crime --json` matches nothing, not even partly: an empty JSON list."""
    run = cli("search", "hate", "crime", "--json")
    assert json.loads(run.out) == []


def test_search_text_puts_partial_matches_under_their_heading(cli: Cli) -> None:
    """Plain output says there is no exact match, then lists the closest practices."""
    run = cli("search", "knife", "arches")
    lines = run.out.splitlines()
    assert lines[0] == "No practice matches exactly."
    assert lines[1] == "Not an exact match — closest practices:"
    assert {line.split()[1] for line in lines[2:4]} == {"PB017", "PB058"}


def test_search_reuses_the_index_kept_on_disk(
    cli: Cli, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The second search loads the kept index instead of building one; an import is applied."""
    caplog.set_level(logging.INFO, logger="bot.search.index_cache")
    assert cli("search", "knife").code == 0
    assert [r.getMessage() for r in caplog.records] == [
        f"search index: built from {DEMO_COUNT} practices"
    ]
    [kept] = (tmp_path / "xdg" / "practicebank" / "index-cache").glob("index-*.pickle")
    caplog.clear()
    assert TEXT_ROW.findall(cli("search", "knife").out)[:2] == ["PB017", "PB058"]
    assert caplog.records == []
    write_bank(
        tmp_path / "one.json",
        [{**RESTRICTED_RECORD, "ref": "PB800", "visibility": "public", "title": "Plugh xyzzy"}],
    )
    assert cli("import", str(tmp_path / "one.json")).code == 0
    assert TEXT_ROW.findall(cli("search", "xyzzy").out) == ["PB800"]
    assert [r.getMessage() for r in caplog.records] == ["search index: applied 1 changed practices"]
    assert kept.exists()


def test_search_rebuilds_when_the_kept_index_is_unreadable(
    cli: Cli, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged cache file is only a cache miss: the search builds the index and answers."""
    assert cli("search", "knife").code == 0
    [kept] = (tmp_path / "xdg" / "practicebank" / "index-cache").glob("index-*.pickle")
    kept.write_bytes(b"not a pickle")
    caplog.set_level(logging.INFO, logger="bot.search.index_cache")
    assert TEXT_ROW.findall(cli("search", "knife").out)[:2] == ["PB017", "PB058"]
    assert [r.getMessage() for r in caplog.records] == [
        f"search index: built from {DEMO_COUNT} practices"
    ]
