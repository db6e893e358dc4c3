"""The installed `practicebank` console script, run as a real process with piped input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.practicebank.conftest import DEMO_COUNT

SCRIPT = Path(sys.executable).parent / "practicebank"


def test_console_script_chats_on_piped_input(tmp_path: Path) -> None:
    """`printf 'knfe crime\\nquit\\n' | practicebank chat` finds PB017 and PB058 and exits 0."""
    database = tmp_path / "script.db"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PRACTICEBANK_DEBUG", "PRACTICEBANK_LOG")
    }
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), DATABASE_URL=f"sqlite:///{database}")
    done = subprocess.run(
        [str(SCRIPT), "chat"],
        input=b"knfe crime\nquit\n",
        capture_output=True,
        env=env,
        cwd=tmp_path,  # outside the checkout: the installed package, not the working folder
        timeout=60,
        check=False,
    )
    out = done.stdout.decode("utf-8")
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    assert err == (
        f"Practice bank database: sqlite:///{database}\n"
        f"The bank was empty: loaded the demo bank ({DEMO_COUNT} practices).\n"
    )
    assert "1. PB058 · " in out or "1. PB017 · " in out
    assert "PB017 · Habitual knife carrier index" in out
    assert "PB058 · Using community impact statements for knife crime" in out
    assert out.endswith("Goodbye.\n\n")
    assert not any(line.startswith(">") for line in out.splitlines())  # no prompt in a pipe


HEAVY_MODULES = ("sqlalchemy", "sqlmodel", "alembic", "slack_bolt", "slack_sdk", "discord")


def test_help_loads_no_orm_slack_or_discord(tmp_path: Path) -> None:
    """`practicebank --help` prints its usage without importing the ORM, Slack or Discord."""
    probe = (
        "import sys\n"
        "from practicebank.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY_MODULES!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, cwd=tmp_path, timeout=60, check=True
    )
    out = done.stdout.decode()
    assert out.startswith("usage: practicebank")
    assert out.splitlines()[-1] == "[]"
