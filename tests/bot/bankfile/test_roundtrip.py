"""Exported bank files read back as exactly the practices that were written."""

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

from bot.bankfile import parse_bank_text, read_bank_file, write_bank, write_bank_file
from bot.kernel.domain import PRACTICE_FIELDS, Effectiveness, Focus, LinkedTo, Practice, Visibility

FULL = Practice(
    ref="PB1234",
    title='Knife crime, "county lines" & the 🚓 café; مشروع الوقاية',
    summary='Line one, with commas\nline two; with semicolons\n\t"quoted" — and ‘curly’ ones',
    effectiveness=Effectiveness.DIDNT_WORK,
    focus=(Focus.DIVERSION, Focus.LOCATION),
    topics=("Serious violence; homicide", "Youth, gangs", "שלום עולם", "emoji 🧒🏽"),
    organisation="Robert'); DROP TABLE practices;--",
    region="<!channel> @everyone <@U012AB3CD>",
    partners=(r"C:\partners\list", "back\\;slash", "Mind & Co.", "<script>alert(1)</script>"),
    target_group='Under-18s, "at risk"',
    stage="Complete",
    start_date=date(2019, 4, 1),
    end_date=date(2021, 3, 31),
    aim="Reduce repeat victimisation.\n\nSecond paragraph with a tab\there.",
    intended_outcome="Fewer calls; more referrals",
    description='What we did:\n- step 1\n- step 2, with "quotes"\n- step 3; done',
    evaluation="SELECT * FROM practices WHERE 1=1; -- results up 12%",
    learning="*bold* _italic_ `code` ~strike~ **markdown** ||spoiler||",
    resources="£12,000; two officers",
    contact_name="Zoë O'Brien-Łukasz",
    contact_email="zoe.obrien@police.example.uk",
    links=("https://example.org/report?a=1&b=2", "http://example.com/x;y"),
    linked_to=(LinkedTo.HMICFRS, LinkedTo.POLICE_STAR_FUND),
    visibility=Visibility.RESTRICTED,
    added_at=datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    updated_at=datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC),
    reviewed_at=datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC),
    archived_at=datetime(2025, 1, 1, tzinfo=UTC),
    version=7,
)
MINIMAL = Practice(
    ref="PB002",
    title="Minimal",
    summary="Only what is required.",
    effectiveness=Effectiveness.UNTESTED,
    focus=(Focus.PREVENTION,),
)


def _export(practices: list[Practice], fmt: str) -> str:
    stream = io.StringIO(newline="")
    write_bank(practices, fmt, stream)  # type: ignore[arg-type]
    return stream.getvalue()


def test_json_round_trip_keeps_every_field():
    """A fully populated practice survives JSON export and import unchanged."""
    assert parse_bank_text(_export([FULL, MINIMAL], "json"), "json") == [FULL, MINIMAL]


def test_csv_round_trip_keeps_every_field():
    """A fully populated practice survives CSV export and import unchanged."""
    assert parse_bank_text(_export([FULL, MINIMAL], "csv"), "csv") == [FULL, MINIMAL]


def test_round_trip_through_files_on_disk(tmp_path: Path):
    """write_bank_file and read_bank_file agree for both formats, whatever the extension's case."""
    for name in ("bank.JSON", "bank.Csv"):
        path = tmp_path / name
        assert write_bank_file([FULL, MINIMAL], path) == 2
        assert read_bank_file(path) == [FULL, MINIMAL]


def test_json_export_has_the_demo_bank_shape_with_all_fields():
    """JSON export is {"practices": [...]} with every field, enums as values, dates in ISO form."""
    document = json.loads(_export([MINIMAL], "json"))
    assert document == {
        "practices": [
            {
                "ref": "PB002",
                "title": "Minimal",
                "summary": "Only what is required.",
                "effectiveness": "untested",
                "focus": ["prevention"],
                "topics": [],
                "organisation": None,
                "region": None,
                "partners": [],
                "target_group": None,
                "stage": None,
                "start_date": None,
                "end_date": None,
                "aim": None,
                "intended_outcome": None,
                "description": None,
                "evaluation": None,
                "learning": None,
                "resources": None,
                "contact_name": None,
                "contact_email": None,
                "links": [],
                "linked_to": [],
                "visibility": "public",
                "added_at": None,
                "updated_at": None,
                "reviewed_at": None,
                "archived_at": None,
                "version": 1,
            }
        ]
    }
    assert list(document["practices"][0]) == list(PRACTICE_FIELDS)


def test_json_export_writes_unicode_as_is():
    """Non-ASCII text is written as UTF-8 characters, not \\u escapes."""
    assert "🚓 café; مشروع" in _export([FULL], "json")


def test_csv_export_header_is_the_practice_fields():
    """The CSV header row lists PRACTICE_FIELDS in order."""
    rows = list(csv.reader(io.StringIO(_export([MINIMAL], "csv"), newline="")))
    assert rows[0] == list(PRACTICE_FIELDS)


def test_csv_export_escapes_semicolons_and_backslashes_in_multi_valued_cells():
    """A ';' inside one value of a multi-valued cell is written as '\\;', a backslash doubled."""
    rows = list(csv.reader(io.StringIO(_export([FULL], "csv"), newline="")))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["topics"] == r"Serious violence\; homicide;Youth, gangs;שלום עולם;emoji 🧒🏽"
    assert cells["partners"] == (
        r"C:\\partners\\list;back\\\;slash;Mind & Co.;<script>alert(1)</script>"
    )
    assert cells["linked_to"] == "hmicfrs;police_star_fund"
    assert cells["added_at"] == "2024-01-02T03:04:05.678901+00:00"
    assert cells["version"] == "7"


def test_write_bank_returns_how_many_practices_it_wrote():
    """write_bank reports the number of practices written, zero for none."""
    assert write_bank([FULL, MINIMAL, MINIMAL], "csv", io.StringIO()) == 3
    assert write_bank([], "json", io.StringIO()) == 0


def test_empty_export_reads_back_as_no_practices():
    """An export of no practices is itself a valid, empty bank file."""
    assert parse_bank_text(_export([], "json"), "json") == []
    assert parse_bank_text(_export([], "csv"), "csv") == []


def test_mentions_and_markup_are_plain_text_that_round_trips():
    """'<!channel>', '@everyone' and markup are data here: exported and read back verbatim."""
    practice = Practice(
        ref="PB003",
        title="@everyone <!channel> <!here> <@&123456>",
        summary="<b>bold</b> [link](https://evil.example) ```code```",
        effectiveness=Effectiveness.WORKED,
        focus=(Focus.REOFFENDING,),
        topics=("@here", "<!subteam^S1>"),
    )
    for fmt in ("json", "csv"):
        assert parse_bank_text(_export([practice], fmt), fmt) == [practice]
