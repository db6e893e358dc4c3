"""One settings object: environment, then `.env`, then the flag; checked once; shown by `config`."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import practicebank
from practicebank.bootstrap import (
    WorkspaceSeed,
    discord_workspace_seed,
    open_store,
    seed_workspace,
    slack_workspace_seed,
)
from practicebank.read_settings import read_settings
from practicebank.settings import SettingsError, Source, load_settings, settings_from
from tests.practicebank.conftest import Cli, database_line

ROOT = Path(practicebank.__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "practicebank"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder of our own, where `.env` is read from."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _config_line(out: str, name: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith(f"{name}=")]
    return line


def test_database_url_only_in_dotenv_is_the_database_search_uses(
    cli: Cli, workdir: Path, monkeypatch: pytest.MonkeyPatch
):
    """`DATABASE_URL` in `.env` alone: `practicebank search knife` names that database."""
    monkeypatch.delenv("DATABASE_URL")
    url = f"sqlite:///{workdir / 'x.db'}"
    (workdir / ".env").write_text(f"DATABASE_URL={url}\n")

    run = cli("search", "knife")

    assert run.err.startswith(database_line(url))
    assert (workdir / "x.db").is_file()


def test_environment_wins_over_dotenv_and_the_flag_over_both(
    cli: Cli, workdir: Path, monkeypatch: pytest.MonkeyPatch
):
    """The environment beats `.env`; `--database-url` beats both; each shows where it came from."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{workdir / 'env.db'}")
    monkeypatch.setenv("REMINDER_NUDGE_DAYS", "9")
    (workdir / ".env").write_text(
        f"DATABASE_URL=sqlite:///{workdir / 'file.db'}\nREMINDER_NUDGE_DAYS=3\n"
        "REMINDER_ESCALATE_DAYS=4\n"
    )

    plain = cli("config")
    flagged = cli("--database-url", f"sqlite:///{workdir / 'flag.db'}", "config")

    assert plain.code == 0
    assert _config_line(plain.out, "DATABASE_URL") == (
        f"DATABASE_URL=sqlite:///{workdir / 'env.db'} (environment)"
    )
    assert _config_line(plain.out, "REMINDER_NUDGE_DAYS") == "REMINDER_NUDGE_DAYS=9 (environment)"
    assert _config_line(plain.out, "REMINDER_ESCALATE_DAYS") == "REMINDER_ESCALATE_DAYS=4 (.env)"
    assert _config_line(plain.out, "REMINDER_INTERVAL_DAYS") == (
        "REMINDER_INTERVAL_DAYS=(not set) (default)"
    )
    assert _config_line(flagged.out, "DATABASE_URL") == (
        f"DATABASE_URL=sqlite:///{workdir / 'flag.db'} (flag)"
    )


