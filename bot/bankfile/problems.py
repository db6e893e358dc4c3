"""What reading a bank file reports besides practices: problems that stop it, harmless warnings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.domain import Practice

# Beyond this many, the readable listing says "and N more" (the full list stays on the error).
LISTED_PROBLEMS = 50


@dataclass(frozen=True)
class RowProblem:
    """One reason a bank file cannot be imported, pinned to the row a person would look at.

    `row` is 0 for the file as a whole (unreadable, empty, malformed), otherwise the practice's
    position as a person counts it: in CSV the spreadsheet row (the header is row 1, so data starts
    at row 2, and a cell holding line breaks does not add rows); in JSON the n-th practice, from 1.
    `field` is the practice field (or CSV column) concerned, or "" when the whole row is at fault.
    """

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        """One line such as `row 3, title: required`."""
        where = "file" if self.row == 0 else f"row {self.row}"
        if self.field:
            where = f"{where}, {self.field}"
        return f"{where}: {self.reason}"


class BankFileError(ValueError):
    """A bank file that cannot be imported, with every problem found, so they can be fixed at once.

    Nothing is imported when this is raised: a bank file is taken whole or not at all.
    """

    def __init__(self, problems: list[RowProblem], source: str | None = None) -> None:
        self.problems: list[RowProblem] = list(problems)
        self.source = source
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.problems)
        head = f"{self.source}: " if self.source else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{head}bank file not imported, {count} {noun}:"]
        lines.extend(f"  {problem}" for problem in self.problems[:LISTED_PROBLEMS])
        if count > LISTED_PROBLEMS:
            lines.append(f"  and {count - LISTED_PROBLEMS} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        """List the problems one per line, capped at `LISTED_PROBLEMS`."""
        return self._describe()


def file_error(reason: str, source: str | None = None) -> BankFileError:
    """Build an error about the file as a whole (row 0): empty, not UTF-8, malformed JSON..."""
    return BankFileError([RowProblem(0, "", reason)], source)


class ImportedPractices(list[Practice]):
    """The practices read from a bank file, plus warnings about what was ignored on the way.

    It is a plain list of practices (so callers that want only those need nothing else); the
    `warnings` say, for instance, which unknown JSON keys were skipped.
    """

    def __init__(self, practices: list[Practice], warnings: tuple[str, ...] = ()) -> None:
        super().__init__(practices)
        self.warnings: tuple[str, ...] = warnings
