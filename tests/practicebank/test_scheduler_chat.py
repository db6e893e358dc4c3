"""`practicebank chat` at run time: the sweep flags, and two terminals sharing one database."""

from __future__ import annotations

import io

import pytest

from adapters.console.app import GREETING
from tests.practicebank.conftest import Cli

SHARE_LINES = (
    "share",
    "Street triage for mental health calls",
    "Officers and nurses attend crisis calls together.",
    "People in crisis were detained when care would have served them better.",
    "A nurse rode with officers on evening shifts.",
    "prevention",
    "done",
    "promising",
    "skip",
    "Agree the rota with the health trust early.",
    "Northshire Police",
    "Sam Patel",
    "sam.patel@northshire.police.uk",
    *["skip"] * 9,
    "no",
    "submit",
    "quit",
)


def _type(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        ("soon", "the sweep period must be a number of seconds, not 'soon'"),
        ("0", "the sweep period must be between 1 and 86400 seconds, not 0"),
        ("1e9", "the sweep period must be between 1 and 86400 seconds, not 1e+09"),
    ],
)
def test_a_bad_sweep_period_is_a_usage_error(cli: Cli, monkeypatch, flag, reason):
    """`--sweep-seconds` that is not a sensible number of seconds exits 2 with the reason."""
    _type(monkeypatch, "quit")
    run = cli("chat", "--sweep-seconds", flag)
    assert (run.code, run.out) == (2, "")
    assert run.err == f"practicebank: {reason}\n"


def test_a_bad_sweep_period_in_the_environment_is_a_usage_error(cli: Cli, monkeypatch):
    """REMINDER_SWEEP_SECONDS is checked like the flag."""
    monkeypatch.setenv("REMINDER_SWEEP_SECONDS", "-1")
    _type(monkeypatch, "quit")
    run = cli("chat")
    assert run.code == 2
    assert run.err == (
        "practicebank: REMINDER_SWEEP_SECONDS must be between 1 and 86400 seconds, not -1\n"
    )


@pytest.mark.parametrize(
    "flags", [("--no-scheduler",), ("--sweep-seconds", "5")], ids=["no scheduler", "every 5 s"]
)
def test_chat_runs_with_or_without_the_scheduler(cli: Cli, monkeypatch, flags):
    """Chat works the same whether it sweeps in the background or leaves that to another process."""
    _type(monkeypatch, "show PB046", "quit")
    run = cli("chat", *flags)
    assert run.code == 0
    assert run.out.startswith(f"{GREETING}\nPB046 · Reducing theft of catalytic converters\n")
    assert run.out.endswith("Goodbye.\n\n")


def test_a_contributor_shares_and_the_moderator_terminal_gets_the_card(cli: Cli, monkeypatch):
    """alice shares in one terminal; mo's terminal, started later, prints the moderation card."""
    _type(monkeypatch, "quit")
    assert cli("chat", "--no-scheduler", "--user", "mo", "--moderator").code == 0
    _type(monkeypatch, *SHARE_LINES)
    alice = cli("chat", "--no-scheduler", "--user", "alice")
    assert alice.code == 0
    assert "Thanks — S-0001 is with the moderators." in alice.out
    assert "moderation channel" not in alice.out

    _type(monkeypatch, "quit")
    mo = cli("chat", "--no-scheduler", "--user", "mo", "--moderator")
    assert mo.out.startswith(
        f"{GREETING}\n── moderation channel ──\nSubmission S-0001 from alice.\n"
        "S-0001 · Street triage for mental health calls\n"
    )
    assert "   [1] Approve  [2] Request changes  [3] Reject\n\nGoodbye.\n\n" in mo.out

    _type(monkeypatch, "quit")
    again = cli("chat", "--no-scheduler", "--user", "mo", "--moderator")
    assert again.out == f"{GREETING}\nGoodbye.\n\n"  # delivered once, not at every start
