"""`practicebank import`: idempotent on ref, all or nothing, and every bad file named plainly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.practicebank.conftest import (
    DEMO_BANK,
    DEMO_COUNT,
    Cli,
    count_practices,
    database_line,
    in_store,
    practice,
    write_bank,
)

SQL = "'; DROP TABLE practices; --"
MENTIONS = "<!channel> @everyone <@U123> <script>alert(1)</script>"


def _refused(path: Path, *problems: str) -> str:
    """What standard error says when a file is refused with these problem lines."""
    noun = "problem" if len(problems) == 1 else "problems"
    listed = "".join(f"  {problem}\n" for problem in problems)
    return (
        f"Nothing was imported from {path}:\n"
        f"{path.name}: bank file not imported, {len(problems)} {noun}:\n{listed}"
    )


def _hundred() -> list[dict[str, object]]:
    """100 valid practices PB001..PB100 whose titles differ from the demo bank's."""
    return [practice(f"PB{n:03d}", title=f"Replacement {n}") for n in range(1, 101)]


def test_import_demo_bank_adds_every_practice(cli: Cli, bank_url: str) -> None:
    """The shipped demo bank imports as 63 new practices."""
    run = cli("import", str(DEMO_BANK))
    assert run.code == 0
    assert run.out == ""
    assert run.err == (
        database_line(bank_url)
        + f"Imported {DEMO_COUNT} practices from demo_bank.json: "
        + f"{DEMO_COUNT} added, 0 updated, 0 unchanged.\n"
    )
    assert count_practices(bank_url) == DEMO_COUNT


def test_import_again_updates_on_ref_and_adds_nothing(cli: Cli, bank_url: str) -> None:
    """A second import of the same file writes nothing and reports every practice unchanged."""
    assert cli("import", str(DEMO_BANK)).code == 0
    before = cli("export").out
    version = in_store(bank_url, lambda uow: uow.practices.bank_version())
    run = cli("import", str(DEMO_BANK))
    assert run.code == 0
    assert run.err.endswith(
        f"Imported {DEMO_COUNT} practices from demo_bank.json: "
        f"0 added, 0 updated, {DEMO_COUNT} unchanged.\n"
    )
    assert in_store(bank_url, lambda uow: uow.practices.bank_version()) == version
    assert count_practices(bank_url) == DEMO_COUNT
    assert cli("export").out == before


def test_import_csv(cli: Cli, bank_url: str, tmp_path: Path) -> None:
    """A CSV file with a header row imports; `;` separates values in multi-valued cells."""
    path = tmp_path / "bank.csv"
    path.write_text(
        "ref,title,summary,effectiveness,focus,topics\r\n"
        'PB701,Street triage,"Nurses ride with officers, at night.",Worked,'
        "prevention;diversion,mental health;street\r\n"
        "pb702,Bike marking,Frames are marked.,didn't work,Location,\r\n",
        encoding="utf-8",
    )
    run = cli("import", str(path))
    assert run.code == 0
    assert run.err.endswith(
        "Imported 2 practices from bank.csv: 2 added, 0 updated, 0 unchanged.\n"
    )
    shown = json.loads(cli("show", "PB701", "--json").out)
    assert shown["summary"] == "Nurses ride with officers, at night."
    assert shown["effectiveness"] == "worked"
    assert shown["focus"] == ["prevention", "diversion"]
    assert shown["topics"] == ["mental health", "street"]
    assert json.loads(cli("show", "PB702", "--json").out)["effectiveness"] == "didnt_work"


def test_one_bad_row_in_a_hundred_imports_nothing(cli: Cli, bank_url: str, tmp_path: Path) -> None:
    """Row 57 with an unknown rating: exit 1, row 57 and the field named, database unchanged."""
    assert cli("import", str(DEMO_BANK)).code == 0
    before = cli("export").out
    records = _hundred()
    records[56]["effectiveness"] = "sometimes"
    path = write_bank(tmp_path / "bad.json", records)
    run = cli("import", str(path))
    assert run.code == 1
    assert run.out == ""
    assert run.err == _refused(
        path,
        "row 57, effectiveness: 'sometimes' is not one of: worked, promising, untested, didnt_work",
    )
    assert cli("export").out == before
    assert count_practices(bank_url) == DEMO_COUNT


