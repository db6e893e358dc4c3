"""Issue 11's small frictions on the command line: refs as the chat reads them, closed pipes,
honest counts, the empty bank, and `chat --as-of`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from practicebank.bootstrap import ClockFrom
from tests.practicebank.conftest import DEMO_BANK, Cli
from tests.support.memory import FixedClock


def test_show_accepts_a_ref_typed_as_the_chat_accepts_it(cli: Cli) -> None:
    """`practicebank show pb46` prints PB046, as `show pb46` does in the chat."""
    assert cli("import", str(DEMO_BANK)).code == 0
    run = cli("show", "pb46")
    assert run.code == 0
    assert run.out.startswith("ref: PB046\ntitle: Reducing theft of catalytic converters\n")


def test_search_says_how_many_are_listed_when_more_match(cli: Cli) -> None:
    """More matches than `--limit`: the count line says only the first N are shown, and how."""
    assert cli("import", str(DEMO_BANK)).code == 0
    run = cli("search", "crime", "--limit", "3")
    first = run.out.splitlines()[0]
    assert first.endswith(" match; showing the first 3 — use --limit to see more.")
    assert int(first.split(" ", 1)[0]) > 3


def test_search_of_an_empty_bank_says_the_bank_is_empty(cli: Cli) -> None:
    """Nothing to find because nothing is loaded: the answer says so and how to load some."""
    run = cli("search", "knife")
    assert run.code == 1
    assert run.out == (
        "No practice matches. The bank is empty: load practices with `practicebank import FILE`.\n"
    )


def test_export_into_a_closed_pipe_ends_quietly(isolated_home: Path) -> None:
    """`practicebank export | head`: when the reader has gone, no BrokenPipeError, exit 0."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`head`) has already had enough
    try:
        done = subprocess.run(
            [sys.executable, "-m", "practicebank.cli", "export"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{isolated_home}"},
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "BrokenPipeError" not in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert done.returncode == 0


def test_chat_as_of_starts_the_clock_on_that_day() -> None:
    """`--as-of 2026-03-03` reads midnight of that day, then moves on with real time."""
    real = FixedClock(datetime(2025, 1, 9, 15, 30, tzinfo=UTC))
    clock = ClockFrom(date(2026, 3, 3), real=real)
    assert clock.now() == datetime(2026, 3, 3, tzinfo=UTC)
    real.at = datetime(2025, 1, 9, 15, 32, tzinfo=UTC)
    assert clock.now() == datetime(2026, 3, 3, 0, 2, tzinfo=UTC)


def test_chat_as_of_says_when_the_clock_starts(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat names its starting day on standard error, so a transcript stays clean."""
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    run = cli("chat", "--as-of", "2026-03-03", "--no-scheduler")
    assert run.code == 0
    assert "The clock starts at 2026-03-03 (--as-of) and runs on from there.\n" in run.err
    assert "2026-03-03" not in run.out


def test_chat_as_of_refuses_a_day_it_cannot_read(cli: Cli) -> None:
    """`--as-of next year` exits 2 with an example of the expected form."""
    run = cli("chat", "--as-of", "next year")
    assert run.code == 2
    assert run.err == "practicebank: --as-of takes a day like 2026-03-03, not 'next year'\n"


def test_chat_keeps_log_lines_out_of_the_conversation(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused moderator command logs a warning, but never into the chat's own output."""
    monkeypatch.setattr("sys.stdin", io.StringIO("call list\nquit\n"))
    run = cli("chat", "--no-scheduler")
    assert "WARNING" not in run.out
    assert "bot.moderation" not in run.out


def test_chat_log_file_takes_the_log_lines(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--log-file PATH` writes the warnings there, not on either stream."""
    log_file = tmp_path / "chat.log"
    monkeypatch.setattr("sys.stdin", io.StringIO("call list\nquit\n"))
    run = cli("chat", "--no-scheduler", "--log-file", str(log_file))
    assert "attempted call list" not in run.err + run.out
    assert "attempted call list" in log_file.read_text(encoding="utf-8")
