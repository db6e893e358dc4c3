"""Fixtures for the process-level tests: the fake Slack, and starting the Procfile's processes.

Every process gets a PostgreSQL schema of its own test (the `database_url` fixture's), the fake
Slack's URL, and short leases so that a test sees a killed process's work taken over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.adapters.slack.conftest import SECRET
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_http_server import free_port

Start = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """The fake Slack Web API."""
    server = FakeSlack().start()
    yield server
    server.stop()


def process_env(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a bot process against the fake and `database_url`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PRACTICEBANK_"))}
    return {
        **keep,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PORT": str(free_port()),
        "HEALTH_PORT": str(free_port()),
        "OUTBOX_LEASE_SECONDS": "5",
        "SLACK_DELIVERY_SECONDS": "0.2",
        **extra,
    }


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Start `practicebank <args>` in its own process group; all are stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def run(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            ["practicebank", *args],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"stderr-{len(started)}.log").open("wb"),
            start_new_session=True,
        )
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` (a process's progress) until true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)  # polling another process's progress, not asserting timing
    raise AssertionError(f"timed out waiting for {what}")