def test_every_bad_row_is_listed(cli: Cli, tmp_path: Path) -> None:
    """Several bad rows are all reported, in row order, so one attempt shows every fix."""
    records = _hundred()
    records[79]["focus"] = ["nowhere"]
    records[9]["title"] = ""
    records[56]["effectiveness"] = "sometimes"
    records[56]["contact_email"] = "not-an-address"
    path = write_bank(tmp_path / "bad.json", records)
    run = cli("import", str(path))
    assert run.code == 1
    assert run.err == _refused(
        path,
        "row 10, title: required",
        "row 57, effectiveness: 'sometimes' is not one of: worked, promising, untested, didnt_work",
        "row 57, contact_email: 'not-an-address' does not look like an email address",
        "row 80, focus: 'nowhere' is not one of: prevention, diversion, reoffending, "
        "organisational, location",
    )


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "notes.txt",
            b"ref\nPB001\n",
            "file: cannot tell the format from '.txt': name the file .json or .csv",
        ),
        (
            "bank",
            b"{}",
            "file: cannot tell the format from no extension: name the file .json or .csv",
        ),
        (
            "binary.json",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "file: this is a binary file, not a JSON or CSV bank file",
        ),
        ("empty.json", b"", "file: file is empty"),
        ("blank.csv", b"  \r\n\r\n", "file: file is empty"),
        (
            "latin1.json",
            '[{"ref": "PB001", "title": "Café"}]'.encode("latin-1"),
            "file: not UTF-8 text: byte 0xE9 at offset 31 (save the file as UTF-8)",
        ),
        (
            "utf16.csv",
            "ref,title\n".encode("utf-16"),
            "file: the file is UTF-16 text: save it as UTF-8",
        ),
    ],
)
def test_unreadable_files_are_refused(
    cli: Cli, tmp_path: Path, isolated_home: Path, name: str, content: bytes, problem: str
) -> None:
    """Wrong extension, binary, empty or non-UTF-8 files: exit 1, one problem line, no import."""
    path = tmp_path / name
    path.write_bytes(content)
    run = cli("import", str(path))
    assert run.code == 1
    assert run.out == ""
    assert run.err == _refused(path, problem)
    assert not isolated_home.exists()


def test_a_missing_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    """A path that does not exist: exit 1 and the reason, no traceback."""
    path = tmp_path / "nowhere.json"
    run = cli("import", str(path))
    assert run.code == 1
    assert run.err == _refused(path, "file: cannot read the file: No such file or directory")


def test_a_100_kb_cell_is_refused(cli: Cli, tmp_path: Path) -> None:
    """A 100 kB CSV cell is reported as too long with its size, not echoed back."""
    path = tmp_path / "big.csv"
    path.write_text(
        "ref,title,summary,effectiveness,focus\nPB001,T," + "y" * 100_000 + ",worked,prevention\n",
        encoding="utf-8",
    )
    run = cli("import", str(path))
    assert run.code == 1
    assert run.err == _refused(
        path, "row 2, summary: too long: 100,000 characters, the limit is 1,000"
    )


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        ("Red\x1b[31m alert", "contains a control character (U+001B) at character 4"),
        ("Bell\x07", "contains a control character (U+0007) at character 5"),
        ("Null\x00byte", "contains a control character (U+0000) at character 5"),
        ("Line\nbreak", "contains a line break or tab (U+000A) at character 5"),
    ],
)
def test_control_characters_in_a_cell_are_refused(
    cli: Cli, tmp_path: Path, title: str, problem: str
) -> None:
    """Control characters are refused with their code point and position, never stripped."""
    path = write_bank(tmp_path / "ctl.json", [practice("PB001", title=title)])
    run = cli("import", str(path))
    assert run.code == 1
    assert run.err == _refused(path, f"row 1, title: {problem}")


def test_sql_and_mentions_in_cells_import_and_round_trip_verbatim(
    cli: Cli, bank_url: str, tmp_path: Path
) -> None:
    """SQL text and chat mentions are data: they import, leave the tables alone, export as is."""
    record = practice(
        "PB801",
        title=SQL,
        summary=f"{MENTIONS}\n{SQL}",
        organisation="@here",
        topics=[SQL, MENTIONS, "🔪 knife", "جريمة السكين"],
    )
    path = write_bank(tmp_path / "hostile.json", [record])
    run = cli("import", str(path))
    assert run.code == 0
    assert run.err.endswith(
        "Imported 1 practice from hostile.json: 1 added, 0 updated, 0 unchanged.\n"
    )
    exported = json.loads(cli("export").out)["practices"]
    assert len(exported) == 1
    assert {key: exported[0][key] for key in record} == record
    assert count_practices(bank_url) == 1
