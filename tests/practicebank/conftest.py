"""Fixtures for the command-line tests: an isolated home, a `cli` runner and bank files to import.

Every test gets XDG_DATA_HOME and DATABASE_URL inside its own tmp_path, so no command can touch
the real home folder or a developer's database. `cli(*argv)` runs `practicebank.cli.main`
in-process and returns the exit code and what was printed on each stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.kernel.ports import UnitOfWork
from practicebank.bootstrap import open_store
from practicebank.cli import main
from tests.conftest import _postgres_schema_url

DEMO_BANK = Path(str(resources.files("bot.bankfile").joinpath("demo_bank.json")))
DEMO_COUNT = 63

# Only police-only workspaces may see it; "covert knife" finds it there.
RESTRICTED_RECORD: dict[str, object] = {
    "ref": "PB900",
    "title": "Covert knife test purchase tactics",
    "summary": "Officers run covert knife test purchases at retailers; the method is police only.",
    "effectiveness": "promising",
    "focus": ["prevention"],
    "organisation": "Example Constabulary",
    "visibility": "restricted",
}


@dataclass(frozen=True)
class CliRun:
    """What one command did: its exit code and everything it printed."""

    code: int
    out: str
    err: str


Cli = Callable[..., CliRun]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data folder and the default database into tmp_path; return the database file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    database = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("USER", "alice")
    monkeypatch.delenv("PRACTICEBANK_DEBUG", raising=False)
    monkeypatch.delenv("PRACTICEBANK_LOG", raising=False)
    return database


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `practicebank ARGS...` in-process; argparse's own exits come back as codes too."""

    def run(*argv: str) -> CliRun:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def bank_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the shared store fixture's database (SQLite file or PostgreSQL schema) the CLI's."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind as `database_url`, to import an export into."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        yield from _postgres_schema_url()


def database_line(url: str) -> str:
    """The line every command prints first on standard error, naming its database."""
    return f"Practice bank database: {make_url(url).render_as_string(hide_password=True)}\n"


def write_bank(path: Path, records: list[dict[str, object]]) -> Path:
    """Write `records` as a JSON bank file at `path` (UTF-8, as a person would save it)."""
    path.write_text(json.dumps({"practices": records}, ensure_ascii=False), encoding="utf-8")
    return path


def practice(ref: str, **fields: object) -> dict[str, object]:
    """A minimal valid practice record, with any field overridden."""
    record: dict[str, object] = {
        "ref": ref,
        "title": f"Practice {ref}",
        "summary": f"What {ref} did.",
        "effectiveness": "worked",
        "focus": ["prevention"],
    }
    record.update(fields)
    return record


def in_store(url: str, work: Callable[[UnitOfWork], object]) -> object:
    """Look at the database directly (not through the CLI) and close the connection after."""
    store = open_store(url)
    try:
        with store.uow_factory() as uow:
            return work(uow)
    finally:
        store.engine.dispose()


def count_practices(url: str) -> int:
    """How many practices the database holds."""
    count = in_store(url, lambda uow: uow.practices.count())
    assert isinstance(count, int)
    return count
