"""Bank files with mistakes: every problem found, pinned to row and field, nothing imported."""

import json

import pytest

from bot.bankfile import BankFileError, RowProblem, parse_bank_text
from tests.support.bank import practice_record

HEADER = "ref,title,summary,effectiveness,focus"


def _csv_rows(count: int, bad: dict[int, str] | None = None) -> str:
    """A CSV bank of `count` good rows, with some rows (by spreadsheet row number) replaced."""
    lines = [HEADER]
    for row in range(2, count + 2):
        line = (bad or {}).get(row, f"PB{row:03d},Title {row},Summary {row},worked,prevention")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _json_problems(**fields: object) -> list[RowProblem]:
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(json.dumps({"practices": [practice_record(**fields)]}), "json")
    return caught.value.problems


def test_one_bad_csv_row_among_100_is_named_by_row_and_field():
    """A single unknown effectiveness in row 51 is reported as row 51, effectiveness."""
    text = _csv_rows(100, {51: "PB051,Title,Summary,sort of,prevention"})
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "csv")
    assert caught.value.problems == [
        RowProblem(
            51, "effectiveness", "'sort of' is not one of: worked, promising, untested, didnt_work"
        )
    ]


def test_one_bad_json_practice_among_100_is_counted_from_one():
    """JSON practices are numbered from 1: the 37th practice's missing title is row 37."""
    records = [
        {
            "ref": f"PB{n:03d}",
            "title": f"T{n}",
            "summary": "S",
            "effectiveness": "worked",
            "focus": ["prevention"],
        }
        for n in range(1, 101)
    ]
    del records[36]["title"]
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(json.dumps(records), "json")
    assert caught.value.problems == [RowProblem(37, "title", "required")]


def test_several_bad_rows_are_all_listed_in_row_order():
    """Every problem in every row is collected, not just the first."""
    text = _csv_rows(
        10,
        {
            3: "PB003,,Summary,worked,prevention",
            7: "bad-ref,Title,Summary,worked,",
            9: "PB009,Title,,Worked,everything",
        },
    )
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "csv")
    assert caught.value.problems == [
        RowProblem(3, "title", "required"),
        RowProblem(7, "ref", "'bad-ref' is not a reference like PB001"),
        RowProblem(
            7,
            "focus",
            "required: at least one of prevention, diversion, reoffending, organisational, "
            "location",
        ),
        RowProblem(9, "summary", "required"),
        RowProblem(
            9,
            "focus",
            "'everything' is not one of: prevention, diversion, reoffending, organisational, "
            "location",
        ),
    ]


def test_a_duplicate_ref_names_the_row_that_used_it_first():
    """The second use of a ref (in any case) is a problem pointing at the first."""
    text = _csv_rows(3, {4: "pb002,Other,Summary,worked,prevention"})
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "csv")
    assert caught.value.problems == [RowProblem(4, "ref", "PB002 is already used by row 2")]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"ref": None}, RowProblem(1, "ref", "required")),
        ({"ref": "PB12"}, RowProblem(1, "ref", "'PB12' is not a reference like PB001")),
        ({"ref": 7}, RowProblem(1, "ref", "expected text, got a number")),
        (
            {"title": "x" * 201},
            RowProblem(1, "title", "too long: 201 characters, the limit is 200"),
        ),
        (
            {"summary": "x" * 1001},
            RowProblem(1, "summary", "too long: 1,001 characters, the limit is 1,000"),
        ),
        ({"effectiveness": ""}, RowProblem(1, "effectiveness", "required")),
        (
            {"focus": ["prevention", 3]},
            RowProblem(1, "focus", "expected a list of text, found a number in it"),
        ),
        ({"focus": {"a": 1}}, RowProblem(1, "focus", "expected a list of text, got an object")),
        (
            {"linked_to": ["Nobel prize"]},
            RowProblem(
                1,
                "linked_to",
                "'Nobel prize' is not one of: hmicfrs, smarter_practice, tilley_award, "
                "police_star_fund",
            ),
        ),
        (
            {"visibility": "secret"},
            RowProblem(1, "visibility", "'secret' is not one of: public, restricted"),
        ),
        (
            {"start_date": "31/12/2020"},
            RowProblem(1, "start_date", "'31/12/2020' is not a date like 2024-03-31"),
        ),
        (
            {"start_date": "2021-01-02", "end_date": "2021-01-01"},
            RowProblem(1, "end_date", "2021-01-01 is before the start date 2021-01-02"),
        ),
        (
            {"added_at": "yesterday"},
            RowProblem(
                1, "added_at", "'yesterday' is not a date and time like 2024-03-31T09:30:00Z"
            ),
        ),
        ({"version": 0}, RowProblem(1, "version", "0 is not a whole number from 1")),
        ({"version": "two"}, RowProblem(1, "version", "'two' is not a whole number from 1")),
        ({"version": True}, RowProblem(1, "version", "true/false is not a whole number from 1")),
        ({"version": 1.5}, RowProblem(1, "version", "1.5 is not a whole number from 1")),
        (
            {"contact_email": "not an email"},
            RowProblem(1, "contact_email", "'not an email' does not look like an email address"),
        ),
        (
            {"links": ["javascript:alert(1)"]},
            RowProblem(1, "links", "'javascript:alert(1)' is not an http(s) link"),
        ),
        ({"links": ["https://"]}, RowProblem(1, "links", "'https://' is not an http(s) link")),
        ({"organisation": ["a"]}, RowProblem(1, "organisation", "expected text, got a list")),
    ],
)
def test_each_field_rule_reports_a_precise_reason(fields: dict[str, object], expected: RowProblem):
    """A value breaking one field rule yields exactly that field's problem."""
    assert _json_problems(**fields) == [expected]


