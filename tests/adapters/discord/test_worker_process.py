"""The worker as the Procfile starts it (`practicebank run discord`) against the fake Discord."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.domain import EFFECTIVENESS_LABELS, Focus
from practicebank.bootstrap import load_demo_bank_if_empty, open_store
from tests.adapters.discord.fake_discord import APP_ID, GUILD_ID, Recorded
from tests.adapters.discord.harness import FakeOnThread, fake_on_thread, slash
from tests.practicebank.conftest import DEMO_COUNT

ROOT = Path(__file__).resolve().parents[3]
START_UP_SECONDS = 30.0
EPHEMERAL = 64
NO_PINGS = {"parse": []}
SYNC_PATH = f"applications/{APP_ID}/guilds/{GUILD_ID}/commands"


def worker_command() -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("discord:"):
            return shlex.split(line.removeprefix("discord:"))
    raise AssertionError("the Procfile has no discord process")


def worker_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The test's environment without any Discord or database setting of its own, plus these."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DISCORD_", "PRACTICEBANK_")) and name != "DATABASE_URL"
    }
    return {
        **inherited,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "XDG_DATA_HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
        **settings,
    }


@dataclass
class Worker:
    """The running worker process, the fake it talks to, and where its stderr goes."""

    process: subprocess.Popen[bytes]
    served: FakeOnThread
    stderr: Path

    def errors(self) -> str:
        return self.stderr.read_text(errors="replace")

    def until(
        self, waiting: Callable[[], Awaitable[Any]], timeout: float = START_UP_SECONDS
    ) -> Any:
        """What the fake's `waiting()` returns, polling in short slices while the worker lives."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.served.call(waiting())
            except TimeoutError:
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"the worker exited early:\n{self.errors()[-3000:]}"
                    ) from None
                if time.monotonic() > deadline:
                    raise

    def stop(self) -> int:
        """SIGTERM, as a platform stops a worker; killed if it has not exited 10 s later."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError("the worker ignored SIGTERM for 10 s") from None


def practices_in(database_url: str) -> int:
    store = open_store(database_url)
    try:
        with store.uow_factory() as uow:
            return uow.practices.count()
    finally:
        store.engine.dispose()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start `practicebank run discord ...` (the Procfile's worker plus `extra`) on the fake.

    The database is filled with the demo bank first unless `fill` is false; `dotenv` names
    settings written to `.env` in the worker's working folder instead of its environment.
    """
    with contextlib.ExitStack() as stack:
        started: list[subprocess.Popen[bytes]] = []

        def start(*extra: str, fill: bool = True, dotenv: dict[str, str] | None = None) -> Worker:
            served = stack.enter_context(fake_on_thread())
            fake = served.fake
            settings = {
                "DISCORD_TOKEN": "fake-token",
                "DISCORD_API_URL": fake.api_url,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
                "DISCORD_GUILD_ID": GUILD_ID,
            }
            for name in dotenv or {}:
                settings.pop(name, None)
            (tmp_path / ".env").write_text(
                "".join(f"{name}={value}\n" for name, value in (dotenv or {}).items())
            )
            env = worker_env(tmp_path, **settings)
            if fill:
                store = open_store(env["DATABASE_URL"])
                load_demo_bank_if_empty(store.uow_factory)
                store.engine.dispose()
            stderr = tmp_path / "worker.stderr"
            with stderr.open("wb") as sink:
                process = subprocess.Popen(
                    [*worker_command(), *extra],
                    env=env,
                    cwd=tmp_path,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=sink,
                )
            started.append(process)
            return Worker(process, served, stderr)

        try:
            yield start
        finally:
            for process in started:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)


@pytest.fixture
def worker(start_worker: Callable[..., Worker]) -> Worker:
    return start_worker()


def _searched(worker: Worker) -> Recorded:
    """Wait until the worker is connected, then search for knife crime; return its answer."""
    fake = worker.served.fake
    worker.until(lambda: fake.wait_for_session(timeout=0.5))
    worker.until(lambda: fake.wait_for(lambda r: r.path == SYNC_PATH, timeout=0.5))
    search = slash("search", {"query": "knife crime"})
    worker.served.call(fake.interact(search))
    return worker.until(lambda: fake.callback(search["id"], timeout=0.5))


