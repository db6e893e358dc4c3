"""Which database the CLI uses, and the one-line answers when it cannot use it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.practicebank.conftest import (
    DEMO_BANK,
    DEMO_COUNT,
    RESTRICTED_RECORD,
    Cli,
    count_practices,
    database_line,
    write_bank,
)

UNREACHABLE = "postgresql+psycopg://x@127.0.0.1:1/x"


def _one_line_failure(err: str) -> str:
    """Check standard error is one `practicebank:` line and no traceback; return that line."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("practicebank: ")
    return lines[0]


@pytest.mark.parametrize(
    "argv", [("search", "knife"), ("import", str(DEMO_BANK)), ("db", "upgrade")]
)
def test_unreachable_postgresql_is_one_line_exit_1(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    """A server that refuses connections: exit 1 and one line naming the database."""
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    run = cli(*argv)
    assert run.code == 1
    assert run.out == ""
    line = _one_line_failure(run.err)
    assert line.startswith(f"practicebank: Cannot use the database at {UNREACHABLE}: ")


def test_database_password_is_never_printed(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure line hides the password in the URL."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://pb:s3cret-pw@127.0.0.1:1/bank")
    run = cli("search", "knife")
    assert run.code == 1
    line = _one_line_failure(run.err)
    assert "s3cret-pw" not in line
    assert line.startswith("practicebank: Cannot use the database at postgresql+psycopg://pb:***@")


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            "not a url at all",
            "practicebank: Malformed database URL 'not a url at all': Could not parse SQLAlchemy "
            "URL from given URL string",
        ),
        (
            "foo://bar",
            "practicebank: Unsupported database URL foo://bar: Can't load plugin: "
            "sqlalchemy.dialects:foo",
        ),
    ],
)
def test_garbage_database_url_is_one_line_exit_1(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, url: str, line: str
) -> None:
    """A URL that is not one, or names no known database: exit 1, one plain line."""
    monkeypatch.setenv("DATABASE_URL", url)
    run = cli("export")
    assert run.code == 1
    assert _one_line_failure(run.err) == line


def test_database_url_flag_overrides_the_environment(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--database-url` wins over a broken DATABASE_URL."""
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    url = f"sqlite:///{tmp_path / 'flag.db'}"
    run = cli("--database-url", url, "import", str(DEMO_BANK))
    assert run.code == 0
    assert run.err.startswith(database_line(url))
    assert count_practices(url) == DEMO_COUNT


def test_without_database_url_the_bank_lives_in_the_data_folder(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No DATABASE_URL: a SQLite file under $XDG_DATA_HOME/practicebank, created on first use."""
    monkeypatch.delenv("DATABASE_URL")
    expected = tmp_path / "xdg" / "practicebank" / "practicebank.db"
    run = cli("db", "upgrade")
    assert run.code == 0
    assert run.err.startswith(database_line(f"sqlite:///{expected}"))
    assert expected.is_file()


def test_database_folder_that_cannot_be_made_is_one_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A database path under a regular file: exit 1 saying the folder cannot be created."""
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'afile' / 'sub' / 'x.db'}")
    run = cli("db", "upgrade")
    assert run.code == 1
    assert _one_line_failure(run.err) == (
        f"practicebank: Cannot create the database folder {tmp_path / 'afile' / 'sub'}: "
        "Not a directory"
    )


def test_read_only_database_refuses_an_import_and_keeps_its_data(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path, tmp_path: Path
) -> None:
    """Importing through a read-only SQLite URL exits 1, one line; the data is unchanged."""
    assert cli("import", str(DEMO_BANK)).code == 0
    before = cli("export").out
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{isolated_home}?mode=ro&uri=true")
    run = cli("import", str(write_bank(tmp_path / "new.json", [RESTRICTED_RECORD])))
    assert run.code == 1
    assert _one_line_failure(run.err) == (
        f"practicebank: Cannot use the database at sqlite:///file:{isolated_home}: "
        "attempt to write a readonly database"
    )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{isolated_home}")
    assert cli("export").out == before


def test_locked_database_refuses_an_import_after_the_busy_timeout(
    cli: Cli, isolated_home: Path, tmp_path: Path
) -> None:
    """Another connection holding BEGIN EXCLUSIVE: exit 1 after the 5 s wait, data unchanged."""
    assert cli("import", str(DEMO_BANK)).code == 0
    before = cli("export").out
    holder = sqlite3.connect(isolated_home, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        run = cli("import", str(write_bank(tmp_path / "new.json", [RESTRICTED_RECORD])))
    finally:
        holder.rollback()
        holder.close()
    assert run.code == 1
    assert _one_line_failure(run.err) == (
        f"practicebank: Cannot use the database at sqlite:///{isolated_home}: database is locked"
    )
    assert cli("export").out == before


def _schema(database: Path) -> tuple[list[str], list[str]]:
    connection = sqlite3.connect(database)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        versions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    finally:
        connection.close()
    return tables, versions


def test_db_upgrade_creates_the_schema_and_is_idempotent(cli: Cli, isolated_home: Path) -> None:
    """`db upgrade` on a new file exits 0; again, it exits 0 and changes nothing."""
    url = f"sqlite:///{isolated_home}"
    said = database_line(url) + f"Database {url} is at the newest schema.\n"
    first = cli("db", "upgrade")
    assert (first.code, first.out, first.err) == (0, "", said)
    schema = _schema(isolated_home)
    assert "practices" in schema[0]
    assert len(schema[1]) == 1
    second = cli("db", "upgrade")
    assert (second.code, second.out, second.err) == (0, "", said)
    assert _schema(isolated_home) == schema


def test_db_without_an_action_is_a_usage_error(cli: Cli) -> None:
    """`practicebank db` alone exits 2 (argparse), naming what is missing."""
    run = cli("db")
    assert run.code == 2
    assert "the following arguments are required: ACTION" in run.err


def test_no_command_is_a_usage_error(cli: Cli) -> None:
    """`practicebank` alone exits 2 with the usage."""
    run = cli()
    assert run.code == 2
    assert run.err.startswith("usage: practicebank ")
