"""`practicebank show REF`: one practice in full, by ref in any case; restricted ones hidden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.practicebank.conftest import RESTRICTED_RECORD, Cli, practice, write_bank

PUBLIC_RECORD = practice(
    "PB046",
    title="Reducing theft of catalytic converters",
    summary="Marking and patrols.\n<!channel> '; DROP TABLE practices; --",
    effectiveness="promising",
    focus=["prevention", "location"],
    topics=["vehicle crime", "metal theft"],
    organisation="Surrey Police",
)


@pytest.fixture(autouse=True)
def two_practices(cli: Cli, bank_url: str, tmp_path: Path) -> None:
    """A public practice and a restricted one."""
    path = write_bank(tmp_path / "two.json", [PUBLIC_RECORD, RESTRICTED_RECORD])
    assert cli("import", str(path)).code == 0


@pytest.mark.parametrize("ref", ["PB046", "pb046", "  Pb046 "])
def test_show_prints_the_filled_fields_by_ref_in_any_case(cli: Cli, ref: str) -> None:
    """Known ref, any case or spacing: exit 0 and `field: value` lines for filled fields."""
    run = cli("show", ref)
    assert run.code == 0
    assert run.out == (
        "ref: PB046\n"
        "title: Reducing theft of catalytic converters\n"
        "summary: Marking and patrols.\n<!channel> '; DROP TABLE practices; --\n"
        "effectiveness: promising\n"
        "focus: prevention; location\n"
        "topics: vehicle crime; metal theft\n"
        "organisation: Surrey Police\n"
        "visibility: public\n"
        "version: 1\n"
    )


def test_show_json_prints_every_field(cli: Cli) -> None:
    """`--json` prints the practice record with every field, empty ones as null or []."""
    run = cli("show", "pb046", "--json")
    assert run.code == 0
    record = json.loads(run.out)
    assert {key: record[key] for key in PUBLIC_RECORD} == PUBLIC_RECORD
    assert record["region"] is None
    assert record["links"] == []
    assert record["visibility"] == "public"


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("PB404", "'PB404'"),
        ("", "''"),
        ("x" * 100_000, repr("x" * 20)),
        ("PB0\x1b[31m46", repr("PB0\x1b[31m46")),
        ("'; DROP TABLE practices; --", repr("'; DROP TABLE practi")),
    ],
)
def test_show_unknown_ref_exits_1(cli: Cli, ref: str, shown: str) -> None:
    """An unknown or malformed ref exits 1 with a hint, quoting at most 20 characters, escaped."""
    run = cli("show", ref)
    assert run.code == 1
    assert run.out == ""
    assert run.err.endswith(f"No practice {shown} in the bank. Try: practicebank search WORDS\n")


def test_show_restricted_practice_reads_as_unknown(cli: Cli) -> None:
    """Without `--include-restricted` a restricted practice is answered like an unknown ref."""
    run = cli("show", "PB900")
    assert run.code == 1
    assert run.out == ""
    assert run.err.endswith("No practice 'PB900' in the bank. Try: practicebank search WORDS\n")


def test_show_include_restricted_prints_it(cli: Cli) -> None:
    """With `--include-restricted` the restricted practice is shown."""
    run = cli("show", "PB900", "--include-restricted", "--json")
    assert run.code == 0
    record = json.loads(run.out)
    assert {key: record[key] for key in RESTRICTED_RECORD} == RESTRICTED_RECORD
