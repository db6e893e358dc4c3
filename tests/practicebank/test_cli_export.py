"""`practicebank export`: JSON and CSV, to standard output or a file, and lossless round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.kernel.domain import PRACTICE_FIELDS
from tests.practicebank.conftest import DEMO_BANK, DEMO_COUNT, Cli, database_line, write_bank

# Every practice field filled, canonical as export writes it, with text that is hard to round-trip:
# quotes, commas, `;` and `\` inside list items, line breaks, tabs, RTL, emoji, a spreadsheet
# formula, SQL and mentions.
FULL_RECORD: dict[str, object] = {
    "ref": "PB999",
    "title": 'Knife crime "Op Sceptre", diversion 🔪 – ‏שלום‎',
    "summary": "برنامج منع الجريمة\n'; DROP TABLE practices; -- <!channel> @everyone",
    "effectiveness": "promising",
    "focus": ["diversion", "prevention", "location"],
    "topics": ["Knife crime", "semi;colon", "back\\slash", "trailing\\"],
    "organisation": "Thames Valley Police 🦌",
    "region": "South East",
    "partners": ["Youth Offending Team", "NHS A&E", '"quoted", with comma'],
    "target_group": "Young people aged 10–17",
    "stage": '=HYPERLINK("http://evil.example")',
    "start_date": "2019-04-01",
    "end_date": "2024-03-31",
    "aim": "Line one\n\tindented line two\n",
    "intended_outcome": "Fewer repeat admissions ≥ 20 %",
    "description": "Ω" + "x" * 19_000 + "末",
    "evaluation": "Randomised; p < 0.05 & n > 300",
    "learning": "Start small.\n\n* Engage schools early\n* `code` _md_ **bold**",
    "resources": "£12,000 per year",
    "contact_name": "Zoë O'Brien-Łukasiewicz",
    "contact_email": "zoe.obrien@example.police.uk",
    "links": ["https://example.org/a?b=c&d=e", "http://example.org/x;y"],
    "linked_to": ["hmicfrs", "tilley_award"],
    "visibility": "restricted",
    "added_at": "2020-01-02T03:04:05.678901+00:00",
    "updated_at": "2024-02-29T23:59:59+00:00",
    "reviewed_at": "2024-06-01T12:00:00+00:00",
    "archived_at": "2025-01-01T00:00:00+00:00",
    "version": 7,
}


def _filled_bank(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", str(DEMO_BANK)).code == 0
    assert cli("import", str(write_bank(tmp_path / "full.json", [FULL_RECORD]))).code == 0


def test_full_record_fills_every_field() -> None:
    """The round-trip fixture really does fill every practice field."""
    assert list(FULL_RECORD) == list(PRACTICE_FIELDS)
    assert all(value not in (None, "", []) for value in FULL_RECORD.values())


def test_export_json_to_stdout(cli: Cli, bank_url: str, tmp_path: Path) -> None:
    """JSON export lists every practice in ref order, the filled one exactly as imported."""
    _filled_bank(cli, tmp_path)
    run = cli("export", "--format", "json")
    assert run.code == 0
    assert run.err == database_line(bank_url)
    practices = json.loads(run.out)["practices"]
    assert len(practices) == DEMO_COUNT + 1
    assert [p["ref"] for p in practices] == sorted(p["ref"] for p in practices)
    assert practices[-1] == FULL_RECORD
    assert run.out.endswith("}\n")


def test_export_csv_to_stdout(cli: Cli, bank_url: str, tmp_path: Path) -> None:
    """CSV export starts with a header of every practice field and ends rows with CRLF."""
    _filled_bank(cli, tmp_path)
    run = cli("export", "--format", "csv")
    assert run.code == 0
    assert run.out.startswith(",".join(PRACTICE_FIELDS) + "\r\n")
    assert run.out.endswith(",7\r\n")
    assert "semi\\;colon;back\\\\slash;trailing\\\\" in run.out


def test_export_of_an_empty_bank(cli: Cli) -> None:
    """An empty bank exports as an empty list (JSON) or just the header (CSV)."""
    assert cli("export").out == '{\n  "practices": []\n}\n'
    assert cli("export", "--format", "csv").out == ",".join(PRACTICE_FIELDS) + "\r\n"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_to_a_file_matches_stdout(cli: Cli, bank_url: str, tmp_path: Path, fmt: str) -> None:
    """`--output FILE` writes the same bytes standard output gets, and says how many."""
    _filled_bank(cli, tmp_path)
    target = tmp_path / f"out.{fmt}"
    run = cli("export", "--format", fmt, "--output", str(target))
    assert run.code == 0
    assert run.out == ""
    assert (
        run.err == database_line(bank_url) + f"Exported {DEMO_COUNT + 1} practices to {target}.\n"
    )
    assert target.read_bytes() == cli("export", "--format", fmt).out.encode("utf-8")


def test_unknown_export_format_is_a_usage_error(cli: Cli) -> None:
    """`--format xml` is refused by the parser with exit 2."""
    run = cli("export", "--format", "xml")
    assert run.code == 2
    assert "invalid choice: 'xml' (choose from 'json', 'csv')" in run.err


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_export_is_lossless(
    cli: Cli,
    bank_url: str,
    fresh_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    """Export, import into a fresh database, export again: identical bytes."""
    _filled_bank(cli, tmp_path)
    first = tmp_path / f"first.{fmt}"
    second = tmp_path / f"second.{fmt}"
    assert cli("export", "--format", fmt, "-o", str(first)).code == 0
    monkeypatch.setenv("DATABASE_URL", fresh_url)
    run = cli("import", str(first))
    assert run.code == 0
    assert run.err.endswith(f"{DEMO_COUNT + 1} added, 0 updated, 0 unchanged.\n")
    assert cli("export", "--format", fmt, "-o", str(second)).code == 0
    assert second.read_bytes() == first.read_bytes()


def test_csv_export_holds_the_same_practices_as_json(
    cli: Cli, bank_url: str, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bank moved through CSV exports as the same JSON as the original."""
    _filled_bank(cli, tmp_path)
    original_json = cli("export").out
    csv_file = tmp_path / "bank.csv"
    assert cli("export", "--format", "csv", "-o", str(csv_file)).code == 0
    monkeypatch.setenv("DATABASE_URL", fresh_url)
    assert cli("import", str(csv_file)).code == 0
    assert cli("export").out == original_json
