"""Reading bank files: the demo bank, both JSON shapes, CSV layouts, friendly labels, progress."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import bot
from bot.bankfile import BankFileError, RowProblem, parse_bank_text, read_bank_file
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility
from tests.support.bank import practice_record

DEMO_BANK = Path(bot.__file__).parent / "bankfile" / "demo_bank.json"
HEADER = "ref,title,summary,effectiveness,focus"


def _one(**fields: object) -> Practice:
    [practice] = parse_bank_text(json.dumps({"practices": [practice_record(**fields)]}), "json")
    return practice


def test_demo_bank_reads_as_63_practices():
    """The shipped demo bank imports whole, with unique refs and no warnings."""
    practices = read_bank_file(DEMO_BANK)
    assert len(practices) == 63
    assert len({practice.ref for practice in practices}) == 63
    assert practices[0].ref == "PB001"
    assert practices.warnings == ()


def test_bare_list_of_practices_is_accepted():
    """A JSON file may be just a list of practice objects."""
    practices = parse_bank_text(
        json.dumps([practice_record(), practice_record(ref="PB002")]), "json"
    )
    assert [practice.ref for practice in practices] == ["PB001", "PB002"]


def test_minimal_json_record_fills_defaults():
    """Absent optional fields become None, () , public and version 1."""
    assert _one() == Practice(
        ref="PB001",
        title="Title",
        summary="Summary.",
        effectiveness=Effectiveness.WORKED,
        focus=(Focus.PREVENTION,),
    )


def test_unknown_json_keys_are_ignored_with_a_warning():
    """Keys that are not practice fields do not block the import but are named in warnings."""
    records = [practice_record(colour="red"), practice_record(ref="PB002", colour="blue", score=3)]
    practices = parse_bank_text(json.dumps({"practices": records, "source": "x"}), "json")
    assert len(practices) == 2
    assert practices.warnings == (
        "unknown key 'colour' ignored (practices 1, 2)",
        "unknown key 'score' ignored (practices 2)",
    )


def test_csv_columns_match_in_any_case_and_order_and_optional_ones_may_be_absent():
    """CSV headers are matched case-insensitively, in any order, with spaces for underscores."""
    text = (
        "Focus, EFFECTIVENESS ,Summary,Title,Ref,Target Group\nlocation,Worked,S,T,PB009,Adults\n"
    )
    assert parse_bank_text(text, "csv") == [
        Practice(
            ref="PB009",
            title="T",
            summary="S",
            effectiveness=Effectiveness.WORKED,
            focus=(Focus.LOCATION,),
            target_group="Adults",
        )
    ]


def test_csv_multi_valued_cells_split_on_semicolons_and_drop_blanks():
    """'prevention; Diversion;;' gives two focus values; list items lose surrounding spaces."""
    text = f"{HEADER},topics\nPB001,T,S,worked,prevention; Diversion;;, Knife crime ; Youth \n"
    [practice] = parse_bank_text(text, "csv")
    assert practice.focus == (Focus.PREVENTION, Focus.DIVERSION)
    assert practice.topics == ("Knife crime", "Youth")


def test_csv_row_numbers_count_the_header_and_blank_rows():
    """Blank rows are skipped but still counted, so row numbers match the spreadsheet."""
    text = f"{HEADER}\nPB001,T,S,worked,prevention\n\n,,,,\nPB002,T,S,bogus,prevention\n"
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "csv")
    assert caught.value.problems == [
        RowProblem(
            5,
            "effectiveness",
            "'bogus' is not one of: worked, promising, untested, didnt_work",
        )
    ]


def test_csv_header_only_is_an_empty_bank():
    """A CSV with a header and no rows holds no practices."""
    assert parse_bank_text(HEADER + "\r\n", "csv") == []


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Worked", Effectiveness.WORKED),
        ("PROMISING", Effectiveness.PROMISING),
        ("Untested – new or innovative", Effectiveness.UNTESTED),
        ("untested - new or innovative", Effectiveness.UNTESTED),
        ("Didn't work", Effectiveness.DIDNT_WORK),
        ("Didn’t work", Effectiveness.DIDNT_WORK),
        ("didnt_work", Effectiveness.DIDNT_WORK),
    ],
)
def test_effectiveness_accepts_values_and_labels(label: str, expected: Effectiveness):
    """Effectiveness may be written as the value or the bank's label, in any case."""
    assert _one(effectiveness=label).effectiveness is expected