def test_a_non_object_json_entry_is_a_row_problem_alongside_others():
    """A number in the practices list is reported with the other rows' problems."""
    text = json.dumps(
        [
            3,
            {
                "ref": "PB002",
                "title": "T",
                "summary": "S",
                "effectiveness": "nope",
                "focus": "location",
            },
        ]
    )
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "json")
    assert caught.value.problems == [
        RowProblem(1, "", "expected a practice object, found a number"),
        RowProblem(
            2, "effectiveness", "'nope' is not one of: worked, promising, untested, didnt_work"
        ),
    ]


def test_unknown_csv_column_is_a_problem():
    """A column that is not a practice field stops the import (a typo would drop a field)."""
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(HEADER + ",orgnisation\nPB001,T,S,worked,prevention,Police\n", "csv")
    assert caught.value.problems == [
        RowProblem(1, "orgnisation", "unknown column (not a practice field)")
    ]


def test_missing_and_repeated_csv_columns_are_problems():
    """Required columns must be present and no column may appear twice."""
    with pytest.raises(BankFileError) as caught:
        parse_bank_text("ref,title,Title,summary\n", "csv")
    assert caught.value.problems == [
        RowProblem(1, "title", "column appears more than once"),
        RowProblem(1, "effectiveness", "required column missing"),
        RowProblem(1, "focus", "required column missing"),
    ]


def test_extra_cells_beyond_the_header_are_a_problem():
    """A row with more non-empty cells than the header has columns is reported."""
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(_csv_rows(2, {3: "PB003,T,S,worked,prevention,surplus"}), "csv")
    assert caught.value.problems == [RowProblem(3, "", "6 cells but the header has 5 columns")]


def test_blank_header_columns_are_ignored_unless_they_hold_data():
    """Trailing unnamed columns are fine when empty, a problem when a row fills them."""
    text = HEADER + ",,\nPB001,T,S,worked,prevention,,\nPB002,T,S,worked,prevention,,x\n"
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "csv")
    assert caught.value.problems == [
        RowProblem(3, "column 7", "a value under a column with no name")
    ]


def test_error_message_lists_problems_one_per_line():
    """str(BankFileError) names the source and lists 'row N, field: reason' lines."""
    text = _csv_rows(3, {2: "PB002,,S,worked,prevention", 4: "PB004,T,S,worked,"})
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "csv", source="bank.csv")
    assert str(caught.value) == (
        "bank.csv: bank file not imported, 2 problems:\n"
        "  row 2, title: required\n"
        "  row 4, focus: required: at least one of prevention, diversion, reoffending, "
        "organisational, location"
    )


def test_error_message_is_capped_at_50_problems():
    """With 120 problems, the message lists 50 and says 'and 70 more'; all stay on .problems."""
    text = _csv_rows(120, {row: f"PB{row:03d},,S,worked,prevention" for row in range(2, 122)})
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, "csv")
    lines = str(caught.value).splitlines()
    assert len(caught.value.problems) == 120
    assert lines[0] == "bank file not imported, 120 problems:"
    assert lines[50] == "  row 51, title: required"
    assert lines[51:] == ["  and 70 more"]


def test_file_level_problem_reads_as_file():
    """A row-0 problem is shown as 'file: reason'."""
    with pytest.raises(BankFileError) as caught:
        parse_bank_text("", "csv")
    assert str(caught.value) == "bank file not imported, 1 problem:\n  file: file is empty"
