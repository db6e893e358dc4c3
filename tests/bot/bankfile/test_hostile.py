"""Hostile bank files: empty, huge, binary, mis-encoded, mis-named, control chars, injections."""

import io
import json
from pathlib import Path

import pytest

from bot.bankfile import BankFileError, RowProblem, parse_bank_text, read_bank_file, write_bank
from bot.kernel.domain import Effectiveness, Focus, Practice
from tests.support.bank import practice_record

HEADER = "ref,title,summary,effectiveness,focus"
GOOD_ROW = "PB001,Title,Summary,worked,prevention"


def _problems_of_file(path: Path) -> list[RowProblem]:
    with pytest.raises(BankFileError) as caught:
        read_bank_file(path)
    return caught.value.problems


def _problems_of_text(text: str, fmt: str) -> list[RowProblem]:
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, fmt)  # type: ignore[arg-type]
    return caught.value.problems


def _json_with(**fields: object) -> str:
    return json.dumps({"practices": [practice_record(**fields)]})


@pytest.mark.parametrize("name", ["empty.json", "empty.csv"])
def test_empty_file_is_refused(tmp_path: Path, name: str):
    """A zero-byte file is a row-0 problem, 'file is empty'."""
    path = tmp_path / name
    path.write_bytes(b"")
    assert _problems_of_file(path) == [RowProblem(0, "", "file is empty")]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_blank_text_is_refused(fmt: str):
    """Whitespace and a lone byte-order mark count as empty."""
    assert _problems_of_text("\ufeff \r\n\t ", fmt) == [RowProblem(0, "", "file is empty")]


def test_a_100_kb_cell_is_rejected_with_its_length(tmp_path: Path):
    """A 100,000-character description is refused as too long, in CSV as in JSON."""
    path = tmp_path / "big.csv"
    path.write_text(f"{HEADER},description\n{GOOD_ROW},{'x' * 100_000}\n", encoding="utf-8")
    expected = [RowProblem(2, "description", "too long: 100,000 characters, the limit is 20,000")]
    assert _problems_of_file(path) == expected
    json_problems = _problems_of_text(_json_with(description="x" * 100_000), "json")
    assert json_problems == [
        RowProblem(1, "description", "too long: 100,000 characters, the limit is 20,000")
    ]


def test_a_cell_beyond_the_csv_field_limit_is_a_clear_error():
    """A cell longer than the csv module allows is reported, not a crash."""
    text = f"{HEADER}\nPB001,{'y' * 200_000},S,worked,prevention\n"
    assert _problems_of_text(text, "csv") == [
        RowProblem(0, "", "malformed CSV at row 2: a cell is longer than 131,072 characters")
    ]


def test_a_20000_character_description_is_accepted():
    """Exactly 20,000 characters is within the limit."""
    [practice] = parse_bank_text(_json_with(description="d" * 20_000), "json")
    assert practice.description == "d" * 20_000


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"title": "Bell\x07 title"},
            RowProblem(1, "title", "contains a control character (U+0007) at character 5"),
        ),
        (
            {"description": "red \x1b[31m text"},
            RowProblem(1, "description", "contains a control character (U+001B) at character 5"),
        ),
        (
            {"summary": "delete\x7f"},
            RowProblem(1, "summary", "contains a control character (U+007F) at character 7"),
        ),
        (
            {"learning": "c1 \x85 next line"},
            RowProblem(1, "learning", "contains a control character (U+0085) at character 4"),
        ),
        (
            {"title": "two\nlines"},
            RowProblem(1, "title", "contains a line break or tab (U+000A) at character 4"),
        ),
        (
            {"organisation": "tab\there"},
            RowProblem(1, "organisation", "contains a line break or tab (U+0009) at character 4"),
        ),
        (
            {"topics": ["ok", "para\u2029graph"]},
            RowProblem(1, "topics", "contains a line break or tab (U+2029) at character 5"),
        ),
        (
            {"aim": "lone \ud800 surrogate"},
            RowProblem(1, "aim", "contains a control character (U+D800) at character 6"),
        ),
    ],
)
def test_control_characters_are_rejected_with_their_position(
    fields: dict[str, object], expected: RowProblem
):
    """Control characters are refused (not stripped); line breaks only in long text."""
    assert _problems_of_text(_json_with(**fields), "json") == [expected]


def test_tabs_and_line_breaks_are_allowed_in_long_text():
    """Summary and other long text keep tab and LF as written."""
    [practice] = parse_bank_text(_json_with(summary="a\tb\nc", evaluation="x\n\ny"), "json")
    assert (practice.summary, practice.evaluation) == ("a\tb\nc", "x\n\ny")


def test_nul_bytes_mean_a_binary_file(tmp_path: Path):
    """A file holding NUL bytes is refused as binary."""
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert _problems_of_file(path) == [
        RowProblem(0, "", "this is a binary file, not a JSON or CSV bank file")
    ]


def test_nul_in_text_is_refused_too():
    """In-memory text with NUL is refused the same way as a binary file."""
    assert _problems_of_text(f"{HEADER}\n{GOOD_ROW}\x00\n", "csv") == [
        RowProblem(0, "", "this is a binary file, not a JSON or CSV bank file")
    ]


def test_invalid_utf8_bytes_are_refused_with_their_offset(tmp_path: Path):
    """A Latin-1 'é' (0xE9) is not UTF-8: the error names the byte and where it is."""
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\nPB001,Caf".encode() + b"\xe9,S,worked,prevention\n")
    assert _problems_of_file(path) == [
        RowProblem(0, "", "not UTF-8 text: byte 0xE9 at offset 47 (save the file as UTF-8)")
    ]