def test_run_discord_leaves_an_empty_database_empty(start_worker, tmp_path):
    """`practicebank run discord` on an empty database answers from it, without the demo bank."""
    running = start_worker(fill=False)

    answer = _searched(running)
    assert running.stop() == 0

    assert "No practices found for “knife crime”." in answer.body["data"]["content"]
    assert practices_in(f"sqlite:///{tmp_path / 'worker.db'}") == 0


def test_run_discord_with_demo_loads_the_demo_bank_into_an_empty_database(start_worker, tmp_path):
    """`practicebank run discord --demo` fills an empty database with the demo bank first."""
    running = start_worker("--demo", fill=False)

    answer = _searched(running)
    assert running.stop() == 0

    titles = [embed["title"] for embed in answer.body["data"]["embeds"]]
    assert titles[0] == "1. PB058 · Using community impact statements for knife crime"
    assert practices_in(f"sqlite:///{tmp_path / 'worker.db'}") == DEMO_COUNT


def test_run_discord_reads_the_token_from_dotenv(start_worker):
    """DISCORD_TOKEN only in `.env` in the working folder is the token used to identify."""
    running = start_worker(dotenv={"DISCORD_TOKEN": "token-from-dotenv"})

    identify = running.until(lambda: running.served.fake.wait_for_session(timeout=0.5))
    assert running.stop() == 0

    assert identify["token"] == "token-from-dotenv"


def test_procfile_worker_syncs_commands_and_answers_a_knife_crime_search(worker):
    """The Procfile's worker connects, syncs `/practice` and answers a search with embeds."""
    fake = worker.served.fake

    identify = worker.until(lambda: fake.wait_for_session(timeout=0.5))
    synced = worker.until(lambda: fake.wait_for(lambda r: r.path == SYNC_PATH, timeout=0.5))
    search = slash("search", {"query": "knife crime"})
    worker.served.call(fake.interact(search))
    answer: Recorded = worker.until(lambda: fake.callback(search["id"], timeout=0.5))
    exit_code = worker.stop()

    assert identify["token"] == "fake-token"
    assert (synced.method, synced.status) == ("PUT", 200)
    (command,) = synced.body
    assert command["name"] == "practice"
    subcommands = {option["name"]: option for option in command["options"]}
    assert {"search", "show", "share"} <= set(subcommands)
    options = subcommands["search"]["options"]
    assert [(o["name"], o["type"], o.get("required", False)) for o in options] == [
        ("query", 3, True),
        ("focus", 3, False),
        ("effectiveness", 3, False),
        ("topic", 3, False),
    ]
    assert options[0]["autocomplete"] is True
    assert [c["value"] for c in options[1]["choices"]] == [focus.value for focus in Focus]
    assert [c["value"] for c in options[2]["choices"]] == [e.value for e in EFFECTIVENESS_LABELS]
    assert answer.status == 200
    assert answer.body["type"] == 4
    data = answer.body["data"]
    assert data["flags"] == EPHEMERAL
    assert data["allowed_mentions"] == NO_PINGS
    titles = [embed["title"] for embed in data["embeds"]]
    assert titles[:2] == [
        "1. PB058 · Using community impact statements for knife crime",
        "2. PB017 · Habitual knife carrier index",
    ]
    # SIGTERM becomes a KeyboardInterrupt, on which discord.py closes the client and returns.
    assert exit_code == 0
    assert "Traceback" not in worker.errors()


def test_worker_without_a_token_says_so_in_one_line(tmp_path):
    """`practicebank run discord` without DISCORD_TOKEN exits 2 with one line, no traceback."""
    finished = subprocess.run(
        worker_command(),
        env=worker_env(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )

    errors = finished.stderr.decode()
    assert finished.returncode == 2
    assert errors.splitlines() == [
        "practicebank: DISCORD_TOKEN is not set: copy the bot token from the portal"
    ]
    assert finished.stdout == b""