def test_config_masks_secrets_and_names_their_source(
    cli: Cli, workdir: Path, monkeypatch: pytest.MonkeyPatch
):
    """Tokens show only their kind (`xoxb-****`) or `****`; never the secret itself."""
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f14e45fceea167a5a36dedd4bea2543")
    (workdir / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-1234-5678-abcdefhidden\nDISCORD_TOKEN=MTIz.Nzg5.c2VjcmV0\n"
    )

    run = cli("config")

    assert run.code == 0
    assert "hidden" not in run.out and "8f14e45f" not in run.out and "c2VjcmV0" not in run.out
    assert _config_line(run.out, "SLACK_BOT_TOKEN") == "SLACK_BOT_TOKEN=xoxb-**** (.env)"
    assert _config_line(run.out, "DISCORD_TOKEN") == "DISCORD_TOKEN=**** (.env)"
    assert _config_line(run.out, "SLACK_SIGNING_SECRET") == (
        "SLACK_SIGNING_SECRET=**** (environment)"
    )
    assert _config_line(run.out, "SLACK_APP_TOKEN") == "SLACK_APP_TOKEN=(not set) (default)"


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "DISCORD_POLICE_ONLY",
            "maybe",
            "practicebank: DISCORD_POLICE_ONLY must be true or false (1/0, yes/no, on/off), "
            "not 'maybe'",
        ),
        (
            "REMINDER_NUDGE_DAYS",
            "x",
            "practicebank: REMINDER_NUDGE_DAYS must be a whole number of days from 1 to 3650, "
            "not 'x'",
        ),
        (
            "SLACK_POLICE_ONLY",
            "<!channel> " + "🚓" * 500,
            "practicebank: SLACK_POLICE_ONLY must be true or false (1/0, yes/no, on/off), "
            f"not '<!channel> {'🚓' * 29}…'",
        ),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path, variable, value, line):
    """The real command exits 2 with one line naming the variable and what it accepts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTICEBANK_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'bad.db'}", **{variable: value})

    done = subprocess.run(
        [str(SCRIPT), "run", "discord"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [line]
    assert not (tmp_path / "bad.db").exists()  # stopped before touching the database


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("on", True), ("YES", True), ("1", True), (" True ", True), ("off", False), ("No", False)],
)
def test_booleans_read_every_usual_spelling(raw, expected):
    """`DISCORD_POLICE_ONLY=on` is true; 1/0, yes/no, on/off, true/false in any case are read."""
    assert settings_from({"DISCORD_POLICE_ONLY": raw}).discord_police_only is expected


def test_a_blank_value_counts_as_unset(workdir: Path, monkeypatch: pytest.MonkeyPatch):
    """`REMINDER_NUDGE_DAYS=` keeps the default rather than being refused."""
    monkeypatch.setenv("REMINDER_NUDGE_DAYS", "   ")
    (workdir / ".env").write_text("SLACK_MODERATORS=\n")

    settings = load_settings()

    assert settings.reminder_nudge_days is None
    assert settings.slack_moderators is None
    assert settings.source("reminder_nudge_days") is Source.DEFAULT


def test_database_url_env_wins():
    """DATABASE_URL selects the database when set."""
    values = {"DATABASE_URL": "postgresql+psycopg://bank@db/bank", "XDG_DATA_HOME": "/srv"}

    assert settings_from(values).database == "postgresql+psycopg://bank@db/bank"


def test_blank_database_url_means_the_default():
    """An empty DATABASE_URL is treated as unset: the SQLite file under $XDG_DATA_HOME."""
    values = {"DATABASE_URL": "  ", "XDG_DATA_HOME": "/srv"}

    assert settings_from(values).database == "sqlite:////srv/practicebank/practicebank.db"


def test_workspace_settings_merge_only_what_was_set_on_both_platforms(tmp_path: Path):
    """A restart with fewer variables keeps the stored unset ones, on Slack and on Discord."""
    store = open_store(f"sqlite:///{tmp_path / 'seed.db'}")
    try:
        first = settings_from(
            {
                "SLACK_MODERATION_CHANNEL": "C0MOD",
                "SLACK_MODERATORS": "U1,U2",
                "SLACK_POLICE_ONLY": "on",
                "DISCORD_GUILD_ID": "42",
                "DISCORD_MODERATION_CHANNEL_ID": "43",
                "DISCORD_MODERATOR_ROLES": "Mods",
                "DISCORD_MODERATOR_IDS": "44",
                "DISCORD_POLICE_ONLY": "yes",
            }
        )
        later = settings_from({"SLACK_MODERATORS": "U3", "DISCORD_GUILD_ID": "42"})
        for settings in (first, later):
            seed_workspace(store.uow_factory, slack_workspace_seed(settings, "T1"))
            discord = discord_workspace_seed(settings)
            assert discord is not None
            seed_workspace(store.uow_factory, discord)
        with store.uow_factory() as uow:
            slack = uow.workspaces.get("slack", "T1")
            guild = uow.workspaces.get("discord", "42")
    finally:
        store.engine.dispose()

    assert slack is not None and guild is not None
    assert (slack.moderation_channel, slack.moderator_ids, slack.police_only) == (
        "C0MOD",
        ("U3",),
        True,
    )
    assert (guild.moderation_channel, guild.moderator_roles, guild.moderator_ids) == (
        "43",
        ("Mods",),
        ("44",),
    )
    assert guild.police_only is True


def test_nothing_given_leaves_the_workspace_unconfigured(tmp_path: Path):
    """Without any workspace variable, start-up writes nothing to the database."""
    store = open_store(f"sqlite:///{tmp_path / 'none.db'}")
    try:
        stored = seed_workspace(store.uow_factory, WorkspaceSeed("slack", "T1"))
        with store.uow_factory() as uow:
            assert uow.workspaces.get("slack", "T1") is None
    finally:
        store.engine.dispose()

    assert stored is None
    assert discord_workspace_seed(settings_from({"DISCORD_POLICE_ONLY": "on"})) is None


def _reads_environment(path: Path) -> bool:
    """Whether the module touches `os.environ`, `os.getenv` or loads a `.env` itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "dotenv":
            return True
        if isinstance(node, ast.Name) and node.id in ("environ", "getenv"):
            return True
    return False