def test_linked_to_and_focus_accept_labels():
    """'HMICFRS', 'Smarter practice', 'Police STAR fund' and 'Prevention' are understood."""
    practice = _one(
        linked_to=["HMICFRS", "Smarter practice", "police star fund"],
        focus=["Prevention", "ORGANISATIONAL", "prevention"],
    )
    assert practice.linked_to == (
        LinkedTo.HMICFRS,
        LinkedTo.SMARTER_PRACTICE,
        LinkedTo.POLICE_STAR_FUND,
    )
    assert practice.focus == (Focus.PREVENTION, Focus.ORGANISATIONAL)


def test_single_text_is_accepted_for_a_multi_valued_json_field():
    """A JSON string where a list is expected counts as a one-item list."""
    assert _one(focus="diversion", topics="Drugs").topics == ("Drugs",)


def test_ref_is_trimmed_and_upper_cased():
    """' pb0042 ' is read as PB0042."""
    assert _one(ref=" pb0042 ").ref == "PB0042"


def test_visibility_defaults_to_public_and_accepts_restricted():
    """Visibility is public when absent or empty, restricted in any case."""
    assert _one(visibility="").visibility is Visibility.PUBLIC
    assert _one(visibility="Restricted").visibility is Visibility.RESTRICTED


def test_naive_timestamps_are_taken_as_utc_and_offsets_converted():
    """A timestamp without a zone is UTC; one with an offset is converted to UTC."""
    practice = _one(added_at="2024-05-01T10:00:00", updated_at="2024-05-01T10:00:00+02:00")
    assert practice.added_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert practice.updated_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert practice.updated_at.tzinfo is UTC


def test_dates_and_version_read_from_text():
    """ISO dates become dates and a version written as text becomes a number."""
    practice = _one(start_date="2020-01-31", end_date="2020-02-01", version="3")
    assert (practice.start_date, practice.end_date, practice.version) == (
        date(2020, 1, 31),
        date(2020, 2, 1),
        3,
    )


def test_windows_line_breaks_in_long_text_become_line_feeds():
    """CRLF and lone CR inside long text are read as LF."""
    assert _one(description="one\r\ntwo\rthree").description == "one\ntwo\nthree"


def test_blank_optional_text_is_none():
    """Empty or blank optional text is read as None, blank lists as ()."""
    practice = _one(organisation="   ", aim="", partners=["", "  "], contact_email=None)
    assert (practice.organisation, practice.aim, practice.partners) == (None, None, ())


def test_format_name_is_case_insensitive():
    """parse_bank_text accepts 'JSON' as well as 'json'."""
    assert len(parse_bank_text(json.dumps([practice_record()]), "JSON")) == 1  # type: ignore[arg-type]


def test_unknown_format_name_is_an_error():
    """A format other than json or csv is refused with a clear reason."""
    with pytest.raises(BankFileError) as caught:
        parse_bank_text("[]", "xml")  # type: ignore[arg-type]
    assert caught.value.problems == [
        RowProblem(0, "", "unknown bank file format 'xml': use 'json' or 'csv'")
    ]


def test_other_extensions_are_refused(tmp_path: Path):
    """A .txt file is not guessed at: the error says to use .json or .csv."""
    path = tmp_path / "bank.txt"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(BankFileError) as caught:
        read_bank_file(path)
    assert caught.value.problems == [
        RowProblem(0, "", "cannot tell the format from '.txt': name the file .json or .csv")
    ]


def test_missing_file_is_a_bank_file_error(tmp_path: Path):
    """A file that does not exist gives a BankFileError, not a bare OSError."""
    with pytest.raises(BankFileError) as caught:
        read_bank_file(tmp_path / "absent.csv")
    assert caught.value.problems == [
        RowProblem(0, "", "cannot read the file: No such file or directory")
    ]


def test_progress_is_reported_every_thousand_records_and_at_the_end():
    """The progress callback gets (done, total) at 0, every 1,000 records and at the end."""
    records = [practice_record(ref=f"PB{number:04d}") for number in range(1, 2501)]
    calls: list[tuple[int, int]] = []
    parse_bank_text(
        json.dumps(records), "json", progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]


def test_progress_is_reported_for_csv_too():
    """CSV reading reports progress over its data rows."""
    text = HEADER + "\n" + "".join(f"PB{n:03d},T,S,worked,prevention\n" for n in range(1, 4))
    calls: list[tuple[int, int]] = []
    parse_bank_text(text, "csv", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (3, 3)]
