"""`practicebank chat`: the console conversation on piped input, the demo bank, workspace flags."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from adapters.console.app import GREETING
from bot.kernel.ports import WorkspaceSettings
from tests.practicebank.conftest import (
    DEMO_COUNT,
    RESTRICTED_RECORD,
    Cli,
    count_practices,
    database_line,
    in_store,
    write_bank,
)

LOADED = f"The bank was empty: loaded the demo bank ({DEMO_COUNT} practices).\n"
GOODBYE = "Goodbye.\n\n"
RESULT_REF = re.compile(r"^\d+\. (PB\d+) · ", re.MULTILINE)


def _type(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))


def _url(database: Path) -> str:
    return f"sqlite:///{database}"


def test_chat_on_an_empty_bank_loads_the_demo_bank_and_says_so(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """An empty database gets the 63 demo practices, announced on standard error."""
    _type(monkeypatch, "quit")
    run = cli("chat")
    assert run.code == 0
    assert run.out == f"{GREETING}\n{GOODBYE}"
    assert run.err == database_line(_url(isolated_home)) + LOADED
    assert count_practices(_url(isolated_home)) == DEMO_COUNT


def test_chat_finds_knife_crime_practices_despite_a_typo(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`knfe crime` shows the two knife-crime practices first, then quit says goodbye."""
    _type(monkeypatch, "knfe crime", "quit")
    run = cli("chat")
    assert run.code == 0
    assert set(RESULT_REF.findall(run.out)[:2]) == {"PB017", "PB058"}
    assert run.out.startswith(GREETING + "\n")
    assert run.out.endswith(GOODBYE)


def test_chat_does_not_load_the_demo_bank_into_a_bank_that_has_practices(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path, tmp_path: Path
) -> None:
    """A bank holding even one practice is left as it is."""
    assert cli("import", str(write_bank(tmp_path / "one.json", [RESTRICTED_RECORD]))).code == 0
    _type(monkeypatch, "quit")
    run = cli("chat")
    assert run.code == 0
    assert run.err == database_line(_url(isolated_home))
    assert count_practices(_url(isolated_home)) == 1


def test_chat_with_no_demo_leaves_the_bank_empty(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """`--no-demo` loads nothing, so a search finds nothing."""
    _type(monkeypatch, "knfe crime", "quit")
    run = cli("chat", "--no-demo")
    assert run.code == 0
    assert run.err == database_line(_url(isolated_home))
    assert "No practices found for “knfe crime”." in run.out
    assert RESULT_REF.findall(run.out) == []
    assert count_practices(_url(isolated_home)) == 0


def test_chat_ends_at_end_of_input_without_quit(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped input that simply stops ends the session with exit 0 and no goodbye."""
    _type(monkeypatch, "help")
    run = cli("chat", "--no-demo")
    assert run.code == 0
    assert run.out.startswith(GREETING + "\n")
    assert "Goodbye." not in run.out


def test_chat_moderator_and_police_only_flags_reach_the_workspace_settings(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """`--moderator --police-only --user bob` records bob as moderator of a police-only console."""
    _type(monkeypatch, "quit")
    assert cli("chat", "--no-demo", "--moderator", "--police-only", "--user", "bob").code == 0
    settings = in_store(_url(isolated_home), lambda uow: uow.workspaces.get("console", "local"))
    assert settings == WorkspaceSettings(
        platform="console",
        workspace_id="local",
        police_only=True,
        moderation_channel="console",
        moderator_ids=("bob",),
    )


def test_chat_without_flags_is_an_ordinary_workspace_for_user(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """Without flags the console is not police-only and nobody moderates; $USER names the user."""
    _type(monkeypatch, "quit")
    assert cli("chat", "--no-demo", "--moderator").code == 0
    _type(monkeypatch, "quit")
    assert cli("chat", "--no-demo").code == 0
    settings = in_store(_url(isolated_home), lambda uow: uow.workspaces.get("console", "local"))
    assert settings == WorkspaceSettings(
        platform="console", workspace_id="local", police_only=False, moderation_channel="console"
    )


def test_chat_police_only_shows_a_restricted_practice(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In a police-only console `show PB900` opens the restricted practice."""
    assert cli("import", str(write_bank(tmp_path / "r.json", [RESTRICTED_RECORD]))).code == 0
    _type(monkeypatch, "show PB900", "quit")
    run = cli("chat", "--police-only")
    assert run.code == 0
    assert "PB900 · Covert knife test purchase tactics\n" in run.out


def test_chat_without_police_only_hides_a_restricted_practice(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Elsewhere the restricted practice reads as unknown."""
    assert cli("import", str(write_bank(tmp_path / "r.json", [RESTRICTED_RECORD]))).code == 0
    _type(monkeypatch, "show PB900", "covert knife", "quit")
    run = cli("chat")
    assert run.code == 0
    assert "No practice PB900 in the bank." in run.out
    assert "Covert knife" not in run.out


def test_chat_survives_hostile_lines(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """Control characters, 100 kB, emoji, RTL, SQL and mentions each get an answer, no crash."""
    hostile = [
        "",
        "x" * 100_000,
        "knife\x1b[31m crime\x07\x00",
        "🔪🚔 knife crime 👮‍♀️",
        "جريمة السكين \u202eknife",
        "'; DROP TABLE practices; --",
        "<!channel> @everyone <@U123> knife",
    ]
    _type(monkeypatch, *hostile, "quit")
    run = cli("chat")
    assert run.code == 0
    assert "Something went wrong" not in run.out
    assert run.out.endswith(GOODBYE)
    assert " for “'; DROP TABLE practices; --”" in run.out
    assert " for “<!channel> @everyone <@U123> knife”" in run.out
    assert count_practices(_url(isolated_home)) == DEMO_COUNT


def test_chat_moderator_flag_keeps_other_terminals_moderators(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """Bob then alice with `--moderator`: both moderate; alice again without it: only bob."""
    for user in ("bob", "alice"):
        _type(monkeypatch, "quit")
        assert cli("chat", "--no-demo", "--moderator", "--user", user).code == 0
    url = _url(isolated_home)
    settings = in_store(url, lambda uow: uow.workspaces.get("console", "local"))
    assert isinstance(settings, WorkspaceSettings)
    assert settings.moderator_ids == ("bob", "alice")
    _type(monkeypatch, "quit")
    assert cli("chat", "--no-demo", "--user", "alice").code == 0
    settings = in_store(url, lambda uow: uow.workspaces.get("console", "local"))
    assert isinstance(settings, WorkspaceSettings)
    assert settings.moderator_ids == ("bob",)