def test_only_the_settings_module_reads_the_environment():
    """Only the settings modules read `os.environ` or `.env`: the full one and the quick one."""
    readers = sorted(
        str(path.relative_to(ROOT))
        for package in ("bot", "store", "adapters", "practicebank")
        for path in (ROOT / package).rglob("*.py")
        if _reads_environment(path)
    )

    assert readers == ["practicebank/read_settings.py", "practicebank/settings.py"]


def test_the_environment_checker_catches_a_reader(tmp_path: Path):
    """The checker flags `os.environ`, `getenv` and `dotenv` (else it proves nothing)."""
    for source in (
        "import os\nx = os.environ.get('A')\n",
        "from os import getenv\ny = getenv('B')\n",
        "from dotenv import load_dotenv\n",
    ):
        module = tmp_path / "leak.py"
        module.write_text(source)
        assert _reads_environment(module), source
    (tmp_path / "clean.py").write_text("import os\nprint(os.sep)\n")
    assert not _reads_environment(tmp_path / "clean.py")


@pytest.mark.parametrize(
    ("environment", "dotenv", "flag"),
    [
        ({}, "", None),
        ({"DATABASE_URL": "sqlite:////tmp/env.db"}, "DATABASE_URL=sqlite:////tmp/file.db\n", None),
        ({}, "DATABASE_URL=sqlite:////tmp/file.db\nXDG_DATA_HOME=/srv/xdg-file\n", None),
        ({"XDG_DATA_HOME": "/srv/xdg-env"}, "XDG_DATA_HOME=/srv/xdg-file\n", None),
        ({"DATABASE_URL": ""}, "DATABASE_URL=sqlite:////tmp/file.db\n", None),
        ({"database_url": "sqlite:////tmp/lower.db"}, "", None),
        ({"DATABASE_URL": "sqlite:////tmp/env.db"}, "", "sqlite:////tmp/flag.db"),
        ({}, "", "   "),
    ],
)
def test_search_and_show_find_the_bank_where_the_full_settings_do(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, environment, dotenv, flag
):
    """The pydantic-free reading of `search` and `show` names the same database, every source."""

    for name in ("DATABASE_URL", "XDG_DATA_HOME", "DATABASE_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    (workdir / ".env").write_text(dotenv)

    quick = read_settings(database_url=flag)
    full = load_settings(database_url=flag)

    assert quick is not None
    assert (quick.database, quick.xdg_data_home) == (full.database, full.xdg_data_home)
    assert quick.database_statement_timeout_ms == full.database_statement_timeout_ms


def test_a_statement_timeout_sends_search_to_the_full_settings(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
):
    """A value that needs the full rules is left to them (and a bad one is refused there)."""

    (workdir / ".env").write_text("DATABASE_STATEMENT_TIMEOUT_MS=12\n")

    assert read_settings() is None
    with pytest.raises(SettingsError, match="DATABASE_STATEMENT_TIMEOUT_MS"):
        load_settings()
