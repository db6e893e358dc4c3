"""The HTTP server as the Procfile starts it (gunicorn), answering a signed slash command."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.adapters.slack.conftest import SECRET, command_body, signed_headers

ROOT = Path(__file__).resolve().parents[3]


def web_command() -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return shlex.split(line.removeprefix("web:"))
    raise AssertionError("the Procfile has no web process")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - local server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def web_server(fake, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        web_command(),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-3000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)  # waiting for the server to listen, not asserting timing
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    process.stderr.close()


def test_procfile_web_process_answers_a_signed_slash_command(web_server, fake):
    """`/practice crime` to the Procfile's server: 200, then knife-crime cards."""
    body = command_body("crime", response_url=fake.response_url("web"))

    status = post(web_server, body, signed_headers(body))

    assert status == 200
    answer = fake.wait_for("respond/web", timeout=30)[0].body
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "11 practices for “crime” (showing 1–5 of 11)."
    shared = [b["accessory"]["action_id"] for b in answer["blocks"] if b.get("accessory")]
    assert shared == [
        "slack:post:PB010",
        "slack:post:PB058",
        "slack:post:PB017",
        "slack:post:PB061",
        "slack:post:PB029",
    ]


def test_procfile_web_process_refuses_a_forged_request(web_server, fake):
    """The real server answers 401 to a request signed with another secret."""
    body = command_body("crime", response_url=fake.response_url("web"))

    status = post(web_server, body, signed_headers(body, secret="forged"))

    assert status == 401