def test_utf16_file_is_refused_with_advice(tmp_path: Path):
    """A UTF-16 export (with its byte-order mark) is named as such."""
    path = tmp_path / "excel.csv"
    path.write_bytes(f"{HEADER}\n{GOOD_ROW}\n".encode("utf-16"))
    assert _problems_of_file(path) == [
        RowProblem(0, "", "the file is UTF-16 text: save it as UTF-8")
    ]


def test_bom_prefixed_csv_is_read(tmp_path: Path):
    """A UTF-8 byte-order mark (as Excel writes) does not spoil the first column name."""
    path = tmp_path / "excel.csv"
    path.write_bytes(f"{HEADER}\r\n{GOOD_ROW}\r\n".encode("utf-8-sig"))
    assert [practice.ref for practice in read_bank_file(path)] == ["PB001"]


def test_bom_prefixed_json_is_read(tmp_path: Path):
    """A UTF-8 byte-order mark before JSON is accepted too."""
    path = tmp_path / "bank.json"
    path.write_bytes(_json_with().encode("utf-8-sig"))
    assert [practice.ref for practice in read_bank_file(path)] == ["PB001"]


def test_a_csv_named_json_is_refused_with_a_hint(tmp_path: Path):
    """CSV content in a .json file: not valid JSON, and the reason says it looks like CSV."""
    path = tmp_path / "bank.json"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n", encoding="utf-8")
    assert _problems_of_file(path) == [
        RowProblem(
            0,
            "",
            "not valid JSON: Expecting value at line 1, column 1 "
            "(it looks like CSV: give the file a .csv name)",
        )
    ]


def test_a_json_named_csv_is_refused_with_a_hint(tmp_path: Path):
    """JSON content in a .csv file is recognised and the reason says so."""
    path = tmp_path / "bank.csv"
    path.write_text(_json_with(), encoding="utf-8")
    assert _problems_of_file(path) == [
        RowProblem(0, "", "this looks like JSON, not CSV: give the file a .json name")
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("42", "a number"),
        ('"practices"', "text"),
        ("null", "null"),
        ("true", "true"),
        ('{"items": []}', 'an object without a "practices" list'),
        ('{"practices": {"ref": "PB001"}}', 'an object without a "practices" list'),
    ],
)
def test_wrong_top_level_json_is_refused(text: str, found: str):
    """Anything but a practices object or a list is a row-0 problem saying what was found."""
    assert _problems_of_text(text, "json") == [
        RowProblem(
            0,
            "",
            'expected an object with a "practices" list, or a list of practices; found ' + found,
        )
    ]


def test_malformed_json_names_line_and_column():
    """A truncated JSON file reports where parsing stopped."""
    assert _problems_of_text('{"practices": [\n  {"ref": "PB001",', "json") == [
        RowProblem(
            0,
            "",
            "not valid JSON: Expecting property name enclosed in double quotes "
            "at line 2, column 19",
        )
    ]


def test_deeply_nested_json_is_refused_not_a_crash():
    """100,000 opening brackets give a clear problem, not a RecursionError."""
    assert _problems_of_text("[" * 100_000, "json") == [
        RowProblem(0, "", "not a bank file: JSON nested too deeply")
    ]


def test_a_number_with_thousands_of_digits_is_refused():
    """Python's integer-size guard becomes a readable problem."""
    assert _problems_of_text('{"practices": [{"version": ' + "9" * 5000 + "}]}", "json") == [
        RowProblem(0, "", "not a bank file: holds a number too long to read")
    ]


def test_unterminated_csv_quote_is_a_clear_error():
    """A quote that never closes would swallow the file: it is refused instead."""
    assert _problems_of_text(f'{HEADER}\nPB001,"Title,S,worked,prevention\n', "csv") == [
        RowProblem(0, "", "malformed CSV at row 2: unexpected end of data")
    ]


def test_ref_with_non_ascii_digits_is_refused():
    """Arabic-Indic digits look like a number but are not a PB reference."""
    assert _problems_of_text(_json_with(ref="PB١٢٣"), "json") == [
        RowProblem(1, "ref", "'PB١٢٣' is not a reference like PB001")
    ]


def test_problem_messages_shorten_hostile_values():
    """A huge unknown value is quoted to 40 characters in the reason."""
    problems = _problems_of_text(_json_with(visibility="z" * 5000), "json")
    assert problems == [
        RowProblem(1, "visibility", f"'{'z' * 40}…' is not one of: public, restricted")
    ]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_sql_mentions_markup_emoji_and_rtl_text_round_trip(fmt: str):
    """Injection-looking text is only data: it is read back exactly as written."""
    practice = Practice(
        ref="PB777",
        title="'; DROP TABLE practices; -- <!channel> @everyone",
        summary="1' OR '1'='1\n<img src=x onerror=alert(1)> <@U0001> <#C0001> **bold** 🚨🏳️‍🌈",
        effectiveness=Effectiveness.PROMISING,
        focus=(Focus.PREVENTION,),
        topics=("Robert'); DROP TABLE students;--", "@here", "עברית ومعها العربية"),
        organisation="\u202eevil\u202c override",
    )
    stream = io.StringIO(newline="")
    write_bank([practice], fmt, stream)  # type: ignore[arg-type]
    assert parse_bank_text(stream.getvalue(), fmt) == [practice]  # type: ignore[arg-type]
