"""`search` and `show` read a bank at head without the ORM, and answer as the ORM path does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from store.engine import make_engine
from store.migrate import current_revision, downgrade, head_revision
from tests.practicebank.conftest import DEMO_BANK, Cli, database_line

ORM_MODULES = ("sqlalchemy", "sqlmodel", "alembic")


def _modules_loaded_by(argv: list[str], tmp_path: Path, url: str) -> tuple[str, list[str]]:
    """Run `practicebank ARGV` in a fresh interpreter; its output and the ORM modules it loaded."""
    probe = (
        "import sys\n"
        "from practicebank.cli import main\n"
        f"code = main({argv!r})\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({ORM_MODULES!r}))\n"
        "print('LOADED', code, loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTICEBANK_")}
    env |= {"XDG_DATA_HOME": str(tmp_path / "xdg"), "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=True,
    )
    out = done.stdout.decode()
    return out, [line for line in out.splitlines() if line.startswith("LOADED")]


def test_search_and_show_load_no_orm(cli: Cli, bank_url: str, tmp_path: Path) -> None:
    """On a migrated bank neither command imports SQLAlchemy, SQLModel or Alembic."""
    assert cli("import", str(DEMO_BANK)).code == 0
    for argv, expected in (
        (["search", "knife", "crime"], "PB017"),  # builds the index and keeps it on disk
        (["search", "knife", "crime", "--json"], "PB058"),  # loads the kept index
        (["show", "pb17"], "Habitual knife carrier index"),
    ):
        out, loaded = _modules_loaded_by(argv, tmp_path, bank_url)
        assert expected in out
        assert loaded == ["LOADED 0 []"], argv


def test_search_answers_alike_whichever_way_it_reads(
    cli: Cli, bank_url: str, isolated_home: Path
) -> None:
    """The driver-only answer equals the one given after migrating an older schema by the ORM."""
    assert cli("import", str(DEMO_BANK)).code == 0
    queries = (("knfe crime", "--json"), ("suicide",), ("burglary", "--focus", "prevention"))
    by_driver = [cli("search", *query) for query in queries]
    shown_by_driver = cli("show", "PB017")
    engine = make_engine(bank_url)
    try:
        downgrade(engine, "0009")  # one behind: the next command migrates it, through the ORM
        by_orm = [cli("search", *query) for query in queries]
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    assert [(run.code, run.out) for run in by_orm] == [(run.code, run.out) for run in by_driver]
    assert all(run.err == database_line(bank_url) for run in by_orm + by_driver)
    assert cli("show", "PB017").out == shown_by_driver.out


def test_search_on_a_missing_database_creates_it_and_says_it_is_empty(
    cli: Cli, isolated_home: Path
) -> None:
    """No file yet: made and migrated as before, and the answer says how to fill it."""
    run = cli("search", "knife")
    assert run.code == 1
    assert run.out.startswith("No practice matches. The bank is empty")
    assert isolated_home.is_file()


def test_search_on_a_schema_newer_than_this_release_is_one_line(cli: Cli, bank_url: str) -> None:
    """A revision this release does not know: one `practicebank:` line, no traceback."""
    assert cli("import", str(DEMO_BANK)).code == 0
    engine = make_engine(bank_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    for argv in (("search", "knife"), ("show", "PB017")):
        run = cli(*argv)
        assert run.code == 1
        assert run.out == ""
        assert run.err == (
            "practicebank: Cannot migrate the database: Can't locate revision identified by"
            " '9999' (was it written by a newer release?)\n"
        )
